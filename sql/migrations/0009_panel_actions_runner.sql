-- 0009: the runner of panel_actions (libpanel/src/runner.c). Each action gets a state, claimed by
-- one runner at a time (SELECT ... FOR UPDATE SKIP LOCKED, then state = 'running' with who and
-- when), retried with a growing delay (attempts, next_try) after a transient failure, failed with
-- a reason after a permanent one. done_at and result keep their 0004 meaning for other readers:
-- done_at is set once the action is finished (done or failed), result is "ok" or the reason.
ALTER TABLE panel_actions
  ADD COLUMN IF NOT EXISTS state ENUM('pending', 'running', 'done', 'failed') NOT NULL
    DEFAULT 'pending' AFTER args,
  ADD COLUMN IF NOT EXISTS attempts INT UNSIGNED NOT NULL DEFAULT 0 AFTER state,
  ADD COLUMN IF NOT EXISTS next_try DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP AFTER attempts,
  ADD COLUMN IF NOT EXISTS claimed_by VARCHAR(128) NOT NULL DEFAULT '' AFTER next_try,
  ADD COLUMN IF NOT EXISTS claimed_at DATETIME NULL AFTER claimed_by,
  ADD COLUMN IF NOT EXISTS error VARCHAR(255) NOT NULL DEFAULT '' AFTER result,
  ADD INDEX IF NOT EXISTS runnable (state, next_try, id),
  ADD INDEX IF NOT EXISTS by_uid (uid, id),
  ADD INDEX IF NOT EXISTS by_login (login, id);

-- Actions the former jobs runner (or the cron side) already carried out are done.
UPDATE panel_actions SET state = 'done' WHERE done_at IS NOT NULL AND state = 'pending';
