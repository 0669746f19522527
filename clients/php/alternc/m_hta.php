<?php
// AlternC 1.0's m_hta (protected folders: HTTP Basic authentication on a folder of the web
// space) on panel-api. Same public methods, arguments and return values as 1.0; differences in
// docs/php-panel.md. The account worked on is 1.0's $cuid (see panel_current_login()). The API
// records the folders and their users (panel_hta_dirs, panel_hta_users); the actions runner
// writes .htaccess and .htpasswd afterwards, so the answers come from the API, not the files.
require_once __DIR__ . '/panel_api.php';

class m_hta
{
    /** API error code (or code:field) => 1.0's hta code */
    private static $map = ['invalid:dir' => 8, 'invalid_field:dir' => 8, 'invalid_parameter:dir' => 8,
        'not_found:dir' => 8, 'invalid:user' => 11, 'invalid_field:user' => 11, 'exists:user' => 10];
    /** the API's password policy messages => 1.0's admin::checkPolicy codes */
    private static $policy = ['the password is empty' => ['admin', 15], 'at least' => ['admin', 15],
        'at most' => ['admin', 16], 'must not contain the login' => ['admin', 17],
        'kinds of characters' => ['admin', 18]];

    private function raise(PanelApiException $e, array $map = [])
    {
        $byMessage = $e->getField() === 'password' ? self::$policy : [];
        return panel_raise('hta', $e, $map + self::$map, $byMessage);
    }

    /** 1.0's constructor, misnamed (it never ran). */
    function m_webaccess()
    {
    }

    /** Password kind used in this class (hook of m_admin::listPasswordPolicies). */
    function alternc_password_policy()
    {
        return ['hta' => 'Protected folders passwords'];
    }

    /** A folder as the API takes it: relative to the web space, '/' for the space itself. */
    private static function dir($dir): string
    {
        $dir = trim((string) $dir);
        return $dir === '' ? '/' : $dir;
    }

    /** A folder as 1.0's ListDir gave it: 'sub/dir/' (no leading '/'), '/' for the space itself. */
    private static function listed(string $dir): string
    {
        $dir = trim($dir, '/');
        return $dir === '' ? '/' : "$dir/";
    }

    /**
     * Protects $dir, relative to the web space (POST /accounts/{login}/protected-folders); the
     * runner makes the folder when missing and writes the files. hta 8 for a folder outside the
     * space; true when it is protected already, as 1.0 (whose files were there).
     */
    function CreateDir($dir)
    {
        try {
            panel_api()->protectFolder(panel_current_login(), self::dir($dir));
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() === 'exists') {
                return true;
            }
            return $this->raise($e);
        }
        return true;
    }

    /**
     * The current account's protected folders, relative to the web space with a trailing '/'
     * ('/' for the space itself), by folder; false and hta 4 when none, as 1.0. Folders 1.0
     * protected before the switch are listed once protected again through the API.
     */
    function ListDir()
    {
        global $err;
        try {
            $items = panel_api()->listProtectedFolders(panel_current_login())['items'];
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        if (!$items) {
            $err->raise('hta', 4);
            return false;
        }
        $r = [];
        foreach ($items as $f) {
            $r[] = self::listed((string) $f['dir']);
        }
        return $r;
    }

    /** true when $dir (relative to the web space) is in the list of protected folders. */
    function is_protected($dir)
    {
        try {
            $items = panel_api()->listProtectedFolders(panel_current_login())['items'];
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $want = self::listed(self::dir($dir));
        foreach ($items as $f) {
            if (self::listed((string) $f['dir']) === $want) {
                return true;
            }
        }
        return false;
    }

    /**
     * The users of the protected folder $dir, in order; [] for none. false for a folder that is
     * not protected, without an error, as 1.0 (no .htpasswd to read).
     */
    function get_hta_detail($dir)
    {
        try {
            $items = panel_api()->listProtectedFolderUsers(panel_current_login(), self::dir($dir))['items'];
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() === 'not_found') {
                return false;
            }
            return $this->raise($e);
        }
        return array_column($items, 'user');
    }

    /**
     * Unprotects $dir (DELETE /accounts/{login}/protected-folders?dir=): its users go; the
     * runner removes .htpasswd and the panel's block of .htaccess (1.0 deleted the whole file).
     * hta 8 a folder outside the space, hta 5 a folder that is not protected (1.0 could not
     * delete its .htaccess).
     */
    function DelDir($dir)
    {
        try {
            panel_api()->unprotectFolder(panel_current_login(), self::dir($dir));
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found:dir' => 5, 'not_found' => 5]);
        }
        return true;
    }

    /**
     * Adds $user with $password to the protected folder $dir. 1.0's user check first (hta 11);
     * hta 8 the folder is not protected (or outside the space), hta 10 the user exists; the
     * policy `hta` as 1.0's checkPolicy raised it (admin 15 too short, 16 too long, 17 the login
     * in it, 18 too few kinds of characters; other rules: the API's message).
     */
    function add_user($user, $password, $dir)
    {
        global $err;
        $user = (string) $user;
        if (!panel_checkloginmail($user)) {
            $err->raise('hta', 11);
            return false;
        }
        $login = panel_current_login();
        try {
            panel_api()->addProtectedFolderUser($login, self::dir($dir), $user, (string) $password);
        } catch (PanelApiException $e) {
            if (!panel_made_by_first_attempt($e)) {
                return $this->raise($e);
            }
            // Made by the first attempt, its answer lost, or there before it (a 503 before the
            // write) with another password: the password typed is set either way, as
            // m_mysql::add_user, or the 409 raised.
            try {
                panel_api()->setProtectedFolderUserPassword($login, self::dir($dir), $user, (string) $password);
            } catch (PanelApiException $other) {
                return $this->raise($e);
            }
        }
        return true;
    }

    /**
     * Removes the users of $lst (an array, as 1.0; a single name is taken too) from the folder
     * $dir, one request each. hta 8 when the folder is not protected; a name the folder does not
     * have is skipped, as 1.0.
     */
    function del_user($lst, $dir)
    {
        $api = panel_api();
        $login = panel_current_login();
        $dir = self::dir($dir);
        foreach ((array) $lst as $user) {
            try {
                $api->deleteProtectedFolderUser($login, $dir, (string) $user);
            } catch (PanelApiException $e) {
                if ($e->getErrorCode() === 'not_found' && $e->getField() === 'user') {
                    continue;
                }
                if (in_array($e->getErrorCode(), ['invalid', 'invalid_field'], true) && $e->getField() === 'user') {
                    continue;   // a name no folder can have
                }
                return $this->raise($e);
            }
        }
        return true;
    }

    /**
     * The new password of $user in the folder $dir. hta 8 the folder is not protected, the
     * policy `hta` as add_user; a user the folder does not have is the API's message (1.0 added
     * it).
     */
    function change_pass($user, $newpass, $dir)
    {
        try {
            panel_api()->setProtectedFolderUserPassword(panel_current_login(), self::dir($dir), (string) $user,
                (string) $newpass);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }
}
