<?php
// PHPUnit bootstrap of the PHP bridge tests: the panel-api to test comes from the environment
// that tests/php/test_php_bridge.sh sets after starting it. BridgeTestCase holds the helpers
// every test class shares (sessions of the 1.0 classes, error checks, the member server).
require __DIR__ . '/../../clients/php/PanelApi.php';
require __DIR__ . '/../../clients/php/alternc/m_err.php';
require __DIR__ . '/../../clients/php/alternc/m_mem.php';
require __DIR__ . '/../../clients/php/alternc/m_admin.php';
require __DIR__ . '/../../clients/php/alternc/m_dom.php';
require __DIR__ . '/../../clients/php/alternc/m_mail.php';
require __DIR__ . '/../../clients/php/alternc/m_quota.php';
require __DIR__ . '/../../clients/php/alternc/m_ftp.php';
require __DIR__ . '/../../clients/php/alternc/m_mysql.php';
require __DIR__ . '/../../clients/php/alternc/m_sta2.php';
require __DIR__ . '/../../clients/php/alternc/m_hta.php';
require __DIR__ . '/../../clients/php/alternc/m_bro.php';

foreach (['PANEL_TEST_API_URL', 'PANEL_TEST_ADMIN_LOGIN', 'PANEL_TEST_ADMIN_PASSWORD', 'PANEL_TEST_TAG',
          'PANEL_TEST_MYSQL_SOCKET', 'PANEL_TEST_PANEL_DB', 'PANEL_TEST_HOSTING_ROOT', 'PANEL_TEST_MAIL_DIR'] as $var) {
    if ((string) getenv($var) === '') {
        fwrite(STDERR, "$var is not set: run tests/php/test_php_bridge.sh\n");
        exit(2);
    }
}

use PHPUnit\Framework\TestCase;

abstract class BridgeTestCase extends TestCase
{
    /** @var array<string,PanelApi> logged-in clients of the tests' accounts, by login */
    private static $apis = [];

    protected static function url(): string
    {
        return (string) getenv('PANEL_TEST_API_URL');
    }

    protected static function adminLogin(): string
    {
        return (string) getenv('PANEL_TEST_ADMIN_LOGIN');
    }

    protected static function adminPassword(): string
    {
        return (string) getenv('PANEL_TEST_ADMIN_PASSWORD');
    }

    /**
     * A short random tag for the names of one test class (logins are 16 characters at most):
     * "pb" + the run's tag (PANEL_TEST_TAG, which the script also uses to clean the member
     * server) + $letter.
     */
    protected static function tag(string $letter): string
    {
        return 'pb' . getenv('PANEL_TEST_TAG') . $letter;
    }

    protected static function newApi(array $options = []): PanelApi
    {
        return new PanelApi(self::url(), $options + ['timeout' => 10]);
    }

    /** A PanelApi logged in as $login (the admin by default), one per login for the run. */
    protected static function api(?string $login = null, ?string $password = null): PanelApi
    {
        $login = $login ?? self::adminLogin();
        if (!isset(self::$apis[$login])) {
            $api = self::newApi();
            $api->login($login, $password ?? self::adminPassword());
            self::$apis[$login] = $api;
        }
        self::$apis[$login]->actAs(null);
        return self::$apis[$login];
    }

    /** A member created by the admin; its quotas set as given. Returns its uid. */
    protected static function createMember(string $login, string $password, array $quotas = []): int
    {
        $admin = self::api();
        $a = $admin->createAccount(['login' => $login, 'password' => $password, 'mail' => "$login@example.net"]);
        foreach ($quotas as $name => $value) {
            $admin->setQuota($login, $name, $value);
        }
        return (int) $a['uid'];
    }

    /**
     * A new request of the 1.0 panel, logged in as $login: a fresh PanelApi in $panel_api, a new
     * m_mem in $mem after m_mem::login (which sets $cuid). Returns the m_mem.
     */
    protected function session(?string $login = null, ?string $password = null): m_mem
    {
        $GLOBALS['panel_api'] = self::newApi();
        $GLOBALS['cuid'] = 0;
        $GLOBALS['mem'] = new m_mem();
        $ok = $GLOBALS['mem']->login($login ?? self::adminLogin(), $password ?? self::adminPassword());
        $this->assertTrue($ok, "m_mem::login of $login: " . $GLOBALS['err']->errstr());
        return $GLOBALS['mem'];
    }

    protected function setUp(): void
    {
        $GLOBALS['err'] = new m_err();
    }

    /** True when the last $err->raise was ($class, $code). */
    protected static function raised(string $class, $code): bool
    {
        $err = $GLOBALS['err'];
        return $err->clsid === $class && $err->error === $code;
    }

    /** Asserts the last $err->raise was ($class, $code); $code null: any string message. */
    protected function assertRaised(string $class, $code, string $what = ''): void
    {
        $err = $GLOBALS['err'];
        $this->assertSame($class, $err->clsid, "$what: raised class");
        if ($code === null) {
            $this->assertIsString($err->error, "$what: a string error");
            $this->assertNotSame('', $err->error, "$what: a string error");
        } else {
            $this->assertSame($code, $err->error, "$what: raised code ({$err->errstr()})");
        }
    }

    /** Asserts $f throws a PanelApiException with that status, code and field ('*': any). */
    protected function assertApiError(callable $f, int $status, string $code, ?string $field, string $what = '')
    {
        try {
            $f();
        } catch (PanelApiException $e) {
            $this->assertSame($status, $e->getHttpStatus(), "$what: status ({$e->getMessage()})");
            $this->assertSame($code, $e->getErrorCode(), "$what: code");
            if ($field !== '*') {
                $this->assertSame($field, $e->getField(), "$what: field");
            }
            $this->assertNotSame('', $e->getMessage(), "$what: message");
            if ($status !== 0) {
                $this->assertNotNull($e->getRequestId(), "$what: request id");
            }
            return $e;
        }
        $this->fail("$what: no error");
    }

    /** Runs SQL as root on the member server (the test cluster's primary); the lines it prints. */
    protected static function serverQuery(string $sql): array
    {
        $cmd = ['mariadb', '-S', (string) getenv('PANEL_TEST_MYSQL_SOCKET'), '-u', 'root', '-N', '-B', '-e', $sql];
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]);
        $errors = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        if (proc_close($proc) !== 0) {
            throw new RuntimeException("mariadb: $errors");
        }
        return $out === '' ? [] : explode("\n", rtrim($out, "\n"));
    }

    /** A member's web space as the API's [hosting] root makes it: <root>/html/<l>/<login>. */
    protected static function webSpace(string $login): string
    {
        return getenv('PANEL_TEST_HOSTING_ROOT') . "/html/{$login[0]}/$login";
    }

    /**
     * The mails panel-api sent to $to (tests/support/fake-sendmail keeps them in
     * PANEL_TEST_MAIL_DIR), oldest first, as text; they are removed once read.
     */
    protected static function mailsTo(string $to): array
    {
        $found = [];
        foreach (glob(getenv('PANEL_TEST_MAIL_DIR') . '/msg.*') ?: [] as $file) {
            $text = (string) file_get_contents($file);
            if (preg_match('/^To: ' . preg_quote($to, '/') . '\r?$/mi', $text)) {
                $found[filemtime($file) . ':' . $file] = $text;
                unlink($file);
            }
        }
        ksort($found);
        return array_values($found);
    }

    /**
     * Forgets the failed password checks counted so far (panel_login_failures): the whole suite
     * runs from 127.0.0.1, and the API refuses an address after 20 failures within 15 minutes.
     * The classes that fail checks on purpose (wrong codes, slave credentials) call it when done.
     */
    protected static function forgetFailures(): void
    {
        self::panelQuery('DELETE FROM panel_login_failures');
    }

    /** Runs SQL as root on the panel's own database (its AlternC tables: db, stats2...). */
    protected static function panelQuery(string $sql): array
    {
        return self::serverQuery('USE `' . getenv('PANEL_TEST_PANEL_DB') . "`; $sql");
    }

    protected static function serverHasDatabase(string $name): bool
    {
        return self::serverQuery("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '"
            . addslashes($name) . "'") === [$name];
    }

    protected static function serverHasUser(string $name): bool
    {
        return self::serverQuery("SELECT COUNT(*) FROM mysql.user WHERE User = '" . addslashes($name) . "'")
            !== ['0'];
    }
}
