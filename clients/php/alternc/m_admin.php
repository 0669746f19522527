<?php
// AlternC 1.0's m_admin (hosted accounts) on panel-api. Same public methods, arguments and
// return values as 1.0 for what is covered; differences in docs/php-panel.md.
require_once __DIR__ . '/panel_api.php';

class m_admin
{
    /** 1.0: the current user is an administrator (membres.su) */
    var $enabled = 0;

    private function check()
    {
        global $mem, $err;
        $this->enabled = (is_object($mem) && !empty($mem->user['su'])) ? 1 : 0;
        if (!$this->enabled) {
            $err->raise('admin', 1);
            return false;
        }
        return true;
    }

    private function login_of($uid)
    {
        global $err;
        $login = panel_login_of($uid);
        if ($login === null) {
            $err->raise('admin', 2);
        }
        return $login;
    }

    private static $map = ['not_found' => 2, 'forbidden' => 1, 'exists' => 3, 'invalid:login' => 10,
        'invalid:mail' => 5, 'missing_field' => 6];

    /** membres + local + parentlogin of an account (GET /api/v1/accounts/{login}). */
    function get($uid)
    {
        if (!$this->check() || ($login = $this->login_of($uid)) === null) {
            return false;
        }
        try {
            $a = panel_api()->getAccount($login);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        $c = panel_account_to_1_0($a);
        $c['parentlogin'] = $a['creator'] ?? null;
        return $c;
    }

    /** get() plus nbcreated, the number of accounts it created. */
    function get_creator($uid)
    {
        $c = $this->get($uid);
        if ($c === false) {
            return false;
        }
        try {
            $page = panel_api()->listAccounts(['creator' => (int) $uid, 'limit' => 1]);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        $c['nbcreated'] = (string) $page['total'];
        return $c;
    }

    /**
     * The accounts, ordered by login, as get() arrays; false when there is none. Which
     * accounts is the API's decision (the caller's own, or all for uid 2000 and when
     * subadmin_restriction allows): $all cannot widen it.
     */
    function get_list($all = 0, $creator = 0)
    {
        global $err;
        if (!$this->check()) {
            return false;
        }
        $query = ['limit' => 500];
        if ($creator) {
            $query['creator'] = (int) $creator;
        }
        $c = [];
        try {
            $accounts = iterator_to_array(panel_api()->iterateAccounts($query), false);
            foreach ($accounts as $a) {
                panel_remember_login($a);
            }
            foreach ($accounts as $a) {
                $row = panel_account_to_1_0($a);
                $row['parentlogin'] = $a['creator'] ?? null;
                $c[] = $row;
            }
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return $c ? $c : false;
    }

    /** true when the current user may manage $uid: uid 2000, or it created it. */
    function checkcreator($uid)
    {
        global $mem, $err;
        if ((int) ($mem->user['uid'] ?? 0) === 2000) {
            return true;
        }
        $c = $this->get($uid);
        if ($c === false || (int) $c['creator'] !== (int) $mem->user['uid']) {
            $err->raise('admin', 1);
            return false;
        }
        return true;
    }

    /**
     * POST /api/v1/accounts; returns the new uid. The password policy `mem` applies.
     *
     * $create (not in 1.0): what 1.0's adm_doadd.php did after add_mem(), made by the API in the
     * account's own transaction (all or nothing, where 1.0 left the account half made):
     * 'ftp' => true, the default FTP account (named like the login, the same password, the web
     * space's root: adm_doadd.php's add_ftp($login, '', $pass, '/')); 'install_domain' =>
     * PARENT, the domain <login>.PARENT with its DNS, locked (adm_doadd.php's $create_dom_list;
     * leading dots dropped): the hosting_tld setting or a domain of the creating admin. A taken
     * domain is dom 8; a quota at 0 is ftp 5 or dom 10 (the account is not made either); a
     * refused parent is the API's message.
     */
    function add_mem($login, $pass, $nom, $prenom, $mail, $canpass = 1, $type = 'default', $duration = 0,
        $notes = '', $force = 0, array $create = [])
    {
        global $err;
        if (!$this->check()) {
            return false;
        }
        if (($login == '') || ($pass == '')) {
            $err->raise('admin', 6);
            return false;
        }
        if (!$force) {
            if ($mail == '') {
                $err->raise('admin', 6);
                return false;
            }
            if (!filter_var($mail, FILTER_VALIDATE_EMAIL)) {
                $err->raise('admin', 5);
                return false;
            }
        }
        $login = strtolower($login);
        if (!preg_match('/^[a-z0-9]*$/', $login)) {
            $err->raise('admin', 'Login can only contains characters a-z and 0-9');
            return false;
        }
        if (strlen($login) > 16) {
            $err->raise('admin', 13);
            return false;
        }
        $fields = ['login' => $login, 'password' => (string) $pass, 'nom' => (string) $nom,
            'prenom' => (string) $prenom, 'canpass' => (bool) $canpass, 'type' => (string) $type,
            'duration' => (int) $duration, 'notes' => (string) $notes];
        if ($mail != '') {
            $fields['mail'] = (string) $mail;
        }
        if (!empty($create['ftp'])) {
            $fields['ftp'] = true;
        }
        if (isset($create['install_domain']) && (string) $create['install_domain'] !== '') {
            $fields['install_domain'] = (string) $create['install_domain'];
        }
        try {
            $a = panel_api()->createAccount($fields);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, ['exists:domain' => ['dom', 8], 'exists:install_domain' => ['dom', 8],
                'quota_exceeded:ftp' => ['ftp', 5], 'quota_exceeded:dom' => ['dom', 10]] + self::$map);
        }
        panel_remember_login($a);
        return (int) $a['uid'];
    }

    /** PATCH (with If-Match of the read just made) and, when $pass is given, PUT .../password. */
    function update_mem($uid, $mail, $nom, $prenom, $pass, $enabled, $canpass, $type = 'default',
        $duration = 0, $notes = '')
    {
        if (!$this->check() || ($login = $this->login_of($uid)) === null) {
            return false;
        }
        $api = panel_api();
        try {
            $api->getAccount($login);
            $api->updateAccount($login, ['mail' => (string) $mail, 'nom' => (string) $nom,
                'prenom' => (string) $prenom, 'enabled' => (bool) $enabled, 'canpass' => (bool) $canpass,
                'type' => (string) $type, 'duration' => (int) $duration, 'notes' => (string) $notes],
                ['if_match' => true]);
            if ($pass != '') {
                $api->setAccountPassword($login, (string) $pass);
            }
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return true;
    }

    /** POST /api/v1/accounts/{login}/lock: also revokes its tokens at once (1.0 did not). */
    function lock_mem($uid)
    {
        return $this->action($uid, 'lockAccount');
    }

    /** POST /api/v1/accounts/{login}/unlock */
    function unlock_mem($uid)
    {
        return $this->action($uid, 'unlockAccount');
    }

    /** DELETE /api/v1/accounts/{login}: one transaction; domains go to the cron side. */
    function del_mem($uid)
    {
        return $this->action($uid, 'deleteAccount');
    }

    private function action($uid, $method)
    {
        if (!$this->check() || ($login = $this->login_of($uid)) === null) {
            return false;
        }
        try {
            panel_api()->$method($login);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return true;
    }

    /** POST /api/v1/accounts/{login}/renew (periods 0: false, as 1.0). */
    function renew_mem($uid, $periods = 1)
    {
        if ((int) $periods < 1 || ($login = $this->login_of($uid)) === null) {
            return false;
        }
        try {
            panel_api()->renewAccount($login, (int) $periods);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return true;
    }

    /** The account's expiry date (the API's `expiry`), or false. */
    function renew_get_expiry($uid)
    {
        if (($login = $this->login_of($uid)) === null) {
            return false;
        }
        try {
            $a = panel_api()->getAccount($login);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return $a['expiry'] ?? false;
    }

    /** 0 no duration, 3 expired, 2 renewal due, 1 otherwise (from the API's account). */
    function renew_get_status($uid)
    {
        if (($login = $this->login_of($uid)) === null) {
            return false;
        }
        try {
            $a = panel_api()->getAccount($login);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return self::status($a);
    }

    /** 1.0's renewal status of an API account: 0 no duration, 3 expired, 2 renewal due, 1 otherwise. */
    private static function status(array $a): int
    {
        if (empty($a['duration'])) {
            return 0;
        }
        if (!empty($a['expired'])) {
            return 3;
        }
        if (!empty($a['renewed']) && strtotime($a['renewed']) <= time()) {
            return 2;
        }
        return 1;
    }

    /**
     * The accounts whose renewal is due (status 2) or past (3), as get() rows with `expiry` and
     * `status`, ordered by status (3 first) then expiry. Among the accounts the caller sees.
     */
    function renew_get_expiring_accounts()
    {
        $res = [];
        try {
            foreach (panel_api()->iterateAccounts(['limit' => 500]) as $a) {
                panel_remember_login($a);
                $status = self::status($a);
                if ($status === 2 || $status === 3) {
                    $row = panel_account_to_1_0($a);
                    $row['status'] = (string) $status;
                    $res[] = $row;
                }
            }
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        usort($res, function ($a, $b) {
            return [(int) $b['status'], (string) $a['expiry']] <=> [(int) $a['status'], (string) $b['expiry']];
        });
        return $res;
    }

    /** PATCH duration: 0 clears the period, a new duration starts one (the API's renew_update). */
    function renew_update($uid, $duration)
    {
        if (($login = $this->login_of($uid)) === null) {
            return false;
        }
        try {
            panel_api()->updateAccount($login, ['duration' => (int) $duration]);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return true;
    }

    /** true when exactly one account is an administrator (among those the caller sees). */
    function onesu()
    {
        $n = 0;
        try {
            foreach (panel_api()->iterateAccounts(['limit' => 500]) as $a) {
                $n += $a['admin'] ? 1 : 0;
            }
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return $n === 1;
    }

    /**
     * The accounts that created others, as get_creator() rows (uid 2000 only, admin 1 else; an
     * empty array then, as 1.0). Creators are read from the accounts' `creator`.
     */
    function get_creator_list()
    {
        global $mem, $err;
        if (!$this->check()) {
            return false;
        }
        if ((int) ($mem->user['uid'] ?? 0) !== 2000) {
            $err->raise('admin', 1);
            return [];
        }
        $creators = [];
        try {
            foreach (panel_api()->iterateAccounts(['limit' => 500]) as $a) {
                panel_remember_login($a);
                if (!empty($a['creator'])) {
                    $creators[$a['creator']] = true;
                }
            }
            $uids = [];
            foreach (array_keys($creators) as $login) {
                if (($uid = panel_uid_of((string) $login)) !== null) {
                    $uids[$uid] = true;
                }
            }
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        ksort($uids);
        $creators = $uids;
        $res = [];
        foreach (array_keys($creators) as $uid) {
            $c = $this->get_creator($uid);
            if ($c !== false) {
                $res[] = $c;
            }
        }
        return $res;
    }

    /**
     * Every domain the caller sees with its owner: domaine, login, gesdns, gesmx, noerase (1.0's
     * columns), ordered by name. $alsocheck (1.0's dig checks) is not done: errno/errstr are
     * left out.
     */
    function dom_list($alsocheck = false, $forcecheck = false)
    {
        $c = [];
        try {
            foreach (panel_all_domains() as $login => $domains) {
                foreach ($domains as $d) {
                    $c[] = ['login' => $login, 'domaine' => $d['domain'], 'gesdns' => panel_bool($d['dns']),
                        'gesmx' => panel_bool($d['mx']), 'noerase' => panel_bool($d['noerase'])];
                }
            }
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        usort($c, function ($a, $b) {
            return strcmp($a['domaine'], $b['domaine']);
        });
        return $c;
    }

    /** Toggles the domain's admin lock (noerase) with PATCH and If-Match; dom 1 when unknown. */
    function dom_lock($domain)
    {
        $api = panel_api();
        $domain = strtolower((string) $domain);
        try {
            $d = $api->getDomain($domain);
            $api->updateDomain($domain, ['noerase' => !$d['noerase']], ['if_match' => true]);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, ['not_found' => ['dom', 1]] + self::$map);
        }
        return true;
    }

    /** The mode of a TLD (a string, as 1.0's row); admin 11 when it is not listed. */
    function gettld($tld)
    {
        global $err;
        $list = $this->listtld();
        if ($list === false) {
            return false;
        }
        foreach ($list as $t) {
            if ($t['tld'] === strtolower((string) $tld)) {
                return $t['mode'];
            }
        }
        $err->raise('admin', 11);
        return false;
    }

    /** POST /tlds for a new TLD: admin 12 when empty or listed already; one leading dot is dropped. */
    function addtld($tld, $mode)
    {
        global $err;
        $tld = strtolower(trim((string) $tld));
        if (substr($tld, 0, 1) === '.') {
            $tld = substr($tld, 1);
        }
        if ($tld === '') {
            $err->raise('admin', 12);
            return false;
        }
        $list = $this->listtld();
        if ($list === false) {
            return false;
        }
        if (in_array($tld, array_column($list, 'tld'), true)) {
            $err->raise('admin', 12);
            return false;
        }
        return $this->settld($tld, $mode);
    }

    /** POST /tlds for a listed TLD: admin 11 when it is not listed. */
    function edittld($tld, $mode)
    {
        if ($this->gettld($tld) === false) {
            return false;
        }
        return $this->settld(strtolower((string) $tld), $mode);
    }

    private function settld($tld, $mode)
    {
        try {
            panel_api()->setTld($tld, (int) $mode);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return true;
    }

    /** DELETE /tlds/{tld}: admin 11 when it is not listed. Hosted domains stay. */
    function deltld($tld)
    {
        try {
            panel_api()->deleteTld(strtolower((string) $tld));
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, ['not_found' => 11] + self::$map);
        }
        return true;
    }

    /** PATCH admin=true; admin 8 when it is one already. */
    function normal2su($uid)
    {
        return $this->setsu($uid, true, 8);
    }

    /** PATCH admin=false; admin 9 when it is not one. */
    function su2normal($uid)
    {
        return $this->setsu($uid, false, 9);
    }

    private function setsu($uid, $admin, $already)
    {
        global $err;
        if (($login = $this->login_of($uid)) === null) {
            return false;
        }
        $api = panel_api();
        try {
            $a = $api->getAccount($login);
            if ((bool) $a['admin'] === $admin) {
                $err->raise('admin', $already);
                return false;
            }
            $api->updateAccount($login, ['admin' => $admin], ['if_match' => true]);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        return true;
    }

    /** The TLDs: [['tld' => ..., 'mode' => ...], ...] (GET /api/v1/tlds). */
    function listtld()
    {
        try {
            $page = panel_api()->listTlds();
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        $c = [];
        foreach ($page['items'] as $t) {
            $c[] = ['tld' => $t['tld'], 'mode' => (string) $t['mode']];
        }
        return $c;
    }

    /** The login of uid 2000. */
    function getadmin()
    {
        return panel_login_of(2000) ?? false;
    }

    // ---- password policies ------------------------------------------------------------------

    /** 1.0's descriptions of the policies, from its classes' alternc_password_policy hooks. */
    private static $policyNames = ['mem' => "AlternC's account password", 'pop' => 'POP/IMAP account passwords',
        'ftp' => 'FTP accounts', 'mysql' => 'MySQL users', 'hta' => 'Protected folders passwords'];

    /** the API's policy messages => 1.0's checkPolicy codes */
    private static $policyRules = ['the password is empty' => 15, 'at least' => 15, 'at most' => 16,
        'must not contain the login' => 17, 'kinds of characters' => 18];

    /**
     * GET /policies: [name => row] with 1.0's `policy` columns as strings (name, minsize,
     * maxsize, classcount, allowlogin '0'/'1') and description (1.0's, through gettext when
     * loaded). The five policies mem, pop, ftp, mysql, hta always exist (1.0 made rows from its
     * loaded classes and deleted the others').
     */
    function listPasswordPolicies()
    {
        try {
            $items = panel_api()->listPolicies()['items'];
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
        }
        $r = [];
        foreach ($items as $p) {
            $desc = self::$policyNames[$p['name']] ?? $p['name'];
            $r[$p['name']] = ['name' => $p['name'], 'minsize' => (string) $p['minsize'],
                'maxsize' => (string) $p['maxsize'], 'classcount' => (string) $p['classcount'],
                'allowlogin' => panel_bool($p['allowlogin']),
                'description' => function_exists('_') ? _($desc) : $desc];
        }
        return $r;
    }

    /**
     * PATCH /policies/{name} (admins: admin 1 otherwise; 1.0's page checked, not its class).
     * false without an error for an unknown policy, as 1.0; sizes up to 255 (1.0: 64): values
     * the API refuses (minsize over maxsize, classcount over 4...) are its message and false
     * (1.0 said nothing). The rules apply to the next passwords set.
     */
    function editPolicy($policy, $minsize, $maxsize, $classcount, $allowlogin)
    {
        if (!$this->check()) {
            return false;
        }
        try {
            panel_api()->updatePolicy((string) $policy, ['minsize' => intval($minsize),
                'maxsize' => intval($maxsize), 'classcount' => intval($classcount),
                'allowlogin' => (bool) intval($allowlogin)]);
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() === 'not_found') {
                return false;
            }
            return panel_raise('admin', $e, ['forbidden' => 1]);
        }
        return true;
    }

    /**
     * POST /policies/{name}/check: true when $password satisfies the policy for $login, as 1.0:
     * admin 14 unknown policy, 15 too short, 16 too long, 17 the login (or a part of it around
     * '@') in it, 18 too few kinds of characters. The API's other rules (control characters, a
     * breached password) are its message. Nothing is stored.
     */
    function checkPolicy($policy, $login, $password)
    {
        try {
            panel_api()->checkPolicy((string) $policy, (string) $password, (string) $login);
        } catch (PanelApiException $e) {
            $rules = $e->getField() === 'password' ? self::$policyRules : [];
            return panel_raise('admin', $e, ['not_found' => 14], $rules);
        }
        return true;
    }
}
