-- 0008: database user names are login_suffix up to 80 characters (MariaDB's limit for user
-- names), but AlternC 1.0's dbusers.name is VARCHAR(16): under strict mode a longer name was
-- refused by the table after the server had the user. Widened; 1.0's own readers only SELECT it.
ALTER TABLE dbusers MODIFY COLUMN name VARCHAR(80) NOT NULL DEFAULT '';
