-- 0001: the AlternC 1.0 panel schema (install/mysql.sql of the stable-1.0 tree), in modern MariaDB syntax.
-- Tables, columns, types and defaults keep their 1.0 names and meanings; see sql/README.md.
--
-- Contract (sql/README.md): the runner sends this file as ONE multi-statement batch in the selected
-- database. It is idempotent: on an existing AlternC 1.0 database every CREATE is skipped and no seed
-- is inserted (a seed table only gets its rows while it is still empty), so nothing changes there.
-- New tables get InnoDB + utf8mb4; the existing MyISAM/latin1 ones are converted by 0002.
-- Where 1.0 itself was inconsistent (alternc-1.0.md section 1.8) this file writes the fresh-install
-- variant; 0002 brings both variants to one definition.

-- A known sql_mode for this file only: no zero-date ban (membres.lastlogin defaults to the zero
-- date, which the 1.0 panel reads as "never logged in"), no engine substitution.
SET @panel_saved_sql_mode := @@SESSION.sql_mode;
SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO';

-- ---------------------------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS membres (
  uid INT(10) UNSIGNED NOT NULL AUTO_INCREMENT,        -- account id, also the Unix GID; set to MAX+1 (>= 2000) by the code
  login VARCHAR(128) NOT NULL DEFAULT '',              -- [a-z0-9]{1,16} in practice
  pass VARCHAR(64) NOT NULL DEFAULT '',                -- MD5-crypt "$1$salt$hash" (widened by 0002)
  enabled TINYINT(4) NOT NULL DEFAULT 1,               -- 0 = locked
  su TINYINT(4) NOT NULL DEFAULT 0,                    -- 1 = administrator
  mail VARCHAR(128) NOT NULL DEFAULT '',               -- owner's contact address
  lastaskpass BIGINT(20) UNSIGNED DEFAULT 0,           -- unix time of the last password reminder
  show_help TINYINT(4) NOT NULL DEFAULT 1,
  lastlogin DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00', -- zero date = never logged in (main.php tests it)
  lastfail TINYINT(4) NOT NULL DEFAULT 0,              -- failed logins since the last success
  lastip VARCHAR(255) NOT NULL DEFAULT '',
  creator INT(10) UNSIGNED DEFAULT 0,                  -- uid of the administrator who created it
  canpass TINYINT(4) DEFAULT 1,                        -- may change his own password
  warnlogin TINYINT(4) DEFAULT 0,                      -- unused in 1.0
  warnfailed TINYINT(4) DEFAULT 0,                     -- unused in 1.0
  admlist TINYINT(4) DEFAULT 0,                        -- admin list display mode
  type VARCHAR(128) DEFAULT 'default',                 -- account type, selects defquotas.type
  notes TEXT NOT NULL,                                 -- admin notes (no default in 1.0: INSERTs supply it)
  created DATETIME DEFAULT NULL,
  renewed DATETIME DEFAULT NULL,                       -- start of the current period
  duration INT(4) DEFAULT NULL,                        -- period in months, NULL = never expires
  PRIMARY KEY (uid),
  UNIQUE KEY k_login (login)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Hosted accounts';

CREATE TABLE IF NOT EXISTS local (
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  nom VARCHAR(128) NOT NULL DEFAULT '',                -- last name
  prenom VARCHAR(128) NOT NULL DEFAULT '',             -- first name
  PRIMARY KEY (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Host-specific account fields';

CREATE TABLE IF NOT EXISTS quotas (
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(64) NOT NULL DEFAULT '',                -- web, dom, mail, ftp, mysql, mysql_users, sta2...
  total BIGINT(20) UNSIGNED NOT NULL DEFAULT 0,        -- the limit only; usage is computed live
  PRIMARY KEY (uid, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Per-account quota limits';

CREATE TABLE IF NOT EXISTS defquotas (
  quota VARCHAR(128) NOT NULL,                         -- quota name
  value BIGINT(20) UNSIGNED DEFAULT 0,
  type VARCHAR(128) NOT NULL DEFAULT 'default',        -- account type (membres.type)
  PRIMARY KEY (quota, type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Default quotas per account type';

-- No key at all in 1.0 (0002 adds them).
CREATE TABLE IF NOT EXISTS sessions (
  sid VARCHAR(32) NOT NULL DEFAULT '',                 -- 32 hex chars, the "session" cookie
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  ip VARCHAR(40) NOT NULL DEFAULT '',                  -- '' = not bound to an IP
  ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Panel sessions';

CREATE TABLE IF NOT EXISTS chgmail (
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  cookie VARCHAR(20) NOT NULL DEFAULT '',              -- 20 hex chars sent by mail
  ckey VARCHAR(6) NOT NULL DEFAULT '',                 -- 6 hex chars shown on screen
  mail VARCHAR(128) NOT NULL DEFAULT '',               -- the new address
  ts BIGINT(20) UNSIGNED NOT NULL DEFAULT 0,           -- unix time of the request
  PRIMARY KEY (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Pending e-mail address changes';

CREATE TABLE IF NOT EXISTS browser (
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  editsizex INT(10) UNSIGNED NOT NULL DEFAULT 0,
  editsizey INT(10) UNSIGNED NOT NULL DEFAULT 0,
  listmode TINYINT(3) UNSIGNED NOT NULL DEFAULT 0,
  showicons TINYINT(4) NOT NULL DEFAULT 0,
  downfmt TINYINT(4) NOT NULL DEFAULT 0,
  createfile TINYINT(4) NOT NULL DEFAULT 0,
  showtype TINYINT(4) NOT NULL DEFAULT 0,
  editor_font VARCHAR(64) NOT NULL DEFAULT '',
  editor_size VARCHAR(8) NOT NULL DEFAULT '',
  crff TINYINT(4) NOT NULL DEFAULT 0,
  golastdir TINYINT(4) NOT NULL DEFAULT 0,
  lastdir VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='File manager preferences';

-- ---------------------------------------------------------------------------------------------
-- Domains
-- ---------------------------------------------------------------------------------------------

-- Uniqueness of domaine alone is code-only in 1.0 (0002 adds the key).
CREATE TABLE IF NOT EXISTS domaines (
  compte INT(10) UNSIGNED NOT NULL DEFAULT 0,          -- owner uid
  domaine VARCHAR(64) NOT NULL DEFAULT '',             -- FQDN, lower case
  gesdns INT(1) NOT NULL DEFAULT 1,                    -- 1 = we serve its zone
  gesmx INT(1) NOT NULL DEFAULT 1,                     -- 1 = we host its mail
  noerase TINYINT(4) NOT NULL DEFAULT 0,               -- admin lock
  dns_action ENUM('OK','UPDATE','DELETE') NOT NULL DEFAULT 'UPDATE', -- work order for the cron
  dns_result VARCHAR(255) NOT NULL DEFAULT '',         -- exit code of the last cron action
  PRIMARY KEY (compte, domaine)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Hosted domains';

-- valeur is "DEFAULT NULL" in 1.0 but part of the primary key, which makes it NOT NULL DEFAULT ''
-- (what MySQL 5.x silently did); type is a domaines_type.name in any case.
CREATE TABLE IF NOT EXISTS sub_domaines (
  compte INT(10) UNSIGNED NOT NULL DEFAULT 0,          -- owner uid
  domaine VARCHAR(64) NOT NULL DEFAULT '',             -- parent domain
  sub VARCHAR(100) NOT NULL DEFAULT '',                -- '' = apex, '*' = wildcard
  valeur VARCHAR(255) NOT NULL DEFAULT '',             -- target: directory, URL, IP, name, text
  type VARCHAR(30) NOT NULL DEFAULT 'LOCAL',           -- 'LOCAL' is the 1.0 default, not a valid type
  web_action ENUM('OK','UPDATE','DELETE') NOT NULL DEFAULT 'UPDATE',
  web_result VARCHAR(255) NOT NULL DEFAULT '',
  enable ENUM('ENABLED','ENABLE','DISABLED','DISABLE') NOT NULL DEFAULT 'ENABLED', -- ENABLE/DISABLE = pending
  PRIMARY KEY (compte, domaine, sub, type, valeur)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='DNS records and web hosts of the domains';

CREATE TABLE IF NOT EXISTS domaines_type (
  name VARCHAR(255) NOT NULL,                          -- type id, lower case
  description TEXT,
  target ENUM('NONE','URL','DIRECTORY','IP','IPV6','DOMAIN','TXT') NOT NULL DEFAULT 'NONE', -- kind of valeur
  entry VARCHAR(255) DEFAULT '',                       -- BIND line template
  compatibility VARCHAR(255) DEFAULT '',               -- types allowed on the same sub
  enable ENUM('ALL','NONE','ADMIN') NOT NULL DEFAULT 'ALL',
  only_dns TINYINT(1) DEFAULT 0,
  need_dns TINYINT(1) DEFAULT 1,
  advanced TINYINT(1) DEFAULT 1,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Sub-domain types';

CREATE TABLE IF NOT EXISTS tld (
  tld VARCHAR(128) NOT NULL DEFAULT '',                -- without the leading dot, may contain dots
  mode TINYINT(4) NOT NULL DEFAULT 0,                  -- 0 forbidden .. 5, see alternc-1.0.md 1.3
  PRIMARY KEY (tld),
  KEY mode (mode)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Allowed top-level domains';

CREATE TABLE IF NOT EXISTS forbidden_domains (
  domain VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (domain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Domains that may not be installed';

-- ---------------------------------------------------------------------------------------------
-- Mail
-- ---------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS mail_domain (
  mail VARCHAR(255) NOT NULL DEFAULT '',               -- local@domain, @domain (catch-all) or domain (marker)
  alias TEXT NOT NULL,                                 -- newline-separated destinations
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  pop TINYINT(4) NOT NULL DEFAULT 0,                   -- 1 = has a mailbox
  type TINYINT(4) NOT NULL DEFAULT 0,                  -- 0 = address or marker, 1 = wrapper
  expiration_date DATETIME DEFAULT NULL,               -- stored only
  PRIMARY KEY (mail),
  KEY uid (uid),
  KEY pop (pop)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Postfix virtual alias map';

CREATE TABLE IF NOT EXISTS mail_users (
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,             -- owner, GID of the mailbox files
  alias VARCHAR(255) NOT NULL DEFAULT '',              -- login: local_domain and local@domain (2 rows per box)
  path VARCHAR(255) NOT NULL DEFAULT '',               -- /var/alternc/mail/<c>/<local>_<domain>
  password VARCHAR(255) NOT NULL DEFAULT '',           -- MD5-crypt
  PRIMARY KEY (alias),
  KEY path (path),
  KEY uid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Mailboxes (dovecot, postfix)';

CREATE TABLE IF NOT EXISTS mail_alias (
  mail VARCHAR(255) NOT NULL DEFAULT '',               -- local_domain
  alias VARCHAR(255) NOT NULL DEFAULT '',              -- <path>/Maildir/ or "| command"
  PRIMARY KEY (mail)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='local(8) alias map';

CREATE TABLE IF NOT EXISTS mxaccount (
  login VARCHAR(64) NOT NULL,
  pass VARCHAR(64) NOT NULL,                           -- clear text (HTTP Basic of mxlist.php)
  PRIMARY KEY (login)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Secondary MX accounts';

CREATE TABLE IF NOT EXISTS size_mail (
  alias VARCHAR(255) NOT NULL DEFAULT '',              -- local_domain
  size INT(10) UNSIGNED NOT NULL DEFAULT 0,            -- KB
  ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (alias),
  KEY ts (ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Mailbox sizes';

-- ---------------------------------------------------------------------------------------------
-- MySQL hosting
-- ---------------------------------------------------------------------------------------------

-- No primary key in 1.0 (0002 adds UNIQUE db).
CREATE TABLE IF NOT EXISTS db (
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  login VARCHAR(16) NOT NULL DEFAULT '',               -- main MySQL user of the account
  pass VARCHAR(16) NOT NULL DEFAULT '',                -- its password, clear text
  db VARCHAR(64) NOT NULL DEFAULT '',                  -- login or login_name
  bck_mode TINYINT(3) UNSIGNED NOT NULL DEFAULT 0,     -- 0 none, 1 weekly, 2 daily
  bck_history TINYINT(3) UNSIGNED NOT NULL DEFAULT 0,
  bck_gzip TINYINT(3) UNSIGNED NOT NULL DEFAULT 0,
  bck_dir VARCHAR(255) NOT NULL DEFAULT '',            -- absolute directory
  KEY uid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Members databases';

CREATE TABLE IF NOT EXISTS dbusers (
  id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT,
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(16) NOT NULL DEFAULT '',                -- login_user; the password lives in mysql.user only
  KEY id (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Extra MySQL users of the members';

CREATE TABLE IF NOT EXISTS size_db (
  db VARCHAR(255) NOT NULL DEFAULT '',
  size INT(10) UNSIGNED NOT NULL DEFAULT 0,            -- bytes (data + index)
  ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (db),
  KEY ts (ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Database sizes';

-- ---------------------------------------------------------------------------------------------
-- FTP
-- ---------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS ftpusers (
  id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(64) NOT NULL DEFAULT '',                -- prefix or prefix_login
  password VARCHAR(32) NOT NULL DEFAULT '',            -- legacy clear text, always '' in 1.0
  encrypted_password VARCHAR(32) DEFAULT NULL,         -- DES crypt(3), 13 chars (widened by 0002)
  homedir VARCHAR(128) NOT NULL DEFAULT '',            -- absolute
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,             -- GID for proftpd
  PRIMARY KEY (id),
  UNIQUE KEY name (name),
  KEY homedir (homedir),
  KEY mid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='FTP accounts (proftpd)';

-- ---------------------------------------------------------------------------------------------
-- Settings, DNS slaves, statistics
-- ---------------------------------------------------------------------------------------------

-- The redundant KEY name is what a 1.0 fresh install has (0002 drops it).
CREATE TABLE IF NOT EXISTS variable (
  name VARCHAR(48) NOT NULL DEFAULT '',
  value LONGTEXT NOT NULL,                             -- PHP-serialized for arrays/objects, else raw
  comment MEDIUMTEXT NULL,                             -- NULL = hidden from the admin page
  PRIMARY KEY (name),
  KEY name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Panel settings';

CREATE TABLE IF NOT EXISTS policy (
  name VARCHAR(64) NOT NULL,                           -- mem, pop, ftp, mysql, hta
  minsize TINYINT(3) UNSIGNED NOT NULL,
  maxsize TINYINT(3) UNSIGNED NOT NULL,
  classcount TINYINT(3) UNSIGNED NOT NULL,
  allowlogin TINYINT(3) UNSIGNED NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Password policies';

CREATE TABLE IF NOT EXISTS slaveip (
  ip VARCHAR(40) NOT NULL,
  class TINYINT(4) NOT NULL,                           -- CIDR prefix length
  PRIMARY KEY (ip, class)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Hosts allowed to transfer zones';

CREATE TABLE IF NOT EXISTS slaveaccount (
  login VARCHAR(64) NOT NULL,
  pass VARCHAR(64) NOT NULL,                           -- clear text (HTTP Basic of domlist.php)
  PRIMARY KEY (login)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Slave DNS accounts';

CREATE TABLE IF NOT EXISTS size_web (
  uid INT(10) UNSIGNED NOT NULL DEFAULT 0,
  size INT(10) UNSIGNED NOT NULL DEFAULT 0,            -- KB
  ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (uid),
  KEY ts (ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Web space used per account';

CREATE TABLE IF NOT EXISTS size_mailman (
  list VARCHAR(255) NOT NULL DEFAULT '',
  uid INT(11) NOT NULL DEFAULT 0,                      -- signed in 1.0
  size INT(10) UNSIGNED NOT NULL DEFAULT 0,            -- KB
  ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (list),
  KEY ts (ts),
  KEY uid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Mailing list sizes';

CREATE TABLE IF NOT EXISTS stats2 (
  id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT,
  mid INT(10) UNSIGNED NOT NULL DEFAULT 0,             -- owner uid
  hostname VARCHAR(255) NOT NULL DEFAULT '',
  folder VARCHAR(255) NOT NULL DEFAULT '',             -- absolute
  PRIMARY KEY (id),
  KEY mid (mid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Raw access log sets (quota sta2)';

-- ---------------------------------------------------------------------------------------------
-- Seeds, as 1.0 ships them. Each statement inserts all rows of one table at once and only while
-- that table is empty, so that a seed row an administrator deleted on a live host is not
-- resurrected, and a crash leaves either all or none of a table's seeds.
-- ---------------------------------------------------------------------------------------------

-- QUIRK kept from 1.0: the seed says "stats" while the quota class is named "sta2".
INSERT IGNORE INTO defquotas (quota, value, type)
SELECT * FROM (
            SELECT 'dom' AS quota, 1 AS value, 'default' AS type
  UNION ALL SELECT 'mail', 10, 'default'
  UNION ALL SELECT 'ftp', 2, 'default'
  UNION ALL SELECT 'stats', 1, 'default'
  UNION ALL SELECT 'mysql', 1, 'default'
  UNION ALL SELECT 'mysql_users', 1, 'default'
) AS seed
WHERE NOT EXISTS (SELECT 1 FROM defquotas);

-- The stable-1.0 variant (alternc-1.0.md 0.2), the one with working MX compatibilities.
INSERT IGNORE INTO domaines_type
  (name, description, target, entry, compatibility, only_dns, need_dns, advanced, enable)
SELECT * FROM (
            SELECT 'vhost' AS name, 'Locally hosted' AS description, 'DIRECTORY' AS target,
                   '%SUB% IN A @@PUBLIC_IP@@' AS entry, 'txt,defmx,defmx2,mx,mx2' AS compatibility,
                   0 AS only_dns, 0 AS need_dns, 0 AS advanced, 'ALL' AS enable
  UNION ALL SELECT 'url', 'URL redirection', 'URL', '%SUB% IN A @@PUBLIC_IP@@',
                   'txt,defmx,defmx2', 1, 1, 0, 'ALL'
  UNION ALL SELECT 'ip', 'IPv4 redirect', 'IP', '%SUB% IN A %TARGET%',
                   'url,ip,ipv6,txt,mx,mx2,defmx,defmx2', 0, 1, 0, 'ALL'
  UNION ALL SELECT 'webmail', 'Webmail access', 'NONE', '%SUB% IN A @@PUBLIC_IP@@',
                   'txt', 0, 0, 0, 'ALL'
  UNION ALL SELECT 'ipv6', 'IPv6 redirect', 'IPV6', '%SUB% IN AAAA %TARGET%',
                   'ip,ipv6,webmail,txt,mx,mx2,defmx,defmx2', 1, 1, 1, 'ALL'
  UNION ALL SELECT 'cname', 'CNAME DNS entry', 'DOMAIN', '%SUB% CNAME %TARGET%',
                   'txt,mx,mx2,defmx,defmx2', 1, 1, 1, 'ALL'
  UNION ALL SELECT 'txt', 'TXT DNS entry', 'TXT', '%SUB% IN TXT "%TARGET%"',
                   'vhost,url,ip,webmail,ipv6,cname,txt,mx,mx2,defmx,defmx2', 1, 1, 1, 'ALL'
  UNION ALL SELECT 'mx', 'MX DNS entry', 'DOMAIN', '%SUB% IN MX 5 %TARGET%',
                   'vhost,url,ip,webmail,ipv6,cname,txt,mx,mx2', 1, 0, 1, 'ALL'
  UNION ALL SELECT 'mx2', 'secondary MX DNS entry', 'DOMAIN', '%SUB% IN MX 10 %TARGET%',
                   'vhost,url,ip,webmail,ipv6,cname,txt,mx,mx2', 1, 0, 1, 'ALL'
  UNION ALL SELECT 'defmx', 'Default mail server', 'NONE', '%SUB% IN MX 5 @@DEFAULT_MX@@',
                   'vhost,url,ip,webmail,ipv6,cname,txt,defmx2', 1, 0, 1, 'ADMIN'
  UNION ALL SELECT 'defmx2', 'Default backup mail server', 'NONE', '%SUB% IN MX 10 @@DEFAULT_SECONDARY_MX@@',
                   'vhost,url,ip,webmail,ipv6,cname,txt,defmx', 1, 0, 1, 'ADMIN'
  UNION ALL SELECT 'panel', 'AlternC panel access', 'NONE', '%SUB% IN A @@PUBLIC_IP@@',
                   'vhost,url,ip,webmail,ipv6,cname,txt,mx,mx2,defmx,defmx2', 1, 0, 1, 'ALL'
) AS seed
WHERE NOT EXISTS (SELECT 1 FROM domaines_type);

INSERT IGNORE INTO tld (tld, mode)
SELECT * FROM (
            SELECT 'fr' AS tld, 4 AS mode
  UNION ALL SELECT 'com', 1     UNION ALL SELECT 'org', 1     UNION ALL SELECT 'net', 1
  UNION ALL SELECT 'biz', 1     UNION ALL SELECT 'info', 1    UNION ALL SELECT 'name', 1
  UNION ALL SELECT 'ca', 1      UNION ALL SELECT 'it', 1      UNION ALL SELECT 'ws', 1
  UNION ALL SELECT 'be', 1      UNION ALL SELECT 'eu.org', 4  UNION ALL SELECT 'cjb.net', 4
  UNION ALL SELECT 'asso.fr', 4
) AS seed
WHERE NOT EXISTS (SELECT 1 FROM tld);

INSERT IGNORE INTO forbidden_domains (domain)
SELECT * FROM (
            SELECT 'afilias.net' AS domain
  UNION ALL SELECT 'afnic.fr'      UNION ALL SELECT 'dns.be'        UNION ALL SELECT 'internic.net'
  UNION ALL SELECT 'netsol.com'    UNION ALL SELECT 'nic.biz'       UNION ALL SELECT 'nic.cx'
  UNION ALL SELECT 'nic.fr'        UNION ALL SELECT 'verisign.com'  UNION ALL SELECT 'octopuce.com'
  UNION ALL SELECT 'pir.org'       UNION ALL SELECT 'cira.ca'       UNION ALL SELECT 'aol.com'
  UNION ALL SELECT 'hotmail.com'   UNION ALL SELECT 'microsoft.com' UNION ALL SELECT 'sympatico.ca'
  UNION ALL SELECT 'tiscali.fr'    UNION ALL SELECT 'voila.fr'      UNION ALL SELECT 'wanadoo.fr'
  UNION ALL SELECT 'yahoo.com'     UNION ALL SELECT 'yahoo.fr'
) AS seed
WHERE NOT EXISTS (SELECT 1 FROM forbidden_domains);

-- Values as 1.0 ships them; the comments are this project's wording of what each one does.
INSERT IGNORE INTO variable (name, value, comment)
SELECT * FROM (
            SELECT 'hosting_tld' AS name, '0' AS value,
                   'Domain under which an account "login" may get the free domain login.<hosting_tld> when it is created. 0 or a false string: no such domain is offered.' AS comment
  UNION ALL SELECT 'rss_feed', '0',
                   'RSS feed shown on the home page of the members after they log in. 0 or a false string: none.'
  UNION ALL SELECT 'new_email', '0',
                   'Address notified each time an account is created. 0: nobody.'
  UNION ALL SELECT 'subadmin_restriction', '',
                   'How administrators other than uid 2000 see the account list. 0 or empty (default): only the accounts they created. 1: all accounts, through the "show all accounts" link.'
) AS seed
WHERE NOT EXISTS (SELECT 1 FROM variable);

-- 1.0 creates policy empty and the panel inserts these rows (0, 64, 0, 0) on first use.
INSERT IGNORE INTO policy (name, minsize, maxsize, classcount, allowlogin)
SELECT * FROM (
            SELECT 'mem' AS name, 0 AS minsize, 64 AS maxsize, 0 AS classcount, 0 AS allowlogin
  UNION ALL SELECT 'pop', 0, 64, 0, 0
  UNION ALL SELECT 'ftp', 0, 64, 0, 0
  UNION ALL SELECT 'mysql', 0, 64, 0, 0
  UNION ALL SELECT 'hta', 0, 64, 0, 0
) AS seed
WHERE NOT EXISTS (SELECT 1 FROM policy);

SET SESSION sql_mode = @panel_saved_sql_mode;
