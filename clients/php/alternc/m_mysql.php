<?php
// AlternC 1.0's m_mysql (the current account's MySQL databases and users) on panel-api. Same
// public methods, arguments and return values as 1.0; differences in docs/php-panel.md.
// Databases and users are named login or login_suffix; 1.0's "main user" is the user named
// after the login, with every right on the databases new_mysql() and add_db() create.
require_once __DIR__ . '/panel_api.php';

class m_mysql
{
    var $server;
    var $client;

    /** 1.0's rights (get_user_dblist keys, set_user_rights words) => the API's. REFERENCES has no API right. */
    const RIGHTS = ['select' => 'SELECT', 'insert' => 'INSERT', 'update' => 'UPDATE', 'delete' => 'DELETE',
        'create' => 'CREATE', 'drop' => 'DROP', 'references' => null, 'index' => 'INDEX', 'alter' => 'ALTER',
        'create_tmp' => 'CREATE TEMPORARY TABLES', 'lock' => 'LOCK TABLES'];

    /** Every right of the API: 1.0's GRANT ALL PRIVILEGES to the main user. */
    const ALL_RIGHTS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX',
        'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'CREATE VIEW', 'SHOW VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE',
        'EXECUTE', 'EVENT', 'TRIGGER'];

    /** API error code (or code:field) => 1.0's mysql code */
    private static $map = ['quota_exceeded' => 1, 'invalid:suffix' => 2, 'exists' => 3, 'not_found' => 4];

    function __construct()
    {
        $this->server = $GLOBALS['L_MYSQL_HOST'] ?? null;
        $this->client = $GLOBALS['L_MYSQL_CLIENT'] ?? null;
    }

    private function raise(PanelApiException $e, array $map = [])
    {
        return panel_raise('mysql', $e, $map + self::$map);
    }

    /** login, or login_$suffix ('' and null: the login alone), as 1.0 builds its names. */
    private static function name($suffix): string
    {
        $suffix = (string) $suffix;
        return panel_current_login() . ($suffix !== '' ? '_' . $suffix : '');
    }

    /** What follows the first "_" of a name ('' for the login alone): 1.0's split_mysql_database_name. */
    private static function suffix(string $name): string
    {
        $at = strpos($name, '_');
        return $at === false ? '' : substr($name, $at + 1);
    }

    function alternc_quota_names()
    {
        return ['mysql', 'mysql_users'];
    }

    function alternc_password_policy()
    {
        return ['mysql' => 'MySQL users'];
    }

    /** 1.0's bck_mode values (0 none, 1 weekly, 2 daily: its sql_bck.php and sqlbackup.sh) <=> the API's. */
    const BACKUP_MODES = ['none' => '0', 'weekly' => '1', 'daily' => '2'];

    /**
     * Rows db, name (the suffix), bck (1.0's bck_mode), dir (bck_dir, absolute as 1.0's row; ''
     * when never set), login, pass of the current account's databases, by name; false and mysql
     * 11 when none. login is the main user; pass is '' (the API never gives passwords).
     */
    function get_dblist()
    {
        global $err;
        try {
            $items = panel_api()->listDatabases(panel_current_login())['items'];
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        if (!$items) {
            $err->raise('mysql', 11);
            return false;
        }
        usort($items, function ($a, $b) {
            return strcmp($a['name'], $b['name']);
        });
        $c = [];
        foreach ($items as $d) {
            $b = self::backup($d);
            $c[] = ['db' => $d['name'], 'name' => self::suffix($d['name']), 'bck' => $b['bck'], 'dir' => $b['abs'],
                'login' => $d['owner'], 'pass' => ''];
        }
        return $c;
    }

    /** A database's `backup` object as 1.0's bck_* strings (bck, history, gzip; abs and dir for bck_dir). */
    private static function backup(array $d): array
    {
        $b = $d['backup'] ?? [];
        $abs = (string) ($b['dir'] ?? '');
        $rel = $abs === '' ? '' : panel_web_relative($abs, (string) $d['owner']);
        return ['bck' => self::BACKUP_MODES[$b['mode'] ?? 'none'] ?? '0',
            'history' => (string) (int) ($b['history'] ?? 0), 'gzip' => panel_bool($b['gzip'] ?? false),
            'abs' => $abs, 'dir' => $rel ?? $abs];
    }

    /**
     * enabled, login, db, name, bck, dir, size (bytes), pass, history, gzip of database
     * login[_$dbn]; ['enabled' => false] and mysql 4 when there is none, as 1.0. bck, history
     * and gzip are 1.0's bck_* columns as strings; dir is bck_dir relative to the web space
     * ('/sub/dir', '' for the space itself or never set), as 1.0 cut it.
     */
    function get_mysql_details($dbn)
    {
        try {
            $d = panel_api()->getDatabase(self::name($dbn));
        } catch (PanelApiException $e) {
            $this->raise($e);
            return ['enabled' => false];
        }
        $b = self::backup($d);
        return ['enabled' => true, 'login' => $d['owner'], 'db' => $d['name'], 'name' => self::suffix($d['name']),
            'bck' => $b['bck'], 'dir' => $b['dir'], 'size' => (int) $d['size'], 'pass' => '',
            'history' => $b['history'], 'gzip' => $b['gzip']];
    }

    /**
     * Creates database login[_$dbn] (POST .../databases) and, as 1.0, gives the main user (if
     * the account has one) every right on it (PUT /dbusers/{login}/grants). mysql 1 quota, 2
     * bad name, 12 too long, 3 exists.
     */
    function add_db($dbn)
    {
        global $err;
        $dbn = (string) $dbn;
        if (!preg_match('/^[0-9a-z]*$/', $dbn)) {
            $err->raise('mysql', 2);
            return false;
        }
        if (strlen(self::name($dbn)) > 64) {
            $err->raise('mysql', 12);
            return false;
        }
        $api = panel_api();
        $login = panel_current_login();
        try {
            $db = $api->createDatabase($login, $dbn)['name'];
        } catch (PanelApiException $e) {
            $db = self::name($dbn);
            try {
                $made = panel_made_by_first_attempt($e) && $api->getDatabase($db)['owner'] === $login;
            } catch (PanelApiException $other) {
                $made = false;
            }
            if (!$made) {
                return $this->raise($e);
            }
        }
        return $this->grantMainUser($db);
    }

    /** 1.0's GRANT ALL to the main user on a new database, when the account has one. */
    private function grantMainUser(string $db): bool
    {
        $api = panel_api();
        $login = panel_current_login();
        try {
            $api->getDbUser($login);
        } catch (PanelApiException $e) {
            return $e->getErrorCode() === 'not_found' ? true : $this->raise($e);
        }
        try {
            $api->setDbUserGrants($login, [$db => self::ALL_RIGHTS]);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** Drops database login[_$dbn] with its grants (DELETE /databases/{name}); mysql 4 none. */
    function del_db($dbn)
    {
        try {
            panel_api()->deleteDatabase(self::name($dbn));
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /**
     * The backup settings of database login[_$dbn] (PUT /databases/{name}/backup): $bck_mode 0
     * none, 1 weekly, 2 daily (1.0's sql_bck.php and sqlbackup.sh); $bck_history dumps kept;
     * $bck_gzip; $bck_dir a folder of the web space, relative to it. mysql 2 bad name, 4 none,
     * 5 no history (as 1.0, also for mode 0), 6 a folder outside the space (the API refuses
     * `..`, `.` and unusual characters without looking at the disk: 1.0 ran realpath()); another
     * mode or a history over 255: the API's message.
     */
    function put_mysql_backup($dbn, $bck_mode, $bck_history, $bck_gzip, $bck_dir)
    {
        global $err;
        if (!preg_match('/^[0-9a-z]*$/', (string) $dbn)) {
            $err->raise('mysql', 2);
            return false;
        }
        $name = self::name($dbn);
        try {
            panel_api()->getDatabase($name);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $history = intval($bck_history);
        if (!$history) {
            $err->raise('mysql', 5);
            return false;
        }
        $mode = array_search((string) intval($bck_mode), self::BACKUP_MODES, true);
        if ($mode === false) {
            $err->raise('mysql', 'put_mysql_backup: the backup mode is 0 (none), 1 (weekly) or 2 (daily)');
            return false;
        }
        $dir = (string) $bck_dir;
        try {
            panel_api()->setDatabaseBackup($name, ['mode' => $mode, 'history' => $history, 'gzip' => (bool) $bck_gzip,
                'dir' => $dir === '' ? '/' : $dir]);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['invalid:dir' => 6, 'invalid_field:dir' => 6]);
        }
        return true;
    }

    /** The main user's new password (PUT /dbusers/{login}/password). mysql 20 empty, 7 no main user. */
    function put_mysql_details($password)
    {
        global $err;
        if ((string) $password === '') {
            $err->raise('mysql', 20);
            return false;
        }
        try {
            panel_api()->setDbUserPassword(self::name(''), (string) $password);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 7]);
        }
        return true;
    }

    /**
     * The account's first MySQL access, as 1.0: the main user (named after the login) with
     * $password, the database named after the login, every right on it. mysql 20 empty
     * password, 10 the account has a database or its main user already.
     */
    function new_mysql($password)
    {
        global $err;
        if ((string) $password === '') {
            $err->raise('mysql', 20);
            return false;
        }
        $api = panel_api();
        $login = panel_current_login();
        try {
            if ($api->listDatabases($login)['items']) {
                $err->raise('mysql', 10);
                return false;
            }
            $api->createDbUser($login, '', (string) $password);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['exists' => 10, 'invalid:suffix' => 15, 'quota_exceeded' => 13]);
        }
        try {
            $api->createDatabase($login, '');
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return $this->grantMainUser($login);
    }

    /**
     * No synchronous route: the restore of $file (a dump the panel wrote, in the backups
     * folder; only its base name is sent) into database login[_$id] is queued (POST
     * /databases/{name}/restore) and run by the jobs runner. mysql 9 for a file the API
     * refuses. True once queued.
     */
    function restore($file, $stdout, $id)
    {
        $name = self::name($id);
        try {
            panel_api()->getDatabase($name);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        try {
            $job = panel_api()->restoreDatabase($name, basename((string) $file));
        } catch (PanelApiException $e) {
            return $this->raise($e, ['invalid:file' => 9, 'not_found:file' => 9]);
        }
        if ($stdout) {
            echo '<code><pre>' . htmlspecialchars("restore queued (job {$job['job']})") . '</pre></code>';
        }
        return true;
    }

    /** The size of database $dbname in bytes (data and indexes); 0 when unknown, as 1.0. */
    function get_db_size($dbname)
    {
        try {
            return (int) panel_api()->getDatabase((string) $dbname)['size'];
        } catch (PanelApiException $e) {
            return 0;
        }
    }

    /**
     * Rows name (the suffix) of the current account's database users, without the main user
     * (1.0 kept it apart, in `db`); false and mysql 19 when none.
     */
    function get_userslist()
    {
        global $err;
        $login = panel_current_login();
        try {
            $items = panel_api()->listDbUsers($login)['items'];
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $c = [];
        foreach ($items as $u) {
            if ($u['name'] !== $login) {
                $c[] = ['name' => self::suffix($u['name'])];
            }
        }
        if (!$c) {
            $err->raise('mysql', 19);
            return false;
        }
        usort($c, function ($a, $b) {
            return strcmp($a['name'], $b['name']);
        });
        return $c;
    }

    /**
     * A new user login_$usern with no rights (POST .../dbusers). mysql 21 no name, 20 no
     * password, 14 bad name, 17 confirmation differs, 16 exists, 13 quota; the policy `mysql`
     * is the API's (its message).
     */
    function add_user($usern, $password, $passconf)
    {
        global $err;
        $usern = trim((string) $usern);
        if ($usern === '') {
            $err->raise('mysql', 21);
            return false;
        }
        if ((string) $password === '') {
            $err->raise('mysql', 20);
            return false;
        }
        if (!preg_match('/^[0-9a-z]/', $usern)) {
            $err->raise('mysql', 14);
            return false;
        }
        if ($password != $passconf) {
            $err->raise('mysql', 17);
            return false;
        }
        try {
            panel_api()->createDbUser(panel_current_login(), $usern, (string) $password);
        } catch (PanelApiException $e) {
            $map = ['exists' => 16, 'quota_exceeded' => 13, 'invalid:suffix' => 14];
            if (!panel_made_by_first_attempt($e)) {
                return $this->raise($e, $map);
            }
            // Made by the first attempt, or there before it (a 503 before the write) with
            // another password: the password typed is set either way, or the 409 raised.
            try {
                panel_api()->setDbUserPassword(self::name($usern), (string) $password);
            } catch (PanelApiException $other) {
                return $this->raise($e, $map);
            }
        }
        return true;
    }

    /** User login_$usern's new password (PUT /dbusers/{name}/password). mysql 17, 18 none. */
    function change_user_password($usern, $password, $passconf)
    {
        global $err;
        if ($password != $passconf || (string) $password === '') {
            $err->raise('mysql', 17);
            return false;
        }
        try {
            panel_api()->setDbUserPassword(self::name(trim((string) $usern)), (string) $password);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 18]);
        }
        return true;
    }

    /** Drops user login_$user (DELETE /dbusers/{name}). mysql 14 bad name, 18 none. */
    function del_user($user)
    {
        global $err;
        if (!preg_match('/^[0-9a-z]/', (string) $user)) {
            $err->raise('mysql', 14);
            return false;
        }
        try {
            panel_api()->deleteDbUser(self::name($user));
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 18]);
        }
        return true;
    }

    /**
     * The rights of user login[_$user] on each database of the account: rows db (the suffix),
     * select, insert, update, delete, create, drop, references, index, alter, create_tmp,
     * lock ('Y'/'N'). [] without databases; false and mysql 18 for an unknown user.
     */
    function get_user_dblist($user)
    {
        try {
            $dbs = panel_api()->listDatabases(panel_current_login())['items'];
            $grants = panel_api()->getDbUserGrants(self::name($user))['grants'];
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 18]);
        }
        usort($dbs, function ($a, $b) {
            return strcmp($a['name'], $b['name']);
        });
        $r = [];
        foreach ($dbs as $d) {
            $has = array_map('strtoupper', $grants[$d['name']] ?? []);
            $row = ['db' => self::suffix($d['name'])];
            foreach (self::RIGHTS as $key => $right) {
                $row[$key] = $right !== null && in_array($right, $has, true) ? 'Y' : 'N';
            }
            $r[] = $row;
        }
        return $r;
    }

    /**
     * User login[_$user] gets exactly $rights (1.0's words: select, insert, ... lock) on
     * database login[_$dbn] (PUT /dbusers/{name}/grants). mysql 18 unknown user, 4 a database
     * not the account's; 'references' has no API right and is ignored.
     */
    function set_user_rights($user, $dbn, $rights)
    {
        $map = self::RIGHTS;
        $list = [];
        foreach ((array) $rights as $word) {
            if (is_string($word) && isset($map[$word])) {
                $list[] = $map[$word];
            }
        }
        try {
            panel_api()->setDbUserGrants(self::name($user), [self::name($dbn) => array_values(array_unique($list))]);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found:grants' => 4, 'not_found' => 18]);
        }
        return true;
    }

    /** The number of databases (mysql) or users (mysql_users) of the current account. */
    function alternc_get_quota($name)
    {
        try {
            if ($name === 'mysql') {
                return count(panel_api()->listDatabases(panel_current_login())['items']);
            }
            if ($name === 'mysql_users') {
                return count(panel_api()->listDbUsers(panel_current_login())['items']);
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return false;
    }

    /** Logout hook, as 1.0: forgets the cookies of the SQL admin page. */
    function alternc_del_session()
    {
        if (PHP_SAPI !== 'cli' && !headers_sent()) {
            setcookie('REMOTE_USER', '');
            setcookie('REMOTE_PASSWORD', '');
        }
        return true;
    }
}
