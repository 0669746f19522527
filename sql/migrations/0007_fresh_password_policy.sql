-- 0007: a safe password policy on fresh installs: at least 8 characters, long passphrases
-- allowed (255, the column's limit), no composition rule, and never the login inside the
-- password (NIST SP 800-63B's advice; a list of breached passwords is refused too when
-- [accounts] breached_passwords names one). Only where the policies are still the seed of 0001
-- (AlternC's 0, 64, 0, 0) on a database with no member yet: a migrated AlternC 1.0 database,
-- which has members, keeps the policies its administrators chose.
UPDATE policy
   SET minsize = 8, maxsize = 255, classcount = 0, allowlogin = 0
 WHERE minsize = 0 AND maxsize = 64 AND classcount = 0 AND allowlogin = 0
   AND NOT EXISTS (SELECT 1 FROM membres WHERE uid <> 2000)
   AND NOT EXISTS (SELECT 1 FROM domaines);
