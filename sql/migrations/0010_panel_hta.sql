-- 0010: protected folders (AlternC 1.0's m_hta). 1.0 kept them only as .htaccess and .htpasswd
-- files, written by the panel's PHP in the member's tree; here the panel keeps them in these
-- tables and the system-side runner (action hta_write) writes the two files from them with its
-- safe path walk. dir is relative to the member's web space, with a leading '/'.
CREATE TABLE IF NOT EXISTS panel_hta_dirs (
  uid INT UNSIGNED NOT NULL,
  dir VARCHAR(255) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (uid, dir)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='Protected folders';

CREATE TABLE IF NOT EXISTS panel_hta_users (
  uid INT UNSIGNED NOT NULL,
  dir VARCHAR(255) NOT NULL,
  user VARCHAR(64) NOT NULL,
  hash VARCHAR(255) NOT NULL,                          -- bcrypt $2y$, as htpasswd -B makes
  PRIMARY KEY (uid, dir, user)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='Users of protected folders';
