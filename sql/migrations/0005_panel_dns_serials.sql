-- 0005: the SOA serial of each domain's zone, bumped in the transaction of every change to the
-- domain or its sub-domains, so that a zone rendered by libpanel (panel_domain_zone) always has
-- a higher serial than the previous one. AlternC's cron keeps its own serial in the zone file;
-- this table does not change its contract.
CREATE TABLE IF NOT EXISTS panel_dns_serials (
  domaine VARCHAR(64) NOT NULL,
  serial INT UNSIGNED NOT NULL,                        -- YYYYMMDDnn, or higher after 100 changes a day
  changed_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (domaine)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='SOA serials of the zones rendered by libpanel';
