<?php
// AlternC 1.0's m_mem (sessions, login, own account) on panel-api. Same public methods,
// arguments and return values as 1.0; differences in docs/php-panel.md.
require_once __DIR__ . '/panel_api.php';

class m_mem
{
    var $olduid = 0;
    /** the membres row of the current user (1.0 keys, see panel_account_to_1_0) */
    var $user;
    /** the local row of the current user: uid, nom, prenom */
    var $local;
    /** the act-as login in effect before su() */
    var $oldactas = null;

    function __construct()
    {
        panel_page_charset();
    }

    function alternc_password_policy()
    {
        return ['mem' => 'AlternC\'s account password'];
    }

    function checkright()
    {
        return !empty($this->user['su']);
    }

    /** Sets a cookie, except in the CLI (tests, scripts) or once the headers are sent. */
    static function cookie($name, $value, $path = '/')
    {
        $_COOKIE[$name] = $value;
        if (PHP_SAPI !== 'cli' && !headers_sent()) {
            setcookie($name, $value, ['expires' => 0, 'path' => $path, 'httponly' => true,
                'secure' => !empty($_SERVER['HTTPS']), 'samesite' => 'Lax']);
        }
    }

    /** Loads $user, $local and $cuid from an API account. */
    function load(array $account)
    {
        global $cuid;
        panel_remember_login($account);
        $this->user = panel_account_to_1_0($account);
        $this->local = ['uid' => $this->user['uid'], 'nom' => $this->user['nom'],
            'prenom' => $this->user['prenom']];
        $cuid = (int) $account['uid'];
    }

    /**
     * Logs in through POST /api/v1/auth/login; the token is the session cookie.
     * $restrictip is accepted and ignored (tokens are not bound to an address).
     */
    function login($username, $password, $restrictip = 0)
    {
        global $err;
        $api = panel_api();
        try {
            $session = $api->login((string) $username, (string) $password);
            $api->actAs(null);
            $this->load($api->getAccount($session['principal']['login']));
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() === 'login_failed' && stripos($e->getMessage(), 'lock') !== false) {
                return panel_raise('mem', $e, ['login_failed' => 2]);
            }
            return panel_raise('mem', $e, ['login_failed' => 1]);
        }
        self::cookie('session', $session['token']);
        self::cookie('actas', '');
        $_REQUEST['session'] = $session['token'];
        if (is_object($err)) {
            $err->error = 0;
        }
        return true;
    }

    /**
     * Every page: a login in the request, or the session cookie (the API token) checked by
     * GET /api/v1/auth/whoami. The cookie `actas` (set by setid) is sent as X-Panel-Act-As.
     */
    function checkid()
    {
        global $err;
        if (!empty($_REQUEST['username']) && !empty($_REQUEST['password'])) {
            return $this->login($_REQUEST['username'], $_REQUEST['password'], $_REQUEST['restrictip'] ?? 0);
        }
        $sid = (string) ($_COOKIE['session'] ?? '');
        if (!preg_match('/^p[tk]_[A-Za-z0-9_-]{43}$/D', $sid)) {
            $err->raise('mem', 3);
            return false;
        }
        // The cookie is the browser's to set (a member's site may set one for the panel's
        // parent domain in an admin's browser): one that setid did not make for this session
        // (actas_cookie) is refused as a malformed cookie, never sent, and never read as "no
        // act-as".
        $actas = (string) ($_COOKIE['actas'] ?? '');
        $as = null;
        if ($actas !== '') {
            if (!preg_match('/^([A-Za-z0-9]{1,16})\.[0-9a-f]{32}$/D', $actas, $m)
                || !hash_equals(self::actas_cookie($m[1], $sid), $actas)) {
                $err->raise('mem', 3);
                return false;
            }
            $as = $m[1];
        }
        $api = panel_api();
        $api->setCredential($sid);
        $api->actAs($as);
        try {
            $who = $api->whoami();
            $login = $who['acting_as']['login'] ?? $who['login'];
            $this->load($api->getAccount($login));
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e, ['unauthenticated' => 4, 'not_found' => 4, 'forbidden' => 4]);
        }
        if (is_object($err)) {
            $err->error = 0;
        }
        return true;
    }

    /**
     * The `actas` cookie for $login in the session $sid: the login and a MAC keyed by the session
     * token, which only the panel's own host holds (an HttpOnly cookie without a domain). A
     * member's site can set a cookie for a parent domain in an admin's browser, but cannot make
     * this one: checkid refuses any other value.
     */
    static function actas_cookie($login, $sid)
    {
        return $login . '.' . substr(hash_hmac('sha256', 'actas ' . $login, (string) $sid), 0, 32);
    }

    /** An admin connects as the account $id: X-Panel-Act-As from now on (cookie `actas`). */
    function setid($id)
    {
        $login = panel_login_of($id);
        if ($login === null) {
            global $err;
            $err->raise('mem', 1);
            return false;
        }
        $api = panel_api();
        $api->actAs($login);
        try {
            $this->load($api->getAccount($login));
        } catch (PanelApiException $e) {
            $api->actAs(null);
            return panel_raise('mem', $e, ['not_found' => 1, 'forbidden' => 12]);
        }
        self::cookie('actas', self::actas_cookie($login, $_COOKIE['session'] ?? ''));
        return true;
    }

    /** Not in 1.0 (which used the `oldid` cookie): the admin stops acting as a member. */
    function unsetid()
    {
        self::cookie('actas', '');
        return $this->checkid();
    }

    /** Last login data are kept by the API itself. */
    function resetlast()
    {
        return true;
    }

    /** In-process identity switch: act as $uid's login until unsu(). */
    function su($uid)
    {
        global $err;
        $login = panel_login_of($uid);
        if ($login === null) {
            $err->raise('mem', 1);
            return false;
        }
        $api = panel_api();
        if (!$this->olduid) {
            $this->olduid = (int) ($this->user['uid'] ?? 0);
            $this->oldactas = $api->getActAs();
        }
        $api->actAs($login);
        try {
            $this->load($api->getAccount($login));
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e, ['not_found' => 1]);
        }
        return true;
    }

    function unsu()
    {
        if (!$this->olduid) {
            return false;
        }
        $api = panel_api();
        $back = $this->oldactas;
        $api->actAs($back);
        $login = $back ?? panel_login_of($this->olduid);
        $this->olduid = 0;
        $this->oldactas = null;
        try {
            $this->load($api->getAccount($login));
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e);
        }
        return true;
    }

    /** Logout: revokes the token (POST /api/v1/auth/logout) and clears the cookies. */
    function del_session()
    {
        global $err;
        $sid = (string) ($_COOKIE['session'] ?? '');
        self::cookie('session', '');
        self::cookie('actas', '');
        self::cookie('oldid', '', '/admin/');
        if ($sid === '') {
            $err->error = 0;
            return true;
        }
        if (!preg_match('/^p[tk]_[A-Za-z0-9_-]{43}$/D', $sid)) {
            $err->raise('mem', 3);     // as 1.0: a malformed cookie; it is not sent as a credential
            return false;
        }
        $api = panel_api();
        $api->setCredential($sid);
        $api->actAs(null);
        try {
            $api->logout();
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e, ['unauthenticated' => 4, 'invalid' => 3]);
        }
        $err->error = 0;
        return true;
    }

    /** The current user changes its own password (PUT .../password with old_password). */
    function passwd($oldpass, $newpass, $newpass2)
    {
        global $err;
        if (empty($this->user['canpass'])) {
            $err->raise('mem', 11);
            return false;
        }
        if ($newpass != $newpass2) {
            $err->raise('mem', 7);
            return false;
        }
        if (strlen($newpass) < 3) {
            $err->raise('mem', 8);
            return false;
        }
        try {
            panel_api()->setAccountPassword($this->user['login'], $newpass, $oldpass);
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e, ['invalid:old_password' => 6, 'forbidden' => 11]);
        }
        return true;
    }

    /**
     * 1.0 mailed the stored password (a hash) of $login to its contact address; the API mails a
     * reset code instead (POST /api/v1/auth/password-reset), which send_pass_confirm() (not in
     * 1.0) takes with the new password. The API answers the same whatever the login (unknown,
     * locked, canpass 0, asked already within the day: nothing is mailed), so that the answer
     * tells nothing: true in every such case, where 1.0 raised `mem 2` (unknown) or `mem 7`
     * (within a day). A failing MTA is the API's message.
     */
    function send_pass($login)
    {
        global $err;
        try {
            panel_api()->requestPasswordReset((string) $login);
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e);
        }
        $err->error = 0;
        return true;
    }

    /**
     * Not in 1.0: the second step of send_pass(). $code is the mailed reset code; the password
     * policy `mem` applies (the API's message). `mem 7` the two passwords differ, `mem 8` shorter
     * than 3 (as passwd()), `mem 9` a wrong, used or expired code (1.0's code for a wrong mail
     * change cookie or key). The account's open sessions are closed.
     */
    function send_pass_confirm($login, $code, $newpass, $newpass2)
    {
        global $err;
        if ($newpass != $newpass2) {
            $err->raise('mem', 7);
            return false;
        }
        if (strlen($newpass) < 3) {
            $err->raise('mem', 8);
            return false;
        }
        try {
            panel_api()->confirmPasswordReset((string) $login, (string) $code, (string) $newpass);
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e, ['unauthenticated' => 9]);
        }
        return true;
    }

    /**
     * The first step of a change of the current user's contact address
     * (POST /api/v1/accounts/{login}/mail-change): the API mails 1.0's link
     * (https://<fqdn>/admin/mem_cm.php?usr=<uid>&cookie=<cookie>) to $newmail and answers the
     * key, returned as 1.0 did, for the page to show. A refused address, a second request within
     * a minute (429) or a failing MTA are the API's messages (1.0 checked nothing).
     */
    function ChangeMail1($newmail)
    {
        global $err;
        $login = $this->user['login'] ?? null;
        if ($login === null) {
            $err->raise('mem', 2);
            return false;
        }
        try {
            $answer = panel_api()->requestMailChange($login, (string) $newmail);
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e, ['not_found' => 2]);
        }
        return $answer['key'];
    }

    /**
     * The second step, outside any session (1.0's mem_cm2.php): the cookie of the mailed link,
     * the key shown by ChangeMail1, the uid of the link (POST /api/v1/auth/mail-change/confirm).
     * `mem 9` when they do not match a pending change less than a day old, as 1.0.
     */
    function ChangeMail2($COOKIE, $KEY, $uid)
    {
        global $err;
        if (!preg_match('/^[0-9]+$/', (string) $uid)) {
            $err->raise('mem', 9);
            return false;
        }
        try {
            panel_api()->confirmMailChange((int) $uid, (string) $COOKIE, (string) $KEY);
        } catch (PanelApiException $e) {
            return panel_raise('mem', $e, ['unauthenticated' => 9, 'invalid' => 9]);
        }
        return true;
    }
}
