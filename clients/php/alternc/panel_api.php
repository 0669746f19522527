<?php
// Shared by the 1.0-compatible classes: the PanelApi of this request, the 1.0 record shapes,
// and the mapping of API errors to 1.0's $err->raise(class, code).
require_once __DIR__ . '/../PanelApi.php';

/**
 * The PanelApi of this request. Configured by /etc/alternc/panel-api.ini (or the file named by
 * $PANEL_API_CONFIG): url, timeout, connect_timeout, api_key_file (optional). A test or a host
 * may also set $GLOBALS['panel_api'] itself before the classes are used.
 *
 * In a web request, the browser's address ($_SERVER['REMOTE_ADDR']) is sent as X-Forwarded-For
 * (believed by panel-api when the panel's address is in its api.trusted_proxies): without it
 * every user of the panel would be one client address to the API, and 20 wrong passwords typed
 * by anyone would refuse every user's login for up to 15 minutes. The application key of
 * api_key_file is the credential of command-line scripts only: a web page works with its user's
 * own login token, never with the key, even when its session is missing.
 */
function panel_api(): PanelApi
{
    if (isset($GLOBALS['panel_api']) && $GLOBALS['panel_api'] instanceof PanelApi) {
        panel_form_seed($GLOBALS['panel_api']);
        return $GLOBALS['panel_api'];
    }
    $file = getenv('PANEL_API_CONFIG') ?: '/etc/alternc/panel-api.ini';
    $conf = is_readable($file) ? parse_ini_file($file) : false;
    if (!is_array($conf) || empty($conf['url'])) {
        throw new PanelApiException(0, 'config', "panel-api: no url in $file");
    }
    $options = [];
    foreach (['timeout', 'connect_timeout', 'max_retry_wait'] as $k) {
        if (isset($conf[$k])) {
            $options[$k] = (int) $conf[$k];
        }
    }
    if (!empty($conf['api_key_file']) && PHP_SAPI === 'cli') {
        $options['api_key'] = trim((string) file_get_contents($conf['api_key_file']));
    }
    $ip = (string) ($_SERVER['REMOTE_ADDR'] ?? '');
    if ($ip !== '' && filter_var($ip, FILTER_VALIDATE_IP) !== false) {
        $options['client_ip'] = $ip;
    }
    $GLOBALS['panel_api'] = new PanelApi($conf['url'], $options);
    panel_form_seed($GLOBALS['panel_api']);
    return $GLOBALS['panel_api'];
}

/**
 * Pages in UTF-8, whatever the language. 1.0's lang_env.php took the page's charset from its
 * catalog: ISO-8859-1 for en_US (the default), de_DE, es_ES and pt_BR, UTF-8 for fr_FR. On an
 * ISO-8859-1 page the browser posts "Hervé" as latin1 bytes, which are not JSON: every write
 * of such a text failed (PanelApiException invalid_json, "Malformed UTF-8 characters"), and
 * the API's UTF-8 answers showed as "HervÃ©". gettext converts any catalog to the codeset
 * bound here, so the translations stay right. Called by m_mem's constructor, which 1.0's
 * config.php runs just after lang_env.php and before any page output.
 */
function panel_page_charset(): void
{
    $charset = (string) ($GLOBALS['charset'] ?? '');
    if ($charset !== '' && strcasecmp($charset, 'UTF-8') === 0) {
        return;
    }
    if (function_exists('bind_textdomain_codeset')) {
        bind_textdomain_codeset('alternc', 'UTF-8');
    }
    $GLOBALS['charset'] = 'UTF-8';
}

/**
 * A hidden field for a panel form: a fresh one-time value each time the form is shown. When the
 * form is sent, panel_api() keys the page's writes from it (PanelApi::setKeySeed), so the same
 * form sent twice (a double click, a reload that posts again) runs its writes once: the second
 * request gets the first one's answers. Without it every write has a random key, and a form
 * sent twice runs twice (a renewal counted twice, a second copy...), as in 1.0.
 */
function panel_form_key_input(): string
{
    return '<input type="hidden" name="panel_form_key" value="' . bin2hex(random_bytes(16)) . '" />';
}

/** Keys $api's writes from the posted panel_form_key (32 hexadecimal digits), if any. */
function panel_form_seed(PanelApi $api): void
{
    $seed = $_POST['panel_form_key'] ?? null;
    if (is_string($seed) && preg_match('/^[0-9a-f]{32}$/', $seed) && $api->getKeySeed() !== $seed) {
        $api->setKeySeed($seed);
    }
}

/** An API account as 1.0's `membres` row merged with `local` (what 1.0's pages read). */
function panel_account_to_1_0(array $a): array
{
    $b = function ($v) {
        return $v ? '1' : '0';
    };
    return [
        'uid' => (string) $a['uid'],
        'login' => $a['login'],
        'pass' => '',                       // never sent by the API
        'mail' => (string) ($a['mail'] ?? ''),
        'enabled' => $b($a['enabled']),
        'su' => $b($a['admin']),
        'canpass' => $b($a['canpass']),
        // The API names the creator by login; 1.0's column is its uid ('0' when the caller
        // cannot see the creator's account, as a member its admin).
        'creator' => (string) (!empty($a['creator']) ? (panel_uid_of($a['creator']) ?? 0) : 0),
        'created' => $a['created'] ?? null,
        'renewed' => $a['renewed'] ?? null,
        'duration' => $a['duration'] ? (string) $a['duration'] : null,
        'type' => (string) ($a['type'] ?? 'default'),
        'notes' => (string) ($a['notes'] ?? ''),
        'lastlogin' => $a['lastlogin'] ?? null,
        'lastip' => $a['lastip'] ?? null,
        'lastfail' => (string) ($a['lastfail'] ?? 0),
        'nom' => (string) ($a['nom'] ?? ''),
        'prenom' => (string) ($a['prenom'] ?? ''),
        'expiry' => $a['expiry'] ?? null,   // not in 1.0's row: renew_get_expiry()'s value
        'etag' => $a['etag'] ?? null,       // not in 1.0: for If-Match
    ];
}

/** uid -> login, the API being keyed by login. Cached for the request. */
function panel_login_of($uid): ?string
{
    $uid = (int) $uid;
    if (isset($GLOBALS['panel_login_cache'][$uid])) {
        return $GLOBALS['panel_login_cache'][$uid];
    }
    panel_load_logins();
    return $GLOBALS['panel_login_cache'][$uid] ?? null;
}

/** login -> uid, from the same cache; null for an account the caller cannot see. */
function panel_uid_of(string $login): ?int
{
    $uid = array_search($login, $GLOBALS['panel_login_cache'] ?? [], true);
    if ($uid === false) {
        panel_load_logins();
        $uid = array_search($login, $GLOBALS['panel_login_cache'] ?? [], true);
    }
    return $uid === false ? null : (int) $uid;
}

/** Fills the uid -> login cache with every account the caller sees (once per credential). */
function panel_load_logins(): void
{
    $api = panel_api();
    $who = spl_object_id($api) . ':' . $api->getCredential() . ':' . $api->getActAs();
    if (($GLOBALS['panel_login_loaded'] ?? null) === $who) {
        return;
    }
    foreach ($api->iterateAccounts(['limit' => 500]) as $a) {
        $GLOBALS['panel_login_cache'][(int) $a['uid']] = $a['login'];
    }
    $GLOBALS['panel_login_loaded'] = $who;
}

function panel_remember_login(array $a): void
{
    $GLOBALS['panel_login_cache'][(int) $a['uid']] = $a['login'];
}

/**
 * Reports an API error the 1.0 way: $err->raise($class, code) with 1.0's code when $map has
 * one for the API's error code ("code" or "code:field"), else with the API's message as a
 * string (1.0 also raises strings). $byMessage (substring of the API's message => code) is
 * looked at first, for the few 1.0 codes one API code covers (`invalid` domain: TLD, forbidden).
 * The message is passed HTML-escaped with its '%' doubled, as 1.0's errstr() and pages need it.
 * Always returns false, for `return panel_raise(...)`.
 */
function panel_raise(string $class, PanelApiException $e, array $map = [], array $byMessage = []): bool
{
    global $err;
    $code = $e->getErrorCode();
    $key = $code . ':' . ($e->getField() ?? '');
    $hit = null;
    foreach ($byMessage as $needle => $number) {
        if (stripos($e->getMessage(), $needle) !== false) {
            $hit = $number;
            break;
        }
    }
    if ($hit !== null) {
        [$class, $number] = is_array($hit) ? $hit : [$class, $hit];
    } elseif (isset($map[$key])) {
        [$class, $number] = is_array($map[$key]) ? $map[$key] : [$class, $map[$key]];
    } elseif (isset($map[$code])) {
        [$class, $number] = is_array($map[$code]) ? $map[$code] : [$class, $map[$code]];
    } else {
        // 1.0's errstr() runs a string error through sprintf() and its pages print it as HTML,
        // unescaped (its own strings were constants): the API's message names what users typed
        // (a file, a host, a login), so its HTML is escaped and its '%' doubled.
        $number = str_replace('%', '%%', htmlspecialchars($e->getMessage(), ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8'));
    }
    $GLOBALS['panel_last_exception'] = $e;
    if (is_object($err)) {
        $err->raise($class, $number);
    }
    return false;
}

/**
 * True when $e is a create's `exists` answered to PanelApi's retry of it after a first attempt
 * that may have run (PanelApiException::isAfterUncertainAttempt): the first attempt made it,
 * its answer was lost with panel-api's database session. The classes report the create done.
 */
function panel_made_by_first_attempt(PanelApiException $e): bool
{
    return $e->getErrorCode() === 'exists' && $e->isAfterUncertainAttempt();
}

/**
 * The login the 1.0 classes work for: 1.0's $cuid. The m_mem user when it is loaded (login,
 * checkid, su and setid keep it in step with X-Panel-Act-As), else the uid's login, else the
 * API's whoami (the acting-as login first).
 */
function panel_current_login(): ?string
{
    global $mem, $cuid;
    if (is_object($mem) && !empty($mem->user['login'])
        && (empty($cuid) || (int) $cuid === (int) $mem->user['uid'])) {
        return $mem->user['login'];
    }
    if (!empty($cuid) && ($login = panel_login_of($cuid)) !== null) {
        return $login;
    }
    $who = panel_api()->whoami();
    return $who['acting_as']['login'] ?? $who['login'];
}

/** 1.0's checkfqdn(): 0 valid; 1 longer than 255; 2 a label longer than 63; 3 a bad label; 4 one label. */
function panel_checkfqdn($fqdn): int
{
    $fqdn = (string) $fqdn;
    if (strlen($fqdn) > 255) {
        return 1;
    }
    $labels = explode('.', $fqdn);
    foreach ($labels as $label) {
        if (strlen($label) > 63) {
            return 2;
        }
        if (!preg_match('/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i', $label)) {
            return 3;
        }
    }
    return count($labels) < 2 ? 4 : 0;
}

/** 1.0's checkloginmail(): the local part of an address. */
function panel_checkloginmail($local): bool
{
    return (bool) preg_match('/^[a-zA-Z0-9_\.:\+\-]*[a-zA-Z0-9_]$/', (string) $local);
}

/** 1.0's checkmail(): 0 valid; 6 not one '@'; 1..4 checkfqdn of the domain; 1 empty local; 5 bad local. */
function panel_checkmail($mail): int
{
    $parts = explode('@', (string) $mail);
    if (count($parts) !== 2) {
        return 6;
    }
    if (($c = panel_checkfqdn($parts[1])) !== 0) {
        return $c;
    }
    if ($parts[0] === '') {
        return 1;
    }
    return panel_checkloginmail($parts[0]) ? 0 : 5;
}

/** '1' / '0', as 1.0's rows hold booleans. */
function panel_bool($v): string
{
    return $v ? '1' : '0';
}

/** Every domain object the caller may see: [login => [domain objects]] over the visible accounts. */
function panel_all_domains(): array
{
    $api = panel_api();
    $all = [];
    foreach ($api->iterateAccounts(['limit' => 500]) as $a) {
        panel_remember_login($a);
        $all[$a['login']] = iterator_to_array($api->iterateDomains($a['login'], ['limit' => 500]), false);
    }
    return $all;
}

/**
 * A folder of $login's web space as the API gives it (absolute: <root>/html/<l>/<login>/...) made
 * relative to the space: '/sub/dir' ('' for the space itself), or null when it is not in the
 * space. 1.0 cut its fixed /var/alternc/html/<l>/<login> the same way.
 */
function panel_web_relative(string $abs, string $login): ?string
{
    if ($login === '' || !preg_match('#^.*?/html/' . preg_quote($login[0], '#') . '/' . preg_quote($login, '#')
        . '(/.*)?$#', $abs, $m)) {
        return null;
    }
    return rtrim($m[1] ?? '', '/');
}

/**
 * 1.0's check_slave_account() of m_dom ('dns': slaveaccount) and m_mail ('mx': mxaccount):
 * GET /admin/domlist.php or /admin/mxlist.php with these credentials (HTTP Basic, no token).
 * true when they are accepted; the list the API answered is kept for echo_domain_list().
 * false, without an error as 1.0, when refused (401) or throttled (429); another failure is the
 * API's message.
 */
function panel_slave_check(string $kind, $login, $pass, string $class): bool
{
    unset($GLOBALS['panel_slave_list'][$kind]);
    try {
        $list = panel_api()->slaveDomainList($kind, (string) $login, (string) $pass);
    } catch (PanelApiException $e) {
        if ($e->getHttpStatus() === 401 || $e->getHttpStatus() === 429) {
            $GLOBALS['panel_last_exception'] = $e;
            return false;
        }
        return panel_raise($class, $e);
    }
    $GLOBALS['panel_slave_list'][$kind] = [panel_api(), $list];
    return true;
}

/** The list a successful panel_slave_check() fetched for $kind in this request (this PanelApi), or null. */
function panel_slave_list(string $kind): ?string
{
    $kept = $GLOBALS['panel_slave_list'][$kind] ?? null;
    return $kept !== null && $kept[0] === panel_api() ? $kept[1] : null;
}

/**
 * 1.0's enum_slave_account(): rows `login`, `pass` ('': the API never shows the password, 1.0
 * stored and listed it in clear), by login; false when none, as 1.0.
 */
function panel_slave_accounts(string $kind, string $class)
{
    try {
        $page = panel_api()->listSlaveAccounts($kind);
    } catch (PanelApiException $e) {
        return panel_raise($class, $e, ['forbidden' => ['admin', 1]]);
    }
    $res = [];
    foreach ($page['items'] as $a) {
        $res[] = ['login' => $a['login'], 'pass' => ''];
    }
    return $res ?: false;
}

/** 1.0's add_slave_account(): $exists is 1.0's code for a login taken. */
function panel_slave_account_add(string $kind, $login, $pass, string $class, array $exists): bool
{
    try {
        panel_api()->createSlaveAccount($kind, (string) $login, (string) $pass);
    } catch (PanelApiException $e) {
        return panel_raise($class, $e, ['exists' => $exists, 'forbidden' => ['admin', 1]]);
    }
    return true;
}

/** 1.0's del_slave_account(): true also when there is no such account, as 1.0. */
function panel_slave_account_del(string $kind, $login, string $class): bool
{
    try {
        panel_api()->deleteSlaveAccount($kind, (string) $login);
    } catch (PanelApiException $e) {
        if ($e->getErrorCode() !== 'not_found') {
            return panel_raise($class, $e, ['forbidden' => ['admin', 1]]);
        }
    }
    return true;
}
