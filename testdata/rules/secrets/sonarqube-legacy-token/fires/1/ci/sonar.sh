property 'sonar.login', '3b8e0d6a91f2c45e7d0b6a8f3c1e9d2475a0b6c8'
