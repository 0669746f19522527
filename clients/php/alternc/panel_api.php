<?php
// Shared by the 1.0-compatible classes: the PanelApi of this request, the 1.0 record shapes,
// and the mapping of API errors to 1.0's $err->raise(class, code).
require_once __DIR__ . '/../PanelApi.php';

/**
 * The PanelApi of this request. Configured by /etc/alternc/panel-api.ini (or the file named by
 * $PANEL_API_CONFIG): url, timeout, connect_timeout, api_key_file (optional). A test or a host
 * may also set $GLOBALS['panel_api'] itself before the classes are used.
 */
function panel_api(): PanelApi
{
    if (isset($GLOBALS['panel_api']) && $GLOBALS['panel_api'] instanceof PanelApi) {
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
    if (!empty($conf['api_key_file'])) {
        $options['api_key'] = trim((string) file_get_contents($conf['api_key_file']));
    }
    $GLOBALS['panel_api'] = new PanelApi($conf['url'], $options);
    return $GLOBALS['panel_api'];
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
        'creator' => (string) ($a['creator'] ?? 0),
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
    static $cache = [];
    $uid = (int) $uid;
    if (isset($GLOBALS['panel_login_cache'][$uid])) {
        return $GLOBALS['panel_login_cache'][$uid];
    }
    foreach (panel_api()->iterateAccounts(['limit' => 500]) as $a) {
        $GLOBALS['panel_login_cache'][(int) $a['uid']] = $a['login'];
    }
    return $GLOBALS['panel_login_cache'][$uid] ?? null;
}

function panel_remember_login(array $a): void
{
    $GLOBALS['panel_login_cache'][(int) $a['uid']] = $a['login'];
}

/**
 * Reports an API error the 1.0 way: $err->raise($class, code) with 1.0's code when $map has
 * one for the API's error code ("code" or "code:field"), else with the API's message as a
 * string (1.0 also raises strings). Always returns false, for `return panel_raise(...)`.
 */
function panel_raise(string $class, PanelApiException $e, array $map = []): bool
{
    global $err;
    $code = $e->getErrorCode();
    $key = $code . ':' . ($e->getField() ?? '');
    if (isset($map[$key])) {
        [$class, $number] = is_array($map[$key]) ? $map[$key] : [$class, $map[$key]];
    } elseif (isset($map[$code])) {
        [$class, $number] = is_array($map[$code]) ? $map[$code] : [$class, $map[$code]];
    } else {
        $number = $e->getMessage();
    }
    $GLOBALS['panel_last_exception'] = $e;
    if (is_object($err)) {
        $err->raise($class, $number);
    }
    return false;
}
