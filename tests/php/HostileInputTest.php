<?php
// A member is hostile: what it types into the panel's forms (names, addresses, file names) and
// its own cookies reach PanelApi. Nothing it types may add a header line to a request, nor turn
// a name into another path: PanelApi refuses a header value with a control character before
// sending anything, and a path segment '.' or '..' is sent percent-encoded (curl would otherwise
// remove it and the request would go to another route). What PanelApi really sends is read
// through tests/php/hostile_capture.php under PHP's built-in server.

class HostileInputTest extends BridgeTestCase
{
    const PASS = 'Php-hostile-pass-3';
    const HTA_PASS = 'Hta-hostile-pass-4';
    /** @var string the hostile member */
    private static $m;
    /** @var resource|null the php -S process */
    private static $server;
    /** @var string */
    private static $dir;
    /** @var string */
    private static $captureUrl;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('x1');
        self::createMember(self::$m, self::PASS);
        self::$dir = sys_get_temp_dir() . '/php_bridge_capture_' . getmypid();
        if (!is_dir(self::$dir) && !mkdir(self::$dir, 0700)) {
            throw new RuntimeException('cannot make ' . self::$dir);
        }
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $log = self::$dir . '/server.log';
        self::$server = proc_open([PHP_BINARY, '-S', "127.0.0.1:$port", __DIR__ . '/hostile_capture.php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']], $pipes, null,
            ['PANEL_CAPTURE_FILE' => self::$dir . '/requests', 'PATH' => getenv('PATH')]);
        for ($i = 0; $i < 100; $i++) {
            $s = @fsockopen('127.0.0.1', $port);
            if ($s !== false) {
                fclose($s);
                break;
            }
            usleep(100000);
        }
        self::$captureUrl = "http://127.0.0.1:$port";
    }

    public static function tearDownAfterClass(): void
    {
        if (is_resource(self::$server)) {
            proc_terminate(self::$server);
            proc_close(self::$server);
        }
        array_map('unlink', glob(self::$dir . '/*') ?: []);
        @rmdir(self::$dir);
    }

    /** The requests the capture server got since the last call: [method, uri, headers]. */
    private static function captured(): array
    {
        $file = self::$dir . '/requests';
        $lines = is_file($file) ? file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) : [];
        file_put_contents($file, '');
        return array_map(function ($l) {
            return json_decode($l, true);
        }, $lines);
    }

    private static function capturingApi(array $options = []): PanelApi
    {
        self::captured();
        return new PanelApi(self::$captureUrl, $options + ['timeout' => 5, 'token' => 'pt_' . str_repeat('a', 43)]);
    }

    /** Every header name the captured requests carried, lower case. */
    private static function headerNames(array $requests): array
    {
        $names = [];
        foreach ($requests as $r) {
            foreach (array_keys($r['headers']) as $n) {
                $names[] = strtolower($n);
            }
        }
        return $names;
    }

    /**
     * A CR, LF or another control character in a value PanelApi puts in a header (X-Panel-Act-As,
     * the credential, Idempotency-Key, If-Match) is refused before anything is sent: status 0,
     * code invalid_header, the header's name as field, and no secret in the message.
     */
    public function testHeaderValuesWithControlCharactersAreNotSent(): void
    {
        $cases = [
            'X-Panel-Act-As' => function (PanelApi $api) {
                $api->actAs("victim\r\nX-Injected: act-as");
                $api->whoami();
            },
            'X-Panel-Act-As (LF only)' => function (PanelApi $api) {
                $api->actAs("victim\nX-Injected: act-as");
                $api->deleteFtp('x');
            },
            'Authorization' => function (PanelApi $api) {
                $api->setCredential('pt_' . str_repeat('b', 43) . "\r\nX-Injected: credential");
                $api->whoami();
            },
            'Idempotency-Key' => function (PanelApi $api) {
                $api->deleteFtp('x', ['idempotency_key' => "k\r\nX-Injected: key"]);
            },
            'If-Match' => function (PanelApi $api) {
                $api->updateAccount('x', ['nom' => 'n'], ['if_match' => "e\r\nX-Injected: etag"]);
            },
            'X-Panel-Act-As (NUL)' => function (PanelApi $api) {
                $api->actAs("victim\0X-Injected: nul");
                $api->whoami();
            },
        ];
        foreach ($cases as $what => $call) {
            $api = self::capturingApi();
            $e = null;
            try {
                $call($api);
            } catch (Throwable $caught) {
                $e = $caught;   // before the check: a TypeError on the capture server's empty 204
            }
            $sent = self::captured();
            $this->assertNotContains('x-injected', self::headerNames($sent), "$what: a header line was injected");
            $this->assertSame([], $sent, "$what: nothing is sent");
            $this->assertInstanceOf(PanelApiException::class, $e, "$what: refused");
            $this->assertSame(0, $e->getHttpStatus(), "$what: status");
            $this->assertSame('invalid_header', $e->getErrorCode(), "$what: code");
            $this->assertStringNotContainsString('pt_', $e->getMessage(), "$what: no credential in the message");
        }
        // A plain value still goes.
        $api = self::capturingApi();
        $api->actAs('victim');
        $api->deleteFtp('x', ['idempotency_key' => 'plain-key']);
        $sent = self::captured();
        $this->assertCount(1, $sent);
        $this->assertSame('victim', $sent[0]['headers']['X-Panel-Act-As'] ?? null);
        $this->assertSame('plain-key', $sent[0]['headers']['Idempotency-Key'] ?? null);
    }

    /**
     * The `actas` cookie is the member's to set (and, through a cookie set for the parent domain
     * by a member's site, the admin's browser's): a value that setid did not make for this
     * session makes checkid fail (mem 3, as a malformed session cookie) and sends nothing; it
     * never adds a header line to the admin's requests, never makes the admin act as someone,
     * nor falls back to the admin's own rights.
     */
    public function testCheckidRefusesAMalformedActAsCookie(): void
    {
        $this->session();
        $sid = $_COOKIE['session'];
        $_REQUEST = [];
        // Line breaks and other bytes after a login; then what a member's site could set in the
        // admin's browser for the parent domain: a plain login (the cookie before act-as was bound to the session), a forged MAC, the
        // cookie made for another session.
        $values = [];
        foreach (["\r\nX-Injected: 1", "\nX-Panel-Act-As: admin", ' ', '/../x', '',
            '.' . str_repeat('0', 32)] as $tail) {
            $values[] = self::$m . $tail;
        }
        $values[] = m_mem::actas_cookie(self::$m, 'pt_' . str_repeat('A', 43));
        foreach ($values as $value) {
            $GLOBALS['err'] = new m_err();
            $GLOBALS['panel_api'] = self::capturingApi();
            $_COOKIE['session'] = $sid;
            $_COOKIE['actas'] = $value;
            $mem = new m_mem();
            try {
                $ok = $mem->checkid();
            } catch (TypeError $e) {
                $ok = 'sent';   // the capture server answers 204: whoami() got no body
            }
            $this->assertFalse($ok, 'checkid with the actas cookie ' . json_encode($_COOKIE['actas']));
            $this->assertRaised('mem', 3, 'a malformed actas cookie');
            $this->assertSame([], self::captured(), 'nothing sent for ' . json_encode($_COOKIE['actas']));
        }
        // A session cookie with a line break after the token is malformed too.
        $GLOBALS['err'] = new m_err();
        $GLOBALS['panel_api'] = self::capturingApi();
        $_COOKIE['session'] = $sid . "\n";
        $_COOKIE['actas'] = '';
        try {
            $ok = (new m_mem())->checkid();
        } catch (TypeError $e) {
            $ok = 'sent';
        }
        $this->assertFalse($ok, 'checkid with a line break after the token');
        $this->assertRaised('mem', 3, 'a session cookie with a line break');
        $this->assertSame([], self::captured(), 'nothing sent for a session cookie with a line break');
        // The real API: the admin acting as the member through a clean cookie still works.
        $GLOBALS['err'] = new m_err();
        $GLOBALS['panel_api'] = self::newApi();
        $_COOKIE['session'] = $sid;
        $_COOKIE['actas'] = m_mem::actas_cookie(self::$m, $sid);
        $mem = new m_mem();
        $this->assertTrue($mem->checkid(), 'checkid acting as the member: ' . $GLOBALS['err']->errstr());
        $this->assertSame(self::$m, $mem->user['login']);
        $_COOKIE['actas'] = '';
    }

    /**
     * del_session (1.0's index.php calls it on every visit, without checkid) sends the session
     * cookie as the credential: a malformed one is 1.0's mem 3 and is not sent.
     */
    public function testDelSessionRefusesAMalformedSessionCookie(): void
    {
        $GLOBALS['panel_api'] = self::capturingApi();
        $_COOKIE['session'] = 'pt_' . str_repeat('c', 43) . "\r\nX-Injected: 1";
        $this->assertFalse((new m_mem())->del_session());
        $this->assertRaised('mem', 3, 'a malformed session cookie');
        $this->assertSame([], self::captured(), 'nothing sent');
        $this->assertSame('', $_COOKIE['session'], 'the cookie is cleared');
    }

    /**
     * An answer that is neither 2xx nor 304 is an error: a redirect (a front proxy sending
     * http:// to https://, or to a login page) is not followed, and the write it answered was not
     * made, so it must not be reported as done.
     */
    public function testARedirectIsNotASuccess(): void
    {
        foreach ([301, 302, 307, 308] as $status) {
            $api = self::capturingApi();
            file_put_contents(self::$dir . '/requests.status', (string) $status);
            try {
                $this->assertApiError(function () use ($api) {
                    $api->deleteFtp('x');
                }, $status, 'http_' . $status, null, "DELETE answered $status");
                // The 1.0 classes on it: false, not true.
                $GLOBALS['panel_api'] = $api;
                $GLOBALS['mem'] = null;
                $GLOBALS['cuid'] = 0;
                $GLOBALS['err'] = new m_err();
                $this->assertFalse((new m_mail())->del_mail('box@example.org'), "m_mail::del_mail answered $status");
                $this->assertSame('mail', $GLOBALS['err']->clsid);
            } finally {
                @unlink(self::$dir . '/requests.status');
            }
            $this->assertCount(2, self::captured(), 'one request each, not followed');
        }
    }

    /** A path segment '.' or '..' is sent percent-encoded: curl does not remove it, the route stays. */
    public function testDotSegmentsStayInTheirSegment(): void
    {
        $api = self::capturingApi();
        $api->deleteProtectedFolderUser('alice', '/d', '..');
        $api->deleteDomain('..');
        $api->deleteSubdomain('example.org', '..', '..');
        $api->deleteMail('.');
        $api->deleteFtp('...');
        // '/', '?', '#' and an escape typed as text stay in their segment too.
        $api->deleteMail('../../accounts/bob');
        $api->deleteMail('a?b#c');
        $api->deleteMail('a%2Fb');
        $api->deleteDbUser('x/..');
        $captured = self::captured();
        // The DELETEs of the routes that store their answer after the change read the object
        // first (its path, or its list), for their retry.
        $this->assertSame(['/api/v1/accounts/alice/protected-folders/users?dir=%2Fd', '/api/v1/domains/%2E%2E',
            '/api/v1/domains/example.org/subdomains', '/api/v1/dbusers/x%2F..'],
            array_column(array_values(array_filter($captured, function ($r) {
                return $r['method'] === 'GET';
            })), 'uri'));
        $uris = array_column(array_values(array_filter($captured, function ($r) {
            return $r['method'] === 'DELETE';
        })), 'uri');
        $this->assertSame([
            '/api/v1/accounts/alice/protected-folders/users/%2E%2E?dir=%2Fd',
            '/api/v1/domains/%2E%2E',
            '/api/v1/domains/example.org/subdomains/%2E%2E/%2E%2E',
            '/api/v1/mail/%2E',
            '/api/v1/ftp/...',
            '/api/v1/mail/..%2F..%2Faccounts%2Fbob',
            '/api/v1/mail/a%3Fb%23c',
            '/api/v1/mail/a%252Fb',
            '/api/v1/dbusers/x%2F..',
        ], $uris);
    }

    /**
     * m_hta::del_user with a user named '..' (the member's form): skipped as a name the folder
     * does not have, as 1.0; it must not reach another route (the folder's own DELETE, one level
     * up) nor stop the names after it.
     */
    public function testHtaDelUserWithADotDotName(): void
    {
        $api = self::api();
        $api->protectFolder(self::$m, 'private');
        $api->addProtectedFolderUser(self::$m, 'private', 'reader', self::HTA_PASS);
        $api->addProtectedFolderUser(self::$m, 'private', 'keeper', self::HTA_PASS);
        $this->session(self::$m, self::PASS);
        $hta = new m_hta();
        $this->assertTrue($hta->del_user(['..', '.', 'reader'], 'private'),
            "del_user(['..', '.', 'reader']): " . $GLOBALS['err']->errstr());
        $this->assertSame(['keeper'], $hta->get_hta_detail('private'), "'..' and '.' skipped, reader deleted");
        $this->assertTrue($hta->is_protected('private'), 'the folder is still protected');
        $this->assertFalse($hta->change_pass('..', self::HTA_PASS, 'private'));
        $this->assertIsString($GLOBALS['err']->error);
        $this->assertStringNotContainsString('route', $GLOBALS['err']->error, "change_pass('..'): not another route");
    }

    /** m_mail with the address '..' or '.': the bridge's code for a bad address, not another route's error. */
    public function testMailDotAddresses(): void
    {
        $this->session(self::$m, self::PASS);
        $mail = new m_mail();
        foreach (['..', '.'] as $address) {
            $GLOBALS['err'] = new m_err();
            $this->assertFalse($mail->del_mail($address));
            $this->assertSame('mail', $GLOBALS['err']->clsid, "del_mail('$address')");
            $this->assertContains($GLOBALS['err']->error, [3, 13], "del_mail('$address'): " . $GLOBALS['err']->errstr());
            $GLOBALS['err'] = new m_err();
            $this->assertFalse($mail->get_mail_details($address));
            $this->assertSame('mail', $GLOBALS['err']->clsid, "get_mail_details('$address')");
            $this->assertContains($GLOBALS['err']->error, [3, 13],
                "get_mail_details('$address'): " . $GLOBALS['err']->errstr());
        }
    }

    /**
     * The API's messages name what a member typed (a host, a folder, a file). The classes pass
     * them to 1.0's $err->raise() as a string error, and 1.0's errstr() runs that string through
     * sprintf() and its pages print it as HTML, unescaped: a message must reach it with its HTML
     * escaped and its '%' doubled, or a member's typed text is markup in the page (another
     * member's file names in an admin's) and a '%s' in it makes sprintf() throw.
     */
    public function testApiMessagesAreEscapedForErrstr(): void
    {
        // A file the member made (by FTP) whose name is markup and a format; m_bro::RenameFile
        // onto it: the API's "...: already exists" is raised as a string.
        $space = self::webSpace(self::$m);
        $typed = '<img src=x onerror=alert(1)>%s%d';
        if (!is_dir($space)) {
            mkdir($space, 0770, true);
        }
        file_put_contents("$space/plain.txt", 'plain');
        file_put_contents("$space/$typed", 'taken');
        $GLOBALS['L_ALTERNC_LOC'] = getenv('PANEL_TEST_HOSTING_ROOT');
        $this->session(self::$m, self::PASS);
        $this->assertFalse((new m_bro())->RenameFile('/', ['plain.txt'], [$typed]));
        $this->assertIsString($GLOBALS['err']->error, "the API's message, as a string error");
        $api = $GLOBALS['panel_last_exception']->getMessage();
        $this->assertStringContainsString($typed, $api, 'the API names the file');
        $shown = $GLOBALS['err']->errstr();    // as 1.0's errstr(): sprintf() of the string
        $this->assertStringNotContainsString('<img', $shown, "no markup of the member's in the page");
        $this->assertSame(htmlspecialchars($api, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8'), $shown,
            "the API's message, escaped, every character kept");
        $this->assertSame('taken', file_get_contents("$space/$typed"), 'not replaced');
    }

    /**
     * A 200 that is not panel-api's JSON (an empty body from a proxy or a cut answer, JSON
     * truncated, a JSON string): PanelApiException invalid_json, which the 1.0 classes raise
     * as an error; never a null where the methods return an array (a TypeError: the page dies).
     */
    public function testA200WithoutJsonIsAnError(): void
    {
        foreach (['' => 'empty', '{"items": [{"login": "a"' => 'truncated', '"ok"' => 'a JSON string'] as $body => $what) {
            file_put_contents(self::$dir . '/requests.status', '200');
            file_put_contents(self::$dir . '/requests.body', $body);
            try {
                $api = self::capturingApi();
                $e = null;
                try {
                    $api->whoami();
                } catch (Throwable $caught) {
                    $e = $caught;
                }
                $this->assertInstanceOf(PanelApiException::class, $e, "$what: PanelApi::whoami raises");
                $this->assertSame([200, 'invalid_json'], [$e->getHttpStatus(), $e->getErrorCode()], $what);
                // A 1.0 class on it: false and its class's error, not a TypeError.
                $GLOBALS['panel_api'] = $api;
                $GLOBALS['mem'] = null;
                $GLOBALS['cuid'] = 0;
                $GLOBALS['err'] = new m_err();
                $this->assertFalse((new m_mail())->get_mail_details('box@example.org'), "$what: m_mail");
                $this->assertSame('mail', $GLOBALS['err']->clsid, "$what: m_mail's error");
            } finally {
                @unlink(self::$dir . '/requests.status');
                @unlink(self::$dir . '/requests.body');
            }
        }
    }

    /**
     * m_dom::add_domain of a slave domain whose master is not the member's raises 1.0's dom 1
     * with the master's name typed by the member as the parameter, which 1.0's errstr() puts
     * into its message (sprintf) and its pages print unescaped: it is passed HTML-escaped.
     */
    public function testTheSlaveDomainParameterIsEscaped(): void
    {
        try {
            self::api()->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        self::api()->setQuota(self::$m, 'dom', 5);
        $this->session(self::$m, self::PASS);
        $typed = '<script>alert(1)</script>.org';
        $this->assertTrue((new m_dom())->add_domain(self::tag('') . '-x.org', 1, 0, 0, 1, $typed),
            'the domain is made, not as a slave (1.0)');
        $this->assertSame(['dom', 1], [$GLOBALS['err']->clsid, $GLOBALS['err']->error]);
        $this->assertSame([htmlspecialchars($typed, ENT_QUOTES)], $GLOBALS['err']->param,
            'the typed master, escaped');
    }
}
