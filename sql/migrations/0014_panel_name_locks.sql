-- 0014: rows that domain additions lock (INSERT ... ON DUPLICATE KEY UPDATE, held until the
-- commit) so that two additions whose checks could each miss the other run one after the
-- other: a domain and another account's domain under it (same last two labels), or two names
-- that read alike once each dot stands for any character (same length). Nothing reads the
-- rows; one per key ever used, never removed.
CREATE TABLE IF NOT EXISTS panel_name_locks (
  name VARCHAR(80) NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='Keys that domain additions lock';
