-- 0011, first part: slaveip.class holds the prefix length of an allowed address. AlternC 1.0 allowed IPv4
-- only (8..32) in a signed TINYINT, which stops at 127: an IPv6 host (/128) could not be
-- stored although the VARCHAR(40) ip column takes IPv6 text. Unsigned; 1.0's values keep
-- their meaning and its readers (slave_dns writes "ip/class;" into bind's ACL) are unchanged.
ALTER TABLE slaveip MODIFY COLUMN class TINYINT UNSIGNED NOT NULL;

-- Password resets by mail (AlternC 1.0's send_pass mailed the stored hash, useless): the SHA-256
-- of the one pending reset token of an account and when it expires; the row goes with the
-- account. membres.lastaskpass keeps 1.0's meaning (the last request, one a day).
CREATE TABLE IF NOT EXISTS panel_password_resets (
  uid INT(10) UNSIGNED NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  expires DATETIME NOT NULL,
  PRIMARY KEY (uid),
  CONSTRAINT fk_panel_password_resets_membres FOREIGN KEY (uid) REFERENCES membres (uid)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Pending password resets (token hashes)';
