-- 0014: rows that domain additions lock, held until the commit, so that a domain and another
-- account's domain under it, added at once, run one after the other: each addition locks its
-- own name exclusively (INSERT ... ON DUPLICATE KEY UPDATE) and its parents' names shared
-- (INSERT IGNORE, then LOCK IN SHARE MODE). Nothing reads the rows; one per name or parent
-- ever added, never removed.
CREATE TABLE IF NOT EXISTS panel_name_locks (
  name VARCHAR(255) NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='Names that domain additions lock';
