mysql -h db.internal -u root -p < seed.sql
