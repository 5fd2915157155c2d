    password = "WRwr2quvSquety6W3d0dej5uPg"  # gitleaks:allow
