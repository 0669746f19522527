<?php
// AlternC 1.0's m_ftp (the FTP accounts of the current account) on panel-api. Same public
// methods, arguments and return values as 1.0; differences in docs/php-panel.md. 1.0 names an
// FTP account by its id, the API by its name: the id is looked up in the account's list.
require_once __DIR__ . '/panel_api.php';

class m_ftp
{
    /** API error code (or code:field) => 1.0's ftp code */
    private static $map = ['not_found' => 2, 'invalid:prefix' => 3, 'exists' => 4, 'quota_exceeded' => 5,
        'invalid:dir' => 6];

    private function raise(PanelApiException $e, array $map = [])
    {
        return panel_raise('ftp', $e, $map + self::$map);
    }

    function alternc_quota_names()
    {
        return 'ftp';
    }

    function alternc_password_policy()
    {
        return ['ftp' => 'FTP accounts'];
    }

    /** The API's dir ("/" or "/www") as 1.0's, relative to the web space without a leading "/". */
    private static function dir(array $f): string
    {
        return ltrim((string) $f['dir'], '/');
    }

    /** 1.0 passes the dir relative to the web space, with or without "/"; the API takes "/...". */
    private static function apiDir($dir): string
    {
        return '/' . ltrim((string) $dir, '/');
    }

    /** The current account's FTP accounts as the API gives them. */
    private function all(): array
    {
        return panel_api()->listFtp(panel_current_login())['items'];
    }

    /** The current account's FTP account of 1.0 id $id; null when it has none of that id. */
    private function byId($id): ?array
    {
        foreach ($this->all() as $f) {
            if ((string) $f['id'] === (string) $id) {
                return $f;
            }
        }
        return null;
    }

    /** Rows id, login (the full name), dir, ordered by dir as 1.0; false and ftp 1 when none. */
    function get_list()
    {
        global $err;
        try {
            $list = $this->all();
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        if (!$list) {
            $err->raise('ftp', 1);
            return false;
        }
        usort($list, function ($a, $b) {
            return [self::dir($a), $a['name']] <=> [self::dir($b), $b['name']];
        });
        $r = [];
        foreach ($list as $f) {
            $r[] = ['id' => (string) $f['id'], 'login' => $f['name'], 'dir' => self::dir($f)];
        }
        return $r;
    }

    /** id, prefixe, login (the part after the prefix's "_"), dir; false and ftp 2 when none. */
    function get_ftp_details($id)
    {
        global $err;
        try {
            $f = $this->byId($id);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        if ($f === null) {
            $err->raise('ftp', 2);
            return false;
        }
        return ['id' => (string) $f['id'], 'prefixe' => $f['prefix'], 'login' => $f['suffix'],
            'dir' => self::dir($f)];
    }

    /** The current account's login, then its domains by name: the prefixes an FTP name may take. */
    function prefix_list()
    {
        $login = panel_current_login();
        $r = [$login];
        try {
            foreach (panel_api()->iterateDomains($login, ['limit' => 500]) as $d) {
                $r[] = $d['domain'];
            }
        } catch (PanelApiException $e) {
            $this->raise($e);
        }
        return $r;
    }

    /** Echoes prefix_list() as <option>s, $current selected. */
    function select_prefix_list($current)
    {
        foreach ($this->prefix_list() as $val) {
            $c = $current == $val ? ' selected="selected"' : '';
            echo '<option' . $c . '>' . htmlspecialchars($val) . '</option>';
        }
        return true;
    }

    /**
     * Renames (prefix, login), moves (dir) and, when $pass is not blank, sets the password of FTP
     * account $id (PATCH /ftp/{name}). ftp 2 none, 3 bad prefix, 4 name taken, 6 bad dir.
     */
    function put_ftp_details($id, $prefixe, $login, $pass, $dir)
    {
        global $err;
        try {
            $f = $this->byId($id);
            if ($f === null) {
                $err->raise('ftp', 2);
                return false;
            }
            if (!in_array($prefixe, $this->prefix_list(), true)) {
                $err->raise('ftp', 3);
                return false;
            }
            $fields = ['prefix' => (string) $prefixe, 'suffix' => (string) $login, 'dir' => self::apiDir($dir)];
            if (trim((string) $pass) !== '') {
                $fields['password'] = (string) $pass;
            }
            panel_api()->updateFtp($f['name'], $fields);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['exists' => 4, 'conflict' => 4]);
        }
        return true;
    }

    /** Deletes FTP account $id; returns its name, or false and ftp 2, as 1.0. */
    function delete_ftp($id)
    {
        global $err;
        try {
            $f = $this->byId($id);
            if ($f === null) {
                $err->raise('ftp', 2);
                return false;
            }
            panel_api()->deleteFtp($f['name']);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return $f['name'];
    }

    /**
     * A new FTP account $prefixe[_$login] rooted at $dir (POST .../ftp). ftp 3 bad prefix, 4
     * taken, 5 quota, 6 bad dir; the password policy `ftp` is the API's (its message).
     */
    function add_ftp($prefixe, $login, $pass, $dir)
    {
        global $err;
        $prefixe = (string) $prefixe;
        if ($prefixe === '' || !in_array($prefixe, $this->prefix_list(), true)) {
            $err->raise('ftp', 3);
            return false;
        }
        $fields = ['dir' => self::apiDir($dir)];
        if ((string) $login !== '') {
            $fields['suffix'] = (string) $login;
        }
        try {
            panel_api()->createFtp(panel_current_login(), $prefixe, (string) $pass, $fields);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** The id of the FTP account rooted at $dir, or false. */
    function is_ftp($dir)
    {
        $dir = ltrim((string) $dir, '/');
        try {
            foreach ($this->all() as $f) {
                if (self::dir($f) === $dir) {
                    return (string) $f['id'];
                }
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return false;
    }

    /** The number of FTP accounts of the current account (the `ftp` quota's use). */
    function alternc_get_quota($name)
    {
        if ($name !== 'ftp') {
            return false;
        }
        try {
            return count($this->all());
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
    }
}
