-- 0006: the dumps the panel wrote, with their SHA-256. A dump lies in the member's backups
-- folder, which the member can write to (FTP, its PHP): a restore is carried out only when the
-- file still has the content recorded here (unless a super admin asks for an unverified
-- restore), and always with an account that has rights on that one database alone.
CREATE TABLE IF NOT EXISTS panel_dumps (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  db VARCHAR(64) NOT NULL,                             -- the dumped database (db.db)
  uid INT(10) UNSIGNED NOT NULL,                       -- its owner when dumped
  file VARCHAR(255) NOT NULL,                          -- the file's name in the backups folder
  sha256 CHAR(64) NOT NULL,                            -- hex, of the whole file
  size BIGINT UNSIGNED NOT NULL,
  created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY db_file (db, file)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Dumps written by the jobs runner, and their checksums';
