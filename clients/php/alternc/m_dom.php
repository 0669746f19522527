<?php
// AlternC 1.0's m_dom (domains and their entries) on panel-api. Same public methods, arguments
// and return values as 1.0 for what is covered; differences in docs/php-panel.md.
// The account worked on is 1.0's $cuid: the m_mem user (see panel_current_login()).
require_once __DIR__ . '/panel_api.php';

class m_dom
{
    /** 1.0: cache of enum_domains() */
    var $domains;
    /** 1.0: the whois answer of the last add_domain (never filled: the API runs no whois) */
    var $dns;
    var $webmail;
    /** The answer of the last domains_type_regenerate(): name, domains, entries (not in 1.0) */
    var $regenerated;
    /** 1.0's lock flag: kept for the pages that call lock()/unlock(); the API serializes itself */
    var $islocked = false;

    var $type_local = 'VHOST';
    var $type_url = 'URL';
    var $type_ip = 'IP';
    var $type_webmail = 'WEBMAIL';
    var $type_ipv6 = 'IPV6';
    var $type_cname = 'CNAME';
    var $type_txt = 'TXT';
    var $type_defmx = 'DEFMX';
    var $type_defmx2 = 'DEFMX2';

    /** API error code (or code:field) => 1.0's dom code */
    private static $map = ['not_found' => 1, 'exists' => 8, 'quota_exceeded' => 10, 'invalid:sub' => 24,
        'invalid:target' => 667, 'invalid:type' => 667, 'conflict:type' => 654, 'conflict:sub' => 16];
    /** substrings of the API's messages => 1.0's dom code (one API code, several 1.0 codes) */
    private static $byMessage = ['top-level domain is not allowed' => 7, 'may not be hosted here' => 22,
        'only a domain directly under its' => 22, "the panel's own name" => 18,
        'cannot be hosted for this top-level' => 7, 'longer than 64' => 4];

    private function raise(PanelApiException $e, ?array $map = null)
    {
        return panel_raise('dom', $e, $map ?? self::$map, self::$byMessage);
    }

    function alternc_quota_names()
    {
        return 'dom';
    }

    /** 1.0 waited for the cron lock; the API serializes its writes itself. */
    function lock()
    {
        global $err;
        if ($this->islocked) {
            $err->raise('dom', 17);
        }
        $this->islocked = true;
        return true;
    }

    function unlock()
    {
        global $err;
        if (!$this->islocked) {
            $err->raise('dom', 3);
        }
        $this->islocked = false;
        return true;
    }

    // ---- domains ------------------------------------------------------------------------------

    /** The current account's domains, by name (GET /accounts/{login}/domains). */
    function enum_domains()
    {
        try {
            $this->domains = [];
            foreach (panel_api()->iterateDomains(panel_current_login(), ['limit' => 500]) as $d) {
                $this->domains[] = $d['domain'];
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return $this->domains;
    }

    /**
     * POST /accounts/{login}/domains. 1.0's name checks first (dom 4 to 7); then the API's:
     * TLD (7), forbidden (22), the panel's name (18), hosted already (8), quota (10). No whois
     * (dom 11, 12, 23 never happen). $isslave points the domain at $slavedom as 1.0 did (URL
     * entries @, www, mail and the catch-all to @$slavedom).
     */
    function add_domain($domain, $dns, $noerase = 0, $force = 0, $isslave = 0, $slavedom = '')
    {
        global $err;
        $domain = strtolower(trim((string) $domain));
        if ($t = panel_checkfqdn($domain)) {
            $err->raise('dom', 3 + $t);
            return false;
        }
        $api = panel_api();
        $fields = ['dns' => (bool) $dns, 'mx' => true];
        if ($noerase) {
            $fields['noerase'] = true;
        }
        if ($force) {
            $fields['force'] = true;
        }
        try {
            $login = panel_current_login();
            if ($isslave) {
                $slavedom = strtolower((string) $slavedom);
                $own = false;
                foreach ($api->iterateDomains($login, ['limit' => 500]) as $d) {
                    $own = $own || $d['domain'] === $slavedom;
                }
                if (!$own) {
                    // 1.0's errstr() puts the parameter into the message its pages print as
                    // HTML, unescaped: the name the member typed is escaped.
                    $err->raise('dom', 1, htmlspecialchars($slavedom, ENT_QUOTES));
                    $isslave = 0;
                }
            }
            try {
                $api->createDomain($login, $domain, $fields);
            } catch (PanelApiException $e) {
                // Made by the first attempt when it is this account's (another's is a 404), or
                // there before it (a 503 before the write: the 409 is no proof) with other
                // settings: the form's are set either way, as m_mysql::add_user sets the
                // password typed (force is the create's only; noerase only when asked, as
                // there).
                try {
                    $have = panel_made_by_first_attempt($e) ? $api->getDomain($domain) : null;
                    $made = $have !== null && $have['owner'] === $login;
                    $change = [];
                    foreach (['dns', 'mx', 'noerase'] as $k) {
                        if ($made && isset($fields[$k]) && (bool) ($have[$k] ?? false) !== $fields[$k]) {
                            $change[$k] = $fields[$k];
                        }
                    }
                    if ($change) {
                        $api->updateDomain($domain, $change);
                    }
                } catch (PanelApiException $other) {
                    $made = false;
                }
                if (!$made) {
                    throw $e;
                }
            }
            $this->domains = null;
            if ($isslave) {
                // 1.0 points @, www and mail at the master and catches all its mail there.
                foreach (['www' => 'vhost', 'mail' => 'webmail'] as $sub => $type) {
                    try {
                        $api->deleteSubdomain($domain, $sub, $type);
                    } catch (PanelApiException $e) {
                        if ($e->getErrorCode() !== 'not_found') {
                            throw $e;
                        }
                    }
                }
                $api->setSubdomain($domain, '', 'url', 'http://www.' . $slavedom);
                $api->setSubdomain($domain, 'www', 'url', 'http://www.' . $slavedom);
                $api->setSubdomain($domain, 'mail', 'url', 'http://mail.' . $slavedom);
                $api->createMail($domain, '', ['recipients' => ['@' . $slavedom]]);
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /**
     * DELETE /domains/{domain}: marks it and its entries for the cron side, removes its mail and
     * FTP accounts. A domain of another account is dom 1 (the API does not tell the two apart).
     * Unlike 1.0, a member cannot delete a domain an admin locked (noerase): raised as a string.
     */
    function del_domain($dom)
    {
        try {
            panel_api()->deleteDomain(strtolower((string) $dom));
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $this->domains = null;
        return true;
    }

    /**
     * POST /domains/{domain}/cancel-delete: a pending deletion is cancelled, the domain and the
     * entries the cron has not removed yet go back to UPDATE, as 1.0; a mail domain gets its
     * postmaster back (1.0 left a TODO); the addresses and FTP accounts removed with it do not
     * come back. For whoever may delete the domain (1.0 checked nothing): dom 1 unknown or
     * another account's; nothing pending, or a locked domain for a member: the API's message.
     */
    function del_domain_cancel($dom)
    {
        try {
            panel_api()->cancelDomainDelete(strtolower(trim((string) $dom)));
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 1]);
        }
        $this->domains = null;
        return true;
    }

    /**
     * PATCH /domains/{domain} dns, mx (If-Match of the read made for dom 15). $force is not
     * needed: the API checks the TLD only when DNS hosting is switched on, and never the MX
     * (1.0's check always failed, dom 25). Mail switched off removes the domain's addresses.
     */
    function edit_domain($dom, $dns, $gesmx, $force = 0)
    {
        global $err;
        $dom = strtolower((string) $dom);
        if ($t = panel_checkfqdn($dom)) {
            $err->raise('dom', 3 + $t);
            return false;
        }
        $api = panel_api();
        try {
            $d = $api->getDomain($dom);
            $dns = $dns == 1;
            $gesmx = (bool) $gesmx;
            if ($d['dns'] === $dns && $d['mx'] === $gesmx) {
                $err->raise('dom', 15);
                return false;
            }
            $api->updateDomain($dom, ['dns' => $dns, 'mx' => $gesmx], ['if_match' => true]);
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        return true;
    }

    /**
     * A domain and its entries in 1.0's shape: name, dns, dns_action, dns_result, mail, mx
     * (null), noerase, nsub, sub[] (name, dest, type, enable, type_desc, only_dns, web_action;
     * added web_result). Entries pending deletion are left out (1.0 listed them).
     */
    function get_domain_all($dom)
    {
        global $err;
        $dom = strtolower((string) $dom);
        if ($t = panel_checkfqdn($dom)) {
            $err->raise('dom', 3 + $t);
            return false;
        }
        $api = panel_api();
        try {
            $d = $api->getDomain($dom);
            $subs = $api->listSubdomains($dom)['items'];
            $types = $this->types();
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $r = ['name' => $d['domain'], 'dns' => panel_bool($d['dns']), 'dns_action' => $d['dns_action'],
            'dns_result' => (string) $d['dns_result'], 'mail' => panel_bool($d['mx']), 'mx' => null,
            'noerase' => panel_bool($d['noerase']), 'nsub' => (string) count($subs), 'sub' => [],
            'owner' => $d['owner'], 'etag' => $d['etag'] ?? null];
        $this->webmail = 0;
        foreach ($subs as $s) {
            $r['sub'][] = $this->sub_to_1_0($s, $types);
            if (strtolower($s['type']) === 'webmail') {
                $this->webmail = 1;
            }
        }
        return $r;
    }

    private function sub_to_1_0(array $s, array $types): array
    {
        $t = $types[strtolower($s['type'])] ?? ['description' => '', 'only_dns' => '0'];
        return ['name' => $s['sub'] === '@' ? '' : $s['sub'], 'dest' => (string) ($s['target'] ?? ''),
            'type' => $s['type'], 'enable' => $s['enable'], 'type_desc' => $t['description'],
            'only_dns' => $t['only_dns'], 'web_action' => $s['web_action'],
            'web_result' => (string) ($s['web_result'] ?? '')];
    }

    /** The first entry ($sub, and $type, $value when given) of the domain: dom 14 when none. */
    function get_sub_domain_all($dom, $sub, $type = '', $value = '')
    {
        global $err;
        $dom = strtolower((string) $dom);
        if ($t = panel_checkfqdn($dom)) {
            $err->raise('dom', 3 + $t);
            return false;
        }
        try {
            $subs = panel_api()->listSubdomains($dom)['items'];
            $types = $this->types();
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        foreach ($subs as $s) {
            $name = $s['sub'] === '@' ? '' : $s['sub'];
            if ($name === (string) $sub && ($type === '' || strcasecmp($s['type'], $type) === 0)
                && ($value === '' || (string) ($s['target'] ?? '') === (string) $value)) {
                $r = $this->sub_to_1_0($s, $types);
                unset($r['type']);
                return $r;
            }
        }
        $err->raise('dom', 14);
        return false;
    }

    /**
     * Creates an entry (PUT /domains/{domain}/subdomains), or edits one when $type_old is given:
     * the old entry ($sub_old or $sub, $type_old, $value_old) is replaced. Errors as 1.0: dom 24
     * bad sub name, 667 bad value (21 is not told apart), 654 incompatible with the entries there.
     * A type reserved to admins (defmx...) is refused to members (a string error; 1.0's page
     * only hid it).
     */
    function set_sub_domain($dom, $sub, $type, $dest, $type_old = null, $sub_old = null, $value_old = null)
    {
        global $err;
        $dest = trim((string) $dest);
        $sub = strtolower(trim(trim((string) $sub), '.'));
        $dom = strtolower((string) $dom);
        $type = strtolower((string) $type);
        $fqdn = panel_checkfqdn($sub);
        if ($sub !== '*' && $sub !== '' && !($fqdn === 0 || $fqdn === 4)) {
            $err->raise('dom', 24);
            return false;
        }
        if ($t = panel_checkfqdn($dom)) {
            $err->raise('dom', 3 + $t);
            return false;
        }
        $api = panel_api();
        $target = $dest === '' ? null : $dest;
        try {
            if ($type_old === null) {
                $api->setSubdomain($dom, $sub, $type, $target);
                return true;
            }
            $oldSub = $sub_old !== null && $sub_old !== '' ? strtolower(trim(trim((string) $sub_old), '.')) : $sub;
            $oldType = strtolower((string) $type_old);
            $oldValue = $value_old === null || $value_old === '' ? null : (string) $value_old;
            if ($oldSub === $sub && $oldType === $type && $oldValue === $target) {
                $api->setSubdomain($dom, $sub, $type, $target);
                return true;
            }
            if ($oldSub === $sub && $oldType === $type) {
                // Same name and type: the API replaces a single-value type; a multi-value one
                // (ip, txt, mx...) gets the new value beside the old, which then goes.
                $api->setSubdomain($dom, $sub, $type, $target);
                if ($oldValue !== null && $this->multi($type)) {
                    $this->delete_value($dom, $oldSub, $oldType, $oldValue);
                }
                return true;
            }
            // Another type or name: the old entry goes first (it may be incompatible with the
            // new one, as 1.0's check left it out), and comes back if the new one is refused.
            $this->delete_value($dom, $oldSub, $oldType, $oldValue);
            try {
                $api->setSubdomain($dom, $sub, $type, $target);
            } catch (PanelApiException $e) {
                try {
                    $api->setSubdomain($dom, $oldSub, $oldType, $oldValue);
                } catch (PanelApiException $ignored) {
                    // the original error is the one to report
                }
                throw $e;
            }
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 1] + self::$map);
        }
        return true;
    }

    /** DELETE /domains/{domain}/subdomains/{sub}/{type}[?value=]: dom 14 when there is none. */
    function del_sub_domain($dom, $sub, $type, $value = '')
    {
        global $err;
        $dom = strtolower((string) $dom);
        if ($t = panel_checkfqdn($dom)) {
            $err->raise('dom', 3 + $t);
            return false;
        }
        try {
            $this->delete_value($dom, (string) $sub, strtolower((string) $type),
                (string) $value === '' ? null : (string) $value);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found:domain' => 1, 'not_found' => 14] + self::$map);
        }
        return true;
    }

    /**
     * POST .../enable or .../disable; $status ENABLE or DISABLE (else false, as 1.0). $value ''
     * means every entry ($sub, $type). Unlike 1.0, an unknown entry is dom 14.
     */
    function sub_domain_change_status($domain, $sub, $type, $value, $status)
    {
        $status = strtoupper((string) $status);
        if (!in_array($status, ['ENABLE', 'DISABLE'], true)) {
            return false;
        }
        $api = panel_api();
        $method = $status === 'ENABLE' ? 'enableSubdomain' : 'disableSubdomain';
        $args = [strtolower((string) $domain), (string) $sub, strtolower((string) $type),
            (string) $value === '' ? null : (string) $value];
        try {
            try {
                $api->$method(...$args);
            } catch (PanelApiException $e) {
                if (!self::value_refused($e)) {
                    throw $e;
                }
                // ?value= refused (see value_refused): without it when it is the only value.
                $values = $this->values(...$args);
                if (!in_array($args[3], $values, true)) {
                    throw new PanelApiException(404, 'not_found', 'no such entry', 'value');
                }
                if (count($values) > 1) {
                    throw new PanelApiException(400, 'invalid_parameter',
                        'the API cannot enable or disable one value among several', 'value');
                }
                $args[3] = null;
                $api->$method(...$args);
            }
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found:domain' => 1, 'not_found' => 14] + self::$map);
        }
        return true;
    }

    /**
     * panel-api refuses every query parameter on writes (its idempotency check runs before the
     * route's own list), so `?value=` of the DELETE and enable/disable routes is answered
     * 400 invalid_parameter (field value). The methods then work without it.
     */
    private static function value_refused(PanelApiException $e): bool
    {
        return $e->getErrorCode() === 'invalid_parameter' && $e->getField() === 'value';
    }

    /** The values of the entries ($sub, $type) of a domain. */
    private function values(string $dom, string $sub, string $type, ?string $value = null): array
    {
        $sub = $sub === '@' ? '' : $sub;
        $res = [];
        foreach (panel_api()->listSubdomains($dom)['items'] as $s) {
            if (($s['sub'] === '@' ? '' : $s['sub']) === $sub && strtolower($s['type']) === $type) {
                $res[] = (string) ($s['target'] ?? '');
            }
        }
        return $res;
    }

    /**
     * DELETE of the entries ($sub, $type), or of the one of value $value. When the API refuses
     * ?value= (value_refused), every value goes and the others are set again.
     */
    private function delete_value(string $dom, string $sub, string $type, ?string $value): void
    {
        $api = panel_api();
        try {
            $api->deleteSubdomain($dom, $sub, $type, $value);
            return;
        } catch (PanelApiException $e) {
            if ($value === null || !self::value_refused($e)) {
                throw $e;
            }
        }
        $values = $this->values($dom, $sub, $type);
        if (!in_array($value, $values, true)) {
            throw new PanelApiException(404, 'not_found', 'no such entry', 'value');
        }
        $api->deleteSubdomain($dom, $sub, $type);
        foreach ($values as $v) {
            if ($v !== $value) {
                $api->setSubdomain($dom, $sub, $type, $v === '' ? null : $v);
            }
        }
    }

    /** The DNS-hosted domains (gesdns) of account $uid, or of every account the caller sees (-1). */
    function get_domain_list($uid = -1)
    {
        $res = [];
        try {
            if ((int) $uid !== -1) {
                $login = panel_login_of($uid);
                $lists = $login === null ? [] : [$login => iterator_to_array(
                    panel_api()->iterateDomains($login, ['limit' => 500]), false)];
            } else {
                $lists = panel_all_domains();
            }
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        foreach ($lists as $domains) {
            foreach ($domains as $d) {
                if ($d['dns']) {
                    $res[] = $d['domain'];
                }
            }
        }
        sort($res);
        return $res;
    }

    /**
     * Echoes the DNS-hosted domains, one a line, for slave DNS servers (1.0's domlist.php: check_slave_account
     * then echo_domain_list). After a successful check_slave_account() in this request: the list
     * the API gave those credentials (every gesdns domain, as 1.0). Otherwise
     * get_domain_list(): those of the accounts the caller sees.
     */
    function echo_domain_list()
    {
        $kept = panel_slave_list('dns');
        if ($kept !== null) {
            echo $kept;
            return true;
        }
        $list = $this->get_domain_list();
        if ($list === false) {
            return false;
        }
        foreach ($list as $d) {
            echo $d . "\n";
        }
        return true;
    }

    // ---- domain types -------------------------------------------------------------------------

    /**
     * Where the domain's mail goes, as 1.0: 0 one of its MX records is this host's, 1 no MX
     * record (or the name is not in the DNS), 2 MX records, none of them this host's (GET
     * /domains/{domain}/mx-check: the API asks the DNS). $mx, 1.0's comma-separated list of this
     * host's MX names: when given, the MX names the DNS answered are compared with it (case and
     * a trailing dot ignored; 1.0 compared exactly); '' or null: the API's verdict, against its
     * default_mx and default_secondary_mx. Only for a domain the caller sees (dom 1 otherwise:
     * 1.0 looked up any name); a DNS that fails or does not answer is the API's message and
     * false (1.0's getmxrr() made that a 1).
     */
    function checkmx($domaine, $mx)
    {
        try {
            $r = panel_api()->checkDomainMx(strtolower((string) $domaine));
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        $code = (int) $r['code'];
        $local = array_filter(array_map(function ($h) {
            return rtrim(strtolower(trim($h)), '.');
        }, explode(',', (string) $mx)), 'strlen');
        if ($code === 1 || !$local) {
            return $code;
        }
        foreach ($r['mx'] as $host) {
            if (in_array(rtrim(strtolower($host), '.'), $local, true)) {
                return 0;
            }
        }
        return 2;
    }

    /**
     * POST /domain-types/{name}/regenerate (admins; admin 1 otherwise): every live entry of the
     * type goes back to the web cron and the zones of their domains to the DNS cron. True, as
     * 1.0; an unknown type is dom 667 (1.0 succeeded without doing anything). 1.0 marked the
     * zone of every domain of the host and turned pending deletions back into updates: only the
     * type's live entries and their domains are marked. The counts are in $this->regenerated
     * (['name', 'domains', 'entries']).
     */
    function domains_type_regenerate($name)
    {
        try {
            $this->regenerated = panel_api()->regenerateDomainType((string) $name);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 667, 'forbidden' => ['admin', 1]] + self::$map);
        }
        return true;
    }

    /** GET /domain-types as 1.0's rows keyed by lower-case name. */
    private function types(): array
    {
        $r = [];
        foreach (panel_api()->listDomainTypes()['items'] as $t) {
            $r[strtolower($t['name'])] = self::type_to_1_0($t);
        }
        return $r;
    }

    private static function type_to_1_0(array $t): array
    {
        $compat = $t['compatibility'] ?? [];
        return ['name' => $t['name'], 'description' => (string) ($t['description'] ?? ''),
            'target' => $t['target'], 'entry' => (string) ($t['entry'] ?? ''),
            'compatibility' => is_array($compat) ? implode(',', $compat) : (string) $compat,
            'enable' => $t['enable'], 'only_dns' => panel_bool($t['only_dns']),
            'need_dns' => panel_bool($t['need_dns']), 'advanced' => panel_bool($t['advanced'])];
    }

    private function multi(string $type): bool
    {
        $t = $this->types()[$type] ?? null;
        return $t !== null && in_array($type, explode(',', strtolower($t['compatibility'])), true);
    }

    /** Every type, keyed by lower-case name, ordered by `advanced` as 1.0. */
    function domains_type_lst()
    {
        try {
            $types = $this->types();
        } catch (PanelApiException $e) {
            return $this->raise($e);
        }
        uasort($types, function ($a, $b) {
            return $a['advanced'] <=> $b['advanced'];
        });
        return $types;
    }

    /** One type as 1.0's row; false (dom 1 is not raised by 1.0) when unknown. */
    function domains_type_get($name)
    {
        try {
            return self::type_to_1_0(panel_api()->getDomainType((string) $name));
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() === 'not_found') {
                return false;
            }
            return $this->raise($e);
        }
    }

    function domains_type_enable_values()
    {
        return ['ALL', 'NONE', 'ADMIN'];
    }

    /** The kinds of target, or the target of one type (false when unknown). */
    function domains_type_target_values($type = null)
    {
        if ($type === null) {
            return ['NONE', 'URL', 'DIRECTORY', 'IP', 'IPV6', 'DOMAIN', 'TXT'];
        }
        $t = $this->domains_type_get($type);
        return $t === false ? false : $t['target'];
    }

    /**
     * PATCH /domain-types/{name} (admins). The API cannot change a type's target: a different
     * $target is refused (string error). A new entry regenerates the zones using the type.
     */
    function domains_type_update($name, $description, $target, $entry, $compatibility, $enable, $only_dns,
        $need_dns, $advanced)
    {
        global $err;
        $api = panel_api();
        try {
            $old = $api->getDomainType((string) $name);
            if (strtoupper((string) $target) !== $old['target']) {
                $err->raise('dom', 'The target of a domain type cannot be changed');
                return false;
            }
            $fields = ['description' => (string) $description, 'compatibility' => (string) $compatibility,
                'enable' => strtoupper((string) $enable), 'only_dns' => (bool) $only_dns,
                'need_dns' => (bool) $need_dns, 'advanced' => (bool) $advanced];
            if ((string) $entry !== (string) $old['entry']) {
                $fields['entry'] = (string) $entry;
            }
            $api->updateDomainType((string) $name, $fields);
        } catch (PanelApiException $e) {
            return $this->raise($e, ['not_found' => 667, 'forbidden' => ['admin', 1]] + self::$map);
        }
        return true;
    }

    // ---- slave DNS servers ----------------------------------------------------------------------

    /**
     * The addresses allowed to transfer the zones (GET /slaves/ips): rows `ip`, `class` (the
     * API's prefix) as strings, by address then prefix; false when none, as 1.0. Admins acting
     * as themselves (`admin 1` otherwise; 1.0's page checked, not its class).
     */
    function enum_slave_ip()
    {
        try {
            $page = panel_api()->listSlaveIps();
        } catch (PanelApiException $e) {
            return panel_raise('dom', $e, ['forbidden' => ['admin', 1]]);
        }
        $res = [];
        foreach ($page['items'] as $r) {
            $res[] = ['ip' => $r['ip'], 'class' => (string) $r['prefix']];
        }
        return $res ?: false;
    }

    /**
     * Allows an address or a network (POST /slaves/ips). `dom 19` not an address; an IPv4 class
     * outside 8-32 becomes 32, as 1.0; IPv6 (which 1.0 did not take) 16 to 128, the whole address
     * by default. `err 22` the pair is listed already, as 1.0. An address with bits set beyond
     * its class (10.0.0.1/8, which would break bind's ACL) is the API's message. The runner
     * flags 1.0's slave_dns to rewrite the ACL (1.0 wrote the flag itself).
     */
    function add_slave_ip($ip, $class = '32')
    {
        global $err;
        $ip = (string) $ip;
        $v6 = filter_var($ip, FILTER_VALIDATE_IP, FILTER_FLAG_IPV6) !== false;
        if (!$v6 && filter_var($ip, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4) === false) {
            $err->raise('dom', 19);
            return false;
        }
        $class = intval($class);
        if ($v6) {
            $prefix = func_num_args() < 2 || $class < 16 || $class > 128 ? null : $class;
        } else {
            $prefix = $class < 8 || $class > 32 ? 32 : $class;
        }
        try {
            panel_api()->createSlaveIp($ip, $prefix);
        } catch (PanelApiException $e) {
            return panel_raise('dom', $e, ['exists' => ['err', 22], 'forbidden' => ['admin', 1]]);
        }
        return true;
    }

    /**
     * Removes every class of an address (DELETE /slaves/ips/{ip}). `dom 19` not an address;
     * true also when it was not listed, as 1.0.
     */
    function del_slave_ip($ip)
    {
        global $err;
        if (filter_var((string) $ip, FILTER_VALIDATE_IP) === false) {
            $err->raise('dom', 19);
            return false;
        }
        try {
            panel_api()->deleteSlaveIp((string) $ip);
        } catch (PanelApiException $e) {
            if ($e->getErrorCode() !== 'not_found') {
                return panel_raise('dom', $e, ['forbidden' => ['admin', 1]]);
            }
        }
        return true;
    }

    /**
     * The credentials of a slave DNS server (1.0's domlist.php): true when the API's
     * GET /admin/domlist.php accepts them (HTTP Basic), false otherwise, without an error, as
     * 1.0. The list it answered is what echo_domain_list() echoes next.
     */
    function check_slave_account($login, $pass)
    {
        return panel_slave_check('dns', $login, $pass, 'dom');
    }

    /** The slave DNS accounts (GET /slaves/dns-accounts): `login`, `pass` (always ''); false when none. */
    function enum_slave_account()
    {
        return panel_slave_accounts('dns', 'dom');
    }

    /**
     * A slave DNS account (POST /slaves/dns-accounts): `err 23` the login is taken, as 1.0; a
     * login or password the API refuses (1 to 64 of `A-Za-z0-9._-`; 8 to 64 printable ASCII
     * characters, no space) is its message (1.0 took anything).
     */
    function add_slave_account($login, $pass)
    {
        return panel_slave_account_add('dns', $login, $pass, 'dom', ['err', 23]);
    }

    /** DELETE /slaves/dns-accounts/{login}; true also for an unknown login, as 1.0. */
    function del_slave_account($login)
    {
        return panel_slave_account_del('dns', $login, 'dom');
    }
}
