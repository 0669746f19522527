<?php
// Tests of clients/php against a real panel-api: PanelApi (errors, idempotency, act-as,
// If-Match, cursors, the one retry on a 503 through failover_proxy.php) and the AlternC
// 1.0-compatible m_mem, m_admin, m_dom and m_mail, with their error paths.
// Usage: php bridge.php BASE_URL ADMIN_LOGIN ADMIN_PASSWORD   (exit 0 when every check passes)
error_reporting(E_ALL);
set_error_handler(function ($no, $str, $file, $line) {
    throw new ErrorException($str, 0, $no, $file, $line);
});
require __DIR__ . '/../../clients/php/PanelApi.php';
require __DIR__ . '/../../clients/php/alternc/m_err.php';
require __DIR__ . '/../../clients/php/alternc/m_mem.php';
require __DIR__ . '/../../clients/php/alternc/m_admin.php';
require __DIR__ . '/../../clients/php/alternc/m_dom.php';
require __DIR__ . '/../../clients/php/alternc/m_mail.php';

$checks = 0;
function check($ok, $what)
{
    global $checks;
    if (!$ok) {
        fwrite(STDERR, "not ok - $what\n");
        exit(1);
    }
    $checks++;
    echo "ok - $what\n";
}

function expectApiError(callable $f, $status, $code, $field, $what)
{
    try {
        $f();
    } catch (PanelApiException $e) {
        check($e->getHttpStatus() === $status && $e->getErrorCode() === $code && ($field === '*' || $e->getField() === $field)
            && $e->getMessage() !== '' && $e->getRequestId() !== null,
            "$what ({$e->getHttpStatus()} {$e->getErrorCode()} " . var_export($e->getField(), true) . ')');
        return;
    }
    check(false, "$what: no error");
}

[, $base, $adminLogin, $adminPassword] = $argv;
$tag = substr(bin2hex(random_bytes(3)), 0, 5);

try {
    // ---- PanelApi -------------------------------------------------------------------------
    $api = new PanelApi($base, ['timeout' => 10]);
    check($api->health() === ['database' => 'ok'], 'healthz');
    $api->login($adminLogin, $adminPassword);
    check(strpos($api->getCredential(), 'pt_') === 0, 'login keeps a pt_ token');

    expectApiError(function () use ($api) {
        $api->getAccount('nosuch' . bin2hex(random_bytes(2)));
    }, 404, 'not_found', 'login', 'a 404 is mapped (field login)');
    expectApiError(function () use ($api) {
        $api->createAccount(['login' => 'x', 'password' => 'Long-enough-pass-1', 'is_root' => true]);
    }, 400, 'unknown_field', 'is_root', 'a 400 with its field is mapped');
    expectApiError(function () use ($api) {
        $api->listAccounts(['bogus' => 1]);
    }, 400, 'invalid_parameter', 'bogus', 'a bad query parameter names its field');

    // Idempotency: a retry with the same key is one creation, replayed.
    $m1 = "pb{$tag}a";
    $fields = ['login' => $m1, 'password' => 'Php-bridge-pass-1', 'mail' => "$m1@example.net"];
    $first = $api->createAccount($fields);
    $key = $api->lastIdempotencyKey;
    check(is_string($key) && strlen($key) === 32, 'a random Idempotency-Key is sent with every write');
    $again = $api->createAccount($fields, ['idempotency_key' => $key]);
    check($again['uid'] === $first['uid'] && ($api->lastHeaders['idempotent-replayed'] ?? '') === 'true',
        'the same key twice gives one creation (replayed)');
    check($api->listAccounts(['login_prefix' => $m1])['total'] === 1, 'only one account exists');
    expectApiError(function () use ($api, $fields) {
        $api->createAccount($fields);
    }, 409, 'exists', '*', 'a new key is a new request: 409 exists');

    // If-Match from the ETag of the last read.
    $api->getAccount($m1);
    $changed = $api->updateAccount($m1, ['nom' => 'Martin'], ['if_match' => true]);
    check($changed['nom'] === 'Martin', 'PATCH with If-Match of the last read');
    expectApiError(function () use ($api, $m1, $first) {
        $api->updateAccount($m1, ['nom' => 'Late'], ['if_match' => $first['etag']]);
    }, 412, 'precondition_failed', '*', 'a stale If-Match is refused');
    $locked = $api->lockAccount($m1, ['if_match' => true]);
    check($locked['enabled'] === false, 'lock with If-Match of the last answer');
    $api->unlockAccount($m1);

    // Cursor iteration over more than one page.
    $logins = [$m1];
    for ($i = 0; $i < 4; $i++) {
        $l = "pb{$tag}c$i";
        $api->createAccount(['login' => $l, 'password' => 'Php-bridge-pass-1', 'mail' => "$l@example.net"]);
        $logins[] = $l;
    }
    $page = $api->listAccounts(['login_prefix' => "pb$tag", 'limit' => 2]);
    check(count($page['items']) === 2 && $page['next_cursor'] !== null, 'a first page of 2 with a cursor');
    $seen = [];
    foreach ($api->iterateAccounts(['login_prefix' => "pb$tag", 'limit' => 2]) as $a) {
        $seen[] = $a['login'];
    }
    sort($logins);
    check($seen === $logins, 'the generator follows next_cursor over 3 pages (' . count($seen) . ' accounts)');

    // Act-as: the admin sees only the member.
    $api->actAs($m1);
    $who = $api->whoami();
    check($who['acting_as']['login'] === $m1, 'X-Panel-Act-As is sent');
    check($api->listAccounts()['total'] === 1, 'acting as the member, only the member is visible');
    expectApiError(function () use ($api) {
        $api->createAccount(['login' => 'zz', 'password' => 'Php-bridge-pass-1']);
    }, 403, 'forbidden', '*', 'acting as a member, no account creation');
    $api->actAs(null);

    // Domains and mail, on the routes' methods.
    $dom = "pb$tag.org";
    try {
        $api->setTld('org', 1);
    } catch (PanelApiException $e) {
        // already listed
    }
    $d = $api->createDomain($m1, $dom, ['dns' => true, 'mx' => true]);
    check($d['domain'] === $dom, 'domain created');
    $ds = iterator_to_array($api->iterateDomains($m1), false);
    check(count($ds) === 1 && $ds[0]['domain'] === $dom, 'domains of the account');
    $e = $api->setSubdomain($dom, 'blog', 'vhost', '/blog');
    check($e['sub'] === 'blog', 'sub-domain set');
    $subs = array_map(function ($x) {
        return $x['sub'] . '/' . $x['type'];
    }, $api->listSubdomains($dom)['items']);
    check(in_array('blog/vhost', $subs, true), 'sub-domain listed');
    $api->deleteSubdomain($dom, 'blog', 'vhost');
    $box = $api->createMail($dom, 'john', ['password' => 'Mail-Box-Pass-7']);
    check($box['address'] === "john@$dom" && $box['mailbox'] === true, 'mailbox created');
    $api->updateMail("john@$dom", ['recipients' => ["$m1@example.net"]]);
    check($api->getMail("john@$dom")['recipients'] === ["$m1@example.net"], 'mail forwards changed');
    $all = iterator_to_array($api->iterateMail($dom, ['limit' => 1]), false);
    check(in_array("john@$dom", array_column($all, 'address'), true), 'mail addresses of the domain, by cursor ('
        . count($all) . ')');
    $api->deleteMail("john@$dom");
    expectApiError(function () use ($api, $dom) {
        $api->getMail("john@$dom");
    }, 404, 'not_found', '*', 'mail address deleted');

    // ---- m_mem and m_admin -------------------------------------------------------------------
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $err = new m_err();
    $mem = new m_mem();
    $admin = new m_admin();

    check($mem->login($adminLogin, 'wrong-password') === false && $err->clsid === 'mem' && $err->error === 1,
        'm_mem::login with a wrong password raises mem 1');
    check($mem->login($adminLogin, $adminPassword) === true, 'm_mem::login');
    check($mem->user['login'] === $adminLogin && $mem->user['su'] === '1' && $cuid === (int) $mem->user['uid'],
        'm_mem::login fills $user and $cuid');
    $sid = $_COOKIE['session'];

    // A new request: checkid from the cookie only.
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = new m_mem();
    $cuid = 0;
    check($mem->checkid() === true && $mem->user['login'] === $adminLogin && $cuid > 0,
        'm_mem::checkid from the session cookie');

    $uid = $admin->add_mem("pb{$tag}m", 'Php-bridge-pass-2', 'Dupont', 'Zoé', "pb{$tag}m@example.net");
    check(is_int($uid) && $uid >= 2000, "m_admin::add_mem returns the uid ($uid)");
    check($admin->add_mem("pb{$tag}m", 'Php-bridge-pass-2', 'D', 'Z', 'x@example.net') === false
        && $err->clsid === 'admin' && $err->error === 3, 'add_mem of an existing login raises admin 3');
    check($admin->add_mem("pb{$tag}n", 'Php-bridge-pass-2', 'D', 'Z', 'not-a-mail') === false
        && $err->error === 5, 'add_mem with a bad mail raises admin 5');
    $c = $admin->get($uid);
    check($c['login'] === "pb{$tag}m" && $c['nom'] === 'Dupont' && $c['prenom'] === 'Zoé'
        && $c['enabled'] === '1', 'm_admin::get in 1.0 shape ' . json_encode($c));
    check($admin->get(99999) === false && $err->error === 2, 'get of an unknown uid raises admin 2');
    $list = $admin->get_list(1);
    $names = array_map(function ($r) {
        return $r['login'];
    }, $list);
    check(in_array("pb{$tag}m", $names, true) && $names === array_values(array_unique($names)),
        'm_admin::get_list (' . count($list) . ' accounts, by login)');
    $sorted = $names;
    sort($sorted);
    check($sorted === $names, 'get_list is ordered by login');
    check($admin->update_mem($uid, "pb{$tag}m@example.org", 'Durand', 'Zoé', '', 1, 0, 'default', 0, 'note')
        === true, 'm_admin::update_mem');
    $c = $admin->get($uid);
    check($c['nom'] === 'Durand' && $c['mail'] === "pb{$tag}m@example.org" && $c['canpass'] === '0'
        && $c['notes'] === 'note', 'update_mem changed the account');
    check($admin->update_mem($uid, "pb{$tag}m@example.org", 'Durand', 'Zoé', 'Php-bridge-pass-3', 1, 1) === true,
        'update_mem with a new password');
    check($admin->lock_mem($uid) === true && $admin->get($uid)['enabled'] === '0', 'm_admin::lock_mem');
    $m = new m_mem();
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    check($m->login("pb{$tag}m", 'Php-bridge-pass-3') === false && $err->clsid === 'mem',
        'a locked account cannot log in (mem ' . $err->error . ')');
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem->checkid();
    check($admin->unlock_mem($uid) === true && $admin->get($uid)['enabled'] === '1', 'm_admin::unlock_mem');
    $cr = $admin->get_creator(2000);
    check($cr !== false && (int) $cr['nbcreated'] >= 6, 'm_admin::get_creator counts ' . $cr['nbcreated']);
    check($admin->checkcreator($uid) === true, 'm_admin::checkcreator');

    // su/unsu: act as the member in-process.
    check($mem->su($uid) === true && $mem->user['login'] === "pb{$tag}m"
        && panel_api()->getActAs() === "pb{$tag}m", 'm_mem::su acts as the member');
    check(panel_api()->listAccounts()['total'] === 1, 'after su, the API sees only the member');
    check($mem->unsu() === true && $mem->user['login'] === $adminLogin && panel_api()->getActAs() === null,
        'm_mem::unsu');

    // The member logs in and changes its password (m_mem::passwd).
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mm = new m_mem();
    check($mm->login("pb{$tag}m", 'Php-bridge-pass-3') === true && $mm->user['su'] === '0', 'member logs in');
    check($mm->passwd('wrong-old', 'Php-bridge-pass-4', 'Php-bridge-pass-4') === false && $err->error === 6,
        'passwd with a wrong old password raises mem 6');
    check($mm->passwd('Php-bridge-pass-3', 'Php-bridge-pass-4', 'other') === false && $err->error === 7,
        'passwd with different new passwords raises mem 7');
    check($mm->passwd('Php-bridge-pass-3', 'Php-bridge-pass-4', 'Php-bridge-pass-4') === true, 'm_mem::passwd');
    $memberToken = $_COOKIE['session'];
    check($mm->del_session() === true && $_COOKIE['session'] === '', 'm_mem::del_session');
    try {
        (new PanelApi($base, ['token' => $memberToken]))->whoami();
        check(false, 'the token is revoked after del_session');
    } catch (PanelApiException $e) {
        check($e->getHttpStatus() === 401, 'the token is revoked after del_session');
    }
    $_COOKIE['session'] = $memberToken;
    check($mm->checkid() === false && $err->clsid === 'mem' && $err->error === 4,
        'checkid with a revoked session raises mem 4');

    // Back as the admin: delete.
    $_COOKIE['session'] = $sid;
    $_COOKIE['actas'] = '';
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    check($mem->checkid() === true, 'the admin session still works');
    check($admin->del_mem($uid) === true && $admin->get($uid) === false && $err->error === 2,
        'm_admin::del_mem');
    $m1uid = $first['uid'];
    $_COOKIE['session'] = $sid;
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem->checkid();
    check($mem->setid($m1uid) === true && $mem->user['login'] === $m1 && $_COOKIE['actas'] === $m1,
        'm_mem::setid connects as the member');
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    check($mem->checkid() === true && $mem->user['login'] === $m1, 'checkid keeps acting as the member');
    check($mem->unsetid() === true && $mem->user['login'] === $adminLogin, 'unsetid comes back to the admin');

    // A member is not an admin: m_admin refuses with admin 1.
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem->login($m1, 'Php-bridge-pass-1');
    check($admin->get_list() === false && $err->clsid === 'admin' && $err->error === 1,
        'm_admin for a member raises admin 1');
    // ---- the one retry on a 503 (failover), through tests/php/failover_proxy.php ---------------
    $adminApi = new PanelApi($base, ['timeout' => 10]);
    $adminApi->login($adminLogin, $adminPassword);
    $state = sys_get_temp_dir() . '/php_bridge_proxy_' . getmypid();
    @mkdir($state, 0700);
    $probe = stream_socket_server('tcp://127.0.0.1:0');
    $proxyPort = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
    fclose($probe);
    $proxy = proc_open([PHP_BINARY, '-S', "127.0.0.1:$proxyPort", __DIR__ . '/failover_proxy.php'],
        [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$state/server.log", 'a'],
         2 => ['file', "$state/server.log", 'a']], $pipes, null,
        ['PANEL_PROXY_UPSTREAM' => $base, 'PANEL_PROXY_STATE' => $state, 'PATH' => getenv('PATH')]);
    register_shutdown_function(function () use (&$proxy, $state) {
        if (is_resource($proxy)) {
            proc_terminate($proxy);
            proc_close($proxy);
        }
        array_map('unlink', glob("$state/*") ?: []);
        @rmdir($state);
    });
    for ($i = 0; $i < 100; $i++) {
        try {
            fclose(fsockopen('127.0.0.1', $proxyPort));
            break;
        } catch (ErrorException $e) {
            usleep(100000);
        }
    }
    $viaProxy = new PanelApi("http://127.0.0.1:$proxyPort",
        ['token' => $adminApi->getCredential(), 'timeout' => 10, 'max_retry_wait' => 2]);
    check($viaProxy->health() === ['database' => 'ok'], 'the failover proxy forwards');
    $proxyLog = function ($method = 'POST') use ($state) {
        $lines = is_file("$state/log") ? file("$state/log", FILE_IGNORE_NEW_LINES) : [];
        file_put_contents("$state/log", '');
        return array_values(array_filter(array_map(function ($l) {
            return explode(' ', $l);
        }, $lines), function ($f) use ($method) {
            return $f[0] === $method;
        }));
    };
    $proxyLog();

    // A 503 before the write ran: one retry, after Retry-After, with the same key.
    file_put_contents("$state/mode", 'before');
    $t0 = microtime(true);
    $f1 = $viaProxy->createAccount(['login' => "pb{$tag}f1", 'password' => 'Php-bridge-pass-1',
        'mail' => "pb{$tag}f1@example.net"]);
    $took = microtime(true) - $t0;
    $posts = $proxyLog();
    check($f1['login'] === "pb{$tag}f1" && $viaProxy->lastStatus === 201, 'a 503 then a 201: the create succeeds');
    check(count($posts) === 2 && $posts[0][2] === $posts[1][2] && $posts[0][2] === $viaProxy->lastIdempotencyKey
        && $posts[0][3] === '503-not-forwarded' && $posts[1][3] === '201',
        'two POSTs with the same Idempotency-Key: ' . json_encode($posts));
    check($took >= 0.9, sprintf('the retry waited for Retry-After (%.1f s)', $took));
    check($adminApi->listAccounts(['login_prefix' => "pb{$tag}f1"])['total'] === 1, 'one account was created');

    // A 503 after the write ran (the answer was lost): the retry is answered by the replay.
    file_put_contents("$state/mode", 'after');
    $f2 = $viaProxy->createAccount(['login' => "pb{$tag}f2", 'password' => 'Php-bridge-pass-1',
        'mail' => "pb{$tag}f2@example.net"]);
    $posts = $proxyLog();
    check($f2['login'] === "pb{$tag}f2" && ($viaProxy->lastHeaders['idempotent-replayed'] ?? '') === 'true',
        'a write that ran before its 503: the retry gets the stored answer (replayed)');
    check(count($posts) === 2 && $posts[0][2] === $posts[1][2] && $posts[0][3] === '201-then-503'
        && $posts[1][3] === '201', 'the same key twice, the first one ran: ' . json_encode($posts));
    check($adminApi->listAccounts(['login_prefix' => "pb{$tag}f2"])['total'] === 1,
        'one account was created, not two (no 409 either)');

    // Two 503s: one retry only, then the 503 is the error.
    file_put_contents("$state/mode", 'always');
    expectApiError(function () use ($viaProxy, $tag) {
        $viaProxy->createAccount(['login' => "pb{$tag}f3", 'password' => 'Php-bridge-pass-1',
            'mail' => "pb{$tag}f3@example.net"]);
    }, 503, 'unavailable', null, 'a second 503 is raised (unavailable)');
    $posts = $proxyLog();
    check(count($posts) === 2 && $posts[0][2] === $posts[1][2], 'exactly one retry, with the same key');
    unlink("$state/mode");
    check($adminApi->listAccounts(['login_prefix' => "pb{$tag}f3"])['total'] === 0, 'nothing was created');

    // A long Retry-After is cut to max_retry_wait.
    file_put_contents("$state/retry_after", '30');
    file_put_contents("$state/mode", 'before');
    $t0 = microtime(true);
    $viaProxy->deleteAccount("pb{$tag}f2");
    $took = microtime(true) - $t0;
    $deletes = $proxyLog('DELETE');
    check($took >= 1.9 && $took < 10 && count($deletes) === 2 && $deletes[0][2] === $deletes[1][2]
        && $deletes[1][3] === '204', sprintf('Retry-After 30 waits max_retry_wait, 2 s (%.1f s)', $took));
    expectApiError(function () use ($adminApi, $tag) {
        $adminApi->getAccount("pb{$tag}f2");
    }, 404, 'not_found', '*', 'the retried DELETE ran once');
    proc_terminate($proxy);
    proc_close($proxy);
    $proxy = null;

    // ---- m_dom, m_mail and the rest of m_admin --------------------------------------------------
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = new m_mem();
    check($mem->login($adminLogin, $adminPassword), 'the admin logs in again');
    $dm = "pb{$tag}d";
    $dmUid = $admin->add_mem($dm, 'Php-bridge-pass-5', 'Dom', 'Member', "$dm@example.net");
    check(is_int($dmUid), 'a member for the domain tests');
    $adminApi->setQuota($dm, 'dom', 10);
    $adminApi->setQuota($dm, 'mail', 50);
    $forbidden = "forbid$tag.org";
    $adminApi->request('POST', '/api/v1/forbidden-domains', [], ['domain' => $forbidden]);

    // The member's own session, as its pages run.
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mm = new m_mem();
    $mem = $mm;
    check($mm->login($dm, 'Php-bridge-pass-5') && $cuid === $dmUid, 'the member logs in');
    $dom = new m_dom();
    $mail = new m_mail();
    $d1 = "pb$tag-d.org";
    $dmaster = "pb$tag-m.org";
    $dslave = "pb$tag-s.org";
    check($dom->enum_domains() === [], 'm_dom::enum_domains: none yet');
    check($dom->lock() === true && $dom->add_domain($d1, 1) === true && $dom->unlock() === true,
        'm_dom::add_domain (between lock and unlock, as the pages do)');
    check($dom->enum_domains() === [$d1], 'enum_domains lists it');
    $de = function ($code) use ($err) {
        return $err->clsid === 'dom' && $err->error === $code;
    };
    check($dom->add_domain($d1, 1) === false && $de(8), 'add_domain of a hosted domain raises dom 8');
    check($dom->add_domain("bad_name$tag.org", 1) === false && $de(6), 'a bad label raises dom 6');
    check($dom->add_domain('nodot', 1) === false && $de(7), 'one label raises dom 7');
    check($dom->add_domain("pb$tag.notatld", 1) === false && $de(7), 'a TLD not listed raises dom 7 (API)');
    check($dom->add_domain($forbidden, 1) === false && $de(22), 'a forbidden domain raises dom 22 (API)');
    check($dom->add_domain("pb$tag-n.org", 1, 1) === false && $err->clsid === 'dom' && is_string($err->error),
        'a member asking noerase is refused (' . $err->errstr() . ')');

    $all = $dom->get_domain_all($d1);
    $subs = [];
    foreach ($all['sub'] as $s) {
        $subs[$s['name'] . '/' . strtolower($s['type'])] = $s;
    }
    check($all['name'] === $d1 && $all['dns'] === '1' && $all['mail'] === '1' && $all['noerase'] === '0'
        && $all['mx'] === null && (int) $all['nsub'] === count($all['sub']) && $all['dns_action'] !== '',
        'm_dom::get_domain_all in 1.0 shape');
    check(isset($subs['/url'], $subs['www/vhost'], $subs['mail/webmail'])
        && $subs['/url']['dest'] === "http://www.$d1" && $subs['www/vhost']['type_desc'] !== ''
        && in_array($subs['www/vhost']['only_dns'], ['0', '1'], true) && $dom->webmail === 1,
        'the default entries: @ url, www vhost, mail webmail (' . implode(' ', array_keys($subs)) . ')');
    check($dom->get_domain_all("nosuch$tag.org") === false && $de(1), 'get_domain_all of an unknown domain: dom 1');
    check($dom->get_domain_all('bad_name.org') === false && $de(6), 'get_domain_all checks the name: dom 6');

    check($dom->set_sub_domain($d1, 'Blog.', 'VHOST', '/blog') === true, 'm_dom::set_sub_domain creates');
    $b = $dom->get_sub_domain_all($d1, 'blog');
    check($b['name'] === 'blog' && $b['dest'] === '/blog' && $b['enable'] === 'ENABLED' && !isset($b['type']),
        'm_dom::get_sub_domain_all ' . json_encode($b));
    check($dom->get_sub_domain_all($d1, 'nosuch') === false && $de(14), 'get_sub_domain_all of none: dom 14');
    check($dom->set_sub_domain($d1, 'bad!sub', 'vhost', '/x') === false && $de(24), 'a bad sub name: dom 24');
    check($dom->set_sub_domain($d1, 'ip1', 'ip', 'not-an-ip') === false && $de(667), 'a bad IP: dom 667');
    check($dom->set_sub_domain($d1, 'x1', 'nosuchtype', '') === false && $de(667), 'an unknown type: dom 667');
    check($dom->set_sub_domain($d1, 'www', 'ip', '192.0.2.1') === false && $de(654),
        'an ip beside the vhost: dom 654');
    check($dom->set_sub_domain("nosuch$tag.org", 'a', 'vhost', '/a') === false && $de(1),
        'an entry on an unknown domain: dom 1');
    check($dom->set_sub_domain($d1, 'blog', 'vhost', '/blog2', 'vhost', null, '/blog') === true
        && $dom->get_sub_domain_all($d1, 'blog')['dest'] === '/blog2', 'set_sub_domain edits the value');
    check($dom->set_sub_domain($d1, 'blog', 'url', 'http://example.net/', 'vhost', null, '/blog2') === true
        && $dom->get_sub_domain_all($d1, 'blog', 'vhost') === false
        && $dom->get_sub_domain_all($d1, 'blog', 'url')['dest'] === 'http://example.net/',
        'set_sub_domain changes the type (vhost to url)');
    check($dom->set_sub_domain($d1, 'blog', 'ip', 'bad', 'url', null, 'http://example.net/') === false
        && $de(667) && $dom->get_sub_domain_all($d1, 'blog', 'url')['dest'] === 'http://example.net/',
        'a refused edit puts the old entry back');
    check($dom->set_sub_domain($d1, 'multi', 'ip', '192.0.2.1') && $dom->set_sub_domain($d1, 'multi', 'ip', '192.0.2.2')
        && $dom->set_sub_domain($d1, 'multi', 'ip', '192.0.2.3', 'ip', null, '192.0.2.1'),
        'two IPs on one name, one edited');
    $ips = [];
    foreach ($dom->get_domain_all($d1)['sub'] as $s) {
        if ($s['name'] === 'multi') {
            $ips[] = $s['dest'];
        }
    }
    sort($ips);
    check($ips === ['192.0.2.2', '192.0.2.3'], 'the edited IP replaced its old value only: ' . implode(',', $ips));
    check($dom->del_sub_domain($d1, 'multi', 'ip', '192.0.2.2') === true
        && $dom->get_sub_domain_all($d1, 'multi', 'ip', '192.0.2.2') === false
        && $dom->get_sub_domain_all($d1, 'multi', 'ip', '192.0.2.3') !== false, 'm_dom::del_sub_domain by value');
    check($dom->del_sub_domain($d1, 'nosuch', 'vhost') === false && $de(14), 'del_sub_domain of none: dom 14');
    check($dom->del_sub_domain("nosuch$tag.org", 'www', 'vhost') === false && $de(1),
        'del_sub_domain on an unknown domain: dom 1');
    check($dom->sub_domain_change_status($d1, 'blog', 'url', '', 'disable') === true
        && $dom->get_sub_domain_all($d1, 'blog')['enable'] === 'DISABLE', 'sub_domain_change_status DISABLE');
    check($dom->sub_domain_change_status($d1, 'blog', 'url', 'http://example.net/', 'ENABLE') === true
        && in_array($dom->get_sub_domain_all($d1, 'blog')['enable'], ['ENABLE', 'ENABLED'], true),
        'sub_domain_change_status ENABLE (with the value)');
    check($dom->sub_domain_change_status($d1, 'blog', 'url', '', 'bogus') === false,
        'sub_domain_change_status with another status: false');
    check($dom->sub_domain_change_status($d1, 'nosuch', 'url', '', 'ENABLE') === false && $de(14),
        'sub_domain_change_status of none: dom 14');

    check($dom->edit_domain($d1, 1, 1) === false && $de(15), 'edit_domain without a change: dom 15');
    check($dom->edit_domain($d1, 1, 0) === true && $dom->get_domain_all($d1)['mail'] === '0',
        'm_dom::edit_domain switches the mail off');
    check($dom->edit_domain($d1, 1, 1) === true && $dom->get_domain_all($d1)['mail'] === '1', 'and on again');
    check($dom->edit_domain("nosuch$tag.org", 1, 0) === false && $de(1), 'edit_domain of an unknown domain: dom 1');

    $types = $dom->domains_type_lst();
    $adv = array_column($types, 'advanced');
    $advSorted = $adv;
    sort($advSorted);
    check(isset($types['vhost'], $types['ip']) && $types['vhost']['target'] === 'DIRECTORY'
        && is_string($types['ip']['compatibility']) && strpos($types['ip']['compatibility'], 'ip') !== false
        && $adv === $advSorted, 'm_dom::domains_type_lst (' . count($types) . ' types, by advanced)');
    check($dom->domains_type_get('vhost')['name'] === 'vhost' && $dom->domains_type_get('nosuch') === false,
        'm_dom::domains_type_get');
    check($dom->domains_type_target_values('ip') === 'IP' && count($dom->domains_type_target_values()) === 7
        && $dom->domains_type_target_values('nosuch') === false, 'm_dom::domains_type_target_values');
    check($dom->domains_type_enable_values() === ['ALL', 'NONE', 'ADMIN'], 'm_dom::domains_type_enable_values');
    $txt = $types['txt'];
    check($dom->domains_type_update('txt', 'x', $txt['target'], $txt['entry'], $txt['compatibility'], $txt['enable'],
        $txt['only_dns'], $txt['need_dns'], $txt['advanced']) === false && $err->clsid === 'admin'
        && $err->error === 1, 'a member may not update a domain type: admin 1');
    check($dom->get_domain_list() === [$d1], 'm_dom::get_domain_list of the member');
    ob_start();
    $dom->echo_domain_list();
    check(ob_get_clean() === "$d1\n", 'm_dom::echo_domain_list');

    // A slave domain points at its master (1.0's isslave).
    check($dom->add_domain($dmaster, 1) === true && $dom->add_domain($dslave, 1, 0, 0, 1, $dmaster) === true,
        'add_domain of a slave domain');
    $ss = [];
    foreach ($dom->get_domain_all($dslave)['sub'] as $s) {
        $ss[$s['name'] . '/' . strtolower($s['type'])] = $s['dest'];
    }
    check(($ss['/url'] ?? '') === "http://www.$dmaster" && ($ss['www/url'] ?? '') === "http://www.$dmaster"
        && ($ss['mail/url'] ?? '') === "http://mail.$dmaster" && !isset($ss['www/vhost']),
        'the slave points @, www and mail at the master: ' . json_encode($ss));
    check($mail->get_mail_details("@$dslave")['alias'] === "@$dmaster", 'and catches all its mail to @master');
    check($dom->add_domain("pb$tag-t.org", 1, 0, 0, 1, "nosuch$tag.org") === true && $de(1)
        && $dom->get_sub_domain_all("pb$tag-t.org", 'www', 'vhost') !== false,
        'a slave of a domain not ours: dom 1, added as a normal domain');

    // ---- m_mail -------------------------------------------------------------------------------
    $me = function ($code) use ($err) {
        return $err->clsid === 'mail' && $err->error === $code;
    };
    check(in_array($dmaster, $mail->enum_domains(), true), 'm_mail::enum_domains');
    check($mail->add_mail($dmaster, 'John', 1, 'Mail-Box-Pass-7', '') === true, 'm_mail::add_mail of a box');
    check($mail->add_mail($dmaster, 'john', 1, 'Mail-Box-Pass-7', '') === false && $me(7), 'an existing one: mail 7');
    check($mail->add_mail($dmaster, 'bad local', 0, '', 'a@example.net') === false && $me(13), 'a bad local part: mail 13');
    check($mail->add_mail($dmaster, 'x', 1, '', '') === false && $me(4), 'a box without password: mail 4');
    check($mail->add_mail($dmaster, 'x', 0, '', '') === false && $me(4), 'an alias without forward: mail 4');
    check($mail->add_mail($dmaster, 'x', 0, '', "a@example.net\nnot an address") === false && $me(14),
        'a bad forward: mail 14');
    check($mail->add_mail("nosuch$tag.org", 'x', 0, '', 'a@example.net') === false && $me(6),
        'a domain not ours: mail 6');
    check($mail->add_mail($dmaster, 'info', 0, '', "a@example.net\n\n b@example.net ") === true,
        'm_mail::add_mail of an alias with two forwards');
    check($mail->add_mail($dmaster, 'tmp', 0, '', 'a@example.net', '2099-01-01 00:00:00') === true
        && strpos((string) $mail->get_mail_details("tmp@$dmaster")['expiration_date'], '2099-01-01') === 0,
        'add_mail with an expiration date');
    check($mail->add_mail($dmaster, 'old', 0, '', 'a@example.net', '2001-01-01') === false && $me(5),
        'an expiration in the past: mail 5');
    $list = $mail->enum_doms_mails($dmaster);
    $by = [];
    foreach ($list as $k => $row) {
        if ($k !== 'count') {
            $by[$row['mail']] = $row;
        }
    }
    check($list['count'] === count($by) && $by["john@$dmaster"]['pop'] === '1' && $by["john@$dmaster"]['alias'] === ''
        && $by["info@$dmaster"]['pop'] === '0' && $by["info@$dmaster"]['alias'] === "a@example.net\nb@example.net"
        && is_int($by["john@$dmaster"]['size']), 'm_mail::enum_doms_mails ' . json_encode($by["info@$dmaster"]));
    $j = $mail->enum_doms_mails($dmaster, 0, 'j');
    check($j['count'] === 1 && $j[0]['mail'] === "john@$dmaster", 'enum_doms_mails by letter');
    $sorted = $mail->enum_doms_mails($dmaster, 2);
    unset($sorted['count']);
    check(end($sorted)['pop'] === '1' && $sorted[0]['pop'] === '0', 'enum_doms_mails sorted by type');
    $letters = $mail->enum_doms_mails_letters($dmaster);
    check(in_array('i', $letters, true) && in_array('j', $letters, true) && $letters === array_values(array_unique($letters)),
        'm_mail::enum_doms_mails_letters ' . implode('', $letters));
    $catch = $mail->enum_doms_mails($dslave, 0, '@');
    check($catch['count'] === 1 && $catch[0]['mail'] === "@$dslave", 'enum_doms_mails of the catch-all (@)');
    check($mail->enum_doms_mails("nosuch$tag.org") === false && $err->clsid === 'mail',
        'enum_doms_mails of a domain not ours fails');
    $jd = $mail->get_mail_details("John@$dmaster");
    check($jd['mail'] === "john@$dmaster" && $jd['login'] === "john_$dmaster" && $jd['pop'] === '1'
        && $jd['alias'] === '', 'm_mail::get_mail_details ' . json_encode($jd));
    check($mail->get_mail_details("nobody@$dmaster") === false && $me(3), 'get_mail_details of none: mail 3');
    check($mail->available("john@$dmaster") === false && $mail->available("nobody@$dmaster") === true,
        'm_mail::available');
    check($mail->put_mail_details("info@$dmaster", 0, '', 'c@example.net') === true
        && $mail->get_mail_details("info@$dmaster")['alias'] === 'c@example.net', 'm_mail::put_mail_details forwards');
    check($mail->put_mail_details("info@$dmaster", 1, '', 'c@example.net') === false && $me(4),
        'a new box without password: mail 4');
    check($mail->put_mail_details("info@$dmaster", 1, 'Mail-Box-Pass-8', 'c@example.net') === true
        && $mail->get_mail_details("info@$dmaster")['pop'] === '1', 'put_mail_details adds a box');
    check($mail->put_mail_details("info@$dmaster", 0, '', '') === false && $me(4), 'no box and no forward: mail 4');
    check($mail->put_mail_details("info@$dmaster", 0, '', "c@example.net\nbad address") === false && $me(14),
        'put_mail_details with a bad forward: mail 14');
    check($mail->put_mail_details("info@$dmaster", 0, '', 'c@example.net') === true
        && $mail->get_mail_details("info@$dmaster")['pop'] === '0', 'put_mail_details removes the box');
    check($mail->put_mail_details("tmp@$dmaster", 0, '', 'a@example.net') === true
        && $mail->get_mail_details("tmp@$dmaster")['expiration_date'] === null,
        'put_mail_details without a date: never expires (as 1.0)');
    check($mail->put_mail_details("nobody@$dmaster", 0, '', 'c@example.net') === false && $me(3),
        'put_mail_details of none: mail 3');
    check($mail->change_password("john@$dmaster", 'Mail-Box-Pass-9') === true, 'm_mail::change_password');
    (new PanelApi($base))->changeMailPassword("john@$dmaster", 'Mail-Box-Pass-9', 'Mail-Box-Pass-10');
    check(true, 'the box takes the new password (self-service with it as the old one)');
    check($mail->change_password("info@$dmaster", 'Mail-Box-Pass-9') === false && $me(15),
        'change_password of an address without a box: mail 15');
    check($mail->change_password("nobody@$dmaster", 'Mail-Box-Pass-9') === false && $me(3),
        'change_password of none: mail 3');
    check($mail->del_mail("info@$dmaster") === true && $mail->available("info@$dmaster"), 'm_mail::del_mail');
    check($mail->del_mail("info@$dmaster") === false && $me(3), 'del_mail of none: mail 3');

    // The admin on the member's domains (m_admin, m_dom as admin).
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = new m_mem();
    check($mem->login($adminLogin, $adminPassword), 'the admin logs in again');
    $dl = $admin->dom_list();
    $mine = array_values(array_filter($dl, function ($r) use ($d1) {
        return $r['domaine'] === $d1;
    }));
    $names = array_column($dl, 'domaine');
    $sortedNames = $names;
    sort($sortedNames);
    check(count($mine) === 1 && $mine[0]['login'] === $dm && $mine[0]['noerase'] === '0' && $names === $sortedNames,
        'm_admin::dom_list (' . count($dl) . ' domains, by name)');
    check($admin->dom_lock($d1) === true && $admin->dom_list()[array_search($d1, $names, true)]['noerase'] === '1',
        'm_admin::dom_lock locks');
    check($admin->dom_lock("nosuch$tag.org") === false && $de(1), 'dom_lock of an unknown domain: dom 1');
    ob_start();
    $mail->echo_domain_list();
    $mx = explode("\n", trim(ob_get_clean()));
    check(in_array($dmaster, $mx, true), 'm_mail::echo_domain_list (admin: every mail domain)');
    check(in_array($d1, $dom->get_domain_list(-1), true) && $dom->get_domain_list($dmUid) === [$d1, $dmaster, $dslave,
        "pb$tag-t.org"], 'm_dom::get_domain_list of all, and of one uid');
    $txt = $dom->domains_type_lst()['txt'];
    check($dom->domains_type_update('txt', 'TXT entry (bridge)', $txt['target'], $txt['entry'], $txt['compatibility'],
        $txt['enable'], $txt['only_dns'], $txt['need_dns'], $txt['advanced']) === true
        && $dom->domains_type_get('txt')['description'] === 'TXT entry (bridge)', 'm_dom::domains_type_update');
    check($dom->domains_type_update('txt', $txt['description'], 'IP', $txt['entry'], $txt['compatibility'],
        $txt['enable'], $txt['only_dns'], $txt['need_dns'], $txt['advanced']) === false && is_string($err->error),
        'domains_type_update cannot change the target');
    $dom->domains_type_update('txt', $txt['description'], $txt['target'], $txt['entry'], $txt['compatibility'],
        $txt['enable'], $txt['only_dns'], $txt['need_dns'], $txt['advanced']);

    // The member may not delete a locked domain; unlocked, it may.
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = $mm;
    $mm->login($dm, 'Php-bridge-pass-5');
    check($dom->del_domain($d1) === false && $err->clsid === 'dom' && is_string($err->error),
        'a member cannot delete a locked domain (' . $err->errstr() . ')');
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = new m_mem();
    $mem->login($adminLogin, $adminPassword);
    check($admin->dom_lock($d1) === true, 'dom_lock again unlocks');
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = $mm;
    $mm->login($dm, 'Php-bridge-pass-5');
    check($dom->del_domain($d1) === true && $dom->get_domain_all($d1)['dns_action'] === 'DELETE',
        'm_dom::del_domain marks it for deletion');
    check($dom->del_domain($d1) === false && is_string($err->error), 'a second del_domain: already being deleted');
    check($dom->del_domain("nosuch$tag.org") === false && $de(1), 'del_domain of an unknown domain: dom 1');

    // ---- the rest of m_admin --------------------------------------------------------------------
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = new m_mem();
    $mem->login($adminLogin, $adminPassword);
    $ae = function ($code) use ($err) {
        return $err->clsid === 'admin' && $err->error === $code;
    };
    check($admin->onesu() === true, 'm_admin::onesu: one administrator');
    check($admin->normal2su($dmUid) === true && $admin->onesu() === false && $admin->su2normal($dmUid) === true,
        'onesu is false with two');
    $cl = $admin->get_creator_list();
    $root = array_values(array_filter($cl, function ($r) {
        return $r['uid'] === '2000';
    }));
    check(count($root) === 1 && (int) $root[0]['nbcreated'] >= 3, 'm_admin::get_creator_list (' . count($cl) . ' creators)');
    $g = $admin->get($dmUid);
    check($g['creator'] === '2000' && $g['parentlogin'] === $adminLogin,
        'm_admin::get: creator is the creator\'s uid, parentlogin its login (the API gives the login)');
    check($admin->renew_update($dmUid, 12) === true && $admin->get($dmUid)['duration'] === '12'
        && $admin->renew_get_expiry($dmUid) !== null, 'm_admin::renew_update starts a period');
    $exp = $admin->renew_get_expiring_accounts();
    $st = $admin->renew_get_status($dmUid);
    check(is_array($exp) && in_array($dm, array_column($exp, 'login'), true) === ($st >= 2),
        "m_admin::renew_get_expiring_accounts (status $st, " . count($exp) . ' accounts)');
    check($admin->renew_update($dmUid, 0) === true && $admin->get($dmUid)['duration'] === null
        && !in_array($dm, array_column($admin->renew_get_expiring_accounts(), 'login'), true),
        'renew_update 0 clears it');
    check($admin->renew_update(99999, 1) === false && $ae(2), 'renew_update of an unknown uid: admin 2');
    $newtld = "x$tag";
    check($admin->gettld('org') === '1', 'm_admin::gettld');
    check($admin->gettld($newtld) === false && $ae(11), 'gettld of an unlisted TLD: admin 11');
    check($admin->addtld(".$newtld", 3) === true && $admin->gettld($newtld) === '3', 'm_admin::addtld (leading dot dropped)');
    check($admin->addtld($newtld, 4) === false && $ae(12), 'addtld of a listed TLD: admin 12');
    check($admin->addtld('', 4) === false && $ae(12), 'addtld of nothing: admin 12');
    check($admin->addtld('bad_tld', 4) === false && $err->clsid === 'admin' && is_string($err->error),
        'addtld of a bad name: the API refuses it');
    check($admin->edittld($newtld, 0) === true && $admin->gettld($newtld) === '0', 'm_admin::edittld');
    check($admin->edittld("y$tag", 1) === false && $ae(11), 'edittld of an unlisted TLD: admin 11');
    check($admin->deltld($newtld) === true && $admin->gettld($newtld) === false, 'm_admin::deltld');
    check($admin->deltld($newtld) === false && $ae(11), 'deltld of an unlisted TLD: admin 11');
    // A member on the admin methods.
    $GLOBALS['panel_api'] = new PanelApi($base, ['timeout' => 10]);
    $mem = $mm;
    $mm->login($dm, 'Php-bridge-pass-5');
    check($admin->get_creator_list() === false && $ae(1), 'get_creator_list for a member: admin 1');
    check($admin->addtld("z$tag", 1) === false && $ae(1), 'addtld for a member: admin 1 (the API refuses)');
} catch (Throwable $e) {
    fwrite(STDERR, 'not ok - ' . get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':'
        . $e->getLine() . "\n");
    exit(1);
}
echo "$checks checks passed\n";
exit(0);
