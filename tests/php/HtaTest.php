<?php
// AlternC 1.0's m_hta on the API (protected folders): a member's folders and their users with
// 1.0's shapes and codes, each checked in the panel_hta_dirs / panel_hta_users rows the runner's
// hta_write reads (as root); the `hta` password policy; another member's folders; the PanelApi
// routes themselves.

class HtaTest extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-10';
    const HTPASS = 'Hta-bridge-pass-3';
    /** @var string the member, another member */
    private static $m;
    private static $mUid;
    private static $o;
    private static $oUid;
    /** @var array the hta policy before the tests */
    private static $policy;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('h');
        self::$o = self::tag('g');
        self::$mUid = self::createMember(self::$m, self::PASS);
        self::$oUid = self::createMember(self::$o, self::PASS);
        $api = self::api();
        $api->protectFolder(self::$o, 'secret');
        $api->addProtectedFolderUser(self::$o, 'secret', 'u1', self::HTPASS);
        self::$policy = $api->getPolicy('hta');
    }

    public static function tearDownAfterClass(): void
    {
        $p = self::$policy;
        self::api()->updatePolicy('hta', ['minsize' => $p['minsize'], 'maxsize' => $p['maxsize'],
            'classcount' => $p['classcount'], 'allowlogin' => $p['allowlogin']]);
    }

    private function member(): m_hta
    {
        $this->session(self::$m, self::PASS);
        return new m_hta();
    }

    /** An account's panel_hta_dirs rows: the folders, in order. */
    private static function dirs(int $uid): array
    {
        return self::panelQuery("SELECT dir FROM panel_hta_dirs WHERE uid = $uid ORDER BY dir");
    }

    /** An account's panel_hta_users rows: "dir<TAB>user<TAB>hash". */
    private static function users(int $uid): array
    {
        return self::panelQuery("SELECT dir, user, hash FROM panel_hta_users WHERE uid = $uid ORDER BY dir, user");
    }

    public function testNoneYet(): void
    {
        $hta = $this->member();
        $this->assertSame(['hta' => 'Protected folders passwords'], $hta->alternc_password_policy());
        $this->assertFalse($hta->ListDir());
        $this->assertRaised('hta', 4, 'm_hta::ListDir without folders');
        $this->assertFalse($hta->is_protected('private'), 'm_hta::is_protected');
        $this->assertFalse($hta->get_hta_detail('private'), 'm_hta::get_hta_detail of an unprotected folder');
        $this->assertSame([], self::dirs(self::$mUid));
    }

    /** @depends testNoneYet */
    public function testCreateAndList(): void
    {
        $hta = $this->member();
        $this->assertTrue($hta->CreateDir('private'), 'm_hta::CreateDir');
        $this->assertTrue($hta->CreateDir('/'), 'the web space itself');
        $this->assertTrue($hta->CreateDir('private/'), 'protected already: true, as 1.0');
        $this->assertSame(['/', '/private'], self::dirs(self::$mUid), 'the panel_hta_dirs rows');
        $queued = self::panelQuery("SELECT COUNT(*) FROM panel_actions WHERE action = 'hta_write' AND uid = "
            . self::$mUid);
        $this->assertNotSame(['0'], $queued, 'hta_write queued for the runner');

        $this->assertSame(['/', 'private/'], $hta->ListDir(), 'm_hta::ListDir: 1.0\'s trailing /');
        foreach (['private', '/private', 'private/', '/private/'] as $dir) {
            $this->assertTrue($hta->is_protected($dir), "is_protected('$dir')");
        }
        $this->assertTrue($hta->is_protected(''), 'the web space');
        $this->assertFalse($hta->is_protected('priv'), 'another folder');
        $this->assertSame([], $hta->get_hta_detail('private'), 'no users yet');

        foreach (['../etc', 'a/../../b', "x\ny"] as $dir) {
            $this->assertFalse($hta->CreateDir($dir));
            $this->assertRaised('hta', 8, 'CreateDir outside the space: ' . json_encode($dir));
        }
        $this->assertSame(['/', '/private'], self::dirs(self::$mUid), 'nothing written');
    }

    /** @depends testCreateAndList */
    public function testUsers(): void
    {
        $hta = $this->member();
        $uid = self::$mUid;
        $this->assertTrue($hta->add_user('alice', self::HTPASS, 'private'), 'm_hta::add_user');
        $this->assertTrue($hta->add_user('bob.smith', self::HTPASS, '/private/'));
        $rows = self::users($uid);
        $this->assertCount(2, $rows);
        [$dir, $user, $hash] = explode("\t", $rows[0]);
        $this->assertSame(['/private', 'alice'], [$dir, $user], 'the panel_hta_users row');
        $this->assertStringStartsWith('$2y$', $hash, 'bcrypt, as htpasswd -B');
        $this->assertTrue(password_verify(self::HTPASS, $hash), 'the password\'s hash');
        $this->assertSame(['alice', 'bob.smith'], $hta->get_hta_detail('private'), 'm_hta::get_hta_detail');

        $this->assertFalse($hta->add_user('alice', self::HTPASS, 'private'));
        $this->assertRaised('hta', 10, 'add_user: the user exists');
        $this->assertFalse($hta->add_user('bad user', self::HTPASS, 'private'));
        $this->assertRaised('hta', 11, 'add_user: 1.0\'s user check');
        $this->assertFalse($hta->add_user('bad:user', self::HTPASS, 'private'));
        $this->assertRaised('hta', 11, 'add_user: ":" is the file\'s separator');
        $this->assertFalse($hta->add_user('carol', self::HTPASS, 'nope'));
        $this->assertRaised('hta', 8, 'add_user: not a protected folder');
        $this->assertCount(2, self::users($uid), 'nothing written');

        // The hta policy, as 1.0's checkPolicy raised it.
        self::api()->updatePolicy('hta', ['minsize' => 10, 'maxsize' => 20, 'classcount' => 3,
            'allowlogin' => false]);
        // %s: the user's name (allowlogin false)
        $cases = [['Short-1', 15, 'too short'], [str_repeat('Long-pass-1', 3), 16, 'too long'],
            ['X%s-Pass-12', 17, 'the login in it'], ['onlylowercase', 18, 'one kind of characters']];
        foreach ($cases as [$pass, $code, $what]) {
            $this->assertFalse($hta->add_user('carol', sprintf($pass, 'carol'), 'private'));
            $this->assertRaised('admin', $code, "add_user, policy hta: $what");
            $this->assertFalse($hta->change_pass('alice', sprintf($pass, 'alice'), 'private'));
            $this->assertRaised('admin', $code, "change_pass, policy hta: $what");
        }
        $this->assertCount(2, self::users($uid), 'nothing written');
        $this->assertSame($hash, explode("\t", self::users($uid)[0])[2], 'alice\'s password unchanged');

        $this->assertTrue($hta->change_pass('alice', 'New-hta-pass-9', 'private'), 'm_hta::change_pass');
        $newHash = explode("\t", self::users($uid)[0])[2];
        $this->assertTrue(password_verify('New-hta-pass-9', $newHash), 'the new hash');
        $this->assertFalse($hta->change_pass('alice', 'New-hta-pass-9', 'nope'));
        $this->assertRaised('hta', 8, 'change_pass: not a protected folder');
        $this->assertFalse($hta->change_pass('nobody', 'New-hta-pass-9', 'private'));
        $this->assertRaised('hta', null, 'change_pass of a user the folder does not have: the API\'s message');

        $this->assertTrue($hta->del_user(['alice', 'ghost'], 'private'), 'm_hta::del_user: unknown names skipped');
        $this->assertSame(['bob.smith'], $hta->get_hta_detail('private'));
        $this->assertSame(['bob.smith'], array_map(function ($r) {
            return explode("\t", $r)[1];
        }, self::users($uid)), 'the rows');
        $this->assertFalse($hta->del_user(['bob.smith'], 'nope'));
        $this->assertRaised('hta', 8, 'del_user: not a protected folder');
        $this->assertCount(1, self::users($uid), 'unchanged');
    }

    /** @depends testUsers */
    public function testDelDir(): void
    {
        $hta = $this->member();
        $this->assertTrue($hta->DelDir('private/'), 'm_hta::DelDir');
        $this->assertSame(['/'], self::dirs(self::$mUid), 'the folder\'s row is gone');
        $this->assertSame([], self::users(self::$mUid), 'and its users\'');
        $this->assertFalse($hta->DelDir('private'));
        $this->assertRaised('hta', 5, 'DelDir of an unprotected folder');
        $this->assertFalse($hta->DelDir('../x'));
        $this->assertRaised('hta', 8, 'DelDir outside the space');
        $this->assertSame(['/'], $hta->ListDir());
        $this->assertTrue($hta->DelDir(''), 'the web space itself');
        $this->assertFalse($hta->ListDir());
        $this->assertRaised('hta', 4, 'none left');
    }

    public function testAnotherMembersFolder(): void
    {
        $before = [self::dirs(self::$oUid), self::users(self::$oUid)];
        $this->assertSame(['/secret'], $before[0]);
        $hta = $this->member();
        $this->assertFalse($hta->is_protected('secret'), "another member's folder is not the member's");
        $this->assertFalse($hta->get_hta_detail('secret'), "get_hta_detail of another member's folder");
        $this->assertFalse($hta->DelDir('secret'));
        $this->assertRaised('hta', 5, "DelDir of another member's folder");
        $this->assertFalse($hta->add_user('intruder', self::HTPASS, 'secret'));
        $this->assertRaised('hta', 8, "add_user in another member's folder");
        $this->assertFalse($hta->change_pass('u1', self::HTPASS . 'x', 'secret'));
        $this->assertRaised('hta', 8, "change_pass in another member's folder");
        $this->assertFalse($hta->del_user(['u1'], 'secret'));
        $this->assertRaised('hta', 8, "del_user in another member's folder");

        // The routes themselves refuse the other account.
        $api = self::api(self::$m, self::PASS);
        $o = self::$o;
        $this->assertApiError(function () use ($api, $o) {
            $api->listProtectedFolders($o);
        }, 404, 'not_found', '*', "listProtectedFolders of another member");
        $this->assertApiError(function () use ($api, $o) {
            $api->unprotectFolder($o, 'secret');
        }, 404, 'not_found', '*', "unprotectFolder of another member");
        $this->assertApiError(function () use ($api, $o) {
            $api->deleteProtectedFolderUser($o, 'secret', 'u1');
        }, 404, 'not_found', '*', "deleteProtectedFolderUser of another member");
        $this->assertSame($before, [self::dirs(self::$oUid), self::users(self::$oUid)], 'unchanged');

        // The admin, as 1.0 ($cuid): its own folders, the member's after su().
        $mem = $this->session();
        $admin = new m_hta();
        $this->assertFalse($admin->is_protected('secret'), 'the admin without su()');
        $mem->su(self::$oUid);
        $this->assertSame(['secret/'], $admin->ListDir(), "after su(): the member's");
        $this->assertSame(['u1'], $admin->get_hta_detail('secret'));
        $mem->unsu();
    }

    public function testPanelApiRoutes(): void
    {
        $api = self::api();
        $o = self::$o;
        $this->assertSame(['dir' => 'api/x', 'users' => 0], $api->protectFolder($o, 'api/x'), 'protectFolder');
        $this->assertSame(201, $api->lastStatus);
        $this->assertApiError(function () use ($api, $o) {
            $api->protectFolder($o, '/api/x/');
        }, 409, 'exists', 'dir', 'protectFolder twice');
        $list = $api->listProtectedFolders($o);
        $this->assertSame(['/api/x', '/secret'], array_column($list['items'], 'dir'), 'listProtectedFolders');
        $this->assertSame(['dir', 'users'], array_keys($list['items'][0]));
        $this->assertSame(['dir' => 'api/x', 'user' => 'w1'],
            $api->addProtectedFolderUser($o, 'api/x', 'w1', self::HTPASS), 'addProtectedFolderUser');
        $this->assertApiError(function () use ($api, $o) {
            $api->addProtectedFolderUser($o, 'api/y', 'w1', self::HTPASS);
        }, 404, 'not_found', 'dir', 'addProtectedFolderUser in an unprotected folder');
        $this->assertSame([['user' => 'w1']], $api->listProtectedFolderUsers($o, '/api/x')['items'],
            'listProtectedFolderUsers');
        $before = self::users(self::$oUid);
        $api->setProtectedFolderUserPassword($o, 'api/x', 'w1', 'Other-hta-pass-4');
        $this->assertSame(204, $api->lastStatus, 'setProtectedFolderUserPassword');
        $this->assertNotSame($before, self::users(self::$oUid), 'the hash changed');
        $api->deleteProtectedFolderUser($o, 'api/x', 'w1');
        $this->assertSame([], $api->listProtectedFolderUsers($o, 'api/x')['items'], 'deleteProtectedFolderUser');
        $api->unprotectFolder($o, 'api/x');
        $this->assertSame(['/secret'], self::dirs(self::$oUid), 'unprotectFolder');
        $this->assertApiError(function () use ($api, $o) {
            $api->unprotectFolder($o, 'api/x');
        }, 404, 'not_found', 'dir', 'unprotectFolder twice');
    }
}
