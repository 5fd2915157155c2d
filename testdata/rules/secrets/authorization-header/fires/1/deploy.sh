curl -H 'X-Api-Key: WRwr2quvSquety6W3d0dej5uPg' https://api.internal/v1/items
