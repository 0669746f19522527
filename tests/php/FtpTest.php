<?php
// AlternC 1.0's m_ftp on the API: a member's FTP accounts by 1.0 id, with 1.0's rows and codes.

class FtpTest extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-7';
    /** @var string */
    private static $m;
    /** @var string a domain of the member */
    private static $dom;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('f');
        self::$dom = self::tag('') . '-f.org';
        self::createMember(self::$m, self::PASS, ['dom' => 1, 'ftp' => 3]);
        try {
            self::api()->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        self::api()->createDomain(self::$m, self::$dom);
    }

    public function testPrefixes(): void
    {
        $this->session(self::$m, self::PASS);
        $ftp = new m_ftp();
        $this->assertSame('ftp', $ftp->alternc_quota_names());
        $this->assertSame(['ftp'], array_keys($ftp->alternc_password_policy()));
        $this->assertSame([self::$m, self::$dom], $ftp->prefix_list(), 'm_ftp::prefix_list: the login, the domains');
        ob_start();
        $this->assertTrue($ftp->select_prefix_list(self::$dom));
        $this->assertSame('<option>' . self::$m . '</option><option selected="selected">' . self::$dom . '</option>',
            ob_get_clean(), 'm_ftp::select_prefix_list');
        $this->assertFalse($ftp->get_list());
        $this->assertRaised('ftp', 1, 'get_list without FTP accounts');
        $this->assertSame(0, $ftp->alternc_get_quota('ftp'));
        $this->assertFalse($ftp->alternc_get_quota('mail'), 'another quota: false, as 1.0');
    }

    /** @depends testPrefixes */
    public function testAddFtp(): void
    {
        $this->session(self::$m, self::PASS);
        $ftp = new m_ftp();
        $m = self::$m;
        $this->assertTrue($ftp->add_ftp($m, 'web', 'Ftp-bridge-pass-1', 'www'), 'm_ftp::add_ftp');
        $this->assertTrue($ftp->add_ftp(self::$dom, '', 'Ftp-bridge-pass-1', '/'), 'add_ftp named after the domain');
        $cases = [
            [['notmine' . self::$dom, 'x', 'Ftp-bridge-pass-1', ''], 3, 'a prefix not the account\'s'],
            [['', 'x', 'Ftp-bridge-pass-1', ''], 3, 'no prefix'],
            [[$m, 'web', 'Ftp-bridge-pass-1', 'www'], 4, 'a name taken'],
            [[$m, 'up', 'Ftp-bridge-pass-1', '../up'], 6, 'a dir outside the web space'],
        ];
        foreach ($cases as [$args, $code, $what]) {
            $this->assertFalse($ftp->add_ftp(...$args), $what);
            $this->assertRaised('ftp', $code, $what);
        }
        $this->assertFalse($ftp->add_ftp($m, 'Bad Name', 'Ftp-bridge-pass-1', ''));
        $this->assertRaised('ftp', null, 'a bad name: the API\'s message');
        $this->assertTrue($ftp->add_ftp($m, 'third', 'Ftp-bridge-pass-1', 'www/third'));
        $this->assertFalse($ftp->add_ftp($m, 'fourth', 'Ftp-bridge-pass-1', ''));
        $this->assertRaised('ftp', 5, 'over the ftp quota');
        $this->assertSame(3, $ftp->alternc_get_quota('ftp'), 'm_ftp::alternc_get_quota');
        $names = array_column(self::api()->listFtp($m)['items'], 'name');
        $this->assertEqualsCanonicalizing(["{$m}_web", self::$dom, "{$m}_third"], $names, 'as the API has them');
    }

    /** @depends testAddFtp */
    public function testListDetailsIsFtp(): void
    {
        $this->session(self::$m, self::PASS);
        $ftp = new m_ftp();
        $m = self::$m;
        $list = $ftp->get_list();
        $this->assertSame([self::$dom, "{$m}_web", "{$m}_third"], array_column($list, 'login'),
            'm_ftp::get_list, ordered by dir as 1.0');
        $this->assertSame(['', 'www', 'www/third'], array_column($list, 'dir'), 'dirs relative, no leading /');
        foreach ($list as $row) {
            $this->assertSame(['id', 'login', 'dir'], array_keys($row));
        }
        $web = $list[1]['id'];
        $this->assertSame(['id' => $web, 'prefixe' => $m, 'login' => 'web', 'dir' => 'www'],
            $ftp->get_ftp_details($web), 'm_ftp::get_ftp_details');
        $this->assertSame(['id' => $list[0]['id'], 'prefixe' => self::$dom, 'login' => '', 'dir' => ''],
            $ftp->get_ftp_details($list[0]['id']));
        $this->assertFalse($ftp->get_ftp_details(999999999));
        $this->assertRaised('ftp', 2, 'get_ftp_details of none');
        $this->assertSame($web, $ftp->is_ftp('www'), 'm_ftp::is_ftp');
        $this->assertSame($web, $ftp->is_ftp('/www'));
        $this->assertFalse($ftp->is_ftp('nope'));
    }

    /** @depends testListDetailsIsFtp */
    public function testPutAndDelete(): void
    {
        $this->session(self::$m, self::PASS);
        $ftp = new m_ftp();
        $m = self::$m;
        $web = $ftp->is_ftp('www');
        $this->assertTrue($ftp->put_ftp_details($web, $m, 'site', '', 'site'), 'm_ftp::put_ftp_details');
        $this->assertSame(['id' => $web, 'prefixe' => $m, 'login' => 'site', 'dir' => 'site'],
            $ftp->get_ftp_details($web), 'renamed and moved, same id');
        $this->assertTrue($ftp->put_ftp_details($web, $m, 'site', 'Ftp-bridge-pass-2', 'site'), 'a new password');
        $this->assertFalse($ftp->put_ftp_details($web, 'notmine.org', 'site', '', 'site'));
        $this->assertRaised('ftp', 3, 'put_ftp_details to a prefix not the account\'s');
        $this->assertFalse($ftp->put_ftp_details($web, self::$dom, '', '', 'site'));
        $this->assertRaised('ftp', 4, 'put_ftp_details to a name taken');
        $this->assertFalse($ftp->put_ftp_details($web, $m, 'site', '', '../x'));
        $this->assertRaised('ftp', 6, 'put_ftp_details to a bad dir');
        $this->assertFalse($ftp->put_ftp_details(999999999, $m, 'x', '', ''));
        $this->assertRaised('ftp', 2, 'put_ftp_details of none');
        $this->assertSame("{$m}_site", self::api()->getFtp("{$m}_site")['name'], 'the refused edits changed nothing');
        $this->assertSame('/site', self::api()->getFtp("{$m}_site")['dir']);
        $this->assertSame("{$m}_site", $ftp->delete_ftp($web), 'm_ftp::delete_ftp returns the name');
        $this->assertFalse($ftp->delete_ftp($web));
        $this->assertRaised('ftp', 2, 'delete_ftp of none');
        $this->assertCount(2, $ftp->get_list());
    }
}
