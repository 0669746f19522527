<?php
// AlternC 1.0's m_dom and m_mail on the API as a member's pages use them, then the admin's side
// (m_admin's domain list and lock, domain types, onesu, creators, renewals, TLDs).

class DomMailTest extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-5';
    /** @var string the member */
    private static $dm;
    /** @var int */
    private static $dmUid;
    /** @var string domains: a plain one, a master and its slave, a forbidden one */
    private static $d1;
    private static $dmaster;
    private static $dslave;
    private static $forbidden;
    /** @var string a domain name that nobody hosts */
    private static $nosuch;

    public static function setUpBeforeClass(): void
    {
        $t = self::tag('');
        self::$dm = self::tag('d');
        self::$dmUid = self::createMember(self::$dm, self::PASS, ['dom' => 10, 'mail' => 50]);
        self::$d1 = "$t-d.org";
        self::$dmaster = "$t-m.org";
        self::$dslave = "$t-s.org";
        self::$forbidden = "forbid$t.org";
        self::$nosuch = "nosuch$t.org";
        try {
            self::api()->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        self::api()->request('POST', '/api/v1/forbidden-domains', [], ['domain' => self::$forbidden]);
    }

    /** The member's session, as its pages run. */
    private function member(): m_mem
    {
        return $this->session(self::$dm, self::PASS);
    }

    public function testAddDomain(): void
    {
        $this->member();
        $this->assertSame(self::$dmUid, $GLOBALS['cuid'], 'the member logs in');
        $dom = new m_dom();
        $this->assertSame('dom', $dom->alternc_quota_names());
        $this->assertSame([], $dom->enum_domains(), 'm_dom::enum_domains: none yet');
        $this->assertTrue($dom->lock(), 'm_dom::lock');
        $this->assertTrue($dom->add_domain(self::$d1, 1), 'm_dom::add_domain');
        $this->assertTrue($dom->unlock(), 'm_dom::unlock');
        $this->assertSame([self::$d1], $dom->enum_domains(), 'enum_domains lists it');
        $this->assertFalse($dom->add_domain(self::$d1, 1));
        $this->assertRaised('dom', 8, 'add_domain of a hosted domain');
        $this->assertFalse($dom->add_domain('bad_name' . self::$nosuch, 1));
        $this->assertRaised('dom', 6, 'a bad label');
        $this->assertFalse($dom->add_domain('nodot', 1));
        $this->assertRaised('dom', 7, 'one label');
        $this->assertFalse($dom->add_domain(self::tag('') . '.notatld', 1));
        $this->assertRaised('dom', 7, 'a TLD not listed (API)');
        $this->assertFalse($dom->add_domain(self::$forbidden, 1));
        $this->assertRaised('dom', 22, 'a forbidden domain (API)');
        $this->assertFalse($dom->add_domain(self::tag('') . '-n.org', 1, 1));
        $this->assertRaised('dom', null, 'a member asking noerase is refused');
    }

    /** @depends testAddDomain */
    public function testGetDomainAll(): void
    {
        $this->member();
        $dom = new m_dom();
        $d1 = self::$d1;
        $all = $dom->get_domain_all($d1);
        $subs = [];
        foreach ($all['sub'] as $s) {
            $subs[$s['name'] . '/' . strtolower($s['type'])] = $s;
        }
        $this->assertSame([$d1, '1', '1', '0', null], [$all['name'], $all['dns'], $all['mail'], $all['noerase'],
            $all['mx']], 'm_dom::get_domain_all in 1.0 shape');
        $this->assertSame(count($all['sub']), (int) $all['nsub']);
        $this->assertNotSame('', $all['dns_action']);
        $this->assertArrayHasKey('/url', $subs, 'the default entries: @ url');
        $this->assertArrayHasKey('www/vhost', $subs, 'www vhost');
        $this->assertArrayHasKey('mail/webmail', $subs, 'mail webmail');
        $this->assertSame("http://www.$d1", $subs['/url']['dest']);
        $this->assertNotSame('', $subs['www/vhost']['type_desc']);
        $this->assertContains($subs['www/vhost']['only_dns'], ['0', '1']);
        $this->assertSame(1, $dom->webmail);
        $this->assertFalse($dom->get_domain_all(self::$nosuch));
        $this->assertRaised('dom', 1, 'get_domain_all of an unknown domain');
        $this->assertFalse($dom->get_domain_all('bad_name.org'));
        $this->assertRaised('dom', 6, 'get_domain_all checks the name');
    }

    /** @depends testAddDomain */
    public function testSubDomains(): void
    {
        $this->member();
        $dom = new m_dom();
        $d1 = self::$d1;
        $this->assertTrue($dom->set_sub_domain($d1, 'Blog.', 'VHOST', '/blog'), 'm_dom::set_sub_domain creates');
        $b = $dom->get_sub_domain_all($d1, 'blog');
        $this->assertSame(['blog', '/blog', 'ENABLED'], [$b['name'], $b['dest'], $b['enable']],
            'm_dom::get_sub_domain_all ' . json_encode($b));
        $this->assertArrayNotHasKey('type', $b);
        $this->assertFalse($dom->get_sub_domain_all($d1, 'nosuch'));
        $this->assertRaised('dom', 14, 'get_sub_domain_all of none');
        $this->assertFalse($dom->set_sub_domain($d1, 'bad!sub', 'vhost', '/x'));
        $this->assertRaised('dom', 24, 'a bad sub name');
        $this->assertFalse($dom->set_sub_domain($d1, 'ip1', 'ip', 'not-an-ip'));
        $this->assertRaised('dom', 667, 'a bad IP');
        $this->assertFalse($dom->set_sub_domain($d1, 'x1', 'nosuchtype', ''));
        $this->assertRaised('dom', 667, 'an unknown type');
        $this->assertFalse($dom->set_sub_domain($d1, 'www', 'ip', '192.0.2.1'));
        $this->assertRaised('dom', 654, 'an ip beside the vhost');
        $this->assertFalse($dom->set_sub_domain(self::$nosuch, 'a', 'vhost', '/a'));
        $this->assertRaised('dom', 1, 'an entry on an unknown domain');
        $this->assertTrue($dom->set_sub_domain($d1, 'blog', 'vhost', '/blog2', 'vhost', null, '/blog'));
        $this->assertSame('/blog2', $dom->get_sub_domain_all($d1, 'blog')['dest'], 'set_sub_domain edits the value');
        $this->assertTrue($dom->set_sub_domain($d1, 'blog', 'url', 'http://example.net/', 'vhost', null, '/blog2'));
        $this->assertFalse($dom->get_sub_domain_all($d1, 'blog', 'vhost'), 'set_sub_domain changes the type');
        $this->assertSame('http://example.net/', $dom->get_sub_domain_all($d1, 'blog', 'url')['dest']);
        $this->assertFalse($dom->set_sub_domain($d1, 'blog', 'ip', 'bad', 'url', null, 'http://example.net/'));
        $this->assertRaised('dom', 667, 'a refused edit');
        $this->assertSame('http://example.net/', $dom->get_sub_domain_all($d1, 'blog', 'url')['dest'],
            'a refused edit puts the old entry back');
        $this->assertTrue($dom->set_sub_domain($d1, 'multi', 'ip', '192.0.2.1')
            && $dom->set_sub_domain($d1, 'multi', 'ip', '192.0.2.2')
            && $dom->set_sub_domain($d1, 'multi', 'ip', '192.0.2.3', 'ip', null, '192.0.2.1'),
            'two IPs on one name, one edited');
        $ips = [];
        foreach ($dom->get_domain_all($d1)['sub'] as $s) {
            if ($s['name'] === 'multi') {
                $ips[] = $s['dest'];
            }
        }
        sort($ips);
        $this->assertSame(['192.0.2.2', '192.0.2.3'], $ips, 'the edited IP replaced its old value only');
        $this->assertTrue($dom->del_sub_domain($d1, 'multi', 'ip', '192.0.2.2'), 'm_dom::del_sub_domain by value');
        $this->assertFalse($dom->get_sub_domain_all($d1, 'multi', 'ip', '192.0.2.2'));
        $this->assertNotFalse($dom->get_sub_domain_all($d1, 'multi', 'ip', '192.0.2.3'));
        $this->assertFalse($dom->del_sub_domain($d1, 'nosuch', 'vhost'));
        $this->assertRaised('dom', 14, 'del_sub_domain of none');
        $this->assertFalse($dom->del_sub_domain(self::$nosuch, 'www', 'vhost'));
        $this->assertRaised('dom', 1, 'del_sub_domain on an unknown domain');
        $this->assertTrue($dom->sub_domain_change_status($d1, 'blog', 'url', '', 'disable'));
        $this->assertSame('DISABLE', $dom->get_sub_domain_all($d1, 'blog')['enable'], 'sub_domain_change_status');
        $this->assertTrue($dom->sub_domain_change_status($d1, 'blog', 'url', 'http://example.net/', 'ENABLE'));
        $this->assertContains($dom->get_sub_domain_all($d1, 'blog')['enable'], ['ENABLE', 'ENABLED'],
            'sub_domain_change_status ENABLE (with the value)');
        $this->assertFalse($dom->sub_domain_change_status($d1, 'blog', 'url', '', 'bogus'), 'another status');
        $this->assertFalse($dom->sub_domain_change_status($d1, 'nosuch', 'url', '', 'ENABLE'));
        $this->assertRaised('dom', 14, 'sub_domain_change_status of none');
    }

    /** @depends testAddDomain */
    public function testEditDomain(): void
    {
        $this->member();
        $dom = new m_dom();
        $d1 = self::$d1;
        $this->assertFalse($dom->edit_domain($d1, 1, 1));
        $this->assertRaised('dom', 15, 'edit_domain without a change');
        $this->assertTrue($dom->edit_domain($d1, 1, 0), 'm_dom::edit_domain switches the mail off');
        $this->assertSame('0', $dom->get_domain_all($d1)['mail']);
        $this->assertTrue($dom->edit_domain($d1, 1, 1), 'and on again');
        $this->assertSame('1', $dom->get_domain_all($d1)['mail']);
        $this->assertFalse($dom->edit_domain(self::$nosuch, 1, 0));
        $this->assertRaised('dom', 1, 'edit_domain of an unknown domain');
    }

    /** @depends testAddDomain */
    public function testDomainTypesAndLists(): void
    {
        $this->member();
        $dom = new m_dom();
        $types = $dom->domains_type_lst();
        $adv = array_column($types, 'advanced');
        $advSorted = $adv;
        sort($advSorted);
        $this->assertArrayHasKey('vhost', $types, 'm_dom::domains_type_lst');
        $this->assertSame('DIRECTORY', $types['vhost']['target']);
        $this->assertIsString($types['ip']['compatibility']);
        $this->assertStringContainsString('ip', $types['ip']['compatibility']);
        $this->assertSame($advSorted, $adv, 'ordered by advanced');
        $this->assertSame('vhost', $dom->domains_type_get('vhost')['name'], 'm_dom::domains_type_get');
        $this->assertFalse($dom->domains_type_get('nosuch'));
        $this->assertSame('IP', $dom->domains_type_target_values('ip'), 'm_dom::domains_type_target_values');
        $this->assertCount(7, $dom->domains_type_target_values());
        $this->assertFalse($dom->domains_type_target_values('nosuch'));
        $this->assertSame(['ALL', 'NONE', 'ADMIN'], $dom->domains_type_enable_values());
        $txt = $types['txt'];
        $this->assertFalse($dom->domains_type_update('txt', 'x', $txt['target'], $txt['entry'], $txt['compatibility'],
            $txt['enable'], $txt['only_dns'], $txt['need_dns'], $txt['advanced']));
        $this->assertRaised('admin', 1, 'a member may not update a domain type');
        $this->assertSame([self::$d1], $dom->get_domain_list(), 'm_dom::get_domain_list of the member');
        ob_start();
        $dom->echo_domain_list();
        $this->assertSame(self::$d1 . "\n", ob_get_clean(), 'm_dom::echo_domain_list');
    }

    /** @depends testAddDomain */
    public function testSlaveDomain(): void
    {
        $this->member();
        $dom = new m_dom();
        $mail = new m_mail();
        [$dmaster, $dslave] = [self::$dmaster, self::$dslave];
        $this->assertTrue($dom->add_domain($dmaster, 1), 'a master');
        $this->assertTrue($dom->add_domain($dslave, 1, 0, 0, 1, $dmaster), 'add_domain of a slave domain');
        $ss = [];
        foreach ($dom->get_domain_all($dslave)['sub'] as $s) {
            $ss[$s['name'] . '/' . strtolower($s['type'])] = $s['dest'];
        }
        $this->assertSame("http://www.$dmaster", $ss['/url'] ?? '', 'the slave points @ at the master');
        $this->assertSame("http://www.$dmaster", $ss['www/url'] ?? '', 'www');
        $this->assertSame("http://mail.$dmaster", $ss['mail/url'] ?? '', 'mail');
        $this->assertArrayNotHasKey('www/vhost', $ss);
        $this->assertSame("@$dmaster", $mail->get_mail_details("@$dslave")['alias'],
            'and catches all its mail to @master');
        $t = self::tag('') . '-t.org';
        $this->assertTrue($dom->add_domain($t, 1, 0, 0, 1, self::$nosuch), 'a slave of a domain not ours');
        $this->assertRaised('dom', 1, 'the master not ours');
        $this->assertNotFalse($dom->get_sub_domain_all($t, 'www', 'vhost'), 'added as a normal domain');
    }

    /** @depends testSlaveDomain */
    public function testAddMail(): void
    {
        $this->member();
        $mail = new m_mail();
        $dmaster = self::$dmaster;
        $this->assertSame('mail', $mail->alternc_quota_names());
        $this->assertSame(['pop'], array_keys($mail->alternc_password_policy()));
        $this->assertContains($dmaster, $mail->enum_domains(), 'm_mail::enum_domains');
        $this->assertTrue($mail->add_mail($dmaster, 'John', 1, 'Mail-Box-Pass-7', ''), 'm_mail::add_mail of a box');
        $cases = [
            [[$dmaster, 'john', 1, 'Mail-Box-Pass-7', ''], 7, 'an existing one'],
            [[$dmaster, 'bad local', 0, '', 'a@example.net'], 13, 'a bad local part'],
            [[$dmaster, 'x', 1, '', ''], 4, 'a box without password'],
            [[$dmaster, 'x', 0, '', ''], 4, 'an alias without forward'],
            [[$dmaster, 'x', 0, '', "a@example.net\nnot an address"], 14, 'a bad forward'],
            [[self::$nosuch, 'x', 0, '', 'a@example.net'], 6, 'a domain not ours'],
            [[$dmaster, 'old', 0, '', 'a@example.net', '2001-01-01'], 5, 'an expiration in the past'],
        ];
        foreach ($cases as [$args, $code, $what]) {
            $this->assertFalse($mail->add_mail(...$args), $what);
            $this->assertRaised('mail', $code, $what);
        }
        $this->assertTrue($mail->add_mail($dmaster, 'info', 0, '', "a@example.net\n\n b@example.net "),
            'm_mail::add_mail of an alias with two forwards');
        $this->assertTrue($mail->add_mail($dmaster, 'tmp', 0, '', 'a@example.net', '2099-01-01 00:00:00'));
        $this->assertStringStartsWith('2099-01-01', (string) $mail->get_mail_details("tmp@$dmaster")['expiration_date'],
            'add_mail with an expiration date');
    }

    /** @depends testAddMail */
    public function testEnumMail(): void
    {
        $this->member();
        $mail = new m_mail();
        $dmaster = self::$dmaster;
        $list = $mail->enum_doms_mails($dmaster);
        $by = [];
        foreach ($list as $k => $row) {
            if ($k !== 'count') {
                $by[$row['mail']] = $row;
            }
        }
        $this->assertSame(count($by), $list['count'], 'm_mail::enum_doms_mails count');
        $this->assertSame(['1', ''], [$by["john@$dmaster"]['pop'], $by["john@$dmaster"]['alias']]);
        $this->assertSame(['0', "a@example.net\nb@example.net"], [$by["info@$dmaster"]['pop'],
            $by["info@$dmaster"]['alias']]);
        $this->assertIsInt($by["john@$dmaster"]['size']);
        $j = $mail->enum_doms_mails($dmaster, 0, 'j');
        $this->assertSame(1, $j['count'], 'enum_doms_mails by letter');
        $this->assertSame("john@$dmaster", $j[0]['mail']);
        $sorted = $mail->enum_doms_mails($dmaster, 2);
        unset($sorted['count']);
        $this->assertSame('1', end($sorted)['pop'], 'enum_doms_mails sorted by type: boxes last');
        $this->assertSame('0', $sorted[0]['pop']);
        $letters = $mail->enum_doms_mails_letters($dmaster);
        $this->assertContains('i', $letters, 'm_mail::enum_doms_mails_letters');
        $this->assertContains('j', $letters);
        $this->assertSame(array_values(array_unique($letters)), $letters);
        $catch = $mail->enum_doms_mails(self::$dslave, 0, '@');
        $this->assertSame(1, $catch['count'], 'enum_doms_mails of the catch-all (@)');
        $this->assertSame('@' . self::$dslave, $catch[0]['mail']);
        $this->assertFalse($mail->enum_doms_mails(self::$nosuch));
        $this->assertSame('mail', $GLOBALS['err']->clsid, 'enum_doms_mails of a domain not ours fails');
    }

    /** @depends testAddMail */
    public function testMailDetails(): void
    {
        $this->member();
        $mail = new m_mail();
        $dmaster = self::$dmaster;
        $jd = $mail->get_mail_details("John@$dmaster");
        $this->assertSame(["john@$dmaster", "john_$dmaster", '1', ''], [$jd['mail'], $jd['login'], $jd['pop'],
            $jd['alias']], 'm_mail::get_mail_details ' . json_encode($jd));
        $this->assertArrayHasKey('trash_info', $jd);
        $this->assertFalse($mail->get_mail_details("nobody@$dmaster"));
        $this->assertRaised('mail', 3, 'get_mail_details of none');
        $this->assertFalse($mail->available("john@$dmaster"), 'm_mail::available');
        $this->assertTrue($mail->available("nobody@$dmaster"));
        $info = "info@$dmaster";
        $this->assertTrue($mail->put_mail_details($info, 0, '', 'c@example.net'), 'm_mail::put_mail_details');
        $this->assertSame('c@example.net', $mail->get_mail_details($info)['alias']);
        $this->assertFalse($mail->put_mail_details($info, 1, '', 'c@example.net'));
        $this->assertRaised('mail', 4, 'a new box without password');
        $this->assertTrue($mail->put_mail_details($info, 1, 'Mail-Box-Pass-8', 'c@example.net'));
        $this->assertSame('1', $mail->get_mail_details($info)['pop'], 'put_mail_details adds a box');
        $this->assertFalse($mail->put_mail_details($info, 0, '', ''));
        $this->assertRaised('mail', 4, 'no box and no forward');
        $this->assertFalse($mail->put_mail_details($info, 0, '', "c@example.net\nbad address"));
        $this->assertRaised('mail', 14, 'put_mail_details with a bad forward');
        $this->assertTrue($mail->put_mail_details($info, 0, '', 'c@example.net'));
        $this->assertSame('0', $mail->get_mail_details($info)['pop'], 'put_mail_details removes the box');
        $this->assertTrue($mail->put_mail_details("tmp@$dmaster", 0, '', 'a@example.net'));
        $this->assertNull($mail->get_mail_details("tmp@$dmaster")['expiration_date'],
            'put_mail_details without a date: never expires (as 1.0)');
        $this->assertFalse($mail->put_mail_details("nobody@$dmaster", 0, '', 'c@example.net'));
        $this->assertRaised('mail', 3, 'put_mail_details of none');
        $this->assertTrue($mail->change_password("john@$dmaster", 'Mail-Box-Pass-9'), 'm_mail::change_password');
        self::newApi()->changeMailPassword("john@$dmaster", 'Mail-Box-Pass-9', 'Mail-Box-Pass-10');
        $this->assertFalse($mail->change_password($info, 'Mail-Box-Pass-9'));
        $this->assertRaised('mail', 15, 'change_password of an address without a box');
        $this->assertFalse($mail->change_password("nobody@$dmaster", 'Mail-Box-Pass-9'));
        $this->assertRaised('mail', 3, 'change_password of none');
        $this->assertTrue($mail->del_mail($info), 'm_mail::del_mail');
        $this->assertTrue($mail->available($info));
        $this->assertFalse($mail->del_mail($info));
        $this->assertRaised('mail', 3, 'del_mail of none');
    }

    /** @depends testSlaveDomain */
    public function testAdminOnTheMembersDomains(): void
    {
        $this->session();
        $admin = new m_admin();
        $dom = new m_dom();
        $d1 = self::$d1;
        $dl = $admin->dom_list();
        $names = array_column($dl, 'domaine');
        $sortedNames = $names;
        sort($sortedNames);
        $mine = array_values(array_filter($dl, function ($r) use ($d1) {
            return $r['domaine'] === $d1;
        }));
        $this->assertCount(1, $mine, 'm_admin::dom_list');
        $this->assertSame([self::$dm, '0'], [$mine[0]['login'], $mine[0]['noerase']]);
        $this->assertSame($sortedNames, $names, 'dom_list by name');
        $this->assertTrue($admin->dom_lock($d1), 'm_admin::dom_lock locks');
        $this->assertSame('1', $admin->dom_list()[array_search($d1, $names, true)]['noerase']);
        $this->assertFalse($admin->dom_lock(self::$nosuch));
        $this->assertRaised('dom', 1, 'dom_lock of an unknown domain');
        ob_start();
        (new m_mail())->echo_domain_list();
        $this->assertContains(self::$dmaster, explode("\n", trim(ob_get_clean())),
            'm_mail::echo_domain_list (admin: every mail domain)');
        $this->assertContains($d1, $dom->get_domain_list(-1), 'm_dom::get_domain_list of all');
        $this->assertSame([$d1, self::$dmaster, self::$dslave, self::tag('') . '-t.org'],
            $dom->get_domain_list(self::$dmUid), 'and of one uid');
        $txt = $dom->domains_type_lst()['txt'];
        $update = function ($description, $target) use ($dom, $txt) {
            return $dom->domains_type_update('txt', $description, $target, $txt['entry'], $txt['compatibility'],
                $txt['enable'], $txt['only_dns'], $txt['need_dns'], $txt['advanced']);
        };
        $this->assertTrue($update('TXT entry (bridge)', $txt['target']), 'm_dom::domains_type_update');
        $this->assertSame('TXT entry (bridge)', $dom->domains_type_get('txt')['description']);
        $this->assertFalse($update($txt['description'], 'IP'));
        $this->assertRaised('dom', null, 'domains_type_update cannot change the target');
        $this->assertTrue($update($txt['description'], $txt['target']));
    }

    /** @depends testAdminOnTheMembersDomains */
    public function testLockedDomainDeletion(): void
    {
        $this->member();
        $dom = new m_dom();
        $d1 = self::$d1;
        $this->assertFalse($dom->del_domain($d1));
        $this->assertRaised('dom', null, 'a member cannot delete a locked domain');
        $this->session();
        $this->assertTrue((new m_admin())->dom_lock($d1), 'dom_lock again unlocks');
        $this->member();
        $this->assertTrue($dom->del_domain($d1), 'm_dom::del_domain');
        $this->assertSame('DELETE', $dom->get_domain_all($d1)['dns_action'], 'marked for deletion');
        $this->assertFalse($dom->del_domain($d1));
        $this->assertRaised('dom', null, 'a second del_domain: already being deleted');
        $this->assertFalse($dom->del_domain(self::$nosuch));
        $this->assertRaised('dom', 1, 'del_domain of an unknown domain');
    }

    /** @depends testAddDomain */
    public function testTheRestOfMAdmin(): void
    {
        $this->session();
        $admin = new m_admin();
        $dmUid = self::$dmUid;
        $this->assertTrue($admin->onesu(), 'm_admin::onesu: one administrator');
        $this->assertTrue($admin->normal2su($dmUid), 'm_admin::normal2su');
        $this->assertFalse($admin->onesu(), 'onesu is false with two');
        $this->assertFalse($admin->normal2su($dmUid));
        $this->assertRaised('admin', 8, 'normal2su of an admin');
        $this->assertTrue($admin->su2normal($dmUid), 'm_admin::su2normal');
        $this->assertFalse($admin->su2normal($dmUid));
        $this->assertRaised('admin', 9, 'su2normal of a member');
        $root = array_values(array_filter($admin->get_creator_list(), function ($r) {
            return $r['uid'] === '2000';
        }));
        $this->assertCount(1, $root, 'm_admin::get_creator_list');
        $this->assertGreaterThanOrEqual(1, (int) $root[0]['nbcreated'], 'the member created here at least');
        $this->assertSame($admin->get_creator(2000)['nbcreated'], $root[0]['nbcreated'], 'as get_creator');
        $g = $admin->get($dmUid);
        $this->assertSame(['2000', self::adminLogin()], [$g['creator'], $g['parentlogin']],
            'creator is the creator\'s uid, parentlogin its login');
        $this->assertTrue($admin->renew_update($dmUid, 12), 'm_admin::renew_update starts a period');
        $this->assertSame('12', $admin->get($dmUid)['duration']);
        $this->assertNotFalse($admin->renew_get_expiry($dmUid), 'm_admin::renew_get_expiry');
        $st = $admin->renew_get_status($dmUid);
        $this->assertContains($st, [1, 2, 3], 'm_admin::renew_get_status');
        $exp = $admin->renew_get_expiring_accounts();
        $this->assertIsArray($exp);
        $this->assertSame($st >= 2, in_array(self::$dm, array_column($exp, 'login'), true),
            'm_admin::renew_get_expiring_accounts');
        $this->assertTrue($admin->renew_update($dmUid, 0), 'renew_update 0 clears it');
        $this->assertNull($admin->get($dmUid)['duration']);
        $this->assertSame(0, $admin->renew_get_status($dmUid));
        $this->assertNotContains(self::$dm, array_column($admin->renew_get_expiring_accounts(), 'login'));
        $this->assertFalse($admin->renew_update(99999, 1));
        $this->assertRaised('admin', 2, 'renew_update of an unknown uid');
    }

    /** @depends testAddDomain */
    public function testTlds(): void
    {
        $this->session();
        $admin = new m_admin();
        $newtld = 'x' . getenv('PANEL_TEST_TAG');
        $this->assertSame('1', $admin->gettld('org'), 'm_admin::gettld');
        $this->assertFalse($admin->gettld($newtld));
        $this->assertRaised('admin', 11, 'gettld of an unlisted TLD');
        $this->assertTrue($admin->addtld(".$newtld", 3), 'm_admin::addtld (leading dot dropped)');
        $this->assertSame('3', $admin->gettld($newtld));
        $this->assertContains(['tld' => $newtld, 'mode' => '3'], $admin->listtld(), 'm_admin::listtld');
        $this->assertFalse($admin->addtld($newtld, 4));
        $this->assertRaised('admin', 12, 'addtld of a listed TLD');
        $this->assertFalse($admin->addtld('', 4));
        $this->assertRaised('admin', 12, 'addtld of nothing');
        $this->assertFalse($admin->addtld('bad_tld', 4));
        $this->assertRaised('admin', null, 'addtld of a bad name: the API refuses it');
        $this->assertTrue($admin->edittld($newtld, 0), 'm_admin::edittld');
        $this->assertSame('0', $admin->gettld($newtld));
        $this->assertFalse($admin->edittld('y' . getenv('PANEL_TEST_TAG'), 1));
        $this->assertRaised('admin', 11, 'edittld of an unlisted TLD');
        $this->assertTrue($admin->deltld($newtld), 'm_admin::deltld');
        $this->assertFalse($admin->gettld($newtld));
        $this->assertFalse($admin->deltld($newtld));
        $this->assertRaised('admin', 11, 'deltld of an unlisted TLD');
    }

    /** @depends testTlds */
    public function testAMemberOnTheAdminMethods(): void
    {
        $this->member();
        $admin = new m_admin();
        $this->assertFalse($admin->get_creator_list());
        $this->assertRaised('admin', 1, 'get_creator_list for a member');
        $this->assertFalse($admin->addtld('z' . getenv('PANEL_TEST_TAG'), 1));
        $this->assertRaised('admin', 1, 'addtld for a member (the API refuses)');
        $this->assertFalse($admin->dom_lock(self::$dmaster));
        $this->assertSame('0', self::api()->getDomain(self::$dmaster)['noerase'] ? '1' : '0',
            'dom_lock by a member changed nothing');
    }

    /**
     * m_dom::checkmx against tests/support/fake_dns.py (test_php_bridge.sh gives it the rules of
     * pb<tag>-mx{a,b,d}.org; -mxc.org has none: NXDOMAIN), on the domains of another member.
     */
    public function testCheckmx(): void
    {
        $x = self::tag('x');
        $t = self::tag('');
        self::createMember($x, self::PASS, ['dom' => 4]);
        foreach (['a', 'b', 'c', 'd'] as $l) {
            self::api()->createDomain($x, "$t-mx$l.org", ['dns' => true, 'mx' => true]);
        }
        $this->session($x, self::PASS);
        $dom = new m_dom();
        $cases = [
            ["$t-mxa.org", '', 0, "the host's MX (the API's default_mx)"],
            ["$t-mxa.org", 'mx1.example.net', 0, "the host's MX, given as 1.0's \$mx"],
            ["$t-mxa.org", 'mx9.example.net,mx8.example.net', 2, 'another $mx list: compared with it, as 1.0'],
            ["$t-mxb.org", '', 2, 'foreign MX'],
            ["$t-mxb.org", 'mx.other.example, MX2.Elsewhere.Example.', 0, '$mx names one of them'],
            ["$t-mxc.org", '', 1, 'no MX (NXDOMAIN)'],
            ["$t-mxc.org", 'mx1.example.net', 1, 'no MX, whatever $mx'],
        ];
        foreach ($cases as [$d, $mx, $code, $what]) {
            $this->assertSame($code, $dom->checkmx($d, $mx), "m_dom::checkmx: $what");
        }
        $this->assertSame(0, $dom->checkmx(strtoupper("$t-mxa.org"), null), 'the name in capitals, $mx null');
        $this->assertFalse($dom->checkmx("$t-mxd.org", ''));
        $this->assertRaised('dom', null, 'a DNS failure is not "no MX": the API\'s message');
        $this->assertSame(503, $GLOBALS['panel_last_exception']->getHttpStatus());
        $this->assertFalse($dom->checkmx(self::$nosuch, ''));
        $this->assertRaised('dom', 1, 'checkmx of a domain nobody hosts');

        $this->member();
        $this->assertFalse((new m_dom())->checkmx("$t-mxa.org", ''));
        $this->assertRaised('dom', 1, "checkmx of another member's domain");
    }

    /** @depends testCheckmx */
    public function testDomainsTypeRegenerate(): void
    {
        $x = self::tag('x');
        $t = self::tag('');
        $uid = (int) self::api()->getAccount($x)['uid'];
        self::api()->setSubdomain("$t-mxa.org", 'note', 'txt', 'v=bridge');
        // As if the crons had run: nothing pending on the member's domains.
        self::panelQuery("UPDATE domaines SET dns_action = 'OK' WHERE compte = $uid;"
            . " UPDATE sub_domaines SET web_action = 'OK' WHERE compte = $uid");
        $state = function () use ($uid) {
            return self::panelQuery("SELECT domaine, dns_action FROM domaines WHERE compte = $uid ORDER BY domaine;"
                . " SELECT CONCAT(sub, '/', UPPER(type), '=', web_action) FROM sub_domaines WHERE compte = $uid"
                . " AND LOWER(type) = 'txt'");
        };
        $before = $state();

        $this->member();
        $dom = new m_dom();
        $this->assertFalse($dom->domains_type_regenerate('txt'));
        $this->assertRaised('admin', 1, 'domains_type_regenerate for a member');
        $this->assertSame($before, $state(), 'nothing marked');

        $this->session();
        $this->assertTrue($dom->domains_type_regenerate('txt'), 'm_dom::domains_type_regenerate');
        $this->assertSame('txt', strtolower($dom->regenerated['name']));
        $this->assertGreaterThanOrEqual(1, $dom->regenerated['entries']);
        $this->assertGreaterThanOrEqual(1, $dom->regenerated['domains']);
        $this->assertSame(["$t-mxa.org\tUPDATE", "$t-mxb.org\tOK", "$t-mxc.org\tOK", "$t-mxd.org\tOK",
            'note/TXT=UPDATE'], $state(), "the type's entry and its domain's zone only (1.0: every domain)");
        $this->assertFalse($dom->domains_type_regenerate('nosuchtype'));
        $this->assertRaised('dom', 667, 'an unknown type');
    }
}
