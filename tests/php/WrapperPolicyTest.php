<?php
// The 1.0 methods written on the routes that came last: m_mail's wrappers (their mail_domain /
// mail_alias rows, as 1.0 wrote them, checked as root), m_admin's password policies (the
// `policy` table) and m_dom::del_domain_cancel (`domaines` / `sub_domaines`, the postmaster
// back); each refused to a member on another member's objects, which stay unchanged.

class WrapperPolicyTest extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-11';
    const COMMAND = '/usr/bin/true post news';
    /** @var string the member, another member, their domains */
    private static $m;
    private static $mUid;
    private static $o;
    private static $dom;
    private static $dom2;
    private static $nomx;
    private static $oDom;
    /** @var array the pop policy before the tests */
    private static $pop;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('e');
        self::$o = self::tag('p');
        self::$mUid = self::createMember(self::$m, self::PASS, ['dom' => 3, 'mail' => 5]);
        self::createMember(self::$o, self::PASS, ['dom' => 1, 'mail' => 5]);
        self::$dom = self::tag('') . '-e.org';
        self::$dom2 = self::tag('') . '-e2.org';
        self::$nomx = self::tag('') . '-e3.org';
        self::$oDom = self::tag('') . '-p.org';
        $api = self::api();
        try {
            $api->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        $api->createDomain(self::$m, self::$dom, ['dns' => true, 'mx' => true]);
        $api->createDomain(self::$m, self::$dom2, ['dns' => true, 'mx' => true]);
        $api->createDomain(self::$m, self::$nomx, ['dns' => true, 'mx' => false]);
        $api->createDomain(self::$o, self::$oDom, ['dns' => true, 'mx' => true]);
        self::$pop = $api->getPolicy('pop');
    }

    public static function tearDownAfterClass(): void
    {
        $p = self::$pop;
        self::api()->updatePolicy('pop', ['minsize' => $p['minsize'], 'maxsize' => $p['maxsize'],
            'classcount' => $p['classcount'], 'allowlogin' => $p['allowlogin']]);
    }

    /** The wrapper's rows: mail_domain "alias uid pop type", then the mail_alias targets of that alias. */
    private static function wrapperRows(string $address): array
    {
        $d = self::panelQuery("SELECT alias, uid, pop, type FROM mail_domain WHERE mail = '" . addslashes($address)
            . "'");
        $alias = str_replace('@', '_', $address);
        $a = self::panelQuery("SELECT alias FROM mail_alias WHERE mail = '" . addslashes($alias) . "'");
        return [$d, $a];
    }

    // ---- m_mail::add_wrapper / del_wrapper ---------------------------------------------------------

    public function testWrappers(): void
    {
        $dom = self::$dom;
        $news = "news@$dom";
        $this->session(self::$m, self::PASS);
        $mail = new m_mail();
        $this->assertFalse($mail->add_wrapper('news', $dom, self::COMMAND));
        $this->assertRaised('admin', 1, 'm_mail::add_wrapper by a member');
        $this->assertSame([[], []], self::wrapperRows($news), 'nothing written');

        $this->session();
        $mail = new m_mail();
        $this->assertTrue($mail->add_wrapper('News', $dom, self::COMMAND, 'unused'), 'm_mail::add_wrapper');
        $this->assertSame([["news_$dom\t" . self::$mUid . "\t0\t1"], ['"| ' . self::COMMAND . '"']],
            self::wrapperRows($news), "1.0's rows: type 1 in mail_domain, the pipe in mail_alias, the domain's owner");
        $this->assertFalse($mail->add_wrapper('news', $dom, '/usr/bin/true other'));
        $this->assertRaised('mail', 7, 'add_wrapper: the address exists');
        $this->assertFalse($mail->add_wrapper('news', 'nowhere-' . $dom, self::COMMAND));
        $this->assertRaised('mail', 6, 'add_wrapper on an unknown domain');
        $this->assertFalse($mail->add_wrapper('news', self::$nomx, self::COMMAND));
        $this->assertRaised('mail', 6, 'add_wrapper on a domain whose mail is not hosted here');
        $refused = ['/bin/sh -c id' => 'a program not in [mail] wrappers',
            '/usr/bin/true; id' => 'shell syntax', '/usr/bin/true $(id)' => 'a substitution'];
        foreach ($refused as $command => $what) {
            $this->assertFalse($mail->add_wrapper('other', $dom, $command));
            $this->assertRaised('mail', null, "add_wrapper: $what (the API's message)");
            $this->assertSame([[], []], self::wrapperRows("other@$dom"), "$what: nothing written");
        }
        $this->assertSame([[], []], self::wrapperRows('news@' . self::$nomx));

        // Another member cannot delete it; its owner can.
        $this->session(self::$o, self::PASS);
        $mail = new m_mail();
        $this->assertFalse($mail->del_wrapper('news', $dom));
        $this->assertRaised('mail', 3, "m_mail::del_wrapper of another member's wrapper");
        $this->assertCount(1, self::wrapperRows($news)[0], 'unchanged');
        $this->session(self::$m, self::PASS);
        $mail = new m_mail();
        $this->assertTrue($mail->del_wrapper('news', $dom), 'm_mail::del_wrapper by the owner');
        $this->assertSame([[], []], self::wrapperRows($news), 'both rows gone');
        $this->assertFalse($mail->del_wrapper('news', $dom));
        $this->assertRaised('mail', 3, 'del_wrapper of none');
    }

    public function testWrapperRoutes(): void
    {
        $api = self::api();
        $dom = self::$dom;
        $w = $api->createMailWrapper($dom, 'list', '/usr/bin/true post list');
        $this->assertSame(['address' => "list@$dom", 'owner' => self::$m, 'command' => '/usr/bin/true post list'],
            $w, 'createMailWrapper');
        $this->assertSame(201, $api->lastStatus);
        $this->assertStringEndsWith("/api/v1/mail-wrappers/list@$dom", rawurldecode($api->lastHeaders['location']));
        $this->assertApiError(function () use ($api, $dom) {
            $api->createMailWrapper($dom, 'list', '/usr/bin/true');
        }, 409, 'exists', 'address', 'createMailWrapper twice');
        $this->assertSame([$w], self::api(self::$m, self::PASS)->listMailWrappers($dom)['items'],
            'listMailWrappers, by the owner');
        $this->assertSame([], $api->listMailWrappers(self::$oDom)['items']);
        $member = self::api(self::$m, self::PASS);
        $this->assertApiError(function () use ($member, $dom) {
            $member->createMailWrapper($dom, 'mine', '/usr/bin/true');
        }, 403, 'forbidden', '*', 'createMailWrapper by a member');
        $other = self::api(self::$o, self::PASS);
        $this->assertApiError(function () use ($other, $dom) {
            $other->deleteMailWrapper("list@$dom");
        }, 404, 'not_found', '*', "deleteMailWrapper of another member's");
        $api->deleteMailWrapper("list@$dom");
        $this->assertSame(204, $api->lastStatus, 'deleteMailWrapper');
        $this->assertSame([], $api->listMailWrappers($dom)['items']);
    }

    // ---- m_admin: password policies -------------------------------------------------------------------

    /** The policy table's row: "minsize maxsize classcount allowlogin". */
    private static function policyRow(string $name): string
    {
        return implode(' ', explode("\t", self::panelQuery(
            "SELECT minsize, maxsize, classcount, allowlogin FROM policy WHERE name = '$name'")[0]));
    }

    public function testPolicies(): void
    {
        $this->session();
        $admin = new m_admin();
        $list = $admin->listPasswordPolicies();
        $this->assertSame(['mem', 'pop', 'ftp', 'mysql', 'hta'], array_keys($list), 'm_admin::listPasswordPolicies');
        $this->assertSame(['name', 'minsize', 'maxsize', 'classcount', 'allowlogin', 'description'],
            array_keys($list['pop']));
        $this->assertSame('POP/IMAP account passwords', $list['pop']['description'], "1.0's description");
        $p = $list['pop'];
        $this->assertSame(self::policyRow('pop'), "$p[minsize] $p[maxsize] $p[classcount] $p[allowlogin]",
            'the policy row, as strings');

        $this->assertTrue($admin->editPolicy('pop', 8, 24, '3', 0), 'm_admin::editPolicy');
        $this->assertSame('8 24 3 0', self::policyRow('pop'), 'the policy row');
        $this->assertSame(['pop', '8', '24', '3', '0'], array_slice(array_values($admin->listPasswordPolicies()['pop']),
            0, 5));
        $this->assertFalse($admin->editPolicy('nope', 8, 24, 3, 0), 'an unknown policy: false, as 1.0');
        $this->assertFalse($admin->editPolicy('pop', 30, 10, 0, 1));
        $this->assertRaised('admin', null, 'editPolicy: maxsize under minsize (the API\'s message)');
        $this->assertFalse($admin->editPolicy('pop', 8, 24, 5, 1));
        $this->assertRaised('admin', null, 'editPolicy: classcount over 4');
        $this->assertSame('8 24 3 0', self::policyRow('pop'), 'unchanged');

        // checkPolicy, as a member (1.0's codes).
        $this->session(self::$m, self::PASS);
        $admin = new m_admin();
        $cases = [['Ab-1', 15, 'too short'], ['Abcdefgh-1234567890-xyz!-abcde', 16, 'too long'],
            ['x-joe-Pass-12', 17, 'the login\'s part before @'], ['Ex-Pass-9-domain.org', 17, 'the part after @'],
            ['abcdefghij', 18, 'one kind of characters'], ['', 15, 'empty']];
        foreach ($cases as [$pass, $code, $what]) {
            $this->assertFalse($admin->checkPolicy('pop', 'joe@domain.org', $pass));
            $this->assertRaised('admin', $code, "m_admin::checkPolicy: $what");
        }
        $this->assertTrue($admin->checkPolicy('pop', 'joe@domain.org', 'Good-Pass-12'), 'a good password');
        $this->assertFalse($admin->checkPolicy('nope', 'joe', 'Good-Pass-12'));
        $this->assertRaised('admin', 14, 'checkPolicy of an unknown policy');

        // A member cannot change a policy.
        $this->assertFalse($admin->editPolicy('pop', 0, 64, 0, 1));
        $this->assertRaised('admin', 1, 'editPolicy by a member');
        $member = self::api(self::$m, self::PASS);
        $this->assertApiError(function () use ($member) {
            $member->updatePolicy('pop', ['minsize' => 0]);
        }, 403, 'forbidden', '*', 'updatePolicy by a member');
        $this->assertSame('8 24 3 0', self::policyRow('pop'), 'unchanged');
        $this->assertSame('8', $admin->listPasswordPolicies()['pop']['minsize'], 'a member lists them');
    }

    public function testPolicyRoutes(): void
    {
        $api = self::api();
        $names = array_column($api->listPolicies()['items'], 'name');
        $this->assertSame(['mem', 'pop', 'ftp', 'mysql', 'hta'], $names, 'listPolicies');
        $p = $api->getPolicy('pop');
        $this->assertSame(['name', 'minsize', 'maxsize', 'classcount', 'allowlogin'], array_keys($p), 'getPolicy');
        $this->assertSame(['name' => 'pop', 'minsize' => 2, 'maxsize' => 40, 'classcount' => 1, 'allowlogin' => true],
            $api->updatePolicy('pop', ['minsize' => 2, 'maxsize' => 40, 'classcount' => 1, 'allowlogin' => true]),
            'updatePolicy answers the policy');
        $this->assertSame('2 40 1 1', self::policyRow('pop'));
        $api->checkPolicy('pop', 'abcd', 'abc');
        $this->assertSame(204, $api->lastStatus, 'checkPolicy');
        $this->assertApiError(function () use ($api) {
            $api->checkPolicy('pop', 'a');
        }, 400, 'invalid', 'password', 'checkPolicy: too short');
        $this->assertApiError(function () use ($api) {
            $api->getPolicy('nope');
        }, 404, 'not_found', 'name', 'getPolicy of an unknown policy');
    }

    // ---- m_dom::del_domain_cancel -------------------------------------------------------------------------

    /** "dns_action" of the domain's row, then the web_action of its entries. */
    private static function domainState(string $dom): array
    {
        return [self::panelQuery("SELECT dns_action FROM domaines WHERE domaine = '$dom'"),
            self::panelQuery("SELECT DISTINCT web_action FROM sub_domaines WHERE domaine = '$dom' ORDER BY 1")];
    }

    public function testDelDomainCancel(): void
    {
        $dom = self::$dom2;
        $this->session(self::$m, self::PASS);
        $d = new m_dom();
        $this->assertFalse($d->del_domain_cancel($dom));
        $this->assertRaised('dom', null, 'm_dom::del_domain_cancel without a pending deletion (the API\'s message)');
        $this->assertTrue($d->del_domain($dom));
        $this->assertSame([['DELETE'], ['DELETE']], self::domainState($dom), 'marked for the cron');
        $this->assertSame([], self::panelQuery("SELECT mail FROM mail_domain WHERE mail = 'postmaster@$dom'"),
            'the postmaster went with it');

        $this->assertTrue($d->del_domain_cancel(strtoupper($dom)), 'm_dom::del_domain_cancel');
        $this->assertSame([['UPDATE'], ['UPDATE']], self::domainState($dom), 'back to UPDATE, as 1.0');
        $this->assertSame(["postmaster@$dom"],
            self::panelQuery("SELECT mail FROM mail_domain WHERE mail = 'postmaster@$dom'"), 'the postmaster is back');
        $this->assertContains($dom, $d->enum_domains());
        $this->assertFalse($d->del_domain_cancel($dom));
        $this->assertRaised('dom', null, 'twice');
        $this->assertFalse($d->del_domain_cancel('nowhere-' . $dom));
        $this->assertRaised('dom', 1, 'an unknown domain');

        // Another member's pending deletion stays.
        $oDom = self::$oDom;
        self::api()->deleteDomain($oDom);
        $before = self::domainState($oDom);
        $this->assertSame(['DELETE'], $before[0]);
        $this->assertFalse($d->del_domain_cancel($oDom));
        $this->assertRaised('dom', 1, "del_domain_cancel of another member's domain");
        $this->assertSame($before, self::domainState($oDom), 'unchanged');
        $member = self::api(self::$m, self::PASS);
        $this->assertApiError(function () use ($member, $oDom) {
            $member->cancelDomainDelete($oDom);
        }, 404, 'not_found', '*', "cancelDomainDelete of another member's domain");

        // The route itself, by the admin.
        $answer = self::api()->cancelDomainDelete($oDom);
        $this->assertSame($oDom, $answer['domain'], 'cancelDomainDelete answers the domain');
        $this->assertSame('UPDATE', $answer['dns_action']);
        $this->assertSame(['UPDATE'], self::domainState($oDom)[0]);
    }
}
