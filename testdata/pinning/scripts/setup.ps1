iex ((New-Object System.Net.WebClient).DownloadString('https://example.com/install.ps1'))
irm https://example.com/get.ps1 | iex
Invoke-WebRequest -Uri https://example.com/setup.ps1 -OutFile "$env:TEMP\setup.ps1"
& "$env:TEMP\setup.ps1" -Quiet
choco install -y git --version=2.47.0
choco install -y nodejs
dotnet tool install --global dotnet-ef
dotnet tool install --global dotnet-format --version 5.1.250801
dotnet tool restore
iwr https://example.com/s2.ps1 -OutFile s2.ps1
.\s2.ps1
& ([scriptblock]::Create((irm https://example.com/x.ps1)))
