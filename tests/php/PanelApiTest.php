<?php
// PanelApi against a real panel-api: the error shape, idempotent retries, If-Match, cursors,
// act-as, and one call of each route group the 1.0 classes use (domains, mail, quotas and
// account types, FTP, databases and their users).

class PanelApiTest extends BridgeTestCase
{
    /** @var string */
    private static $m;
    /** @var array the first answer of the member's creation */
    private static $first;

    public function testHealthAndLogin(): void
    {
        $api = self::newApi();
        $this->assertSame(['database' => 'ok'], $api->health());
        $api->login(self::adminLogin(), self::adminPassword());
        $this->assertStringStartsWith('pt_', $api->getCredential(), 'login keeps a pt_ token');
        $this->assertSame(self::adminLogin(), $api->whoami()['login']);
        $this->assertApiError(function () {
            self::newApi()->login(self::adminLogin(), 'wrong-password');
        }, 401, 'login_failed', '*', 'a wrong password');
    }

    public function testErrorMapping(): void
    {
        $api = self::api();
        $this->assertApiError(function () use ($api) {
            $api->getAccount('nosuch' . bin2hex(random_bytes(2)));
        }, 404, 'not_found', 'login', 'a 404 is mapped (field login)');
        $this->assertApiError(function () use ($api) {
            $api->createAccount(['login' => 'x', 'password' => 'Long-enough-pass-1', 'is_root' => true]);
        }, 400, 'unknown_field', 'is_root', 'a 400 with its field is mapped');
        $this->assertApiError(function () use ($api) {
            $api->listAccounts(['bogus' => 1]);
        }, 400, 'invalid_parameter', 'bogus', 'a bad query parameter names its field');
        $this->assertApiError(function () {
            self::newApi(['token' => 'pt_' . str_repeat('A', 43)])->whoami();
        }, 401, 'unauthenticated', '*', 'an unknown token');
        $this->assertApiError(function () {
            (new PanelApi('http://127.0.0.1:1', ['connect_timeout' => 2, 'max_retry_wait' => 0]))->whoami();
        }, 0, 'network', null, 'no answer at all');
    }

    public function testIdempotentRetry(): void
    {
        $api = self::api();
        self::$m = self::tag('a');
        $fields = ['login' => self::$m, 'password' => 'Php-bridge-pass-1', 'mail' => self::$m . '@example.net'];
        self::$first = $api->createAccount($fields);
        $key = $api->lastIdempotencyKey;
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $key, 'a random key with every write');
        $again = $api->createAccount($fields, ['idempotency_key' => $key]);
        $this->assertSame(self::$first['uid'], $again['uid'], 'the same key twice gives one creation');
        $this->assertSame('true', $api->lastHeaders['idempotent-replayed'] ?? '', 'replayed');
        $this->assertSame(1, $api->listAccounts(['login_prefix' => self::$m])['total'], 'only one account');
        $this->assertApiError(function () use ($api, $fields) {
            $api->createAccount($fields);
        }, 409, 'exists', '*', 'a new key is a new request: 409 exists');
        $this->assertApiError(function () use ($api, $fields, $key) {
            $api->createAccount(['mail' => 'other@example.net'] + $fields, ['idempotency_key' => $key]);
        }, 409, 'idempotency_conflict', '*', 'the same key with another body');
    }

    /** @depends testIdempotentRetry */
    public function testIfMatch(): void
    {
        $api = self::api();
        $api->getAccount(self::$m);
        $this->assertNotNull($api->etag('/api/v1/accounts/' . self::$m), 'the ETag of the read is kept');
        $changed = $api->updateAccount(self::$m, ['nom' => 'Martin'], ['if_match' => true]);
        $this->assertSame('Martin', $changed['nom'], 'PATCH with If-Match of the last read');
        $this->assertApiError(function () use ($api) {
            $api->updateAccount(self::$m, ['nom' => 'Late'], ['if_match' => self::$first['etag']]);
        }, 412, 'precondition_failed', '*', 'a stale If-Match is refused');
        $this->assertSame('Martin', $api->getAccount(self::$m)['nom'], 'and nothing changed');
        $locked = $api->lockAccount(self::$m, ['if_match' => true]);
        $this->assertFalse($locked['enabled'], 'lock with If-Match of the last answer');
        // The action answered the account with its new ETag: the next write with If-Match
        // sends that one, not the ETag from before the lock (a 412 for this client's own change).
        $this->assertSame($locked['etag'], $api->etag('/api/v1/accounts/' . self::$m), 'the lock\'s ETag is kept');
        $unlocked = $api->unlockAccount(self::$m, ['if_match' => true]);
        $this->assertTrue($unlocked['enabled']);
        $this->assertSame('Martin again', $api->updateAccount(self::$m, ['nom' => 'Martin again'],
            ['if_match' => true])['nom'], 'PATCH with If-Match after lock and unlock');
    }

    /**
     * A create replayed (the client's retry after a lost answer, or a script run twice with its
     * key) comes back with its Location: its ETag is filed under the new resource, so If-Match
     * works on the next write. If-Match asked with no ETag read is an error, never a write
     * sent without it.
     */
    public function testReplayedCreateKeepsItsETagForIfMatch(): void
    {
        $login = self::tag('9r');
        $fields = ['login' => $login, 'password' => 'Php-bridge-pass-1', 'mail' => "$login@example.net"];
        $key = bin2hex(random_bytes(8));
        self::api()->createAccount($fields, ['idempotency_key' => $key]);
        $api = self::newApi();
        $api->login(self::adminLogin(), self::adminPassword());
        $again = $api->createAccount($fields, ['idempotency_key' => $key]);
        $this->assertSame('true', $api->lastHeaders['idempotent-replayed'] ?? null, 'a replay');
        $this->assertSame("/api/v1/accounts/$login", $api->lastHeaders['location'] ?? null);
        $this->assertSame($again['etag'], $api->etag("/api/v1/accounts/$login"));
        $changed = $api->updateAccount($login, ['nom' => 'Replayed'], ['if_match' => true]);
        $this->assertSame('Replayed', $changed['nom']);
        $this->assertApiError(function () use ($login) {
            $fresh = self::newApi();
            $fresh->login(self::adminLogin(), self::adminPassword());
            $fresh->updateAccount($login, ['nom' => 'Blind'], ['if_match' => true]);
        }, 0, 'no_etag', 'If-Match', 'If-Match without a read');
        $this->assertApiError(function () use ($login) {
            $fresh = self::newApi();
            $fresh->login(self::adminLogin(), self::adminPassword());
            $fresh->lockAccount($login, ['if_match' => true]);
        }, 0, 'no_etag', 'If-Match', 'an action with If-Match without a read');
        $this->assertSame('Replayed', self::api()->getAccount($login)['nom'], 'nothing written blind');
        self::api()->deleteAccount($login);
    }

    /** @depends testIdempotentRetry */
    public function testCursorIteration(): void
    {
        $api = self::api();
        $prefix = self::tag('c');
        $logins = [];
        for ($i = 0; $i < 5; $i++) {
            $api->createAccount(['login' => "$prefix$i", 'password' => 'Php-bridge-pass-1',
                'mail' => "$prefix$i@example.net"]);
            $logins[] = "$prefix$i";
        }
        $page = $api->listAccounts(['login_prefix' => $prefix, 'limit' => 2]);
        $this->assertCount(2, $page['items'], 'a first page of 2');
        $this->assertNotNull($page['next_cursor'], 'with a cursor');
        $this->assertSame(5, $page['total']);
        $seen = array_column(iterator_to_array($api->iterateAccounts(['login_prefix' => $prefix, 'limit' => 2]),
            false), 'login');
        $this->assertSame($logins, $seen, 'the generator follows next_cursor over 3 pages');
    }

    /** @depends testIdempotentRetry */
    public function testActAs(): void
    {
        $api = self::api();
        $api->actAs(self::$m);
        $who = $api->whoami();
        $this->assertSame(self::$m, $who['acting_as']['login'], 'X-Panel-Act-As is sent');
        $this->assertSame(1, $api->listAccounts()['total'], 'acting as the member, only the member is visible');
        $this->assertApiError(function () use ($api) {
            $api->createAccount(['login' => 'zz', 'password' => 'Php-bridge-pass-1']);
        }, 403, 'forbidden', '*', 'acting as a member, no account creation');
        $api->actAs('nosuch' . bin2hex(random_bytes(2)));
        $this->assertApiError(function () use ($api) {
            $api->whoami();
        }, 404, 'not_found', '*', 'acting as an unknown member');
        $api->actAs('not a login');
        $this->assertApiError(function () use ($api) {
            $api->whoami();
        }, 400, 'invalid_header', 'X-Panel-Act-As', 'a malformed act-as header');
        $api->actAs(null);
        $this->assertArrayNotHasKey('acting_as', array_filter($api->whoami()), 'back to the admin');
    }

    /** @depends testIdempotentRetry */
    public function testDomainsAndMailRoutes(): void
    {
        $api = self::api();
        $dom = self::tag('') . '.org';
        try {
            $api->setTld('org', 1);
        } catch (PanelApiException $e) {
            $this->assertSame('exists', $e->getErrorCode(), 'org is listed already');
        }
        $this->assertSame($dom, $api->createDomain(self::$m, $dom, ['dns' => true, 'mx' => true])['domain']);
        $ds = iterator_to_array($api->iterateDomains(self::$m), false);
        $this->assertSame([$dom], array_column($ds, 'domain'), 'domains of the account');
        $this->assertSame('blog', $api->setSubdomain($dom, 'blog', 'vhost', '/blog')['sub']);
        $subs = array_map(function ($x) {
            return $x['sub'] . '/' . $x['type'];
        }, $api->listSubdomains($dom)['items']);
        $this->assertContains('blog/vhost', $subs, 'sub-domain listed');
        $api->disableSubdomain($dom, 'blog', 'vhost');
        $blog = array_values(array_filter($api->listSubdomains($dom)['items'], function ($x) {
            return $x['sub'] === 'blog';
        }));
        $this->assertSame('DISABLE', $blog[0]['enable'] ?? null, 'disabled: ' . json_encode($blog));
        $api->enableSubdomain($dom, 'blog', 'vhost');
        $this->assertStringContainsString($dom, $api->getZone($dom), 'the zone, as text');
        $this->assertSame([$dom], array_column($api->listDomains(self::$m, ['limit' => 1])['items'], 'domain'));
        $api->deleteSubdomain($dom, 'blog', 'vhost');
        $box = $api->createMail($dom, 'john', ['password' => 'Mail-Box-Pass-7']);
        $this->assertSame("john@$dom", $box['address']);
        $this->assertTrue($box['mailbox']);
        $api->updateMail("john@$dom", ['recipients' => [self::$m . '@example.net']]);
        $this->assertSame([self::$m . '@example.net'], $api->getMail("john@$dom")['recipients']);
        $this->assertSame(1, count($api->listMail($dom, ['limit' => 1])['items']), 'one page of one');
        $all = iterator_to_array($api->iterateMail($dom, ['limit' => 1]), false);
        $this->assertContains("john@$dom", array_column($all, 'address'), 'mail addresses by cursor');
        $api->deleteMail("john@$dom");
        $this->assertApiError(function () use ($api, $dom) {
            $api->getMail("john@$dom");
        }, 404, 'not_found', '*', 'mail address deleted');
    }

    /** @depends testIdempotentRetry */
    public function testQuotaRoutes(): void
    {
        $api = self::api();
        $names = array_column($api->getQuotas(self::$m)['items'], 'name');
        sort($names);
        $this->assertSame(['dom', 'ftp', 'mail', 'mysql', 'mysql_users', 'sta2', 'web'], $names);
        $this->assertSame(3, $api->setQuota(self::$m, 'ftp', 3)['total']);
        $this->assertSame(3, $api->getQuota(self::$m, 'ftp')['total']);
        $type = 't' . getenv('PANEL_TEST_TAG');
        $this->assertSame(['type' => $type, 'name' => 'ftp', 'value' => 7], $api->setQuotaDefault($type, 'ftp', 7));
        $this->assertSame([['type' => $type, 'name' => 'ftp', 'value' => 7]],
            $api->listQuotaDefaults($type)['items']);
        $api->updateAccount(self::$m, ['type' => $type]);
        $after = array_column($api->resetQuotas(self::$m)['items'], 'total', 'name');
        $this->assertSame(7, $after['ftp'], 'reset-quotas takes the type\'s default');
        $this->assertApiError(function () use ($api, $type) {
            $api->deleteAccountType($type);
        }, 409, 'conflict', '*', 'a type in use is not deleted');
        $api->updateAccount(self::$m, ['type' => 'default']);
        $api->deleteAccountType($type);
        $this->assertSame([], $api->listQuotaDefaults($type)['items'], 'the type is gone');
    }

    /** @depends testQuotaRoutes */
    public function testFtpRoutes(): void
    {
        $api = self::api();
        $f = $api->createFtp(self::$m, self::$m, 'Ftp-bridge-pass-1', ['suffix' => 'web', 'dir' => '/www']);
        $this->assertSame(self::$m . '_web', $f['name']);
        $this->assertSame('/www', $f['dir']);
        $this->assertSame([$f['name']], array_column($api->listFtp(self::$m)['items'], 'name'));
        $this->assertSame($f['id'], $api->getFtp($f['name'])['id']);
        $moved = $api->updateFtp($f['name'], ['suffix' => 'site', 'dir' => '/site']);
        $this->assertSame(self::$m . '_site', $moved['name']);
        $api->setFtpPassword($moved['name'], 'Ftp-bridge-pass-2');
        $api->deleteFtp($moved['name']);
        $this->assertApiError(function () use ($api, $moved) {
            $api->getFtp($moved['name']);
        }, 404, 'not_found', '*', 'FTP account deleted');
    }

    /** @depends testQuotaRoutes */
    public function testDatabaseRoutes(): void
    {
        $api = self::api();
        $api->setQuota(self::$m, 'mysql', 2);
        $api->setQuota(self::$m, 'mysql_users', 2);
        $db = $api->createDatabase(self::$m, 'app');
        $this->assertSame(self::$m . '_app', $db['name']);
        $this->assertTrue(self::serverHasDatabase($db['name']), 'the database is on the server');
        $this->assertSame([$db['name']], array_column($api->listDatabases(self::$m)['items'], 'name'));
        $this->assertIsInt($api->getDatabase($db['name'])['size']);
        $u = $api->createDbUser(self::$m, 'rw', 'Db-bridge-pass-1');
        $this->assertSame(self::$m . '_rw', $u['name']);
        $this->assertSame($u['name'], $api->getDbUser($u['name'])['name']);
        $g = $api->setDbUserGrants($u['name'], [$db['name'] => ['SELECT', 'INSERT']]);
        $this->assertSame(['INSERT', 'SELECT'], self::sorted($g['grants'][$db['name']]));
        $this->assertSame(['INSERT', 'SELECT'],
            self::sorted($api->getDbUserGrants($u['name'])['grants'][$db['name']]));
        $api->setDbUserPassword($u['name'], 'Db-bridge-pass-2');
        $this->assertSame([$u['name']], array_column($api->listDbUsers(self::$m)['items'], 'name'));
        $this->assertSame($db['name'], $api->dumpDatabase($db['name'])['database'], 'a dump is queued');
        $this->assertApiError(function () use ($api, $db) {
            $api->restoreDatabase($db['name'], '../etc/passwd');
        }, 400, 'invalid', 'file', 'a restore of another file');
        $api->deleteDbUser($u['name']);
        $api->deleteDatabase($db['name']);
        $this->assertFalse(self::serverHasDatabase($db['name']), 'dropped on the server');
        $this->assertFalse(self::serverHasUser($u['name']), 'the user too');
    }

    /**
     * @depends testDomainsAndMailRoutes
     * @depends testDatabaseRoutes
     */
    public function testTodaysRoutes(): void
    {
        $api = self::api();
        $m = self::$m;
        $dom = self::tag('') . '.org';

        $r = $api->regenerateDomainType('vhost');
        $this->assertSame(['name', 'domains', 'entries'], array_keys($r), 'regenerate: its answer');
        $this->assertIsInt($r['entries']);
        $this->assertIsInt($r['domains']);
        $this->assertApiError(function () use ($api) {
            $api->regenerateDomainType('nosuchtype');
        }, 404, 'not_found', '*', 'regenerate of an unknown type');

        $this->assertSame(['domain' => $dom, 'result' => 'none', 'code' => 1, 'mx' => []],
            $api->checkDomainMx($dom), 'mx-check: NXDOMAIN from the test DNS is "none"');

        $db = $api->createDatabase($m, 'bk');
        $this->assertSame(['mode' => 'none', 'history' => 0, 'gzip' => false, 'dir' => ''],
            $api->getDatabase($db['name'])['backup'], 'a new database: no backup');
        $after = $api->setDatabaseBackup($db['name'], ['mode' => 'weekly', 'history' => 4, 'gzip' => true]);
        $this->assertSame(['mode' => 'weekly', 'history' => 4, 'gzip' => true,
            'dir' => self::webSpace($m) . '/backups'], $after['backup'], 'PUT .../backup: /backups the first time');
        $this->assertSame($after['backup'], $api->getDatabase($db['name'])['backup']);
        $this->assertSame('daily', $api->setDatabaseBackup($db['name'], ['mode' => 'daily', 'history' => 1])
            ['backup']['mode'], 'the folder kept');
        $this->assertApiError(function () use ($api, $db) {
            $api->setDatabaseBackup($db['name'], ['mode' => 'daily', 'history' => 0]);
        }, 400, 'invalid', 'history', 'history 0 for a daily backup');
        $api->deleteDatabase($db['name']);

        $api->setQuota($m, 'sta2', 1);
        $set = $api->createRawStat($m, "www.$dom", 'logs/www');
        $this->assertSame(['id', 'owner', 'hostname', 'folder'], array_keys($set), 'a raw statistics set');
        $this->assertSame([$m, "www.$dom", self::webSpace($m) . '/logs/www'],
            [$set['owner'], $set['hostname'], $set['folder']]);
        $this->assertSame([$set], $api->listRawStats($m)['items']);
        $this->assertSame($set, $api->getRawStat($set['id']));
        $this->assertSame(self::webSpace($m) . '/stats', $api->updateRawStat($set['id'], 'stats')['folder']);
        $this->assertApiError(function () use ($api, $m, $dom) {
            $api->createRawStat($m, $dom, 'logs');
        }, 422, 'quota_exceeded', '*', 'over the sta2 quota');
        $this->assertApiError(function () use ($api, $m) {
            $api->createRawStat($m, 'www.example.com', 'logs');
        }, 400, 'invalid', 'hostname', 'a host the account does not publish');
        $api->deleteRawStat($set['id']);
        $this->assertApiError(function () use ($api, $set) {
            $api->getRawStat($set['id']);
        }, 404, 'not_found', '*', 'the set is deleted');

        $type = self::tag('') . 'u';
        $api->setQuotaDefault($type, 'ftp', 1);
        $y = self::tag('y');
        $a = $api->createAccount(['login' => $y, 'password' => 'Php-bridge-pass-4', 'mail' => "$y@example.net",
            'type' => $type, 'ftp' => true]);
        $this->assertSame($y, $a['login']);
        $this->assertSame([$y], array_column($api->listFtp($y)['items'], 'name'), 'POST /accounts "ftp"');
        $z = self::tag('z');
        $this->assertApiError(function () use ($api, $z) {
            $api->createAccount(['login' => $z, 'password' => 'Php-bridge-pass-4', 'mail' => "$z@example.net",
                'install_domain' => 'example.com']);
        }, 400, 'invalid', 'install_domain', 'POST /accounts "install_domain": a parent not ours');
        $this->assertApiError(function () use ($api, $z) {
            $api->getAccount($z);
        }, 404, 'not_found', '*', 'no account made');
    }

    private static function sorted(array $a): array
    {
        sort($a);
        return $a;
    }
}
