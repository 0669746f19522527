<?php
// AlternC 1.0's m_mysql on the API: a member's databases and users, created, changed and dropped
// for real on the test cluster's MariaDB (checked there as root).

class MysqlTest extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-8';
    /** @var string */
    private static $m;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('s');
        self::createMember(self::$m, self::PASS, ['mysql' => 3, 'mysql_users' => 3]);
    }

    private function member(): m_mysql
    {
        $this->session(self::$m, self::PASS);
        return new m_mysql();
    }

    /** True when the server holds $user with that password (its hash computed by the server). */
    private static function serverPassword(string $user, string $password): bool
    {
        return self::serverQuery("SELECT COUNT(*) FROM mysql.user WHERE User = '" . addslashes($user)
            . "' AND authentication_string = PASSWORD('" . addslashes($password) . "')") === ['1'];
    }

    /** The rights columns of $user on $db in mysql.db, 'Y'/'N' each, or [] without a row. */
    private static function serverRights(string $user, string $db): array
    {
        $rows = self::serverQuery("SELECT Select_priv, Insert_priv, Update_priv FROM mysql.db WHERE User = '"
            . addslashes($user) . "' AND Db = '" . addcslashes($db, '_%') . "'");
        return $rows ? explode("\t", $rows[0]) : [];
    }

    /** The db row's bck_mode, bck_history, bck_gzip, bck_dir (tab-separated), read as root. */
    private static function backupRow(string $db): array
    {
        return self::panelQuery("SELECT bck_mode, bck_history, bck_gzip, bck_dir FROM db WHERE db = '"
            . addslashes($db) . "'");
    }

    /** The absolute folder $rel of the member's web space. */
    private static function space(string $rel): string
    {
        return self::webSpace(self::$m) . ($rel === '' ? '' : "/$rel");
    }

    public function testNothingYet(): void
    {
        $GLOBALS['L_MYSQL_HOST'] = 'db.example.net';
        $GLOBALS['L_MYSQL_CLIENT'] = '127.0.0.1';
        $mysql = $this->member();
        $this->assertSame(['db.example.net', '127.0.0.1'], [$mysql->server, $mysql->client],
            "m_mysql's constructor reads 1.0's globals");
        $this->assertSame(['mysql', 'mysql_users'], $mysql->alternc_quota_names());
        $this->assertSame(['mysql'], array_keys($mysql->alternc_password_policy()));
        $this->assertFalse($mysql->get_dblist());
        $this->assertRaised('mysql', 11, 'get_dblist without databases');
        $this->assertFalse($mysql->get_userslist());
        $this->assertRaised('mysql', 19, 'get_userslist without users');
        $this->assertSame(0, $mysql->alternc_get_quota('mysql'));
        $this->assertFalse($mysql->alternc_get_quota('ftp'), 'another quota: false, as 1.0');
        $this->assertTrue($mysql->alternc_del_session(), 'm_mysql::alternc_del_session');
    }

    /** @depends testNothingYet */
    public function testNewMysql(): void
    {
        $mysql = $this->member();
        $m = self::$m;
        $this->assertFalse($mysql->new_mysql(''));
        $this->assertRaised('mysql', 20, 'new_mysql without a password');
        $this->assertTrue($mysql->new_mysql('Db-bridge-pass-1'), 'm_mysql::new_mysql');
        $this->assertTrue(self::serverHasDatabase($m), 'the database named after the login is on the server');
        $this->assertTrue(self::serverPassword($m, 'Db-bridge-pass-1'), 'the main user, with its password');
        $this->assertSame(['Y', 'Y', 'Y'], self::serverRights($m, $m), 'with every right on it');
        $this->assertSame([['db' => $m, 'name' => '', 'bck' => '0', 'dir' => '', 'login' => $m, 'pass' => '']],
            $mysql->get_dblist(), 'm_mysql::get_dblist');
        $this->assertFalse($mysql->new_mysql('Db-bridge-pass-1'));
        $this->assertRaised('mysql', 10, 'new_mysql a second time');
        $main = $mysql->get_user_dblist('');
        $this->assertSame('', $main[0]['db'], 'm_mysql::get_user_dblist of the main user');
        foreach (array_keys(m_mysql::RIGHTS) as $right) {
            $this->assertSame($right === 'references' ? 'N' : 'Y', $main[0][$right], "the main user's $right");
        }
        $this->assertFalse($mysql->get_userslist(), 'the main user is not in get_userslist, as 1.0');
    }

    /** @depends testNewMysql */
    public function testAddDb(): void
    {
        $mysql = $this->member();
        $m = self::$m;
        $this->assertTrue($mysql->add_db('shop'), 'm_mysql::add_db');
        $this->assertTrue(self::serverHasDatabase("{$m}_shop"), 'created on MariaDB');
        $this->assertSame(['Y', 'Y', 'Y'], self::serverRights($m, "{$m}_shop"), 'the main user may use it');
        $cases = [
            ['shop', 3, 'a database that exists'],
            ['Bad', 2, 'a bad name'],
            ['a-b', 2, 'a bad name'],
            [str_repeat('a', 64), 12, 'a name over 64 characters'],
        ];
        foreach ($cases as [$dbn, $code, $what]) {
            $this->assertFalse($mysql->add_db($dbn), $what);
            $this->assertRaised('mysql', $code, $what);
        }
        $this->assertTrue($mysql->add_db('third'));
        $this->assertFalse($mysql->add_db('fourth'));
        $this->assertRaised('mysql', 1, 'over the mysql quota');
        $this->assertFalse(self::serverHasDatabase("{$m}_fourth"), 'nothing made on the server');
        $this->assertSame(3, $mysql->alternc_get_quota('mysql'));
        $this->assertSame([$m, "{$m}_shop", "{$m}_third"], array_column($mysql->get_dblist(), 'db'));
        $this->assertSame(['', 'shop', 'third'], array_column($mysql->get_dblist(), 'name'));
    }

    /** @depends testAddDb */
    public function testDetailsAndBackup(): void
    {
        $mysql = $this->member();
        $m = self::$m;
        self::serverQuery("CREATE TABLE `{$m}_shop`.t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB");
        $d = $mysql->get_mysql_details('shop');
        $this->assertSame(['enabled', 'login', 'db', 'name', 'bck', 'dir', 'size', 'pass', 'history', 'gzip'],
            array_keys($d), 'm_mysql::get_mysql_details, 1.0 keys');
        $this->assertSame([true, $m, "{$m}_shop", 'shop'], [$d['enabled'], $d['login'], $d['db'], $d['name']]);
        $this->assertGreaterThan(0, $d['size'], 'the size of its table');
        $this->assertSame($d['size'], $mysql->get_db_size("{$m}_shop"), 'm_mysql::get_db_size');
        $this->assertSame(0, $mysql->get_db_size('nosuch_db'), 'get_db_size of none: 0, as 1.0');
        $this->assertSame(['enabled' => false], $mysql->get_mysql_details('nope'));
        $this->assertRaised('mysql', 4, 'get_mysql_details of none');
        $this->assertFalse($mysql->put_mysql_backup('Bad', 1, 7, 1, ''));
        $this->assertRaised('mysql', 2, 'put_mysql_backup of a bad name');
        $this->assertFalse($mysql->put_mysql_backup('nope', 1, 7, 1, ''));
        $this->assertRaised('mysql', 4, 'put_mysql_backup of none');
        $this->assertFalse($mysql->put_mysql_backup('shop', 1, 0, 1, ''));
        $this->assertRaised('mysql', 5, 'put_mysql_backup without history');
        $this->assertSame(['0', '', '0', '0'], [$d['bck'], $d['dir'], $d['history'], $d['gzip']],
            'no backup settings yet');
        $this->assertSame(["0	0	0	"], self::backupRow("{$m}_shop"), 'the db row');

        $this->assertTrue($mysql->put_mysql_backup('shop', 2, 7, 1, 'backups/sql/'), 'm_mysql::put_mysql_backup');
        $this->assertSame(["2	7	1	" . self::space('backups/sql')], self::backupRow("{$m}_shop"),
            "the db row's bck_* as 1.0's sqlbackup.sh reads them (2 daily, the folder absolute)");
        $d = $mysql->get_mysql_details('shop');
        $this->assertSame(['2', '/backups/sql', '7', '1'], [$d['bck'], $d['dir'], $d['history'], $d['gzip']],
            "get_mysql_details: 1.0's bck_* values, dir relative to the web space as 1.0 cut it");
        $row = array_values(array_filter($mysql->get_dblist(), function ($r) use ($m) {
            return $r['db'] === "{$m}_shop";
        }))[0];
        $this->assertSame('2', $row['bck'], 'get_dblist: bck');
        $this->assertSame(self::space('backups/sql'), $row['dir'], 'get_dblist: dir absolute, as 1.0');

        $this->assertTrue($mysql->put_mysql_backup('shop', 1, 3, 0, ''), 'weekly, in the space itself');
        $this->assertSame(["1	3	0	" . self::space('')], self::backupRow("{$m}_shop"));
        $this->assertSame(['1', '', '3', '0'], array_values(array_intersect_key($mysql->get_mysql_details('shop'),
            ['bck' => 0, 'dir' => 0, 'history' => 0, 'gzip' => 0])));
        $cases = [
            [['shop', 1, 3, 0, '../../etc'], 6, 'a folder outside the web space'],
            [['shop', 1, 3, 0, "sql\nx"], 6, 'a control character in the folder'],
            [['shop', 1, 300, 0, 'x'], null, 'a history over 255: the API\'s message'],
            [['shop', 5, 3, 0, 'x'], null, 'an unknown mode'],
        ];
        foreach ($cases as [$args, $code, $what]) {
            $this->assertFalse($mysql->put_mysql_backup(...$args), $what);
            $this->assertRaised('mysql', $code, "put_mysql_backup: $what");
        }
        $this->assertSame(["1	3	0	" . self::space('')], self::backupRow("{$m}_shop"), 'unchanged');
        $this->assertTrue($mysql->put_mysql_backup('shop', 0, 1, 0, 'backups'), 'no backup');
        $this->assertSame('0', $mysql->get_mysql_details('shop')['bck']);
        $this->assertFalse($mysql->restore('backups/nosuch.sql', false, 'shop'));
        $this->assertRaised('mysql', 9, 'restore of a file the panel did not write');
        $this->assertFalse($mysql->restore('backups/x.sql', false, 'nope'));
        $this->assertRaised('mysql', 4, 'restore into none');
    }

    /** @depends testNewMysql */
    public function testMainUserPassword(): void
    {
        $mysql = $this->member();
        $this->assertFalse($mysql->put_mysql_details(''));
        $this->assertRaised('mysql', 20, 'put_mysql_details without a password');
        $this->assertTrue($mysql->put_mysql_details('Db-bridge-pass-2'), 'm_mysql::put_mysql_details');
        $this->assertTrue(self::serverPassword(self::$m, 'Db-bridge-pass-2'), 'the server has the new password');
    }

    /** @depends testAddDb */
    public function testUsers(): void
    {
        $mysql = $this->member();
        $m = self::$m;
        $cases = [
            [['', 'Db-bridge-pass-1', 'Db-bridge-pass-1'], 21, 'no name'],
            [['ro', '', ''], 20, 'no password'],
            [['-x', 'Db-bridge-pass-1', 'Db-bridge-pass-1'], 14, 'a bad name'],
            [['ro', 'Db-bridge-pass-1', 'other'], 17, 'the confirmation differs'],
        ];
        foreach ($cases as [$args, $code, $what]) {
            $this->assertFalse($mysql->add_user(...$args), $what);
            $this->assertRaised('mysql', $code, "add_user: $what");
        }
        $this->assertTrue($mysql->add_user('ro', 'Db-bridge-pass-1', 'Db-bridge-pass-1'), 'm_mysql::add_user');
        $this->assertTrue(self::serverPassword("{$m}_ro", 'Db-bridge-pass-1'), 'the user is on the server');
        $this->assertFalse($mysql->add_user('ro', 'Db-bridge-pass-1', 'Db-bridge-pass-1'));
        $this->assertRaised('mysql', 16, 'add_user of a user that exists');
        $this->assertTrue($mysql->add_user('rw', 'Db-bridge-pass-1', 'Db-bridge-pass-1'));
        $this->assertFalse($mysql->add_user('four', 'Db-bridge-pass-1', 'Db-bridge-pass-1'));
        $this->assertRaised('mysql', 13, 'over the mysql_users quota (the main user counts)');
        $this->assertSame([['name' => 'ro'], ['name' => 'rw']], $mysql->get_userslist(), 'm_mysql::get_userslist');

        $this->assertTrue($mysql->change_user_password('ro', 'Db-bridge-pass-3', 'Db-bridge-pass-3'),
            'm_mysql::change_user_password');
        $this->assertTrue(self::serverPassword("{$m}_ro", 'Db-bridge-pass-3'));
        $this->assertFalse($mysql->change_user_password('ro', 'Db-bridge-pass-4', 'other'));
        $this->assertRaised('mysql', 17, 'change_user_password: the confirmation differs');
        $this->assertFalse($mysql->change_user_password('nouser', 'Db-bridge-pass-4', 'Db-bridge-pass-4'));
        $this->assertRaised('mysql', 18, 'change_user_password of none');
        $this->assertTrue(self::serverPassword("{$m}_ro", 'Db-bridge-pass-3'), 'unchanged');
    }

    /** @depends testUsers */
    public function testRights(): void
    {
        $mysql = $this->member();
        $m = self::$m;
        $this->assertTrue($mysql->set_user_rights('ro', 'shop', ['select', 'insert', 'references', 'bogus']),
            'm_mysql::set_user_rights');
        $this->assertSame(['Y', 'Y', 'N'], self::serverRights("{$m}_ro", "{$m}_shop"), 'granted on the server');
        $rows = $mysql->get_user_dblist('ro');
        $this->assertSame(['', 'shop', 'third'], array_column($rows, 'db'), 'm_mysql::get_user_dblist');
        $this->assertSame(['db', 'select', 'insert', 'update', 'delete', 'create', 'drop', 'references', 'index',
            'alter', 'create_tmp', 'lock'], array_keys($rows[1]));
        $this->assertSame(['Y', 'Y', 'N', 'N'], [$rows[1]['select'], $rows[1]['insert'], $rows[1]['update'],
            $rows[1]['references']]);
        $this->assertSame('N', $rows[0]['select'], 'no right on the other databases');
        $this->assertTrue($mysql->set_user_rights('ro', 'shop', ['update']), 'set_user_rights replaces them');
        $this->assertSame(['N', 'N', 'Y'], self::serverRights("{$m}_ro", "{$m}_shop"));
        $this->assertFalse($mysql->set_user_rights('nouser', 'shop', ['select']));
        $this->assertRaised('mysql', 18, 'set_user_rights of an unknown user');
        $this->assertFalse($mysql->set_user_rights('ro', 'nope', ['select']));
        $this->assertRaised('mysql', 4, 'set_user_rights on an unknown database');
        $this->assertSame(['N', 'N', 'Y'], self::serverRights("{$m}_ro", "{$m}_shop"), 'nothing changed');
        $this->assertFalse($mysql->get_user_dblist('nouser'));
        $this->assertRaised('mysql', 18, 'get_user_dblist of an unknown user');
    }

    /** @depends testRights */
    public function testDelUserAndDb(): void
    {
        $mysql = $this->member();
        $m = self::$m;
        $this->assertFalse($mysql->del_user('-x'));
        $this->assertRaised('mysql', 14, 'del_user of a bad name');
        $this->assertTrue($mysql->del_user('ro'), 'm_mysql::del_user');
        $this->assertFalse(self::serverHasUser("{$m}_ro"), 'dropped on the server');
        $this->assertFalse($mysql->del_user('ro'));
        $this->assertRaised('mysql', 18, 'del_user of none');
        $this->assertTrue($mysql->del_db('shop'), 'm_mysql::del_db');
        $this->assertFalse(self::serverHasDatabase("{$m}_shop"), 'dropped on MariaDB');
        $this->assertFalse($mysql->del_db('shop'));
        $this->assertRaised('mysql', 4, 'del_db of none');
        $this->assertSame([$m, "{$m}_third"], array_column($mysql->get_dblist(), 'db'));
    }
}
