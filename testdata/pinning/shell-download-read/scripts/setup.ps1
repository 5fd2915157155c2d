Invoke-WebRequest -Uri https://x.example/install.ps1 -OutFile install.ps1
pwsh -NoProfile -ExecutionPolicy Bypass -File install.ps1
Write-Host "iex (irm https://x.example/hint.ps1)"
Invoke-WebRequest -Uri https://x.example/settings.json -OutFile settings.json
$settings = Get-Content settings.json | ConvertFrom-Json
