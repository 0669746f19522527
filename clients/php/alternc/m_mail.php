<?php
// AlternC 1.0's m_mail (mail addresses, boxes and forwards) on panel-api. Same public methods,
// arguments and return values as 1.0 for what is covered; differences in docs/php-panel.md.
// The account worked on is 1.0's $cuid: the m_mem user (see panel_current_login()).
require_once __DIR__ . '/panel_api.php';

class m_mail
{
    /** 1.0: cache of enum_domains() */
    var $domains;

    /** API error code (or code:field) => 1.0's mail code */
    private static $map = ['not_found:domain' => 6, 'not_found' => 3, 'exists' => 7, 'quota_exceeded' => 8,
        'invalid:local' => 13, 'invalid:address' => 13, 'invalid:recipients' => 14, 'invalid:expires' => 5,
        'conflict:address' => 15];

    private function raise(PanelApiException $e, array $map = [])
    {
        return panel_raise('mail', $e, $map + self::$map);
    }

    function alternc_quota_names()
    {
        return 'mail';
    }

    function alternc_password_policy()
    {
        return ['pop' => 'POP/IMAP account passwords'];
    }

    /** The current account's domains whose mail is hosted here (mx), by name. */
    function enum_domains()
    {
        if (!is_array($this->domains)) {
            try {
                $list = [];
                foreach (panel_api()->iterateDomains(panel_current_login(), ['limit' => 500]) as $d) {
                    if ($d['mx']) {
                        $list[] = $d['domain'];
                    }
                }
            } catch (PanelApiException $e) {
                return $this->raise($e);
            }
            $this->domains = $list;
        }
        return $this->domains;
    }

    /** The first characters of the domain's addresses ('@' for the catch-all), sorted. */
    function enum_doms_mails_letters($dom)
    {
        $res = [];
        try {
            foreach (panel_api()->iterateMail(strtolower((string) $dom), ['limit' => 500]) as $m) {
                $res[substr($m['address'], 0, 1)] = true;
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $res = array_keys($res);
        sort($res, SORT_STRING);
        return $res;
    }

    /**
     * The domain's addresses as 1.0's rows: mail, pop ('1'/'0'), alias (the forwards, one a
     * line, without the box's internal name), size (bytes), expiration_date; plus 'count'.
     * $letter: the first letter ('@': the catch-all only); $sort 1 by address, 2 boxes after
     * forwards then by address (0: the API's order, by address).
     */
    function enum_doms_mails($dom, $sort = 0, $letter = '')
    {
        $query = ['limit' => 500];
        $letter = (string) $letter;
        if ($letter !== '' && $letter !== '@') {
            $query['prefix'] = strtolower($letter);
        }
        $res = [];
        try {
            foreach (panel_api()->iterateMail(strtolower((string) $dom), $query) as $m) {
                if ($letter === '@' && $m['local'] !== '') {
                    continue;
                }
                $res[] = self::row($m);
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        if ($sort == 1) {
            usort($res, function ($a, $b) {
                return strcmp(strtolower($a['mail']), strtolower($b['mail']));
            });
        } elseif ($sort == 2) {
            usort($res, function ($a, $b) {
                return [$a['pop'], strtolower($a['mail'])] <=> [$b['pop'], strtolower($b['mail'])];
            });
        }
        $res['count'] = count($res);
        return $res;
    }

    private static function row(array $m): array
    {
        return ['mail' => $m['address'], 'pop' => panel_bool($m['mailbox']),
            'alias' => implode("\n", $m['recipients']), 'size' => (int) ($m['size'] ?? 0),
            'expiration_date' => $m['expires'] ?? null];
    }

    /**
     * One address: mail, login (local_domain for a box, as 1.0's mail_users), alias (forwards,
     * one a line), pop, trash_info (an m_trash when the panel has that class, else null) and
     * added expiration_date. mail 3 when the caller has no such address.
     */
    function get_mail_details($mail)
    {
        try {
            $m = panel_api()->getMail(strtolower(trim((string) $mail)));
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found:domain' => 3, 'not_found' => 3, 'invalid' => 3]);
        }
        $trash = null;
        if (class_exists('m_trash')) {
            $trash = new m_trash();
            $trash->set_from_db($m['expires']);
        }
        return ['mail' => $m['address'], 'login' => $m['mailbox'] ? str_replace('@', '_', $m['address']) : null,
            'alias' => implode("\n", $m['recipients']), 'pop' => panel_bool($m['mailbox']),
            'trash_info' => $trash, 'expiration_date' => $m['expires']];
    }

    /**
     * true when the address is free. The API shows only the caller's addresses: an address of
     * another account looks free here, and add_mail then raises mail 7.
     */
    function available($mail)
    {
        try {
            panel_api()->getMail(strtolower(trim((string) $mail)));
        } catch (PanelApiException $e) {
            return $e->getErrorCode() === 'not_found';
        }
        return false;
    }

    /** 1.0's alias text (one address a line) as recipients; null and mail 14 when one is bad. */
    private static function recipients($alias)
    {
        global $err;
        $list = [];
        foreach (explode("\n", (string) $alias) as $line) {
            $line = trim($line);
            if ($line === '') {
                continue;
            }
            if (panel_checkmail($line) > 1) {
                $err->raise('mail', 14);
                return null;
            }
            $list[] = $line;
        }
        return $list;
    }

    /**
     * POST /domains/{dom}/mail. 1.0's checks first (mail 13 bad local part, 4 no password for a
     * box or no forward for an alias, 14 bad forward); then the API's: mail 6 not a domain of
     * the account, 7 exists, 8 quota; the policy `pop` (a string error, 1.0 raised admin 15-18).
     * $mail '' is the catch-all. $expiration_date: 'YYYY-MM-DD[ HH:MM:SS]' in the future.
     */
    function add_mail($dom, $mail, $pop, $pass, $alias, $expiration_date = null)
    {
        global $err;
        $mail = strtolower(trim((string) $mail));
        $dom = strtolower(trim((string) $dom));
        if ($mail !== '' && !panel_checkloginmail($mail)) {
            $err->raise('mail', 13);
            return false;
        }
        if (($pop && $pass == '') || (!$pop && trim((string) $alias) === '')) {
            $err->raise('mail', 4);
            return false;
        }
        if (($recipients = self::recipients($alias)) === null) {
            return false;
        }
        $fields = [];
        if ($pop) {
            $fields['password'] = (string) $pass;
        }
        if ($recipients) {
            $fields['recipients'] = $recipients;
        }
        if ($expiration_date !== null && $expiration_date !== '') {
            $fields['expires'] = (string) $expiration_date;
        }
        try {
            panel_api()->createMail($dom, $mail, $fields);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 6, 'conflict:domain' => 6]);
        }
        return true;
    }

    /**
     * PATCH /mail/{address}: forwards, box (created with $pass, removed when $pop is 0; its
     * maildir goes to the cron side), expiration (null: never, as 1.0). mail 4 no forward for
     * an alias or no password for a new box, 14 bad forward, 3 no such address.
     */
    function put_mail_details($mail, $pop, $pass, $alias, $expiration_date = null)
    {
        global $err;
        $mail = strtolower(trim((string) $mail));
        if (!$pop && trim((string) $alias) === '') {
            $err->raise('mail', 4);
            return false;
        }
        if (($recipients = self::recipients($alias)) === null) {
            return false;
        }
        $api = panel_api();
        try {
            $old = $api->getMail($mail);
            if ($pop && !$old['mailbox'] && $pass == '') {
                $err->raise('mail', 4);
                return false;
            }
            $fields = ['recipients' => $recipients,
                'expires' => $expiration_date === null ? '' : (string) $expiration_date];
            if ($pop && $pass != '') {
                $fields['password'] = (string) $pass;
            }
            if (!$pop && $old['mailbox']) {
                $fields['mailbox'] = false;
            }
            $api->updateMail($mail, $fields);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /** PUT /mail/{address}/password: mail 3 no such address, 15 no box; the policy `pop` applies. */
    function change_password($mail, $pass)
    {
        try {
            panel_api()->setMailPassword(strtolower(trim((string) $mail)), (string) $pass);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['conflict' => 15]);
        }
        return true;
    }

    /** DELETE /mail/{address}: mail 3 when the caller has no such address. */
    function del_mail($mail)
    {
        try {
            panel_api()->deleteMail(strtolower(trim((string) $mail)));
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found:domain' => 3, 'not_found' => 3, 'invalid' => 3]);
        }
        return true;
    }

    /**
     * POST /domains/{domain}/wrappers: $login@$domain delivered to $command (admins only: admin
     * 1 otherwise; 1.0 let any caller). The command's program must be listed in panel-api's
     * `[mail] wrappers` and its arguments plain words (the API's message otherwise; 1.0 wrote
     * any command for the shell). mail 7 the address exists (also another account's), mail 6 the
     * domain is unknown or its mail not hosted here. The wrapper belongs to the domain's owner.
     * $type was unused in 1.0.
     */
    function add_wrapper($login, $domain, $command, $type = '')
    {
        try {
            panel_api()->createMailWrapper(strtolower(trim((string) $domain)), strtolower(trim((string) $login)),
                (string) $command);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['forbidden' => ['admin', 1], 'not_found' => 6, 'conflict:address' => 6,
                'conflict' => 6, 'exists' => 7]);
        }
        return true;
    }

    /**
     * DELETE /mail-wrappers/{address}: the wrapper's owner or an admin. mail 3 when the caller
     * has no such wrapper (1.0 returned true and deleted nothing, also for another account's).
     */
    function del_wrapper($login, $domain)
    {
        try {
            $address = strtolower(trim((string) $login)) . '@' . strtolower(trim((string) $domain));
            panel_api()->deleteMailWrapper($address);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 3, 'invalid' => 3]);
        }
        return true;
    }

    /**
     * The mail-hosted domains (gesmx), one a line (secondary MX). After a successful
     * check_slave_account() in this request: the list the API gave those credentials (every gesmx
     * domain, as 1.0); otherwise those of the accounts the caller sees.
     */
    function echo_domain_list()
    {
        $kept = panel_slave_list('mx');
        if ($kept !== null) {
            echo $kept;
            return true;
        }
        try {
            $lists = panel_all_domains();
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $res = [];
        foreach ($lists as $domains) {
            foreach ($domains as $d) {
                if ($d['mx']) {
                    $res[] = $d['domain'];
                }
            }
        }
        sort($res);
        foreach ($res as $d) {
            echo $d . "\n";
        }
        return true;
    }

    // ---- backup MX servers --------------------------------------------------------------------

    /**
     * The credentials of a backup MX server (1.0's mxlist.php): true when the API's
     * GET /admin/mxlist.php accepts them, false otherwise without an error, as 1.0; the list it
     * answered (every gesmx domain) is what echo_domain_list() echoes next.
     */
    function check_slave_account($login, $pass)
    {
        return panel_slave_check('mx', $login, $pass, 'mail');
    }

    /** The backup MX accounts (GET /slaves/mx-accounts): `login`, `pass` (always ''); false when none. */
    function enum_slave_account()
    {
        return panel_slave_accounts('mx', 'mail');
    }

    /** POST /slaves/mx-accounts: `mail 16` the login is taken, as 1.0; refused values: the API's message. */
    function add_slave_account($login, $pass)
    {
        return panel_slave_account_add('mx', $login, $pass, 'mail', ['mail', 16]);
    }

    /** DELETE /slaves/mx-accounts/{login}; true also for an unknown login, as 1.0. */
    function del_slave_account($login)
    {
        return panel_slave_account_del('mx', $login, 'mail');
    }
}
