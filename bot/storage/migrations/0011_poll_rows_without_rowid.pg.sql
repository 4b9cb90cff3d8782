-- PostgreSQL keeps no rowid: its tables already store a row once, beside their primary key's index.
SELECT 1;
