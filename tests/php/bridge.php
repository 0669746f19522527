<?php
// Tests of clients/php against a real panel-api: PanelApi (errors, idempotency, act-as,
// If-Match, cursors) and the AlternC 1.0-compatible m_mem and m_admin.
// Usage: php bridge.php BASE_URL ADMIN_LOGIN ADMIN_PASSWORD   (exit 0 when every check passes)
error_reporting(E_ALL);
set_error_handler(function ($no, $str, $file, $line) {
    throw new ErrorException($str, 0, $no, $file, $line);
});
require __DIR__ . '/../../clients/php/PanelApi.php';
require __DIR__ . '/../../clients/php/alternc/m_err.php';
require __DIR__ . '/../../clients/php/alternc/m_mem.php';
require __DIR__ . '/../../clients/php/alternc/m_admin.php';

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
} catch (Throwable $e) {
    fwrite(STDERR, 'not ok - ' . get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':'
        . $e->getLine() . "\n");
    exit(1);
}
echo "$checks checks passed\n";
exit(0);
