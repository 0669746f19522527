<?php
// AlternC 1.0's slave DNS and backup MX functions: m_dom's *_slave_ip, *_slave_account and
// echo_domain_list after check_slave_account (1.0's domlist.php), m_mail's (mxlist.php), on
// /api/v1/slaves/* and the API's /admin/domlist.php and /admin/mxlist.php; the `slaveip`,
// `slaveaccount` and `mxaccount` rows checked as root; members refused with nothing changed.

class SlaveTest extends BridgeTestCase
{
    const PASS = 'Php-slave-pass-1';
    /** @var string a member hosting a DNS domain and a mail-only domain */
    private static $m;
    private static $dnsDom;
    private static $mxDom;

    public static function tearDownAfterClass(): void
    {
        self::forgetFailures();
    }

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('u1');
        self::createMember(self::$m, self::PASS, ['dom' => 2]);
        self::$dnsDom = self::tag('') . '-slvdns.org';
        self::$mxDom = self::tag('') . '-slvmx.org';
        self::api()->createDomain(self::$m, self::$dnsDom, ['dns' => true, 'mx' => false]);
        self::api()->createDomain(self::$m, self::$mxDom, ['dns' => false, 'mx' => true]);
    }

    private static function ips(): array
    {
        return self::panelQuery("SELECT ip, class FROM slaveip WHERE ip LIKE '198.51.100.%' OR ip LIKE '2001:db8:%'"
            . ' ORDER BY ip, class');
    }

    private function noError(string $what): void
    {
        $this->assertSame(0, $GLOBALS['err']->error, "$what: no error raised");
    }

    public function testSlaveIps(): void
    {
        $this->session();
        $dom = new m_dom();
        $this->assertSame([], self::ips());
        $this->assertTrue($dom->add_slave_ip('198.51.100.7'), 'add_slave_ip: ' . $GLOBALS['err']->errstr());
        $this->assertTrue($dom->add_slave_ip('198.51.100.0', '24'));
        $this->assertTrue($dom->add_slave_ip('198.51.100.0', 99), "1.0: a class out of 8-32 is 32");
        $this->assertTrue($dom->add_slave_ip('2001:db8::'), 'IPv6, the whole address');
        $this->assertTrue($dom->add_slave_ip('2001:db8::', 32), 'IPv6 /32');
        $this->assertSame(["198.51.100.0\t24", "198.51.100.0\t32", "198.51.100.7\t32", "2001:db8::\t32",
            "2001:db8::\t128"], self::ips(), 'the slaveip rows');

        $this->assertFalse($dom->add_slave_ip('198.51.100.7', 32));
        $this->assertRaised('err', 22, 'listed already');
        $this->assertFalse($dom->add_slave_ip('198.51.100.300'));
        $this->assertRaised('dom', 19, 'not an address');
        $this->assertFalse($dom->add_slave_ip('198.51.100.9', 8));
        $this->assertRaised('dom', null, 'bits beyond the class: the API message');
        $this->assertCount(5, self::ips(), 'nothing added');

        $list = $dom->enum_slave_ip();
        $this->assertIsArray($list);
        $mine = array_values(array_filter($list, function ($r) {
            return strpos($r['ip'], '198.51.100.') === 0;
        }));
        $this->assertSame([['ip' => '198.51.100.0', 'class' => '24'], ['ip' => '198.51.100.0', 'class' => '32'],
            ['ip' => '198.51.100.7', 'class' => '32']], $mine, "1.0's rows, by address then class");

        // A member, and an admin acting as one: refused, nothing changed.
        $this->session(self::$m, self::PASS);
        $this->assertFalse($dom->enum_slave_ip());
        $this->assertRaised('admin', 1, 'a member lists');
        $this->assertFalse($dom->add_slave_ip('198.51.100.8'));
        $this->assertRaised('admin', 1, 'a member adds');
        $this->assertFalse($dom->del_slave_ip('198.51.100.7'));
        $this->assertRaised('admin', 1, 'a member deletes');
        $mem = $this->session();
        $this->assertTrue($mem->su(panel_uid_of(self::$m)));
        $this->assertFalse($dom->del_slave_ip('198.51.100.7'));
        $this->assertRaised('admin', 1, 'an admin acting as a member');
        $mem->unsu();
        $this->assertCount(5, self::ips(), 'unchanged');

        $this->assertTrue($dom->del_slave_ip('198.51.100.0'), 'del_slave_ip: every class');
        $this->assertTrue($dom->del_slave_ip('2001:db8::'));
        $this->assertSame(["198.51.100.7\t32"], self::ips());
        $this->assertTrue($dom->del_slave_ip('198.51.100.99'), 'not listed: true, as 1.0');
        $this->assertFalse($dom->del_slave_ip('nope'));
        $this->assertRaised('dom', 19, 'not an address');
        $this->assertTrue($dom->del_slave_ip('198.51.100.7'));
        $this->assertSame([], self::ips());
    }

    /** The accounts of one kind: m_dom (dns, slaveaccount, err 23) or m_mail (mx, mxaccount, mail 16). */
    private function accounts($obj, string $table, array $taken, string $flag, string $otherDom): void
    {
        $login = self::tag('u') . "-$table";
        $rows = function () use ($login, $table) {
            return self::panelQuery("SELECT login, pass FROM $table WHERE login LIKE '" . self::tag('u') . "-%'");
        };
        $this->session();
        $this->assertFalse($obj->enum_slave_account(), 'none yet: false');
        $this->noError('none yet');
        $this->assertTrue($obj->add_slave_account($login, 'Slave-Pass-123'), $GLOBALS['err']->errstr());
        $this->assertSame(["$login\tSlave-Pass-123"], $rows(), "1.0's row (clear text, as 1.0)");
        $this->assertFalse($obj->add_slave_account($login, 'Another-Pass-4'));
        $this->assertRaised($taken[0], $taken[1], 'a login taken');
        $this->assertFalse($obj->add_slave_account(self::tag('u') . '-x', 'short'));
        $this->assertRaised(get_class($obj) === 'm_dom' ? 'dom' : 'mail', null, 'a short password');
        $this->assertFalse($obj->add_slave_account(self::tag('u') . '-a:b', 'Slave-Pass-123'));
        $this->assertRaised(get_class($obj) === 'm_dom' ? 'dom' : 'mail', null, 'a colon in the login');
        $this->assertSame(["$login\tSlave-Pass-123"], $rows(), 'nothing added');
        $this->assertSame([['login' => $login, 'pass' => '']], array_values(array_filter($obj->enum_slave_account(),
            function ($r) {
                return strpos($r['login'], self::tag('u') . '-') === 0;
            })), 'enum_slave_account: the password is never shown');

        // 1.0's domlist.php / mxlist.php: no session, the slave's HTTP Basic credentials.
        $GLOBALS['panel_api'] = self::newApi();
        $GLOBALS['mem'] = null;
        $class = get_class($obj);
        $fresh = new $class();
        $GLOBALS['err'] = new m_err();
        $this->assertFalse($fresh->check_slave_account($login, 'Wrong-Pass-123'));
        $this->noError('a wrong password: false, no error');
        $this->assertFalse($fresh->check_slave_account(self::tag('u') . '-nobody', 'Slave-Pass-123'));
        $this->noError('an unknown login');
        $this->assertTrue($fresh->check_slave_account($login, 'Slave-Pass-123'), $GLOBALS['err']->errstr());
        ob_start();
        $this->assertTrue($fresh->echo_domain_list());
        $out = ob_get_clean();
        $expect = self::panelQuery("SELECT domaine FROM domaines WHERE $flag = 1 ORDER BY domaine");
        $this->assertSame(implode('', array_map(function ($d) {
            return "$d\n";
        }, $expect)), $out, "every $flag domain, one a line");
        $this->assertStringNotContainsString($otherDom . "\n", $out);

        // Members: refused, nothing changed.
        $this->session(self::$m, self::PASS);
        $this->assertFalse($obj->enum_slave_account());
        $this->assertRaised('admin', 1, 'a member lists');
        $this->assertFalse($obj->add_slave_account(self::tag('u') . '-evil', 'Slave-Pass-123'));
        $this->assertRaised('admin', 1, 'a member adds');
        $this->assertFalse($obj->del_slave_account($login));
        $this->assertRaised('admin', 1, 'a member deletes');
        $this->assertSame(["$login\tSlave-Pass-123"], $rows(), 'unchanged');

        $this->session();
        $this->assertTrue($obj->del_slave_account($login));
        $this->assertSame([], $rows(), 'the row is gone');
        $this->assertTrue($obj->del_slave_account($login), 'unknown: true, as 1.0');
        $GLOBALS['panel_api'] = self::newApi();
        $this->assertFalse((new $class())->check_slave_account($login, 'Slave-Pass-123'), 'deleted: refused');
    }

    public function testDnsAccounts(): void
    {
        $this->accounts(new m_dom(), 'slaveaccount', ['err', 23], 'gesdns', self::$mxDom);
    }

    public function testMxAccounts(): void
    {
        $this->accounts(new m_mail(), 'mxaccount', ['mail', 16], 'gesmx', self::$dnsDom);
    }

    public function testPanelApiMethods(): void
    {
        $api = self::api();
        $row = $api->createSlaveIp('198.51.100.64', 26);
        $this->assertSame(['ip' => '198.51.100.64', 'prefix' => 26], $row);
        $this->assertSame(201, $api->lastStatus);
        $this->assertApiError(function () use ($api) {
            $api->createSlaveIp('198.51.100.64', 26);
        }, 409, 'exists', '*', 'listed already');
        $api->deleteSlaveIp('198.51.100.64');
        $this->assertSame(204, $api->lastStatus);
        $this->assertApiError(function () use ($api) {
            $api->deleteSlaveIp('198.51.100.64');
        }, 404, 'not_found', '*', 'gone');
        $a = $api->createSlaveAccount('mx', self::tag('u') . '-api', 'Slave-Pass-123');
        $this->assertSame(['login' => self::tag('u') . '-api', 'kind' => 'mx'], $a);
        $this->assertStringContainsString(self::$mxDom . "\n",
            self::newApi()->slaveDomainList('mx', self::tag('u') . '-api', 'Slave-Pass-123'));
        $this->assertApiError(function () {
            self::newApi()->slaveDomainList('dns', self::tag('u') . '-api', 'Slave-Pass-123');
        }, 401, 'unauthenticated', '*', 'an MX account on the DNS list');
        $api->deleteSlaveAccount('mx', self::tag('u') . '-api');
        $this->assertApiError(function () use ($api) {
            $api->deleteSlaveAccount('dns', self::tag('u') . '-api');
        }, 404, 'not_found', '*', 'no such DNS account');
    }
}
