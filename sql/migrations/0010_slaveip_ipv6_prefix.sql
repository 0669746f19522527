-- 0010: slaveip.class holds the prefix length of an allowed address. AlternC 1.0 allowed IPv4
-- only (8..32) in a signed TINYINT, which stops at 127: an IPv6 host (/128) could not be
-- stored although the VARCHAR(40) ip column takes IPv6 text. Unsigned; 1.0's values keep
-- their meaning and its readers (slave_dns writes "ip/class;" into bind's ACL) are unchanged.
ALTER TABLE slaveip MODIFY COLUMN class TINYINT UNSIGNED NOT NULL;
