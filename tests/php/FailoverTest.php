<?php
// The one retry on a 503 (a database failover), through tests/php/failover_proxy.php under
// PHP's built-in server: PanelApi itself, then the 1.0 classes (m_ftp, m_mysql) on top of it.

class FailoverTest extends BridgeTestCase
{
    /** @var resource|null the php -S process */
    private static $proxy;
    /** @var string the proxy's state folder */
    private static $state;
    /** @var string */
    private static $proxyUrl;

    public static function setUpBeforeClass(): void
    {
        self::$state = sys_get_temp_dir() . '/php_bridge_proxy_' . getmypid();
        if (!is_dir(self::$state) && !mkdir(self::$state, 0700)) {
            throw new RuntimeException('cannot make ' . self::$state);
        }
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $log = self::$state . '/server.log';
        self::$proxy = proc_open([PHP_BINARY, '-S', "127.0.0.1:$port", __DIR__ . '/failover_proxy.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']], $pipes, null,
            ['PANEL_PROXY_UPSTREAM' => self::url(), 'PANEL_PROXY_STATE' => self::$state,
             'PATH' => getenv('PATH')]);
        for ($i = 0; $i < 100; $i++) {
            $s = @fsockopen('127.0.0.1', $port);
            if ($s !== false) {
                fclose($s);
                break;
            }
            usleep(100000);
        }
        self::$proxyUrl = "http://127.0.0.1:$port";
    }

    public static function tearDownAfterClass(): void
    {
        if (is_resource(self::$proxy)) {
            proc_terminate(self::$proxy);
            proc_close(self::$proxy);
        }
        array_map('unlink', glob(self::$state . '/*') ?: []);
        @rmdir(self::$state);
    }

    /** The proxy's log lines of $method since the last call, as [method, path, key, answer]. */
    private static function proxyLog(string $method = 'POST'): array
    {
        $file = self::$state . '/log';
        $lines = is_file($file) ? file($file, FILE_IGNORE_NEW_LINES) : [];
        file_put_contents($file, '');
        $rows = array_map(function ($l) {
            return explode(' ', $l);
        }, $lines);
        return array_values(array_filter($rows, function ($f) use ($method) {
            return $f[0] === $method;
        }));
    }

    private static function mode(string $mode, string $retryAfter = '1'): void
    {
        file_put_contents(self::$state . '/retry_after', $retryAfter);
        file_put_contents(self::$state . '/mode', $mode);
    }

    private static function viaProxy(?string $token = null): PanelApi
    {
        return new PanelApi(self::$proxyUrl, ['token' => $token ?? self::api()->getCredential(), 'timeout' => 10,
            'max_retry_wait' => 2]);
    }

    public function testTheProxyForwards(): void
    {
        $this->assertSame(['database' => 'ok'], self::viaProxy()->health());
        self::proxyLog();
    }

    /** @depends testTheProxyForwards */
    public function testA503BeforeTheWrite(): void
    {
        $api = self::viaProxy();
        $login = self::tag('f1');
        self::mode('before');
        $t0 = microtime(true);
        $f1 = $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1', 'mail' => "$login@example.net"]);
        $took = microtime(true) - $t0;
        $posts = self::proxyLog();
        $this->assertSame($login, $f1['login'], 'a 503 then a 201: the create succeeds');
        $this->assertSame(201, $api->lastStatus);
        $this->assertCount(2, $posts, 'two POSTs: ' . json_encode($posts));
        $this->assertSame($posts[0][2], $posts[1][2], 'with the same Idempotency-Key');
        $this->assertSame($api->lastIdempotencyKey, $posts[0][2]);
        $this->assertSame(['503-not-forwarded', '201'], [$posts[0][3], $posts[1][3]]);
        $this->assertGreaterThanOrEqual(0.9, $took, 'the retry waited for Retry-After');
        $this->assertSame(1, self::api()->listAccounts(['login_prefix' => $login])['total'], 'one account');
    }

    /** @depends testTheProxyForwards */
    public function testA503AfterTheWrite(): void
    {
        $api = self::viaProxy();
        $login = self::tag('f2');
        self::mode('after');
        $f2 = $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1', 'mail' => "$login@example.net"]);
        $posts = self::proxyLog();
        $this->assertSame($login, $f2['login']);
        $this->assertSame('true', $api->lastHeaders['idempotent-replayed'] ?? '',
            'a write that ran before its 503: the retry gets the stored answer');
        $this->assertCount(2, $posts, json_encode($posts));
        $this->assertSame($posts[0][2], $posts[1][2], 'the same key twice');
        $this->assertSame(['201-then-503', '201'], [$posts[0][3], $posts[1][3]]);
        $this->assertSame(1, self::api()->listAccounts(['login_prefix' => $login])['total'],
            'one account was created, not two (no 409 either)');
    }

    /** @depends testTheProxyForwards */
    public function testTwo503sAreOneRetryOnly(): void
    {
        $api = self::viaProxy();
        $login = self::tag('f3');
        self::mode('always');
        try {
            $this->assertApiError(function () use ($api, $login) {
                $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1',
                    'mail' => "$login@example.net"]);
            }, 503, 'unavailable', null, 'a second 503 is raised');
        } finally {
            unlink(self::$state . '/mode');
        }
        $posts = self::proxyLog();
        $this->assertCount(2, $posts, 'exactly one retry');
        $this->assertSame($posts[0][2], $posts[1][2], 'with the same key');
        $this->assertSame(0, self::api()->listAccounts(['login_prefix' => $login])['total'], 'nothing was created');
    }

    /** A login whose answer never comes (it may have run) is not sent again: a second one
     *  would make a second token. A login refused at once (503) is. */
    public function testAKeylessWriteIsNotRetriedAfterATimeout(): void
    {
        $login = self::tag('f5');
        self::createMember($login, 'Php-bridge-pass-1');
        $api = new PanelApi(self::$proxyUrl, ['timeout' => 1, 'max_retry_wait' => 1]);
        self::proxyLog();
        self::mode('silent');
        $this->assertApiError(function () use ($api, $login) {
            $api->login($login, 'Php-bridge-pass-1');
        }, 0, 'network', null, 'the timeout is raised');
        sleep(3); // the proxy (one request at a time) is silent for 3 s
        $this->assertCount(1, self::proxyLog(), 'sent once');
        self::mode('before');
        $this->assertArrayHasKey('token', $api->login($login, 'Php-bridge-pass-1'));
        $this->assertCount(2, self::proxyLog(), 'a 503, then the login');
    }

    /** @depends testA503AfterTheWrite */
    public function testALongRetryAfterIsCut(): void
    {
        $api = self::viaProxy();
        $login = self::tag('f2');
        self::mode('before', '30');
        $t0 = microtime(true);
        $api->deleteAccount($login);
        $took = microtime(true) - $t0;
        $deletes = self::proxyLog('DELETE');
        $this->assertGreaterThanOrEqual(1.9, $took, 'Retry-After 30 waits max_retry_wait, 2 s');
        $this->assertLessThan(10, $took, 'not 30 s');
        $this->assertCount(2, $deletes);
        $this->assertSame($deletes[0][2], $deletes[1][2]);
        $this->assertSame('204', $deletes[1][3]);
        $this->assertApiError(function () use ($login) {
            self::api()->getAccount($login);
        }, 404, 'not_found', '*', 'the retried DELETE ran once');
    }

    /** The 1.0 classes through the proxy: a 503 on their write is retried once, nothing doubled. */
    public function testThe10ClassesRetryOnce(): void
    {
        $login = self::tag('f4');
        self::createMember($login, 'Php-bridge-pass-1', ['ftp' => 5, 'mysql' => 5, 'mysql_users' => 5]);
        $this->session($login, 'Php-bridge-pass-1');
        $GLOBALS['panel_api'] = self::viaProxy($GLOBALS['panel_api']->getCredential());
        self::proxyLog();

        self::mode('after');
        $ftp = new m_ftp();
        $this->assertTrue($ftp->add_ftp($login, 'up', 'Ftp-bridge-pass-1', 'www'), 'm_ftp::add_ftp through a 503');
        $posts = self::proxyLog();
        $this->assertSame(['201-then-503', '201'], array_column($posts, 3), json_encode($posts));
        $this->assertSame($posts[0][2], $posts[1][2]);
        $this->assertCount(1, $ftp->get_list(), 'one FTP account');

        self::mode('before');
        $mysql = new m_mysql();
        $this->assertTrue($mysql->add_db('retry'), 'm_mysql::add_db through a 503');
        $posts = self::proxyLog();
        $this->assertSame(['503-not-forwarded', '201'], array_column($posts, 3), json_encode($posts));
        $this->assertTrue(self::serverHasDatabase("{$login}_retry"), 'the database exists on the server');
        $this->assertCount(1, $mysql->get_dblist(), 'one database');
    }

    /**
     * A load balancer in front of several panel-api instances answers 502 when the instance that
     * had the request died before answering (504 when it did not answer in time): the write may
     * have run. A keyed write is sent again with its key (another instance answers the stored
     * answer); a login, without a key, is not (it would make a second token).
     */
    public function testA502FromALoadBalancer(): void
    {
        $api = self::viaProxy();
        $login = self::tag('f6');
        self::proxyLog();
        self::mode('gateway');
        $f6 = $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1', 'mail' => "$login@example.net"]);
        $posts = self::proxyLog();
        $this->assertSame($login, $f6['login'], 'a 502 then the stored 201: the create succeeds');
        $this->assertSame(['201-then-502', '201'], array_column($posts, 3), json_encode($posts));
        $this->assertSame($posts[0][2], $posts[1][2], 'with the same Idempotency-Key');
        $this->assertSame('true', $api->lastHeaders['idempotent-replayed'] ?? '');
        $this->assertSame(1, self::api()->listAccounts(['login_prefix' => $login])['total'], 'one account');

        $anon = new PanelApi(self::$proxyUrl, ['timeout' => 10, 'max_retry_wait' => 1]);
        self::mode('gateway');
        $e = null;
        try {
            $anon->login($login, 'Php-bridge-pass-1');
        } catch (PanelApiException $caught) {
            $e = $caught;
        }
        $this->assertNotNull($e, 'a login answered 502 is raised, not sent again');
        $this->assertSame([502, 'http_502'], [$e->getHttpStatus(), $e->getErrorCode()]);
        $this->assertCount(1, self::proxyLog(), 'the login was sent once');
    }

    /**
     * Retry-After may be an HTTP date (RFC 9110, 10.2.3), as a proxy or load balancer in front
     * may send it: the wait is until that date (at most max_retry_wait), not none at all.
     */
    public function testARetryAfterDateIsWaited(): void
    {
        $api = self::viaProxy();
        $login = self::tag('f7');
        self::proxyLog();
        self::mode('before', gmdate('D, d M Y H:i:s', time() + 4) . ' GMT');
        $t0 = microtime(true);
        $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1', 'mail' => "$login@example.net"]);
        $took = microtime(true) - $t0;
        $this->assertSame(['503-not-forwarded', '201'], array_column(self::proxyLog(), 3));
        $this->assertGreaterThanOrEqual(1.9, $took, 'a date 3 to 4 s ahead waits max_retry_wait, 2 s');
        $this->assertLessThan(10, $took);
    }

    /**
     * A write whose effects are on the member server (a database, a user, a domain) stores its
     * answer after the change: when panel-api loses its database session in between, the client
     * gets a 503 and its retry runs again, answering 409 exists (404 for a DELETE). Simulated by
     * the proxy's "lost" mode (the first attempt forwarded without its key). The 1.0 classes
     * report the write done, as it is; PanelApi marks the 409.
     */
    public function testAnAnswerLostAfterTheChange(): void
    {
        $login = self::tag('f8');
        self::createMember($login, 'Php-bridge-pass-1', ['mysql' => 5, 'mysql_users' => 5, 'dom' => 5]);
        $this->session($login, 'Php-bridge-pass-1');
        $GLOBALS['panel_api'] = self::viaProxy($GLOBALS['panel_api']->getCredential());
        self::proxyLog();
        $mysql = new m_mysql();

        self::mode('lost');
        $this->assertTrue($mysql->add_db('lost'), 'm_mysql::add_db: ' . $GLOBALS['err']->errstr());
        $posts = self::proxyLog();
        $this->assertSame(['201-then-503', '409'], array_column($posts, 3), json_encode($posts));
        $this->assertSame($posts[0][2], $posts[1][2], 'the client sent the same key twice');
        $this->assertTrue(self::serverHasDatabase("{$login}_lost"), 'the database exists on the server');
        $this->assertCount(1, $mysql->get_dblist(), 'one database');

        self::mode('lost');
        $this->assertTrue($mysql->add_user('lost', 'Db-lost-pass-12', 'Db-lost-pass-12'),
            'm_mysql::add_user: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['201-then-503', '409'], array_column(self::proxyLog(), 3));

        self::mode('lost');
        $this->assertTrue($mysql->del_db('lost'), 'm_mysql::del_db: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['204-then-503', '404'], array_column(self::proxyLog('DELETE'), 3));
        $this->assertFalse(self::serverHasDatabase("{$login}_lost"), 'dropped');

        try {
            self::api()->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        self::mode('lost');
        $dom = new m_dom();
        $this->assertTrue($dom->add_domain("$login-lost.org", 1), 'm_dom::add_domain: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['201-then-503', '409'], array_column(self::proxyLog(), 3));
        $this->assertSame($login, self::api()->getDomain("$login-lost.org")['owner']);

        // PanelApi itself: the 409 is marked as the answer to such a retry; a plain 409 is not.
        $api = $GLOBALS['panel_api'];
        self::mode('lost');
        try {
            $api->createDatabase($login, 'lost2');
            $this->fail('a 409 is raised');
        } catch (PanelApiException $e) {
            $this->assertSame([409, 'exists', true], [$e->getHttpStatus(), $e->getErrorCode(),
                $e->isAfterUncertainAttempt()]);
        }
        try {
            $api->createDatabase($login, 'lost2');
            $this->fail('a 409 is raised');
        } catch (PanelApiException $e) {
            $this->assertSame([409, 'exists', false], [$e->getHttpStatus(), $e->getErrorCode(),
                $e->isAfterUncertainAttempt()]);
        }
        $this->assertFalse($mysql->add_db('lost2'), 'an existing database without a retry: an error');
    }

    /**
     * A 503 before the write (nothing ran), and a retry that finds a user of that name made
     * earlier with another password: the 409 after an uncertain attempt is not proof that the
     * first attempt made it. m_mysql::add_user does not report the user made while its password
     * is not the one typed.
     */
    public function testAnExistingUserAfterAnUncertainAttempt(): void
    {
        $login = self::tag('fc');
        self::createMember($login, 'Php-bridge-pass-1', ['mysql' => 5, 'mysql_users' => 5]);
        $this->session($login, 'Php-bridge-pass-1');
        $GLOBALS['panel_api'] = self::viaProxy($GLOBALS['panel_api']->getCredential());
        $mysql = new m_mysql();
        $this->assertTrue($mysql->add_user('pre', 'Db-pre-pass-A1', 'Db-pre-pass-A1'),
            'm_mysql::add_user: ' . $GLOBALS['err']->errstr());
        self::proxyLog();
        self::mode('before');
        $done = $mysql->add_user('pre', 'Db-pre-pass-B2', 'Db-pre-pass-B2');
        $this->assertSame(['503-not-forwarded', '409'], array_column(self::proxyLog(), 3));
        $typed = self::serverQuery("SELECT DISTINCT authentication_string = PASSWORD('Db-pre-pass-B2') "
            . "FROM mysql.user WHERE User = '{$login}_pre'");
        $this->assertTrue(!$done || $typed === ['1'], 'reported done, but the password typed is not set');
    }

    /**
     * Several panel-api instances of one database (PanelApi's list, panel-api.ini's url): the one
     * retry goes to the next instance with the same key, and that instance is kept. A first one
     * that refuses connections, then one that answers 503 (the proxy) before the real one.
     */
    public function testTwoInstances(): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $closed = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $token = self::api()->getCredential();
        $api = new PanelApi("http://127.0.0.1:$closed, " . self::url(), ['token' => $token, 'timeout' => 10,
            'max_retry_wait' => 1]);
        $login = self::tag('f9');
        $this->assertSame($login, $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1',
            'mail' => "$login@example.net"])['login'], 'made through the second instance');
        $this->assertSame($login, $api->getAccount($login)['login'], 'the second instance is kept');

        self::proxyLog();
        $api = new PanelApi([self::$proxyUrl, self::url()], ['token' => $token, 'timeout' => 10,
            'max_retry_wait' => 1]);
        self::mode('before');
        $login2 = self::tag('fa');
        $api->createAccount(['login' => $login2, 'password' => 'Php-bridge-pass-1', 'mail' => "$login2@example.net"]);
        $posts = self::proxyLog();
        $this->assertSame(['503-not-forwarded'], array_column($posts, 3), 'the first instance answered 503');
        $this->assertSame($api->lastIdempotencyKey, $posts[0][2], 'the retry, on the second, had the same key');
        $this->assertSame(201, $api->lastStatus);
        $this->assertSame(1, self::api()->listAccounts(['login_prefix' => $login2])['total'], 'one account');
    }

    /**
     * A 429 (a member's writes over member_write_rate, an upload or DNS lookup of its own in
     * progress) is not stored and did not run: when its Retry-After is within max_retry_wait the
     * write is sent again once after it, with its key; a longer one (a login's throttling, a
     * quarter of an hour) is raised at once, not waited for nor cut short.
     */
    public function testA429IsRetriedWithinMaxRetryWait(): void
    {
        $api = self::viaProxy();
        $login = self::tag('fb');
        self::proxyLog();
        self::mode('busy', '1');
        $t0 = microtime(true);
        $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1', 'mail' => "$login@example.net"]);
        $took = microtime(true) - $t0;
        $posts = self::proxyLog();
        $this->assertSame(['429-not-forwarded', '201'], array_column($posts, 3), json_encode($posts));
        $this->assertSame($posts[0][2], $posts[1][2], 'the same key');
        $this->assertGreaterThanOrEqual(0.9, $took, 'Retry-After waited');

        self::mode('busy', '900');
        $t0 = microtime(true);
        $this->assertApiError(function () use ($api, $login) {
            $api->deleteAccount($login);
        }, 429, 'rate_limited', null, 'a Retry-After over max_retry_wait is raised');
        $this->assertLessThan(1.5, microtime(true) - $t0, 'at once');
        $this->assertCount(1, self::proxyLog('DELETE'), 'sent once');
        @unlink(self::$state . '/mode');
    }

    /**
     * The retry of a DELETE whose first attempt may have run, answering 404: done only when the
     * object was there, and the caller's, before the first attempt (PanelApi reads it first).
     * One that never was, or another account's, is a 404 still, not a delete reported done.
     */
    public function testA404AfterAnUncertainDeleteIsDoneOnlyForWhatWasThere(): void
    {
        $login = self::tag('fd');
        $other = self::tag('fe');
        self::createMember($login, 'Php-bridge-pass-1', ['mysql' => 5]);
        self::createMember($other, 'Php-bridge-pass-1', ['mysql' => 5]);
        self::api()->createDatabase($other, 'theirs');
        $this->session($login, 'Php-bridge-pass-1');
        $GLOBALS['panel_api'] = self::viaProxy($GLOBALS['panel_api']->getCredential());
        $mysql = new m_mysql();
        $this->assertTrue($mysql->add_db('mine'), 'm_mysql::add_db: ' . $GLOBALS['err']->errstr());
        self::proxyLog('DELETE');

        self::mode('lost');
        $this->assertTrue($mysql->del_db('mine'), 'm_mysql::del_db: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['204-then-503', '404'], array_column(self::proxyLog('DELETE'), 3));

        $api = $GLOBALS['panel_api'];
        foreach (["{$login}_never", "{$other}_theirs"] as $name) {
            self::mode('lost');
            try {
                $api->deleteDatabase($name);
                $this->fail("$name: reported deleted");
            } catch (PanelApiException $e) {
                $this->assertSame([404, 'not_found', true], [$e->getHttpStatus(), $e->getErrorCode(),
                    $e->isAfterUncertainAttempt()], $name);
            }
            $this->assertSame(['404-then-503', '404'], array_column(self::proxyLog('DELETE'), 3), $name);
        }
        self::mode('lost');
        $this->assertFalse($mysql->del_db('never'), 'm_mysql::del_db of a database that never was');
        $this->assertCount(1, self::api()->listDatabases($other)['items'] ?? [], 'theirs is still there');
    }

    /**
     * m_dom::add_domain whose retry finds the domain this account's already (a 503 before the
     * write, the domain hosted earlier with DNS off): the form's settings are set, as when the
     * first attempt made it.
     */
    public function testAddDomainAfterAnUncertainAttemptSetsTheFormsFields(): void
    {
        $login = self::tag('ff');
        self::createMember($login, 'Php-bridge-pass-1', ['dom' => 5]);
        try {
            self::api()->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        $this->session($login, 'Php-bridge-pass-1');
        $GLOBALS['panel_api'] = self::viaProxy($GLOBALS['panel_api']->getCredential());
        $dom = new m_dom();
        $name = "$login-pre.org";
        $this->assertTrue($dom->add_domain($name, 0), 'm_dom::add_domain: ' . $GLOBALS['err']->errstr());
        $this->assertFalse((bool) self::api()->getDomain($name)['dns']);
        self::proxyLog();
        self::mode('before');
        $this->assertTrue($dom->add_domain($name, 1), 'm_dom::add_domain: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['503-not-forwarded', '409'], array_column(self::proxyLog(), 3));
        $this->assertTrue((bool) self::api()->getDomain($name)['dns'], 'the form asked for DNS');
    }

    /**
     * Several instances: a 429's retry goes to the same instance (its limits are its own, or the
     * database's: the next one would let a member write at twice the rate), a 503's to the next.
     */
    public function testA429IsRetriedOnTheSameInstance(): void
    {
        $api = new PanelApi([self::$proxyUrl, self::url()], ['token' => self::api()->getCredential(),
            'timeout' => 10, 'max_retry_wait' => 2]);
        $login = self::tag('fg');
        self::proxyLog();
        self::mode('busy', '1');
        $api->createAccount(['login' => $login, 'password' => 'Php-bridge-pass-1', 'mail' => "$login@example.net"]);
        $posts = self::proxyLog();
        $this->assertSame(['429-not-forwarded', '201'], array_column($posts, 3), json_encode($posts));
        $this->assertSame($posts[0][2], $posts[1][2], 'the same key');
        $this->assertSame(1, self::api()->listAccounts(['login_prefix' => $login])['total'], 'one account');
    }

    /**
     * m_hta::add_user whose answer was lost after the change (the retry's 409): done, with the
     * password typed; and one whose retry finds a user of that name made earlier with another
     * password (a 503 before the write): the password typed is set.
     */
    public function testHtaUserWhoseAnswerWasLost(): void
    {
        $login = self::tag('fh');
        $uid = self::createMember($login, 'Php-bridge-pass-1');
        self::api()->protectFolder($login, 'private');
        $this->session($login, 'Php-bridge-pass-1');
        $GLOBALS['panel_api'] = self::viaProxy($GLOBALS['panel_api']->getCredential());
        $hta = new m_hta();
        $hash = function (string $user) use ($uid) {
            return (string) (self::panelQuery("SELECT hash FROM panel_hta_users WHERE uid = $uid AND user = '$user'")[0]
                ?? '');
        };
        self::proxyLog();
        self::mode('lost');
        $this->assertTrue($hta->add_user('reader', 'Hta-lost-pass-1', 'private'),
            'm_hta::add_user: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['201-then-503', '409'], array_column(self::proxyLog(), 3));
        $this->assertTrue(password_verify('Hta-lost-pass-1', $hash('reader')), 'the password typed');

        self::mode('before');
        $this->assertTrue($hta->add_user('reader', 'Hta-lost-pass-2', 'private'),
            'm_hta::add_user: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['503-not-forwarded', '409'], array_column(self::proxyLog(), 3));
        $this->assertTrue(password_verify('Hta-lost-pass-2', $hash('reader')), 'the password typed, set');

        $this->assertFalse($hta->add_user('reader', 'Hta-lost-pass-3', 'private'), 'no retry: exists');
        $this->assertRaised('hta', 10, 'm_hta::add_user of a user there');
    }

    /**
     * m_bro::CreateDir whose answer was lost after the change (the retry's 409): done, the
     * folder is there; a file of that name after a retry stays bro 1.
     */
    public function testBroFolderWhoseAnswerWasLost(): void
    {
        $login = self::tag('fi');
        self::createMember($login, 'Php-bridge-pass-1');
        if (!is_dir(self::webSpace($login))) {
            mkdir(self::webSpace($login), 0770, true);
        }
        file_put_contents(self::webSpace($login) . '/taken', "a file\n");
        $GLOBALS['L_ALTERNC_LOC'] = getenv('PANEL_TEST_HOSTING_ROOT');
        $this->session($login, 'Php-bridge-pass-1');
        $GLOBALS['panel_api'] = self::viaProxy($GLOBALS['panel_api']->getCredential());
        $bro = new m_bro();
        self::proxyLog();
        self::mode('lost');
        $this->assertTrue($bro->CreateDir('', 'www'), 'm_bro::CreateDir: ' . $GLOBALS['err']->errstr());
        $this->assertSame(['201-then-503', '409'], array_column(self::proxyLog(), 3));
        $this->assertTrue(is_dir(self::webSpace($login) . '/www'));

        self::mode('lost');
        $this->assertFalse($bro->CreateDir('/', 'taken'), 'a file of that name');
        $this->assertRaised('bro', 1, 'm_bro::CreateDir over a file');
        $this->assertSame(['409-then-503', '409'], array_column(self::proxyLog(), 3));
    }

    /**
     * The other DELETEs that store their answer after the change (a sub-domain, a protected
     * folder, one of its users, a file) whose answer was lost: the retry's 404 is done, since
     * PanelApi saw the object before; one that never was stays a 404.
     */
    public function testOtherDeletesWhoseAnswerWasLost(): void
    {
        $login = self::tag('fj');
        self::createMember($login, 'Php-bridge-pass-1', ['dom' => 5]);
        try {
            self::api()->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        $domain = "$login-del.org";
        self::api()->createDomain($login, $domain, ['dns' => true, 'mx' => true]);
        self::api()->setSubdomain($domain, 'blog', 'url', 'http://example.net/');
        self::api()->protectFolder($login, 'private');
        self::api()->addProtectedFolderUser($login, 'private', 'reader', 'Hta-lost-pass-1');
        if (!is_dir(self::webSpace($login))) {
            mkdir(self::webSpace($login), 0770, true);
        }
        file_put_contents(self::webSpace($login) . '/gone.txt', "a file\n");
        $api = self::viaProxy();
        $deletes = [
            'sub-domain' => function () use ($api, $domain) {
                $api->deleteSubdomain($domain, 'blog', 'url');
            },
            'folder user' => function () use ($api, $login) {
                $api->deleteProtectedFolderUser($login, 'private', 'reader');
            },
            'protected folder' => function () use ($api, $login) {
                $api->unprotectFolder($login, 'private');
            },
            'file' => function () use ($api, $login) {
                $api->deleteFile($login, 'gone.txt');
            },
        ];
        foreach ($deletes as $what => $delete) {
            self::proxyLog('DELETE');
            self::mode('lost');
            $delete();
            $this->assertSame(['204-then-503', '404'], array_column(self::proxyLog('DELETE'), 3), $what);
            // Gone for good: the same again, after a lost answer, is a 404.
            self::mode('lost');
            try {
                $delete();
                $this->fail("$what: deleted twice");
            } catch (PanelApiException $e) {
                $this->assertSame([404, true], [$e->getHttpStatus(), $e->isAfterUncertainAttempt()], $what);
            }
            $this->assertSame(['404-then-503', '404'], array_column(self::proxyLog('DELETE'), 3), $what);
        }
        $this->assertFalse(is_file(self::webSpace($login) . '/gone.txt'));
        @unlink(self::$state . '/mode');
    }
}
