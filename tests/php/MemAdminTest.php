<?php
// AlternC 1.0's m_mem (login, checkid, sessions, su/unsu, setid, passwd) and the account part
// of m_admin on the API, with 1.0's return shapes and error codes.

class MemAdminTest extends BridgeTestCase
{
    /** @var string the member m_admin::add_mem creates */
    private static $m;
    /** @var int */
    private static $uid;
    /** @var string a member made through the API, for setid */
    private static $other;
    /** @var int */
    private static $otherUid;
    /** @var string the admin's session cookie */
    private static $sid;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('m');
        self::$other = self::tag('o');
        self::$otherUid = self::createMember(self::$other, 'Php-bridge-pass-1');
    }

    public function testLoginAndCheckid(): void
    {
        $GLOBALS['panel_api'] = self::newApi();
        $mem = new m_mem();
        $this->assertFalse($mem->login(self::adminLogin(), 'wrong-password'));
        $this->assertRaised('mem', 1, 'a wrong password');
        $this->assertTrue($mem->login(self::adminLogin(), self::adminPassword()), 'm_mem::login');
        $this->assertSame(self::adminLogin(), $mem->user['login']);
        $this->assertSame('1', $mem->user['su']);
        $this->assertSame((int) $mem->user['uid'], $GLOBALS['cuid'], 'login sets $cuid');
        foreach (['uid', 'login', 'pass', 'mail', 'enabled', 'su', 'canpass', 'creator', 'created', 'renewed',
                  'duration', 'type', 'notes', 'lastlogin', 'lastip', 'lastfail', 'nom', 'prenom'] as $k) {
            $this->assertArrayHasKey($k, $mem->user, "1.0's membres key $k");
        }
        $this->assertSame(['uid', 'nom', 'prenom'], array_keys($mem->local));
        $this->assertTrue($mem->checkright(), 'm_mem::checkright of an admin');
        $this->assertTrue($mem->resetlast(), 'm_mem::resetlast');
        $this->assertSame(['mem'], array_keys($mem->alternc_password_policy()));
        self::$sid = $_COOKIE['session'];
        $this->assertMatchesRegularExpression('/^pt_/', self::$sid, 'the session cookie is the token');

        // A new request: checkid from the cookie only.
        $GLOBALS['panel_api'] = self::newApi();
        $GLOBALS['cuid'] = 0;
        $mem = new m_mem();
        $GLOBALS['mem'] = $mem;
        $this->assertTrue($mem->checkid(), 'm_mem::checkid from the session cookie');
        $this->assertSame(self::adminLogin(), $mem->user['login']);
        $this->assertGreaterThan(0, $GLOBALS['cuid']);
        $_COOKIE['session'] = 'not a token';
        $this->assertFalse((new m_mem())->checkid());
        $this->assertRaised('mem', 3, 'a malformed cookie');
        $_COOKIE['session'] = self::$sid;
    }

    /** @depends testLoginAndCheckid */
    public function testAddMemAndGet(): void
    {
        $this->session();
        $admin = new m_admin();
        self::$uid = $admin->add_mem(self::$m, 'Php-bridge-pass-2', 'Dupont', 'Zoé', self::$m . '@example.net');
        $this->assertIsInt(self::$uid, 'm_admin::add_mem returns the uid');
        $this->assertGreaterThan(2000, self::$uid);
        $this->assertFalse($admin->add_mem(self::$m, 'Php-bridge-pass-2', 'D', 'Z', 'x@example.net'));
        $this->assertRaised('admin', 3, 'add_mem of an existing login');
        $this->assertFalse($admin->add_mem(self::tag('n'), 'Php-bridge-pass-2', 'D', 'Z', 'not-a-mail'));
        $this->assertRaised('admin', 5, 'add_mem with a bad mail');
        $c = $admin->get(self::$uid);
        $this->assertSame([self::$m, 'Dupont', 'Zoé', '1'], [$c['login'], $c['nom'], $c['prenom'], $c['enabled']],
            'm_admin::get in 1.0 shape');
        $this->assertSame(self::adminLogin(), $c['parentlogin']);
        $this->assertFalse($admin->get(99999));
        $this->assertRaised('admin', 2, 'get of an unknown uid');
        $names = array_column($admin->get_list(1), 'login');
        $this->assertContains(self::$m, $names, 'm_admin::get_list');
        $sorted = array_values(array_unique($names));
        sort($sorted);
        $this->assertSame($sorted, $names, 'get_list is ordered by login, each once');
        $this->assertSame(self::adminLogin(), $admin->getadmin(), 'm_admin::getadmin: the login of uid 2000');
        $tlds = $admin->listtld();
        $this->assertIsArray($tlds, 'm_admin::listtld');
        foreach ($tlds as $t) {
            $this->assertSame(['tld', 'mode'], array_keys($t));
            $this->assertIsString($t['mode']);
        }
    }

    /**
     * A page of an ISO-8859-1 language (1.0's en_US, de_DE, es_ES, pt_BR catalogs) is made UTF-8
     * by m_mem, as 1.0's config.php makes it after lang_env.php: the browser then posts UTF-8,
     * which the API takes. On the ISO-8859-1 page "Zoé" came as latin1 bytes, and add_mem failed
     * with invalid_json (not JSON), where 1.0 made the account.
     */
    public function testIsoLanguagePageIsUtf8(): void
    {
        $GLOBALS['charset'] = 'ISO-8859-1';
        bind_textdomain_codeset('alternc', 'ISO-8859-1');
        $this->session();
        $this->assertSame('UTF-8', $GLOBALS['charset'], 'the page charset after m_mem');
        $this->assertSame('UTF-8', bind_textdomain_codeset('alternc', null), 'gettext converts to UTF-8');
        $admin = new m_admin();
        $login = self::tag('c8');
        $uid = $admin->add_mem($login, 'Php-bridge-pass-2', 'Hervé 😀', 'Zoé', $login . '@example.net');
        $this->assertIsInt($uid, 'add_mem of a name as the UTF-8 page posts it: ' . $GLOBALS['err']->errstr());
        $c = $admin->get($uid);
        $this->assertSame(['Hervé 😀', 'Zoé'], [$c['nom'], $c['prenom']]);
        $this->assertTrue($admin->del_mem($uid));
    }

    /** @depends testAddMemAndGet */
    public function testUpdateLockUnlock(): void
    {
        $this->session();
        $admin = new m_admin();
        $uid = self::$uid;
        $this->assertTrue($admin->update_mem($uid, self::$m . '@example.org', 'Durand', 'Zoé', '', 1, 0, 'default',
            0, 'note'), 'm_admin::update_mem');
        $c = $admin->get($uid);
        $this->assertSame(['Durand', self::$m . '@example.org', '0', 'note'],
            [$c['nom'], $c['mail'], $c['canpass'], $c['notes']], 'update_mem changed the account');
        $this->assertTrue($admin->update_mem($uid, self::$m . '@example.org', 'Durand', 'Zoé', 'Php-bridge-pass-3',
            1, 1), 'update_mem with a new password');
        $this->assertTrue($admin->lock_mem($uid), 'm_admin::lock_mem');
        $this->assertSame('0', $admin->get($uid)['enabled']);
        $GLOBALS['panel_api'] = self::newApi();
        $this->assertFalse((new m_mem())->login(self::$m, 'Php-bridge-pass-3'), 'a locked account cannot log in');
        $this->assertSame('mem', $GLOBALS['err']->clsid);
        $this->session();
        $this->assertTrue($admin->unlock_mem($uid), 'm_admin::unlock_mem');
        $this->assertSame('1', $admin->get($uid)['enabled']);
        $this->assertFalse($admin->lock_mem(99999));
        $this->assertRaised('admin', 2, 'lock_mem of an unknown uid');
    }

    /** @depends testAddMemAndGet */
    public function testCreatorAndRenewal(): void
    {
        $this->session();
        $admin = new m_admin();
        $cr = $admin->get_creator(2000);
        $this->assertGreaterThanOrEqual(2, (int) $cr['nbcreated'], 'm_admin::get_creator counts its accounts');
        $this->assertTrue($admin->checkcreator(self::$uid), 'm_admin::checkcreator');
        $this->assertTrue($admin->renew_update(self::$uid, 12), 'a period of 12 months');
        $before = $admin->renew_get_expiry(self::$uid);
        $this->assertIsString($before);
        $this->assertTrue($admin->renew_mem(self::$uid, 2), 'm_admin::renew_mem');
        $this->assertGreaterThan($before, $admin->renew_get_expiry(self::$uid), 'renew_mem pushes the expiry');
        $this->assertFalse($admin->renew_mem(self::$uid, 0), 'renew_mem of 0 periods, as 1.0');
        $this->assertTrue($admin->renew_update(self::$uid, 0));
    }

    /** @depends testAddMemAndGet */
    public function testSuUnsu(): void
    {
        $mem = $this->session();
        $this->assertTrue($mem->su(self::$uid), 'm_mem::su');
        $this->assertSame(self::$m, $mem->user['login']);
        $this->assertSame(self::$m, panel_api()->getActAs(), 'su acts as the member');
        $this->assertSame(1, panel_api()->listAccounts()['total'], 'after su, the API sees only the member');
        $this->assertTrue($mem->unsu(), 'm_mem::unsu');
        $this->assertSame(self::adminLogin(), $mem->user['login']);
        $this->assertNull(panel_api()->getActAs());
        $this->assertFalse($mem->unsu(), 'unsu without su, as 1.0');
        $this->assertFalse($mem->su(99999));
        $this->assertRaised('mem', 1, 'su of an unknown uid');
    }

    /** @depends testUpdateLockUnlock */
    public function testMemberPasswdAndSession(): void
    {
        $mm = $this->session(self::$m, 'Php-bridge-pass-3');
        $this->assertSame('0', $mm->user['su']);
        $this->assertFalse($mm->checkright(), 'a member has no admin right');
        $this->assertFalse($mm->passwd('wrong-old', 'Php-bridge-pass-4', 'Php-bridge-pass-4'));
        $this->assertRaised('mem', 6, 'passwd with a wrong old password');
        $this->assertFalse($mm->passwd('Php-bridge-pass-3', 'Php-bridge-pass-4', 'other'));
        $this->assertRaised('mem', 7, 'passwd with different new passwords');
        $this->assertFalse($mm->passwd('Php-bridge-pass-3', 'ab', 'ab'));
        $this->assertRaised('mem', 8, 'passwd too short');
        $this->assertTrue($mm->passwd('Php-bridge-pass-3', 'Php-bridge-pass-4', 'Php-bridge-pass-4'), 'm_mem::passwd');
        $token = $_COOKIE['session'];
        $this->assertTrue($mm->del_session(), 'm_mem::del_session');
        $this->assertSame('', $_COOKIE['session']);
        $this->assertApiError(function () use ($token) {
            self::newApi(['token' => $token])->whoami();
        }, 401, 'unauthenticated', '*', 'the token is revoked after del_session');
        $_COOKIE['session'] = $token;
        $this->assertFalse($mm->checkid());
        $this->assertRaised('mem', 4, 'checkid with a revoked session');
        $this->session(self::$m, 'Php-bridge-pass-4');
    }

    /** @depends testLoginAndCheckid */
    public function testSetidAndUnsetid(): void
    {
        $_COOKIE['session'] = self::$sid;
        $_COOKIE['actas'] = '';
        $GLOBALS['panel_api'] = self::newApi();
        $mem = new m_mem();
        $GLOBALS['mem'] = $mem;
        $this->assertTrue($mem->checkid(), 'the admin session still works');
        $this->assertTrue($mem->setid(self::$otherUid), 'm_mem::setid connects as the member');
        $this->assertSame(self::$other, $mem->user['login']);
        $this->assertSame(m_mem::actas_cookie(self::$other, self::$sid), $_COOKIE['actas']);
        $this->assertStringStartsWith(self::$other . '.', $_COOKIE['actas']);
        $GLOBALS['panel_api'] = self::newApi();
        $this->assertTrue($mem->checkid(), 'the next request');
        $this->assertSame(self::$other, $mem->user['login'], 'checkid keeps acting as the member');
        $this->assertTrue($mem->unsetid(), 'unsetid');
        $this->assertSame(self::adminLogin(), $mem->user['login'], 'unsetid comes back to the admin');
        $this->assertFalse($mem->setid(99999));
        $this->assertRaised('mem', 1, 'setid of an unknown uid');
    }

    /** @depends testMemberPasswdAndSession */
    public function testMemberIsNotAdmin(): void
    {
        $this->session(self::$other, 'Php-bridge-pass-1');
        $admin = new m_admin();
        $this->assertFalse($admin->get_list());
        $this->assertRaised('admin', 1, 'm_admin::get_list for a member');
        $this->assertFalse($admin->lock_mem(self::$uid));
        $this->assertContains($GLOBALS['err']->error, [1, 2], 'lock_mem of another member: admin 1 or 2');
        $this->assertFalse($admin->del_mem(self::$uid));
        $this->session();
        $this->assertSame('1', (new m_admin())->get(self::$uid)['enabled'], 'nothing changed');
    }

    /** @depends testMemberIsNotAdmin */
    public function testDelMem(): void
    {
        $this->session();
        $admin = new m_admin();
        $this->assertTrue($admin->del_mem(self::$uid), 'm_admin::del_mem');
        $this->assertFalse($admin->get(self::$uid));
        $this->assertRaised('admin', 2, 'the deleted account');
        $this->assertFalse($admin->del_mem(self::$uid));
        $this->assertRaised('admin', 2, 'del_mem of an unknown uid');
    }

    /**
     * add_mem's $create (not in 1.0): what 1.0's adm_doadd.php did after it, the default FTP
     * account and <login>.<parent>, made with the account or not at all.
     */
    public function testAddMemWithTheAccountPageExtras(): void
    {
        $t = self::tag('');
        $parent = "$t-h.org";
        $type = "{$t}t";
        $zero = "{$t}z";
        $api = self::api();
        try {
            $api->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        $api->request('PUT', '/api/v1/settings/hosting_tld', [], ['value' => $parent]);
        foreach (['ftp' => 1, 'dom' => 1] as $name => $value) {
            $api->setQuotaDefault($type, $name, $value);
            $api->setQuotaDefault($zero, $name, 0);
        }
        $this->session();
        $admin = new m_admin();
        [$j, $k, $l] = [self::tag('j'), self::tag('k'), self::tag('l')];
        $pass = 'Php-bridge-pass-3';

        $uid = $admin->add_mem($j, $pass, 'D', 'Z', "$j@example.net", 1, $type, 0, '', 0,
            ['ftp' => true, 'install_domain' => ".$parent"]);
        $this->assertIsInt($uid, "add_mem with adm_doadd.php's FTP account and domain: " . $GLOBALS['err']->errstr());
        $ftp = $api->listFtp($j)['items'];
        $this->assertSame([$j], array_column($ftp, 'name'), 'the default FTP account, named like the login');
        $d = $api->getDomain("$j.$parent");
        $this->assertSame([$j, true, true], [$d['owner'], $d['dns'], $d['noerase']],
            'the domain <login>.<parent>, DNS hosted and locked, as 1.0 forced it');
        $GLOBALS['mem']->su($uid);
        $this->assertSame([$j], array_column((new m_ftp())->get_list(), 'login'), 'm_ftp sees it after su()');
        $this->assertSame(["$j.$parent"], (new m_dom())->enum_domains(), 'm_dom too');
        $GLOBALS['mem']->unsu();

        $api->setQuota($j, 'dom', 2);
        $api->createDomain($j, "$k.$parent", ['dns' => true, 'force' => true]);
        $cases = [
            [$k, $type, ['install_domain' => $parent], 'dom', 8, 'the domain <login>.<parent> is taken'],
            [$k, $zero, ['ftp' => true], 'ftp', 5, 'the ftp quota of the type is 0'],
            [$l, $zero, ['install_domain' => $parent], 'dom', 10, 'the dom quota of the type is 0'],
            [$l, $type, ['install_domain' => 'example.com'], 'admin', null, 'a parent neither hosting_tld nor ours'],
        ];
        foreach ($cases as [$login, $ty, $create, $class, $code, $what]) {
            $this->assertFalse($admin->add_mem($login, $pass, 'D', 'Z', "$login@example.net", 1, $ty, 0, '', 0,
                $create), $what);
            $this->assertRaised($class, $code, "add_mem: $what");
            $this->assertApiError(function () use ($api, $login) {
                $api->getAccount($login);
            }, 404, 'not_found', '*', "$what: no account either");
        }
        $this->assertIsInt($admin->add_mem($l, $pass, 'D', 'Z', "$l@example.net", 1, $zero), 'without $create');
        $this->assertSame([], $api->listFtp($l)['items'], 'no FTP account, as 1.0\'s add_mem');
        $api->request('DELETE', '/api/v1/settings/hosting_tld');
    }
}
