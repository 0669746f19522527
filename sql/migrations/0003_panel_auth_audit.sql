-- 0003: the panel's own tables for authentication, audit and idempotency (prefix panel_).
-- Nothing of AlternC 1.0 is changed. Idempotent: CREATE TABLE IF NOT EXISTS only.

-- Bearer tokens handed out at login. Only a SHA-256 of the token is stored; the token itself
-- is 256 random bits, so a fast hash is enough. Any panel-api instance can check them.
CREATE TABLE IF NOT EXISTS panel_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  uid INT(10) UNSIGNED NOT NULL,
  created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires DATETIME NOT NULL,
  last_used DATETIME NULL,
  ip VARCHAR(64) NOT NULL DEFAULT '',
  revoked TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY token_hash (token_hash),
  KEY uid (uid),
  KEY expires (expires),
  CONSTRAINT fk_panel_tokens_membres FOREIGN KEY (uid) REFERENCES membres (uid) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Login tokens of the REST API (hashed)';

-- Application keys for the PHP panel and scripts, created by admins and shown once.
CREATE TABLE IF NOT EXISTS panel_apikeys (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  uid INT(10) UNSIGNED NOT NULL,                       -- the admin that owns it
  name VARCHAR(128) NOT NULL,
  key_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  scope VARCHAR(255) NOT NULL DEFAULT 'write',         -- read, write, or a comma list of kinds
  networks VARCHAR(1024) NOT NULL DEFAULT '',          -- comma list of CIDRs, '' = anywhere
  expires DATETIME NULL,
  created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_used DATETIME NULL,
  revoked TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY key_hash (key_hash),
  KEY uid (uid),
  CONSTRAINT fk_panel_apikeys_membres FOREIGN KEY (uid) REFERENCES membres (uid) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Application keys of the REST API (hashed)';

-- Failed logins per login and per source address, to slow guessing down.
CREATE TABLE IF NOT EXISTS panel_login_failures (
  scope_key VARCHAR(200) NOT NULL,                     -- 'login:<login>' or 'ip:<address>'
  failures INT UNSIGNED NOT NULL DEFAULT 0,
  first_failure DATETIME NOT NULL,
  last_failure DATETIME NOT NULL,
  PRIMARY KEY (scope_key),
  KEY last_failure (last_failure)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Login throttling';

-- Every change made through libpanel: who, as whom, from where, what, before and after.
-- No foreign key: the trail outlives the accounts it mentions.
CREATE TABLE IF NOT EXISTS panel_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  actor_kind ENUM('system','admin','member') NOT NULL,
  actor_uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  as_uid INT(10) UNSIGNED NOT NULL DEFAULT 0,          -- the member an admin acted as
  ip VARCHAR(64) NOT NULL DEFAULT '',
  action VARCHAR(64) NOT NULL,                         -- account.create, quota.set...
  object_kind VARCHAR(32) NOT NULL,
  object_id VARCHAR(255) NOT NULL,
  subject_uid INT(10) UNSIGNED NOT NULL DEFAULT 0,     -- the account the object belongs to
  before_data LONGTEXT NULL,                           -- JSON, secrets left out
  after_data LONGTEXT NULL,
  PRIMARY KEY (id),
  KEY object (object_kind, object_id),
  KEY actor (actor_uid),
  KEY subject (subject_uid),
  KEY at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Audit trail of the changes made through libpanel';

-- Idempotency keys of REST writes: the first answer, replayed to retries for 24 hours.
CREATE TABLE IF NOT EXISTS panel_idempotency (
  principal VARCHAR(64) NOT NULL,                      -- 'token:<uid>' or 'key:<id>'
  idem_key VARCHAR(255) COLLATE utf8mb4_bin NOT NULL, -- compared exactly: "ABC" is not "abc"
  request_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status SMALLINT UNSIGNED NOT NULL DEFAULT 0,         -- 0 while the first request runs
  body MEDIUMTEXT NULL,
  created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (principal, idem_key),
  KEY created (created)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Idempotency keys of the REST API';
