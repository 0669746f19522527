-- 0013: the Location header of a stored answer (a 201's new resource), replayed with it. Before,
-- a replayed 201 came back without it, and a client that files the answer's ETag under the
-- Location (clients/php/PanelApi.php) filed it under the collection: its next If-Match was lost.
ALTER TABLE panel_idempotency
  ADD COLUMN IF NOT EXISTS location VARCHAR(320) NULL AFTER body;
