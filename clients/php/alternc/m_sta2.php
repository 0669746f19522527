<?php
// AlternC 1.0's m_sta2 (raw web statistics: a host's Apache log copied every day into a folder
// of the account's web space) on panel-api. Same public methods, arguments and return values as
// 1.0; differences in docs/php-panel.md. The account worked on is 1.0's $cuid (see
// panel_current_login()); sets are 1.0's `stats2` rows, which its rawstat.daily reads.
require_once __DIR__ . '/panel_api.php';

class m_sta2
{
    /** API error code (or code:field) => 1.0's sta2 code */
    private static $map = ['quota_exceeded' => 1, 'not_found' => 3];

    private function raise(PanelApiException $e, array $map = [])
    {
        return panel_raise('sta2', $e, $map + self::$map);
    }

    function alternc_quota_names()
    {
        return 'sta2';
    }

    /**
     * The current account's host names (its entries' sub.domain, or the domain for the entries
     * of the domain itself), ordered by domain then sub as 1.0; each name once (1.0 repeated a
     * name for each of its entries). Entries pending deletion are left out: the API refuses
     * them in add_stats_raw. [] on an error, as 1.0 (the error is raised).
     */
    function host_list()
    {
        $api = panel_api();
        $r = [];
        try {
            $domains = [];
            foreach ($api->iterateDomains(panel_current_login(), ['limit' => 500]) as $d) {
                $domains[] = $d['domain'];
            }
            sort($domains, SORT_STRING);
            foreach ($domains as $dom) {
                $subs = [];
                foreach ($api->listSubdomains($dom)['items'] as $s) {
                    if (($s['web_action'] ?? '') === 'DELETE') {
                        continue;
                    }
                    $subs[$s['sub'] === '@' ? '' : $s['sub']] = true;
                }
                $subs = array_keys($subs);
                sort($subs, SORT_STRING);
                foreach ($subs as $sub) {
                    $r[] = $sub === '' ? $dom : "$sub.$dom";
                }
            }
        } catch (PanelApiException $e) {
            $this->raise($e);
            return [];
        }
        return array_values(array_unique($r));
    }

    /** 1.0's <option> tags of host_list(), $current selected; the names are HTML-escaped. */
    function select_host_list($current)
    {
        foreach ($this->host_list() as $val) {
            $c = ($current == $val) ? ' selected="selected"' : '';
            echo "<option$c>" . htmlspecialchars($val, ENT_QUOTES) . '</option>';
        }
        return true;
    }

    /** One API set as 1.0's row: id (string), hostname, folder (relative to the web space, no leading '/'). */
    private static function row(array $s): array
    {
        $rel = panel_web_relative((string) $s['folder'], (string) $s['owner']);
        return ['id' => (string) $s['id'], 'hostname' => $s['hostname'],
            'folder' => $rel === null ? (string) $s['folder'] : ltrim($rel, '/')];
    }

    /**
     * The current account's sets (GET /accounts/{login}/rawstats): rows id, hostname, folder
     * ordered by hostname; false and sta2 2 when none, as 1.0.
     */
    function get_list_raw()
    {
        global $err;
        try {
            $items = panel_api()->listRawStats(panel_current_login())['items'];
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        if (!$items) {
            $err->raise('sta2', 2);
            return false;
        }
        return array_map([self::class, 'row'], $items);
    }

    /** The set's id as the API's, or null (not a number: 1.0's query found no row). */
    private static function id($id): ?int
    {
        $id = trim((string) $id);
        return ctype_digit($id) && $id !== '' && strlen($id) < 19 && (int) $id > 0 ? (int) $id : null;
    }

    /**
     * The set $id of the current account (GET /rawstats/{id}): id, hostname, folder; false and
     * sta2 3 when there is none, also for another account's (an admin sees its members' sets
     * only through su()/setid(), as 1.0's mid = $cuid).
     */
    function get_stats_details_raw($id)
    {
        global $err;
        $s = $this->own($id);
        if ($s === null) {
            $err->raise('sta2', 3);
            return false;
        }
        return $s === false ? false : self::row($s);
    }

    /** The set $id if it is the current account's; null none (not raised), false an error (raised). */
    private function own($id)
    {
        if (($n = self::id($id)) === null) {
            return null;
        }
        try {
            $s = panel_api()->getRawStat($n);
        } catch (PanelApiException $e) {
            return $e->getErrorCode() === 'not_found' ? null : $this->raise($e);
        }
        return $s['owner'] === panel_current_login() ? $s : null;
    }

    /**
     * The set $id moves to $folder, relative to the web space (PATCH /rawstats/{id}). sta2 3
     * none; a folder outside the space (`..`, unusual characters) is the API's message (1.0
     * silently used the space's root when realpath() failed).
     */
    function put_stats_details_raw($id, $folder)
    {
        global $err;
        $s = $this->own($id);
        if (!$s) {
            if ($s === null) {
                $err->raise('sta2', 3);
            }
            return false;
        }
        $folder = (string) $folder;
        try {
            panel_api()->updateRawStat((int) $s['id'], $folder === '' ? '/' : $folder);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** Deletes the set $id (DELETE /rawstats/{id}); the logs already copied stay. sta2 3 none. */
    function delete_stats_raw($id)
    {
        global $err;
        $s = $this->own($id);
        if (!$s) {
            if ($s === null) {
                $err->raise('sta2', 3);
            }
            return false;
        }
        try {
            panel_api()->deleteRawStat((int) $s['id']);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /**
     * A new set for the current account (POST /accounts/{login}/rawstats): $hostname's log into
     * $dir, relative to the web space. sta2 1 over the quota (checked by the API). The API takes
     * only a host the account publishes (a domain it hosts or one of its entries: 1.0 took any
     * name, another member's logs too) and a folder of the space: their messages otherwise.
     */
    function add_stats_raw($hostname, $dir)
    {
        $dir = (string) $dir;
        try {
            panel_api()->createRawStat(panel_current_login(), (string) $hostname, $dir === '' ? '/' : $dir);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** The current account's number of sets (quota sta2); false for another quota, as 1.0. */
    function alternc_get_quota($name)
    {
        if ($name !== 'sta2') {
            return false;
        }
        try {
            return count(panel_api()->listRawStats(panel_current_login())['items']);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
    }
}
