<?php
// AlternC 1.0's m_quota (quotas of the current account, default quotas per account type) on
// panel-api. Same public methods, arguments and return values as 1.0; differences in
// docs/php-panel.md. The account worked on is 1.0's $cuid (see panel_current_login()).
require_once __DIR__ . '/panel_api.php';

class m_quota
{
    /** 1.0: the disk quotas (set by quota_edit there, by the API's actions runner here) */
    var $disk = ['web' => 'web'];
    /** 1.0: the last getquota() of every resource */
    var $quotas;
    /** 1.0: which class manages which quota (kept for pages that read it) */
    var $clquota = ['dom' => 'dom', 'mail' => 'mail', 'ftp' => 'ftp', 'mysql' => 'mysql',
        'mysql_users' => 'mysql', 'sta2' => 'sta2'];

    /** The quota names the API knows (docs/openapi.yaml, QuotaName), web first as in 1.0. */
    const NAMES = ['web', 'dom', 'mail', 'ftp', 'mysql', 'mysql_users', 'sta2'];

    /** API error code (or code:field) => [class, 1.0 code] */
    private static $map = ['forbidden' => ['admin', 1]];

    private function raise(PanelApiException $e)
    {
        return panel_raise('quota', $e, self::$map);
    }

    /** True when the current account may create one more $ressource (used < total). */
    function cancreate($ressource = '')
    {
        $t = $this->getquota($ressource);
        return is_array($t) && isset($t['u'], $t['t']) && $t['u'] < $t['t'];
    }

    /** name => label ("quota_<name>" through gettext when the panel has it), as 1.0. */
    function qlist()
    {
        $list = [];
        foreach (self::NAMES as $name) {
            $list[$name] = function_exists('_') ? _('quota_' . $name) : 'quota_' . $name;
        }
        return $list;
    }

    /**
     * ['t' => total, 'u' => used] of one resource, or of every one (name => that array) when
     * $ressource is ''. Integers (1.0 mixed strings and integers); web in KB as 1.0.
     */
    function getquota($ressource = '')
    {
        $api = panel_api();
        try {
            $login = panel_current_login();
            if ((string) $ressource !== '') {
                $q = $api->getQuota($login, (string) $ressource);
                return ['t' => (int) $q['total'], 'u' => (int) $q['used']];
            }
            $all = [];
            foreach ($api->getQuotas($login)['items'] as $q) {
                $all[$q['name']] = ['t' => (int) $q['total'], 'u' => (int) $q['used']];
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $this->quotas = $all;
        return $all;
    }

    /** Sets the current account's limit of $ressource (admins; a member: admin 1). */
    function setquota($ressource, $size)
    {
        try {
            panel_api()->setQuota(panel_current_login(), (string) $ressource, (int) floatval($size));
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** No route: an account's quotas go with the account (DELETE /accounts/{login}). */
    function delquotas()
    {
        global $err;
        $err->raise('quota', 'delquotas: no route, the quotas are deleted with the account');
        return false;
    }

    /** [type][name] => value of every account type, ordered by type then name. */
    function getdefaults()
    {
        $c = [];
        try {
            foreach (panel_api()->listQuotaDefaults()['items'] as $d) {
                $c[$d['type']][$d['name']] = (int) $d['value'];
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return $c;
    }

    /** $newq [type][name] => value; names not in qlist() are skipped, as 1.0. */
    function setdefaults($newq)
    {
        $known = $this->qlist();
        try {
            foreach ($newq as $type => $quotas) {
                foreach ($quotas as $name => $value) {
                    if (array_key_exists($name, $known)) {
                        panel_api()->setQuotaDefault((string) $type, (string) $name, (int) $value);
                    }
                }
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** A new account type, every default quota 0; false for '' or a type that exists, as 1.0. */
    function addtype($type)
    {
        global $err;
        $type = (string) $type;
        if ($type === '') {
            return false;
        }
        try {
            if (panel_api()->listQuotaDefaults($type)['items']) {
                // A string error is a sprintf() format printed as HTML (m_err::errstr, 1.0's).
                $err->raise('quota', 'the account type '
                    . str_replace('%', '%%', htmlspecialchars($type, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8'))
                    . ' exists');
                return false;
            }
            foreach (self::NAMES as $name) {
                panel_api()->setQuotaDefault($type, $name, 0);
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /**
     * Deletes an account type. As 1.0, its accounts get the type `default` first (PATCH each:
     * the API itself refuses to delete a type in use); a type without defaults is true.
     */
    function deltype($type)
    {
        $api = panel_api();
        $type = (string) $type;
        try {
            if ($type !== 'default') {
                $inUse = iterator_to_array($api->iterateAccounts(['type' => $type, 'limit' => 500]), false);
                foreach ($inUse as $a) {
                    $api->updateAccount($a['login'], ['type' => 'default']);
                }
            }
            $api->deleteAccountType($type);
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() === 'not_found') {
                return true;
            }
            return $this->raise($e);
        }
        return true;
    }

    /** Every quota of the current account to its type's default (POST .../reset-quotas). */
    function addquotas()
    {
        try {
            panel_api()->resetQuotas(panel_current_login());
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $this->quotas = null;
        return true;
    }

    /** A value with its unit: web is KB, bw_web bytes, the others a count (1.0's format_size). */
    function display_val($type, $value)
    {
        switch ($type) {
            case 'bw_web':
                return self::format_size($value);
            case 'web':
                return self::format_size($value * 1024);
            default:
                return $value;
        }
    }

    /** 1.0's format_size() (functions.php) when the panel has it, else the same rounding. */
    private static function format_size($size)
    {
        if (function_exists('format_size')) {
            return format_size($size);
        }
        $size = (float) $size;
        if ($size < 1024) {
            return $size . ($size != 1 ? ' Bytes' : ' Byte');
        }
        foreach (['Kb', 'Mb', 'Gb', 'Tb'] as $unit) {
            $size /= 1024;
            if ($size < 1024 || $unit === 'Tb') {
                return round($size, 2) . ' ' . $unit;
            }
        }
    }
}
