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
        $c['parentlogin'] = $a['creator'] ? panel_login_of($a['creator']) : null;
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
            $creators = [];
            foreach (panel_api()->iterateAccounts($query) as $a) {
                panel_remember_login($a);
                $row = panel_account_to_1_0($a);
                $c[] = $row;
            }
            foreach ($c as $i => $row) {
                $c[$i]['parentlogin'] = $row['creator'] ? panel_login_of($row['creator']) : null;
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

    /** POST /api/v1/accounts; returns the new uid. The password policy `mem` applies. */
    function add_mem($login, $pass, $nom, $prenom, $mail, $canpass = 1, $type = 'default', $duration = 0,
        $notes = '', $force = 0)
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
        try {
            $a = panel_api()->createAccount($fields);
        } catch (PanelApiException $e) {
            return panel_raise('admin', $e, self::$map);
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
}
