<?php
// The browser's address through the PHP panel: panel_api() sends $_SERVER['REMOTE_ADDR'] as
// X-Forwarded-For, which panel-api believes from its trusted proxies (the suite's panel-api
// trusts 127.0.0.1). So wrong passwords typed from one address refuse that address only, never
// every user of the panel, and the account's lastip is the user's, as in 1.0. The application
// key of api_key_file is the credential of command-line scripts, never of a web page.

class ClientAddressTest extends BridgeTestCase
{
    /** @var string */
    private static $m;
    /** @var string */
    private static $ini;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('9a');
        self::createMember(self::$m, 'Php-bridge-pass-1');
        self::$ini = tempnam(sys_get_temp_dir(), 'panel-api-ini');
        file_put_contents(self::$ini, 'url = ' . self::url() . "\ntimeout = 10\n");
    }

    public static function tearDownAfterClass(): void
    {
        unlink(self::$ini);
        unset($_SERVER['REMOTE_ADDR']);
        putenv('PANEL_API_CONFIG');
        self::forgetFailures();
    }

    /** A new web request from $ip: panel_api() made from the ini, as a page gets it. */
    private static function requestFrom(?string $ip): PanelApi
    {
        unset($GLOBALS['panel_api']);
        putenv('PANEL_API_CONFIG=' . self::$ini);
        if ($ip === null) {
            unset($_SERVER['REMOTE_ADDR']);
        } else {
            $_SERVER['REMOTE_ADDR'] = $ip;
        }
        return panel_api();
    }

    public function testTheBrowsersAddressIsForwarded(): void
    {
        $this->assertSame('203.0.113.77', self::requestFrom('203.0.113.77')->getClientIp());
        $this->assertSame('2001:db8::7', self::requestFrom('2001:db8::7')->getClientIp());
        $this->assertNull(self::requestFrom(null)->getClientIp(), 'no address outside a web request');
        $this->assertNull(self::requestFrom("203.0.113.1\r\nX-Panel-Act-As: admin")->getClientIp(),
            'anything but an address is not sent');
        $this->assertApiError(function () {
            self::newApi(['client_ip' => 'not-an-address']);
        }, 0, 'invalid_header', 'X-Forwarded-For', 'a client address that is not one');
    }

    public function testWrongPasswordsFromOneAddressLockThatAddressOnly(): void
    {
        self::forgetFailures();
        $locked = false;
        for ($i = 0; $i < 60 && !$locked; $i++) {
            $api = self::requestFrom('203.0.113.77');
            try {
                $api->login('nosuch' . bin2hex(random_bytes(3)), 'wrong-password');
                $this->fail('a wrong login passed');
            } catch (PanelApiException $e) {
                $locked = $e->getHttpStatus() === 429;
            }
        }
        $this->assertTrue($locked, 'wrong passwords from one address end in 429');
        // The attacker's address is refused, even with the right password...
        $this->assertApiError(function () {
            self::requestFrom('203.0.113.77')->login(self::$m, 'Php-bridge-pass-1');
        }, 429, 'rate_limited', null, 'the throttled address');
        // ... while the member logs in through the same panel from its own address.
        $_COOKIE = [];
        $GLOBALS['cuid'] = 0;
        self::requestFrom('198.51.100.20');
        $mem = new m_mem();
        $this->assertTrue($mem->login(self::$m, 'Php-bridge-pass-1'),
            'm_mem::login from another address: ' . $GLOBALS['err']->errstr());
        $this->assertSame('198.51.100.20', $mem->user['lastip'] ?? null, "1.0's lastip is the browser's");
        $this->assertSame(['198.51.100.20'],
            self::panelQuery("SELECT lastip FROM membres WHERE login = '" . self::$m . "'"));
    }

    public function testTheApplicationKeyIsForScriptsOnly(): void
    {
        $key = self::api()->request('POST', '/api/v1/apikeys', [],
            ['name' => 'scripts ' . self::$m, 'scope' => ['accounts']])['key'];
        $dir = sys_get_temp_dir() . '/panel-page-' . bin2hex(random_bytes(4));
        mkdir($dir);
        file_put_contents("$dir/key", $key . "\n");
        file_put_contents("$dir/panel-api.ini", 'url = ' . self::url() . "\ntimeout = 10\napi_key_file = $dir/key\n");
        // A page of the panel, served by PHP's own web server (a web SAPI, as under Apache).
        file_put_contents("$dir/page.php", '<?php require ' . var_export(realpath(__DIR__ . '/../../clients/php/alternc/panel_api.php'), true)
            . '; putenv("PANEL_API_CONFIG=' . "$dir/panel-api.ini" . '"); $a = panel_api();'
            . ' echo json_encode([PHP_SAPI, $a->getCredential(), $a->getClientIp()]);');
        $server = null;
        try {
            putenv("PANEL_API_CONFIG=$dir/panel-api.ini");
            unset($GLOBALS['panel_api'], $_SERVER['REMOTE_ADDR']);
            $this->assertSame($key, panel_api()->getCredential(), 'a command-line script has the key');
            // A port free a moment ago (the tests' servers take random ones too); another
            // one if the server could not take it; up to 20 s for a loaded machine.
            $page = false;
            for ($attempt = 0; $attempt < 3 && $page === false; $attempt++) {
                $probe = stream_socket_server('tcp://127.0.0.1:0');
                $port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
                fclose($probe);
                if ($server) {
                    proc_terminate($server);
                    proc_close($server);
                }
                $server = proc_open(['php', '-S', "127.0.0.1:$port", '-t', $dir],
                    [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
                for ($i = 0; $i < 200 && $page === false && proc_get_status($server)['running']; $i++) {
                    usleep(100000);
                    $page = @file_get_contents("http://127.0.0.1:$port/page.php");
                }
            }
            $this->assertSame(['cli-server', null, '127.0.0.1'], json_decode((string) $page, true),
                'a web page: no key, the browser\'s address');
        } finally {
            if ($server) {
                proc_terminate($server);
                proc_close($server);
            }
            array_map('unlink', glob("$dir/*"));
            rmdir($dir);
            unset($GLOBALS['panel_api']);
        }
    }
}
