-- 0004: the queue of external effects for the cron side. AlternC 1.0 ran setuid helpers
-- synchronously from the PHP panel (mem_add, mem_del, mail_add, mail_del...); libpanel records
-- them here instead, in the same transaction as the change, and a root cron job executes them
-- (docs/architecture.md, "External effects"). Domains keep their own AlternC contract
-- (domaines.dns_action, sub_domaines.web_action).
CREATE TABLE IF NOT EXISTS panel_actions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  action VARCHAR(32) NOT NULL,                         -- mem_add, mem_del, ...
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,             -- the account concerned
  login VARCHAR(128) NOT NULL DEFAULT '',
  args TEXT NULL,                                      -- JSON object of further arguments
  created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  done_at DATETIME NULL,                               -- set by the cron side when applied
  result VARCHAR(255) NOT NULL DEFAULT '',             -- exit status or error of the cron side
  PRIMARY KEY (id),
  KEY pending (done_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='External effects waiting for the cron side';

-- New accounts get their uid from AUTO_INCREMENT, never below AlternC's 2000 and never reusing
-- the uid (the Unix group of the files) of a deleted account, as MAX(uid)+1 could. InnoDB keeps
-- the counter at MAX(uid)+1 when that is higher, so this is idempotent.
ALTER TABLE membres AUTO_INCREMENT = 2000;
