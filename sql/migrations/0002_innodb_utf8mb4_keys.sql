-- 0002: InnoDB + utf8mb4 for every AlternC 1.0 table, one canonical definition per column, wider
-- password-hash columns, the keys and foreign keys 1.0 only enforced in code. See sql/README.md.
--
-- Works on what 0001 created (empty database) and on a real 1.0 database (MyISAM, latin1, the
-- column variants of alternc-1.0.md 1.8); both end with the same SHOW CREATE TABLE.
-- Rows that would block a new unique key or foreign key are first copied, as JSON, into
-- panel_legacy_rows, then removed: no row is lost. Idempotent: after a crash anywhere, running the
-- whole file again finishes the job; running it on a migrated database changes nothing.
--
-- Order: 1 archive table, 2 engine/charset, 3 obsolete column, 4 NULLs, 5 duplicates and orphans
-- (each archive+delete pair in one transaction, so a crash never archives a row twice or deletes
-- it unarchived), 6 primary keys, 7 one ALTER per table with the final definition.

SET @panel_saved_sql_mode := @@SESSION.sql_mode;
-- Strict: a conversion that would truncate data fails instead. No zero-date ban (membres.lastlogin).
-- NO_AUTO_VALUE_ON_ZERO: table rebuilds must keep a 0 in an AUTO_INCREMENT column as it is.
SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO';

-- ---------------------------------------------------------------------------------------------
-- 1. Where removed rows go.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS panel_legacy_rows (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  source_table VARCHAR(64) NOT NULL,                   -- table the row came from
  reason VARCHAR(64) NOT NULL,                         -- duplicate:<key>, orphan:<foreign key>, dropped_column:<column>
  row_data LONGTEXT NOT NULL,                          -- JSON_OBJECT of every column of the row
  archived_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY source_table (source_table, reason)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Rows of the AlternC tables that the migrations had to take out, kept for the admins';

-- ---------------------------------------------------------------------------------------------
-- 2. Engine and character set. CONVERT TO re-encodes the stored text (an accented latin1 name
-- reads back the same from a utf8mb4 connection). Only the tables that need it are rebuilt, so a second run does not touch domaines
-- once sub_domaines references it. The MyISAM-only table options are reset (InnoDB refuses
-- ROW_FORMAT=FIXED).
-- ---------------------------------------------------------------------------------------------

-- Two plain scans of information_schema, no correlated subquery between them: that form crashed
-- a MariaDB 10.11.19 server once (signal 11 in an information_schema temporary table) while
-- another connection was still altering these tables.
SET @panel_tables := 'membres,local,quotas,defquotas,sessions,chgmail,browser,domaines,sub_domaines,domaines_type,tld,forbidden_domains,mail_domain,mail_users,mail_alias,mxaccount,size_mail,db,dbusers,size_db,ftpusers,variable,policy,slaveip,slaveaccount,size_web,size_mailman,stats2';
SET @panel_convert := (
  SELECT GROUP_CONCAT(DISTINCT n.TABLE_NAME)
  FROM (SELECT TABLE_NAME FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE() AND FIND_IN_SET(TABLE_NAME, @panel_tables)
          AND (ENGINE <> 'InnoDB' OR TABLE_COLLATION <> 'utf8mb4_unicode_ci' OR CREATE_OPTIONS <> '')
        UNION
        SELECT TABLE_NAME FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND FIND_IN_SET(TABLE_NAME, @panel_tables)
          AND COLLATION_NAME <> 'utf8mb4_unicode_ci') AS n);
SET @panel_convert_to := ' ENGINE=InnoDB, ROW_FORMAT=DEFAULT, PACK_KEYS=DEFAULT, CHECKSUM=0, DELAY_KEY_WRITE=0, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci';

EXECUTE IMMEDIATE IF(FIND_IN_SET('membres', @panel_convert), CONCAT('ALTER TABLE membres', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('local', @panel_convert), CONCAT('ALTER TABLE local', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('quotas', @panel_convert), CONCAT('ALTER TABLE quotas', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('defquotas', @panel_convert), CONCAT('ALTER TABLE defquotas', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('sessions', @panel_convert), CONCAT('ALTER TABLE sessions', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('chgmail', @panel_convert), CONCAT('ALTER TABLE chgmail', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('browser', @panel_convert), CONCAT('ALTER TABLE browser', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('domaines', @panel_convert), CONCAT('ALTER TABLE domaines', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('sub_domaines', @panel_convert), CONCAT('ALTER TABLE sub_domaines', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('domaines_type', @panel_convert), CONCAT('ALTER TABLE domaines_type', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('tld', @panel_convert), CONCAT('ALTER TABLE tld', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('forbidden_domains', @panel_convert), CONCAT('ALTER TABLE forbidden_domains', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('mail_domain', @panel_convert), CONCAT('ALTER TABLE mail_domain', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('mail_users', @panel_convert), CONCAT('ALTER TABLE mail_users', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('mail_alias', @panel_convert), CONCAT('ALTER TABLE mail_alias', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('mxaccount', @panel_convert), CONCAT('ALTER TABLE mxaccount', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('size_mail', @panel_convert), CONCAT('ALTER TABLE size_mail', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('db', @panel_convert), CONCAT('ALTER TABLE db', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('dbusers', @panel_convert), CONCAT('ALTER TABLE dbusers', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('size_db', @panel_convert), CONCAT('ALTER TABLE size_db', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('ftpusers', @panel_convert), CONCAT('ALTER TABLE ftpusers', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('variable', @panel_convert), CONCAT('ALTER TABLE variable', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('policy', @panel_convert), CONCAT('ALTER TABLE policy', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('slaveip', @panel_convert), CONCAT('ALTER TABLE slaveip', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('slaveaccount', @panel_convert), CONCAT('ALTER TABLE slaveaccount', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('size_web', @panel_convert), CONCAT('ALTER TABLE size_web', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('size_mailman', @panel_convert), CONCAT('ALTER TABLE size_mailman', @panel_convert_to), 'DO 0');
EXECUTE IMMEDIATE IF(FIND_IN_SET('stats2', @panel_convert), CONCAT('ALTER TABLE stats2', @panel_convert_to), 'DO 0');

-- ---------------------------------------------------------------------------------------------
-- 3. domaines.mx: dropped by the root-tree 1.0.sql, kept by the stable-1.0 one ("for the
-- migration"), read by nothing in stable-1.0. Its values are archived (the rows stay), then the
-- column goes. The NOT EXISTS makes the copy safe to repeat if a crash hits before the DROP.
-- ---------------------------------------------------------------------------------------------

SET @panel_has_mx := (SELECT COUNT(*) FROM information_schema.COLUMNS
                      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'domaines' AND COLUMN_NAME = 'mx');
EXECUTE IMMEDIATE IF(@panel_has_mx > 0,
  'INSERT INTO panel_legacy_rows (source_table, reason, row_data)
   SELECT ''domaines'', ''dropped_column:mx'', j.row_data
   FROM (SELECT JSON_OBJECT(''compte'', compte, ''domaine'', domaine, ''mx'', mx, ''gesdns'', gesdns,
                            ''gesmx'', gesmx, ''noerase'', noerase, ''dns_action'', dns_action,
                            ''dns_result'', dns_result) AS row_data
         FROM domaines WHERE mx IS NOT NULL AND mx <> '''') AS j
   WHERE NOT EXISTS (SELECT 1 FROM panel_legacy_rows l
                     WHERE l.source_table = ''domaines'' AND l.reason = ''dropped_column:mx''
                       AND l.row_data = j.row_data)',
  'DO 0');
ALTER TABLE domaines DROP COLUMN IF EXISTS mx;

-- ---------------------------------------------------------------------------------------------
-- 4. NULLs where one upgrade path allowed them and the final column is NOT NULL.
-- ---------------------------------------------------------------------------------------------

-- ts = ts: the ON UPDATE CURRENT_TIMESTAMP would otherwise make stale sessions look fresh.
UPDATE sessions SET ip = '', ts = ts WHERE ip IS NULL;         -- '' = not IP-bound, as 1.0 reads it
UPDATE sub_domaines SET valeur = '' WHERE valeur IS NULL;      -- no target (WEBMAIL, DEFMX...)
UPDATE sub_domaines SET type = 'LOCAL' WHERE type IS NULL;     -- the 1.0 column default

-- ---------------------------------------------------------------------------------------------
-- 5. Duplicates and orphans. Comparisons use the final utf8mb4_unicode_ci collation, i.e. the one
-- the new keys will use ('VHOST' = 'vhost'). The first row is kept: lowest compte / uid / id,
-- then the first by content (see below).
-- ---------------------------------------------------------------------------------------------

-- domaines: UNIQUE (domaine), keep the lowest compte.
START TRANSACTION;
INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'domaines', 'duplicate:domaine',
       JSON_OBJECT('compte', d.compte, 'domaine', d.domaine, 'gesdns', d.gesdns, 'gesmx', d.gesmx,
                   'noerase', d.noerase, 'dns_action', d.dns_action, 'dns_result', d.dns_result)
FROM domaines d
WHERE EXISTS (SELECT 1 FROM domaines k WHERE k.domaine = d.domaine AND k.compte < d.compte);
DELETE d FROM domaines d JOIN domaines k ON k.domaine = d.domaine AND k.compte < d.compte;
COMMIT;

-- Children of membres (foreign keys ON DELETE CASCADE). 1.0 never cleaned size_web, browser and
-- chgmail of a deleted account.
START TRANSACTION;
INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'local', 'orphan:fk_local_membres',
       JSON_OBJECT('uid', c.uid, 'nom', c.nom, 'prenom', c.prenom)
FROM local c WHERE NOT EXISTS (SELECT 1 FROM membres m WHERE m.uid = c.uid);
DELETE c FROM local c LEFT JOIN membres m ON m.uid = c.uid WHERE m.uid IS NULL;

INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'quotas', 'orphan:fk_quotas_membres',
       JSON_OBJECT('uid', c.uid, 'name', c.name, 'total', c.total)
FROM quotas c WHERE NOT EXISTS (SELECT 1 FROM membres m WHERE m.uid = c.uid);
DELETE c FROM quotas c LEFT JOIN membres m ON m.uid = c.uid WHERE m.uid IS NULL;

INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'chgmail', 'orphan:fk_chgmail_membres',
       JSON_OBJECT('uid', c.uid, 'cookie', c.cookie, 'ckey', c.ckey, 'mail', c.mail, 'ts', c.ts)
FROM chgmail c WHERE NOT EXISTS (SELECT 1 FROM membres m WHERE m.uid = c.uid);
DELETE c FROM chgmail c LEFT JOIN membres m ON m.uid = c.uid WHERE m.uid IS NULL;

INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'browser', 'orphan:fk_browser_membres',
       JSON_OBJECT('uid', c.uid, 'editsizex', c.editsizex, 'editsizey', c.editsizey,
                   'listmode', c.listmode, 'showicons', c.showicons, 'downfmt', c.downfmt,
                   'createfile', c.createfile, 'showtype', c.showtype, 'editor_font', c.editor_font,
                   'editor_size', c.editor_size, 'crff', c.crff, 'golastdir', c.golastdir,
                   'lastdir', c.lastdir)
FROM browser c WHERE NOT EXISTS (SELECT 1 FROM membres m WHERE m.uid = c.uid);
DELETE c FROM browser c LEFT JOIN membres m ON m.uid = c.uid WHERE m.uid IS NULL;

INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'size_web', 'orphan:fk_size_web_membres',
       JSON_OBJECT('uid', c.uid, 'size', c.size, 'ts', c.ts)
FROM size_web c WHERE NOT EXISTS (SELECT 1 FROM membres m WHERE m.uid = c.uid);
DELETE c FROM size_web c LEFT JOIN membres m ON m.uid = c.uid WHERE m.uid IS NULL;
COMMIT;

-- sub_domaines, db and dbusers may hold rows that are equal in every column, which nothing can
-- tell apart. A temporary column numbers the rows for the time of the clean-up and is dropped
-- right after: it is the only column this file adds to a legacy table, and it never outlives the
-- file (a rerun after a crash drops it too). The numbering follows the row contents compared
-- byte-wise, not the storage order, so that a replica applying the same statements keeps the
-- same rows as the primary.

-- sub_domaines: the 1.0 primary key (compte, domaine, sub, type, valeur). Among rows equal for
-- that key ('VHOST' = 'vhost'), the first in byte order is kept (upper case, then web_action OK).
ALTER TABLE sub_domaines ADD COLUMN IF NOT EXISTS panel_rowid BIGINT UNSIGNED NULL;
SET @panel_n := 0;
UPDATE sub_domaines SET panel_rowid = (@panel_n := @panel_n + 1)
ORDER BY compte, domaine COLLATE utf8mb4_bin, sub COLLATE utf8mb4_bin, type COLLATE utf8mb4_bin,
         valeur COLLATE utf8mb4_bin, web_action, web_result COLLATE utf8mb4_bin, enable;
START TRANSACTION;
INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'sub_domaines', 'duplicate:PRIMARY',
       JSON_OBJECT('compte', d.compte, 'domaine', d.domaine, 'sub', d.sub, 'valeur', d.valeur,
                   'type', d.type, 'web_action', d.web_action, 'web_result', d.web_result,
                   'enable', d.enable)
FROM sub_domaines d
WHERE EXISTS (SELECT 1 FROM sub_domaines k
              WHERE k.compte = d.compte AND k.domaine = d.domaine AND k.sub = d.sub
                AND k.type = d.type AND k.valeur = d.valeur AND k.panel_rowid < d.panel_rowid);
DELETE d FROM sub_domaines d
JOIN sub_domaines k ON k.compte = d.compte AND k.domaine = d.domaine AND k.sub = d.sub
                   AND k.type = d.type AND k.valeur = d.valeur AND k.panel_rowid < d.panel_rowid;
COMMIT;
ALTER TABLE sub_domaines DROP COLUMN IF EXISTS panel_rowid;

-- sub_domaines whose (compte, domaine) is not in domaines (after the domaines clean-up above).
START TRANSACTION;
INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'sub_domaines', 'orphan:fk_sub_domaines_domaines',
       JSON_OBJECT('compte', s.compte, 'domaine', s.domaine, 'sub', s.sub, 'valeur', s.valeur,
                   'type', s.type, 'web_action', s.web_action, 'web_result', s.web_result,
                   'enable', s.enable)
FROM sub_domaines s
WHERE NOT EXISTS (SELECT 1 FROM domaines d WHERE d.compte = s.compte AND d.domaine = s.domaine);
DELETE s FROM sub_domaines s
LEFT JOIN domaines d ON d.compte = s.compte AND d.domaine = s.domaine
WHERE d.domaine IS NULL;
COMMIT;

-- db: UNIQUE (db), keep the lowest uid (then the first in byte order).
ALTER TABLE db ADD COLUMN IF NOT EXISTS panel_rowid BIGINT UNSIGNED NULL;
SET @panel_n := 0;
UPDATE db SET panel_rowid = (@panel_n := @panel_n + 1)
ORDER BY uid, db COLLATE utf8mb4_bin, login COLLATE utf8mb4_bin, pass COLLATE utf8mb4_bin,
         bck_mode, bck_history, bck_gzip, bck_dir COLLATE utf8mb4_bin;
START TRANSACTION;
INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'db', 'duplicate:db',
       JSON_OBJECT('uid', d.uid, 'login', d.login, 'pass', d.pass, 'db', d.db,
                   'bck_mode', d.bck_mode, 'bck_history', d.bck_history, 'bck_gzip', d.bck_gzip,
                   'bck_dir', d.bck_dir)
FROM db d
WHERE EXISTS (SELECT 1 FROM db k WHERE k.db = d.db AND k.panel_rowid < d.panel_rowid);
DELETE d FROM db d JOIN db k ON k.db = d.db AND k.panel_rowid < d.panel_rowid;
COMMIT;
ALTER TABLE db DROP COLUMN IF EXISTS panel_rowid;

-- dbusers: PRIMARY KEY (id) (keep the lowest uid, then name), then UNIQUE (name) (keep the
-- lowest id).
ALTER TABLE dbusers ADD COLUMN IF NOT EXISTS panel_rowid BIGINT UNSIGNED NULL;
SET @panel_n := 0;
UPDATE dbusers SET panel_rowid = (@panel_n := @panel_n + 1)
ORDER BY id, uid, name COLLATE utf8mb4_bin;
START TRANSACTION;
INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'dbusers', 'duplicate:PRIMARY', JSON_OBJECT('id', d.id, 'uid', d.uid, 'name', d.name)
FROM dbusers d
WHERE EXISTS (SELECT 1 FROM dbusers k WHERE k.id = d.id AND k.panel_rowid < d.panel_rowid);
DELETE d FROM dbusers d JOIN dbusers k ON k.id = d.id AND k.panel_rowid < d.panel_rowid;

INSERT INTO panel_legacy_rows (source_table, reason, row_data)
SELECT 'dbusers', 'duplicate:name', JSON_OBJECT('id', d.id, 'uid', d.uid, 'name', d.name)
FROM dbusers d
WHERE EXISTS (SELECT 1 FROM dbusers k WHERE k.name = d.name AND k.id < d.id);
DELETE d FROM dbusers d JOIN dbusers k ON k.name = d.name AND k.id < d.id;
COMMIT;
ALTER TABLE dbusers DROP COLUMN IF EXISTS panel_rowid;

-- ---------------------------------------------------------------------------------------------
-- 6. Primary keys that differ between upgrade paths: sub_domaines had (compte, domaine, sub)
-- before 1.0, (compte, domaine, sub, type, valeur) after, or none when 1.0.sql half failed;
-- dbusers never had one (KEY id only).
-- ---------------------------------------------------------------------------------------------

SET @panel_pk := (SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
                  FROM information_schema.STATISTICS
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sub_domaines'
                    AND INDEX_NAME = 'PRIMARY');
EXECUTE IMMEDIATE IF(@panel_pk <=> 'compte,domaine,sub,type,valeur', 'DO 0',
  CONCAT('ALTER TABLE sub_domaines ', IF(@panel_pk IS NULL, '', 'DROP PRIMARY KEY, '),
         'ADD PRIMARY KEY (compte, domaine, sub, type, valeur)'));

SET @panel_pk := (SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
                  FROM information_schema.STATISTICS
                  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dbusers'
                    AND INDEX_NAME = 'PRIMARY');
EXECUTE IMMEDIATE IF(@panel_pk <=> 'id', 'DO 0',
  CONCAT('ALTER TABLE dbusers ', IF(@panel_pk IS NULL, '', 'DROP PRIMARY KEY, '),
         'ADD PRIMARY KEY (id)'));

-- ---------------------------------------------------------------------------------------------
-- 7. Final definition of every table: each column in its 1.0 order with one definition, the
-- secondary keys dropped and re-created in a fixed order (so both paths list them alike), the
-- foreign keys, the comment. Parents (membres, domaines) before their children.
-- Changes from 1.0: membres.pass, ftpusers.encrypted_password -> VARCHAR(255) (an argon2id
-- string is ~100 chars, sha512-crypt 106); membres.notes gets DEFAULT '' (1.0 had none, so an
-- INSERT without notes failed in strict mode); sessions.ip NOT NULL DEFAULT ''; sub_domaines.valeur
-- NOT NULL DEFAULT '' and type NOT NULL DEFAULT 'LOCAL'.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE membres
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL AUTO_INCREMENT FIRST,
  MODIFY COLUMN login VARCHAR(128) NOT NULL DEFAULT '' AFTER uid,
  MODIFY COLUMN pass VARCHAR(255) NOT NULL DEFAULT '' AFTER login,
  MODIFY COLUMN enabled TINYINT(4) NOT NULL DEFAULT 1 AFTER pass,
  MODIFY COLUMN su TINYINT(4) NOT NULL DEFAULT 0 AFTER enabled,
  MODIFY COLUMN mail VARCHAR(128) NOT NULL DEFAULT '' AFTER su,
  MODIFY COLUMN lastaskpass BIGINT(20) UNSIGNED DEFAULT 0 AFTER mail,
  MODIFY COLUMN show_help TINYINT(4) NOT NULL DEFAULT 1 AFTER lastaskpass,
  MODIFY COLUMN lastlogin DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00' AFTER show_help,
  MODIFY COLUMN lastfail TINYINT(4) NOT NULL DEFAULT 0 AFTER lastlogin,
  MODIFY COLUMN lastip VARCHAR(255) NOT NULL DEFAULT '' AFTER lastfail,
  MODIFY COLUMN creator INT(10) UNSIGNED DEFAULT 0 AFTER lastip,
  MODIFY COLUMN canpass TINYINT(4) DEFAULT 1 AFTER creator,
  MODIFY COLUMN warnlogin TINYINT(4) DEFAULT 0 AFTER canpass,
  MODIFY COLUMN warnfailed TINYINT(4) DEFAULT 0 AFTER warnlogin,
  MODIFY COLUMN admlist TINYINT(4) DEFAULT 0 AFTER warnfailed,
  MODIFY COLUMN type VARCHAR(128) DEFAULT 'default' AFTER admlist,
  MODIFY COLUMN notes TEXT NOT NULL DEFAULT '' AFTER type,
  MODIFY COLUMN created DATETIME DEFAULT NULL AFTER notes,
  MODIFY COLUMN renewed DATETIME DEFAULT NULL AFTER created,
  MODIFY COLUMN duration INT(4) DEFAULT NULL AFTER renewed,
  DROP KEY IF EXISTS k_login,
  ADD UNIQUE KEY k_login (login),
  COMMENT = 'Hosted accounts';

ALTER TABLE local
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN nom VARCHAR(128) NOT NULL DEFAULT '' AFTER uid,
  MODIFY COLUMN prenom VARCHAR(128) NOT NULL DEFAULT '' AFTER nom,
  ADD CONSTRAINT fk_local_membres FOREIGN KEY IF NOT EXISTS (uid)
      REFERENCES membres (uid) ON DELETE CASCADE,
  COMMENT = 'Host-specific account fields';

ALTER TABLE quotas
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN name VARCHAR(64) NOT NULL DEFAULT '' AFTER uid,
  MODIFY COLUMN total BIGINT(20) UNSIGNED NOT NULL DEFAULT 0 AFTER name,
  ADD CONSTRAINT fk_quotas_membres FOREIGN KEY IF NOT EXISTS (uid)
      REFERENCES membres (uid) ON DELETE CASCADE,
  COMMENT = 'Per-account quota limits';

ALTER TABLE defquotas
  MODIFY COLUMN quota VARCHAR(128) NOT NULL FIRST,
  MODIFY COLUMN value BIGINT(20) UNSIGNED DEFAULT 0 AFTER quota,
  MODIFY COLUMN type VARCHAR(128) NOT NULL DEFAULT 'default' AFTER value,
  COMMENT = 'Default quotas per account type';

ALTER TABLE sessions
  MODIFY COLUMN sid VARCHAR(32) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER sid,
  MODIFY COLUMN ip VARCHAR(40) NOT NULL DEFAULT '' AFTER uid,
  MODIFY COLUMN ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP AFTER ip,
  DROP KEY IF EXISTS sid,
  DROP KEY IF EXISTS ts,
  ADD KEY sid (sid),
  ADD KEY ts (ts),
  COMMENT = 'Panel sessions';

ALTER TABLE chgmail
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN cookie VARCHAR(20) NOT NULL DEFAULT '' AFTER uid,
  MODIFY COLUMN ckey VARCHAR(6) NOT NULL DEFAULT '' AFTER cookie,
  MODIFY COLUMN mail VARCHAR(128) NOT NULL DEFAULT '' AFTER ckey,
  MODIFY COLUMN ts BIGINT(20) UNSIGNED NOT NULL DEFAULT 0 AFTER mail,
  ADD CONSTRAINT fk_chgmail_membres FOREIGN KEY IF NOT EXISTS (uid)
      REFERENCES membres (uid) ON DELETE CASCADE,
  COMMENT = 'Pending e-mail address changes';

ALTER TABLE browser
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN editsizex INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER uid,
  MODIFY COLUMN editsizey INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER editsizex,
  MODIFY COLUMN listmode TINYINT(3) UNSIGNED NOT NULL DEFAULT 0 AFTER editsizey,
  MODIFY COLUMN showicons TINYINT(4) NOT NULL DEFAULT 0 AFTER listmode,
  MODIFY COLUMN downfmt TINYINT(4) NOT NULL DEFAULT 0 AFTER showicons,
  MODIFY COLUMN createfile TINYINT(4) NOT NULL DEFAULT 0 AFTER downfmt,
  MODIFY COLUMN showtype TINYINT(4) NOT NULL DEFAULT 0 AFTER createfile,
  MODIFY COLUMN editor_font VARCHAR(64) NOT NULL DEFAULT '' AFTER showtype,
  MODIFY COLUMN editor_size VARCHAR(8) NOT NULL DEFAULT '' AFTER editor_font,
  MODIFY COLUMN crff TINYINT(4) NOT NULL DEFAULT 0 AFTER editor_size,
  MODIFY COLUMN golastdir TINYINT(4) NOT NULL DEFAULT 0 AFTER crff,
  MODIFY COLUMN lastdir VARCHAR(255) NOT NULL DEFAULT '' AFTER golastdir,
  ADD CONSTRAINT fk_browser_membres FOREIGN KEY IF NOT EXISTS (uid)
      REFERENCES membres (uid) ON DELETE CASCADE,
  COMMENT = 'File manager preferences';

-- No foreign key to membres: the cron keeps a deleted account's domains until it has removed them.
ALTER TABLE domaines
  MODIFY COLUMN compte INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN domaine VARCHAR(64) NOT NULL DEFAULT '' AFTER compte,
  MODIFY COLUMN gesdns INT(1) NOT NULL DEFAULT 1 AFTER domaine,
  MODIFY COLUMN gesmx INT(1) NOT NULL DEFAULT 1 AFTER gesdns,
  MODIFY COLUMN noerase TINYINT(4) NOT NULL DEFAULT 0 AFTER gesmx,
  MODIFY COLUMN dns_action ENUM('OK','UPDATE','DELETE') NOT NULL DEFAULT 'UPDATE' AFTER noerase,
  MODIFY COLUMN dns_result VARCHAR(255) NOT NULL DEFAULT '' AFTER dns_action,
  DROP KEY IF EXISTS domaine,
  ADD UNIQUE KEY domaine (domaine),
  COMMENT = 'Hosted domains';

ALTER TABLE sub_domaines
  MODIFY COLUMN compte INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN domaine VARCHAR(64) NOT NULL DEFAULT '' AFTER compte,
  MODIFY COLUMN sub VARCHAR(100) NOT NULL DEFAULT '' AFTER domaine,
  MODIFY COLUMN valeur VARCHAR(255) NOT NULL DEFAULT '' AFTER sub,
  MODIFY COLUMN type VARCHAR(30) NOT NULL DEFAULT 'LOCAL' AFTER valeur,
  MODIFY COLUMN web_action ENUM('OK','UPDATE','DELETE') NOT NULL DEFAULT 'UPDATE' AFTER type,
  MODIFY COLUMN web_result VARCHAR(255) NOT NULL DEFAULT '' AFTER web_action,
  MODIFY COLUMN enable ENUM('ENABLED','ENABLE','DISABLED','DISABLE') NOT NULL DEFAULT 'ENABLED' AFTER web_result,
  DROP KEY IF EXISTS domaine,
  ADD KEY domaine (domaine, sub),
  ADD CONSTRAINT fk_sub_domaines_domaines FOREIGN KEY IF NOT EXISTS (compte, domaine)
      REFERENCES domaines (compte, domaine) ON DELETE CASCADE ON UPDATE CASCADE,
  COMMENT = 'DNS records and web hosts of the domains';

ALTER TABLE domaines_type
  MODIFY COLUMN name VARCHAR(255) NOT NULL FIRST,
  MODIFY COLUMN description TEXT AFTER name,
  MODIFY COLUMN target ENUM('NONE','URL','DIRECTORY','IP','IPV6','DOMAIN','TXT') NOT NULL DEFAULT 'NONE' AFTER description,
  MODIFY COLUMN entry VARCHAR(255) DEFAULT '' AFTER target,
  MODIFY COLUMN compatibility VARCHAR(255) DEFAULT '' AFTER entry,
  MODIFY COLUMN enable ENUM('ALL','NONE','ADMIN') NOT NULL DEFAULT 'ALL' AFTER compatibility,
  MODIFY COLUMN only_dns TINYINT(1) DEFAULT 0 AFTER enable,
  MODIFY COLUMN need_dns TINYINT(1) DEFAULT 1 AFTER only_dns,
  MODIFY COLUMN advanced TINYINT(1) DEFAULT 1 AFTER need_dns,
  COMMENT = 'Sub-domain types';

ALTER TABLE tld
  MODIFY COLUMN tld VARCHAR(128) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN mode TINYINT(4) NOT NULL DEFAULT 0 AFTER tld,
  DROP KEY IF EXISTS mode,
  ADD KEY mode (mode),
  COMMENT = 'Allowed top-level domains';

ALTER TABLE forbidden_domains
  MODIFY COLUMN domain VARCHAR(255) NOT NULL DEFAULT '' FIRST,
  COMMENT = 'Domains that may not be installed';

ALTER TABLE mail_domain
  MODIFY COLUMN mail VARCHAR(255) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN alias TEXT NOT NULL AFTER mail,
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER alias,
  MODIFY COLUMN pop TINYINT(4) NOT NULL DEFAULT 0 AFTER uid,
  MODIFY COLUMN type TINYINT(4) NOT NULL DEFAULT 0 AFTER pop,
  MODIFY COLUMN expiration_date DATETIME DEFAULT NULL AFTER type,
  DROP KEY IF EXISTS uid,
  DROP KEY IF EXISTS pop,
  ADD KEY uid (uid),
  ADD KEY pop (pop),
  COMMENT = 'Postfix virtual alias map';

ALTER TABLE mail_users
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN alias VARCHAR(255) NOT NULL DEFAULT '' AFTER uid,
  MODIFY COLUMN path VARCHAR(255) NOT NULL DEFAULT '' AFTER alias,
  MODIFY COLUMN password VARCHAR(255) NOT NULL DEFAULT '' AFTER path,
  DROP KEY IF EXISTS path,
  DROP KEY IF EXISTS uid,
  ADD KEY path (path),
  ADD KEY uid (uid),
  COMMENT = 'Mailboxes (dovecot, postfix)';

ALTER TABLE mail_alias
  MODIFY COLUMN mail VARCHAR(255) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN alias VARCHAR(255) NOT NULL DEFAULT '' AFTER mail,
  COMMENT = 'local(8) alias map';

ALTER TABLE mxaccount
  MODIFY COLUMN login VARCHAR(64) NOT NULL FIRST,
  MODIFY COLUMN pass VARCHAR(64) NOT NULL AFTER login,
  COMMENT = 'Secondary MX accounts';

ALTER TABLE size_mail
  MODIFY COLUMN alias VARCHAR(255) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN size INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER alias,
  MODIFY COLUMN ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP AFTER size,
  DROP KEY IF EXISTS ts,
  ADD KEY ts (ts),
  COMMENT = 'Mailbox sizes';

-- No foreign key to membres (see domaines); UNIQUE db makes InnoDB cluster on it.
ALTER TABLE db
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN login VARCHAR(16) NOT NULL DEFAULT '' AFTER uid,
  MODIFY COLUMN pass VARCHAR(16) NOT NULL DEFAULT '' AFTER login,
  MODIFY COLUMN db VARCHAR(64) NOT NULL DEFAULT '' AFTER pass,
  MODIFY COLUMN bck_mode TINYINT(3) UNSIGNED NOT NULL DEFAULT 0 AFTER db,
  MODIFY COLUMN bck_history TINYINT(3) UNSIGNED NOT NULL DEFAULT 0 AFTER bck_mode,
  MODIFY COLUMN bck_gzip TINYINT(3) UNSIGNED NOT NULL DEFAULT 0 AFTER bck_history,
  MODIFY COLUMN bck_dir VARCHAR(255) NOT NULL DEFAULT '' AFTER bck_gzip,
  DROP KEY IF EXISTS db,
  DROP KEY IF EXISTS uid,
  ADD UNIQUE KEY db (db),
  ADD KEY uid (uid),
  COMMENT = 'Members databases';

ALTER TABLE dbusers
  MODIFY COLUMN id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT FIRST,
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER id,
  MODIFY COLUMN name VARCHAR(16) NOT NULL DEFAULT '' AFTER uid,
  DROP KEY IF EXISTS id,
  DROP KEY IF EXISTS name,
  DROP KEY IF EXISTS uid,
  ADD UNIQUE KEY name (name),
  ADD KEY uid (uid),
  COMMENT = 'Extra MySQL users of the members';

ALTER TABLE size_db
  MODIFY COLUMN db VARCHAR(255) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN size INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER db,
  MODIFY COLUMN ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP AFTER size,
  DROP KEY IF EXISTS ts,
  ADD KEY ts (ts),
  COMMENT = 'Database sizes';

ALTER TABLE ftpusers
  MODIFY COLUMN id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT FIRST,
  MODIFY COLUMN name VARCHAR(64) NOT NULL DEFAULT '' AFTER id,
  MODIFY COLUMN password VARCHAR(32) NOT NULL DEFAULT '' AFTER name,
  MODIFY COLUMN encrypted_password VARCHAR(255) DEFAULT NULL AFTER password,
  MODIFY COLUMN homedir VARCHAR(128) NOT NULL DEFAULT '' AFTER encrypted_password,
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER homedir,
  DROP KEY IF EXISTS name,
  DROP KEY IF EXISTS homedir,
  DROP KEY IF EXISTS mid,
  ADD UNIQUE KEY name (name),
  ADD KEY homedir (homedir),
  ADD KEY mid (uid),
  COMMENT = 'FTP accounts (proftpd)';

-- The fresh 1.0 install had KEY name on top of the primary key on name.
ALTER TABLE variable
  MODIFY COLUMN name VARCHAR(48) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN value LONGTEXT NOT NULL AFTER name,
  MODIFY COLUMN comment MEDIUMTEXT NULL AFTER value,
  DROP KEY IF EXISTS name,
  COMMENT = 'Panel settings';

ALTER TABLE policy
  MODIFY COLUMN name VARCHAR(64) NOT NULL FIRST,
  MODIFY COLUMN minsize TINYINT(3) UNSIGNED NOT NULL AFTER name,
  MODIFY COLUMN maxsize TINYINT(3) UNSIGNED NOT NULL AFTER minsize,
  MODIFY COLUMN classcount TINYINT(3) UNSIGNED NOT NULL AFTER maxsize,
  MODIFY COLUMN allowlogin TINYINT(3) UNSIGNED NOT NULL AFTER classcount,
  COMMENT = 'Password policies';

ALTER TABLE slaveip
  MODIFY COLUMN ip VARCHAR(40) NOT NULL FIRST,
  MODIFY COLUMN class TINYINT(4) NOT NULL AFTER ip,
  COMMENT = 'Hosts allowed to transfer zones';

ALTER TABLE slaveaccount
  MODIFY COLUMN login VARCHAR(64) NOT NULL FIRST,
  MODIFY COLUMN pass VARCHAR(64) NOT NULL AFTER login,
  COMMENT = 'Slave DNS accounts';

ALTER TABLE size_web
  MODIFY COLUMN uid INT(10) UNSIGNED NOT NULL DEFAULT 0 FIRST,
  MODIFY COLUMN size INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER uid,
  MODIFY COLUMN ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP AFTER size,
  DROP KEY IF EXISTS ts,
  ADD KEY ts (ts),
  ADD CONSTRAINT fk_size_web_membres FOREIGN KEY IF NOT EXISTS (uid)
      REFERENCES membres (uid) ON DELETE CASCADE,
  COMMENT = 'Web space used per account';

ALTER TABLE size_mailman
  MODIFY COLUMN list VARCHAR(255) NOT NULL DEFAULT '' FIRST,
  MODIFY COLUMN uid INT(11) NOT NULL DEFAULT 0 AFTER list,
  MODIFY COLUMN size INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER uid,
  MODIFY COLUMN ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP AFTER size,
  DROP KEY IF EXISTS ts,
  DROP KEY IF EXISTS uid,
  ADD KEY ts (ts),
  ADD KEY uid (uid),
  COMMENT = 'Mailing list sizes';

ALTER TABLE stats2
  MODIFY COLUMN id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT FIRST,
  MODIFY COLUMN mid INT(10) UNSIGNED NOT NULL DEFAULT 0 AFTER id,
  MODIFY COLUMN hostname VARCHAR(255) NOT NULL DEFAULT '' AFTER mid,
  MODIFY COLUMN folder VARCHAR(255) NOT NULL DEFAULT '' AFTER hostname,
  DROP KEY IF EXISTS mid,
  ADD KEY mid (mid),
  COMMENT = 'Raw access log sets (quota sta2)';

SET @panel_tables := NULL, @panel_convert := NULL, @panel_convert_to := NULL, @panel_has_mx := NULL,
    @panel_n := NULL, @panel_pk := NULL;
SET SESSION sql_mode = @panel_saved_sql_mode;
