<?php
// AlternC 1.0's m_quota on the API: a member's quotas as its pages read them, the admin setting
// them after su() as 1.0's adm_quotadoedit.php does, default quotas and account types.

class QuotaTest extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-6';
    /** @var string */
    private static $m;
    /** @var int */
    private static $uid;
    /** @var string an account type of this run */
    private static $type;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('q');
        self::$uid = self::createMember(self::$m, self::PASS, ['dom' => 2, 'ftp' => 1]);
        self::$type = 'q' . getenv('PANEL_TEST_TAG');
        try {
            self::api()->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
    }

    public function testGetquotaAndCancreate(): void
    {
        $this->session(self::$m, self::PASS);
        $quota = new m_quota();
        $all = $quota->getquota();
        $this->assertEqualsCanonicalizing(m_quota::NAMES, array_keys($all), 'every quota of the API');
        $this->assertSame(['t' => 2, 'u' => 0], $all['dom'], "1.0's t and u");
        $this->assertSame($all, $quota->quotas, 'kept in $quotas, as 1.0');
        $this->assertSame(['t' => 1, 'u' => 0], $quota->getquota('ftp'));
        $this->assertTrue($quota->cancreate('dom'), 'm_quota::cancreate');
        $this->assertTrue((new m_dom())->add_domain(self::tag('') . '-q.org', 1));
        $this->assertSame(['t' => 2, 'u' => 1], $quota->getquota('dom'), 'the use counts the new domain');
        $this->assertTrue((new m_dom())->add_domain(self::tag('') . '-q2.org', 1));
        $this->assertFalse($quota->cancreate('dom'), 'no quota left');
        $this->assertFalse($quota->getquota('nosuch'));
        $this->assertRaised('quota', null, 'an unknown quota');
        $this->assertFalse($quota->cancreate('nosuch'));
        $this->assertSame(array_combine(m_quota::NAMES, array_map(function ($n) {
            return function_exists('_') ? _("quota_$n") : "quota_$n";
        }, m_quota::NAMES)), $quota->qlist(), 'm_quota::qlist');
    }

    public function testDisplayVal(): void
    {
        $quota = new m_quota();
        $this->assertSame('1 Mb', $quota->display_val('web', 1024), 'web is in KB');
        $this->assertSame('2 Kb', $quota->display_val('bw_web', 2048), 'bw_web in bytes');
        $this->assertSame('512 Bytes', $quota->display_val('bw_web', 512));
        $this->assertSame(5, $quota->display_val('dom', 5), 'a count as is');
    }

    /** @depends testGetquotaAndCancreate */
    public function testSetquotaAfterSu(): void
    {
        $mem = $this->session();
        $quota = new m_quota();
        $this->assertTrue($mem->su(self::$uid), 'su, as adm_quotadoedit.php');
        $this->assertTrue($quota->setquota('dom', '3'), 'm_quota::setquota');
        $this->assertTrue($quota->setquota('ftp', ''), "'' is 0, as 1.0");
        $this->assertSame(['t' => 3, 'u' => 2], $quota->getquota('dom'), 'the member\'s quota');
        $this->assertTrue($mem->unsu());
        $this->assertSame(3, self::api()->getQuota(self::$m, 'dom')['total'], 'set on the member');
        $this->assertSame(0, self::api()->getQuota(self::$m, 'ftp')['total']);
        $this->assertFalse($quota->setquota('nosuch', 1));
        $this->assertRaised('quota', null, 'an unknown quota');
    }

    /** @depends testSetquotaAfterSu */
    public function testAMemberCannotSetItsQuota(): void
    {
        $this->session(self::$m, self::PASS);
        $quota = new m_quota();
        $this->assertFalse($quota->setquota('dom', 100));
        $this->assertRaised('admin', 1, 'setquota by a member');
        $this->assertSame(3, $quota->getquota('dom')['t'], 'nothing changed');
        $this->assertFalse($quota->addtype(self::$type . 'x'));
        $this->assertRaised('admin', 1, 'addtype by a member');
        $this->assertFalse($quota->addquotas());
        $this->assertRaised('admin', 1, 'addquotas by a member');
    }

    public function testDelquotasHasNoRoute(): void
    {
        $this->session();
        $this->assertFalse((new m_quota())->delquotas());
        $this->assertRaised('quota', null, 'delquotas: no route');
    }

    public function testDefaultsAndTypes(): void
    {
        $this->session();
        $quota = new m_quota();
        $type = self::$type;
        $defaults = $quota->getdefaults();
        $this->assertArrayHasKey('default', $defaults, 'm_quota::getdefaults: [type][name] => value');
        $this->assertIsInt($defaults['default']['dom']);
        $this->assertFalse($quota->addtype(''), 'addtype of nothing, as 1.0');
        $this->assertTrue($quota->addtype($type), 'm_quota::addtype');
        $this->assertEquals(array_fill_keys(m_quota::NAMES, 0), $quota->getdefaults()[$type],
            'every default of the new type is 0');
        $this->assertFalse($quota->addtype($type), 'addtype of a type that exists');
        $this->assertSame('quota', $GLOBALS['err']->clsid);
        $this->assertTrue($quota->setdefaults([$type => ['dom' => 4, 'ftp' => 3, 'bogus' => 9]]),
            'm_quota::setdefaults');
        $got = $quota->getdefaults()[$type];
        $this->assertSame([4, 3], [$got['dom'], $got['ftp']]);
        $this->assertArrayNotHasKey('bogus', $got, 'a name not in qlist() is skipped, as 1.0');
    }

    /** A type that exists, named with '%' and HTML: 1.0's errstr() runs the error through sprintf
     * and its pages print it as HTML. */
    public function testAnExistingTypeNamedWithPercentAndHtml(): void
    {
        $this->session();
        $quota = new m_quota();
        $type = self::$type . '%s<b>';
        try {
            $this->assertTrue($quota->addtype($type), 'm_quota::addtype: ' . $GLOBALS['err']->errstr());
            $this->assertFalse($quota->addtype($type), 'addtype of a type that exists');
            $message = $GLOBALS['err']->errstr();
            $this->assertStringContainsString('%s&lt;b&gt;', $message);
        } finally {
            $quota->deltype($type);
        }
    }

    /** @depends testDefaultsAndTypes */
    public function testAddquotasAfterSu(): void
    {
        $mem = $this->session();
        self::api()->updateAccount(self::$m, ['type' => self::$type]);
        $this->assertTrue($mem->su(self::$uid));
        $this->assertTrue((new m_quota())->addquotas(), 'm_quota::addquotas');
        $this->assertTrue($mem->unsu());
        $q = array_column(self::api()->getQuotas(self::$m)['items'], 'total', 'name');
        $this->assertSame([4, 3, 0], [$q['dom'], $q['ftp'], $q['mail']], "the type's defaults");
    }

    /** @depends testAddquotasAfterSu */
    public function testDeltype(): void
    {
        $this->session();
        $quota = new m_quota();
        $this->assertTrue($quota->deltype(self::$type), 'm_quota::deltype of a type in use');
        $this->assertSame('default', self::api()->getAccount(self::$m)['type'], 'its accounts get default, as 1.0');
        $this->assertArrayNotHasKey(self::$type, $quota->getdefaults(), 'the type is gone');
        $this->assertTrue($quota->deltype(self::$type), 'a type without defaults: true, as 1.0');
        $this->assertFalse($quota->deltype('default'));
        $this->assertRaised('quota', null, 'default is every account\'s fallback');
        $this->assertArrayHasKey('default', $quota->getdefaults());
    }
}
