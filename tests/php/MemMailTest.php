<?php
// AlternC 1.0's m_mem::send_pass, ChangeMail1 and ChangeMail2 on the API's password reset and
// mail change routes: the mails read where tests/support/fake-sendmail keeps them, the codes and
// links they carry completing the change, the `membres` / `chgmail` rows checked as root.

class MemMailTest extends BridgeTestCase
{
    /** @var string a member resetting its password */
    private static $r;
    /** @var string a member changing its address */
    private static $c;
    /** @var string another member, the intruder */
    private static $o;

    public static function tearDownAfterClass(): void
    {
        self::forgetFailures();
    }

    public static function setUpBeforeClass(): void
    {
        self::$r = self::tag('t1');
        self::$c = self::tag('t2');
        self::$o = self::tag('t3');
        self::createMember(self::$r, 'Php-reset-pass-1');
        self::createMember(self::$c, 'Php-chmail-pass-1');
        self::createMember(self::$o, 'Php-other-pass-1');
    }

    private static function row(string $sql): array
    {
        return self::panelQuery($sql);
    }

    public function testSendPassMailsACodeThatSetsThePassword(): void
    {
        $GLOBALS['panel_api'] = self::newApi();
        $mem = new m_mem();
        $before = self::row("SELECT pass FROM membres WHERE login = '" . self::$r . "'")[0];
        $this->assertTrue($mem->send_pass(self::$r), 'm_mem::send_pass: ' . $GLOBALS['err']->errstr());
        $mails = self::mailsTo(self::$r . '@example.net');
        $this->assertCount(1, $mails, 'one mail to the contact address');
        $this->assertMatchesRegularExpression('/^Subject: .*Example Hosting/mi', $mails[0]);
        $this->assertSame(1, preg_match('/\bpr_[A-Za-z0-9_-]{43}\b/', $mails[0], $m), 'a reset code in the mail');
        $code = $m[0];
        $this->assertStringNotContainsString($before, $mails[0], 'the hash is not mailed (1.0 did)');
        $this->assertStringContainsString(self::$r, $mails[0], 'the login in the mail');

        // Within the day, an unknown login: true, nothing mailed (1.0: mem 7, mem 2).
        $this->assertTrue($mem->send_pass(self::$r), 'a second request within the day');
        $this->assertTrue($mem->send_pass(self::tag('t9')), 'an unknown login');
        $this->assertSame([], self::mailsTo(self::$r . '@example.net'), 'nothing mailed the second time');
        $this->assertSame([], self::mailsTo(self::tag('t9') . '@example.net'));

        // A session open before the reset.
        $open = self::newApi();
        $open->login(self::$r, 'Php-reset-pass-1');

        $this->assertFalse($mem->send_pass_confirm(self::$r, $code, 'New-reset-pass-2', 'Other-pass-3'));
        $this->assertRaised('mem', 7, 'the passwords differ');
        $this->assertFalse($mem->send_pass_confirm(self::$r, $code, 'ab', 'ab'));
        $this->assertRaised('mem', 8, 'too short');
        $this->assertFalse($mem->send_pass_confirm(self::$r, 'pr_' . str_repeat('A', 43), 'New-reset-pass-2',
            'New-reset-pass-2'));
        $this->assertRaised('mem', 9, 'a wrong code');
        $this->assertFalse($mem->send_pass_confirm(self::$o, $code, 'New-reset-pass-2', 'New-reset-pass-2'));
        $this->assertRaised('mem', 9, "the code of another member's login");
        $this->assertSame([$before], self::row("SELECT pass FROM membres WHERE login = '" . self::$r . "'"),
            'nothing changed yet');
        $this->assertFalse($mem->send_pass_confirm(self::$r, $code, 'short', 'short'));
        $this->assertRaised('mem', null, 'the policy mem: the API message');

        $this->assertTrue($mem->send_pass_confirm(self::$r, $code, 'New-reset-pass-2', 'New-reset-pass-2'),
            'm_mem::send_pass_confirm: ' . $GLOBALS['err']->errstr());
        $hash = self::row("SELECT pass FROM membres WHERE login = '" . self::$r . "'")[0];
        $this->assertNotSame($before, $hash);
        $this->assertSame($hash, crypt('New-reset-pass-2', $hash), 'the new password is the hash stored');
        $this->assertApiError(function () use ($open) {
            $open->whoami();
        }, 401, 'unauthenticated', '*', 'the sessions opened before are closed');
        $this->assertFalse($mem->send_pass_confirm(self::$r, $code, 'Third-reset-pass-4', 'Third-reset-pass-4'));
        $this->assertRaised('mem', 9, 'the code is used up');

        $GLOBALS['panel_api'] = self::newApi();
        $this->assertFalse((new m_mem())->login(self::$r, 'Php-reset-pass-1'));
        $this->assertRaised('mem', 1, 'the old password');
        $this->session(self::$r, 'New-reset-pass-2');
    }

    public function testChangeMail(): void
    {
        $mem = $this->session(self::$c, 'Php-chmail-pass-1');
        $uid = (int) $mem->user['uid'];
        $new = self::$c . '.new@example.org';
        $key = $mem->ChangeMail1($new);
        $this->assertIsString($key, 'm_mem::ChangeMail1: ' . $GLOBALS['err']->errstr());
        $this->assertMatchesRegularExpression('/^[0-9a-f]{6}$/', $key, "1.0's key: 6 hex characters");
        $mails = self::mailsTo($new);
        $this->assertCount(1, $mails, 'one mail to the new address');
        $this->assertSame([], self::mailsTo(self::$c . '@example.net'), 'none to the old one');
        $this->assertSame(1, preg_match('#https://panel\.example\.net/admin/mem_cm\.php\?usr=([0-9]+)&cookie=([0-9a-f]{20})#',
            $mails[0], $m), "1.0's link in the mail");
        $this->assertSame((string) $uid, $m[1]);
        $cookie = $m[2];
        $body = substr($mails[0], strpos($mails[0], "\n\n"));
        $this->assertStringNotContainsString($key, $body, 'the key is not mailed');
        $this->assertSame(["$cookie\t$key\t$new"],
            self::row("SELECT cookie, ckey, mail FROM chgmail WHERE uid = $uid"), 'the chgmail row');

        // A second request within a minute: the API's message, the pending change kept.
        $this->assertFalse($mem->ChangeMail1(self::$c . '.other@example.org'));
        $this->assertRaised('mem', null, 'a second request within a minute');
        $this->assertSame([], self::mailsTo(self::$c . '.other@example.org'));

        // Outside any session, as mem_cm2.php.
        $GLOBALS['panel_api'] = self::newApi();
        $mem2 = new m_mem();
        $this->assertFalse($mem2->ChangeMail2($cookie, '000000' === $key ? '111111' : '000000', $uid));
        $this->assertRaised('mem', 9, 'a wrong key');
        $this->assertFalse($mem2->ChangeMail2(str_repeat('0', 20), $key, $uid));
        $this->assertRaised('mem', 9, 'a wrong cookie');
        $this->assertFalse($mem2->ChangeMail2($cookie, $key, 'x'));
        $this->assertRaised('mem', 9, 'a malformed uid');
        $this->assertSame([self::$c . '@example.net'], self::row("SELECT mail FROM membres WHERE uid = $uid"),
            'unchanged');

        $this->assertTrue($mem2->ChangeMail2($cookie, $key, $uid), 'm_mem::ChangeMail2: ' . $GLOBALS['err']->errstr());
        $this->assertSame([$new], self::row("SELECT mail FROM membres WHERE uid = $uid"), 'the new address');
        $this->assertSame([], self::row("SELECT uid FROM chgmail WHERE uid = $uid"), 'the request is used up');
        $this->assertFalse($mem2->ChangeMail2($cookie, $key, $uid));
        $this->assertRaised('mem', 9, 'a second time');
    }

    public function testChangeMailRefusals(): void
    {
        $mem = $this->session(self::$o, 'Php-other-pass-1');
        $uid = (int) $mem->user['uid'];
        $this->assertFalse($mem->ChangeMail1("bad\naddress@example.org"));
        $this->assertRaised('mem', null, 'a refused address');
        $this->assertFalse($mem->ChangeMail1('no-at-sign'));
        $this->assertRaised('mem', null, 'not an address');
        $this->assertSame([], self::row("SELECT uid FROM chgmail WHERE uid = $uid"), 'nothing pending');

        // Another member's address: the route refuses, nothing is mailed nor kept.
        $victim = self::panelQuery("SELECT uid FROM membres WHERE login = '" . self::$c . "'")[0];
        $this->assertApiError(function () {
            self::api(self::$o, 'Php-other-pass-1')->requestMailChange(self::$c, 'evil@example.org');
        }, 404, 'not_found', '*', "another member's mail change");
        $this->assertSame([], self::mailsTo('evil@example.org'));
        $this->assertSame([], self::row("SELECT uid FROM chgmail WHERE uid = $victim"));

        // The intruder's own pending change does not confirm on the other member's uid.
        $key = $mem->ChangeMail1('evil@example.org');
        $this->assertIsString($key, $GLOBALS['err']->errstr());
        $mails = self::mailsTo('evil@example.org');
        $this->assertCount(1, $mails);
        preg_match('/cookie=([0-9a-f]{20})/', $mails[0], $m);
        $before = self::row("SELECT mail FROM membres WHERE uid = $victim");
        $this->assertFalse($mem->ChangeMail2($m[1], $key, $victim));
        $this->assertRaised('mem', 9, "on another member's uid");
        $this->assertSame($before, self::row("SELECT mail FROM membres WHERE uid = $victim"), 'unchanged');
        $this->assertSame([self::$o . '@example.net'], self::row("SELECT mail FROM membres WHERE uid = $uid"),
            'the requester unchanged too');
    }
}
