mysql -h db.internal -u root -p~m40JFIWaLwTmuISp2cP < seed.sql
