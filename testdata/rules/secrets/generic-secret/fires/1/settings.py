auth_token = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"
