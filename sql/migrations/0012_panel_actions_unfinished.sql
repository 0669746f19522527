-- 0012: the runner picks a file action only when no earlier unfinished action of its account or
-- login exists (libpanel/src/runner.c, candidates()). Looked up through (uid, id) and (login, id),
-- each check walked the account's finished actions too: one member's flood of mailbox changes
-- made every claim take seconds. These indexes reach the unfinished ones of an account directly.
ALTER TABLE panel_actions
  ADD INDEX IF NOT EXISTS unfinished_uid (uid, state, id),
  ADD INDEX IF NOT EXISTS unfinished_login (login, state, id);
