<?php
// A member who tries to touch another member's objects through every 1.0 class gets 1.0's error
// code and changes nothing; an admin acting as a member (setid) sees only that member's.

class IsolationTest extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-9';
    /** @var string the intruder and the victim */
    private static $a;
    private static $b;
    private static $bUid;
    /** @var string the victim's domain, address, FTP account, database and user */
    private static $bDom;
    private static $bFtpId;
    /** @var int the victim's raw statistics set */
    private static $bSet;

    public static function setUpBeforeClass(): void
    {
        self::$a = self::tag('i');
        self::$b = self::tag('v');
        $quotas = ['dom' => 2, 'mail' => 5, 'ftp' => 2, 'mysql' => 2, 'mysql_users' => 2, 'sta2' => 2];
        self::createMember(self::$a, self::PASS, $quotas);
        self::$bUid = self::createMember(self::$b, self::PASS, $quotas);
        self::$bDom = self::tag('') . '-v.org';
        $api = self::api();
        try {
            $api->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        $api->createDomain(self::$b, self::$bDom, ['dns' => true, 'mx' => true]);
        $api->createMail(self::$bDom, 'box', ['password' => 'Mail-Box-Pass-7']);
        self::$bFtpId = (string) $api->createFtp(self::$b, self::$b, 'Ftp-bridge-pass-1', ['suffix' => 'web'])['id'];
        $api->createDatabase(self::$b, 'data');
        $api->createDbUser(self::$b, 'app', 'Db-bridge-pass-1');
        $api->setDbUserGrants(self::$b . '_app', [self::$b . '_data' => ['SELECT']]);
        $api->setDatabaseBackup(self::$b . '_data', ['mode' => 'daily', 'history' => 3, 'dir' => 'sql']);
        self::$bSet = (int) $api->createRawStat(self::$b, 'www.' . self::$bDom, 'logs')['id'];
        $api->protectFolder(self::$b, 'private');
        $api->addProtectedFolderUser(self::$b, 'private', 'reader', 'Hta-bridge-pass-1');
        $api->createMailWrapper(self::$bDom, 'list', '/usr/bin/true post list');
        foreach ([self::$a, self::$b] as $login) {
            if (!is_dir(self::webSpace($login) . '/www')) {
                mkdir(self::webSpace($login) . '/www', 0770, true);
            }
        }
        file_put_contents(self::webSpace(self::$b) . '/www/index.html', "victim's page\n");
        $api->setFilePreferences(self::$b, ['editsizex' => 90]);
    }

    /** The victim's objects, as the admin reads them. */
    private static function victimState(): array
    {
        $api = self::api();
        $d = $api->getDomain(self::$bDom);
        return [
            'domain' => [$d['dns_action'], $d['noerase'], $d['mx']],
            'entries' => array_map(function ($e) {
                return $e['sub'] . '/' . $e['type'] . '=' . ($e['target'] ?? '');
            }, $api->listSubdomains(self::$bDom)['items']),
            'mail' => $api->getMail('box@' . self::$bDom),
            'ftp' => $api->listFtp(self::$b)['items'],
            'databases' => $api->listDatabases(self::$b)['items'],
            'rawstats' => $api->listRawStats(self::$b)['items'],
            'hta' => [$api->listProtectedFolders(self::$b)['items'],
                $api->listProtectedFolderUsers(self::$b, 'private')['items'],
                self::panelQuery('SELECT hash FROM panel_hta_users WHERE uid = ' . (int) self::$bUid)],
            'wrappers' => $api->listMailWrappers(self::$bDom)['items'],
            'grants' => $api->getDbUserGrants(self::$b . '_app')['grants'],
            'quotas' => $api->getQuotas(self::$b)['items'],
            'account' => [$api->getAccount(self::$b)['enabled'], $api->getAccount(self::$b)['mail']],
            'files' => [scandir(self::webSpace(self::$b)), scandir(self::webSpace(self::$b) . '/www'),
                file_get_contents(self::webSpace(self::$b) . '/www/index.html'),
                fileperms(self::webSpace(self::$b) . '/www/index.html')],
            'file-preferences' => $api->getFilePreferences(self::$b),
            'chgmail' => self::panelQuery('SELECT cookie FROM chgmail WHERE uid = ' . (int) self::$bUid),
        ];
    }

    public function testAMemberCannotTouchAnothersObjects(): void
    {
        $before = self::victimState();
        $this->session(self::$a, self::PASS);
        $b = self::$b;
        $bDom = self::$bDom;
        $box = "box@$bDom";

        $dom = new m_dom();
        $this->assertFalse($dom->get_domain_all($bDom));
        $this->assertRaised('dom', 1, 'm_dom::get_domain_all of another\'s domain');
        $this->assertFalse($dom->add_domain($bDom, 1));
        $this->assertRaised('dom', 8, 'm_dom::add_domain of another\'s domain');
        $this->assertFalse($dom->set_sub_domain($bDom, 'x', 'vhost', '/x'));
        $this->assertRaised('dom', 1, 'm_dom::set_sub_domain');
        $this->assertFalse($dom->del_sub_domain($bDom, 'www', 'vhost'));
        $this->assertRaised('dom', 1, 'm_dom::del_sub_domain');
        $this->assertFalse($dom->sub_domain_change_status($bDom, 'www', 'vhost', '', 'DISABLE'));
        $this->assertRaised('dom', 1, 'm_dom::sub_domain_change_status');
        $this->assertFalse($dom->edit_domain($bDom, 1, 0));
        $this->assertRaised('dom', 1, 'm_dom::edit_domain');
        $this->assertFalse($dom->del_domain($bDom));
        $this->assertRaised('dom', 1, 'm_dom::del_domain');

        $mail = new m_mail();
        $this->assertFalse($mail->get_mail_details($box));
        $this->assertRaised('mail', 3, 'm_mail::get_mail_details');
        $this->assertFalse($mail->add_mail($bDom, 'intruder', 0, '', 'a@example.net'));
        $this->assertRaised('mail', 6, 'm_mail::add_mail on another\'s domain');
        $this->assertFalse($mail->put_mail_details($box, 0, '', 'a@example.net'));
        $this->assertRaised('mail', 3, 'm_mail::put_mail_details');
        $this->assertFalse($mail->change_password($box, 'Mail-Box-Pass-8'));
        $this->assertRaised('mail', 3, 'm_mail::change_password');
        $this->assertFalse($mail->del_mail($box));
        $this->assertRaised('mail', 3, 'm_mail::del_mail');
        $this->assertFalse($mail->enum_doms_mails($bDom));
        $this->assertSame('mail', $GLOBALS['err']->clsid, 'm_mail::enum_doms_mails');
        $this->assertFalse($mail->del_wrapper('list', $bDom));
        $this->assertRaised('mail', 3, 'm_mail::del_wrapper of another\'s wrapper');
        $this->assertFalse($mail->add_wrapper('intruder', $bDom, '/usr/bin/true'));
        $this->assertRaised('admin', 1, 'm_mail::add_wrapper by a member');
        $this->assertFalse($dom->del_domain_cancel($bDom));
        $this->assertRaised('dom', 1, 'm_dom::del_domain_cancel of another\'s domain');

        // m_hta names the intruder's own folders only; the routes refuse the victim's login.
        $hta = new m_hta();
        $this->assertFalse($hta->is_protected('private'), 'm_hta::is_protected: not the victim\'s');
        $this->assertFalse($hta->DelDir('private'));
        $this->assertRaised('hta', 5, 'm_hta::DelDir');
        $this->assertFalse($hta->add_user('intruder', 'Hta-bridge-pass-2', 'private'));
        $this->assertRaised('hta', 8, 'm_hta::add_user');
        $this->assertFalse($hta->change_pass('reader', 'Hta-bridge-pass-2', 'private'));
        $this->assertRaised('hta', 8, 'm_hta::change_pass');
        $this->assertFalse($hta->del_user(['reader'], 'private'));
        $this->assertRaised('hta', 8, 'm_hta::del_user');
        $this->assertApiError(function () use ($b) {
            panel_api()->setProtectedFolderUserPassword($b, 'private', 'reader', 'Hta-bridge-pass-2');
        }, 404, 'not_found', '*', 'another\'s protected folder through PanelApi');

        $ftp = new m_ftp();
        $this->assertFalse($ftp->get_ftp_details(self::$bFtpId));
        $this->assertRaised('ftp', 2, 'm_ftp::get_ftp_details of another\'s id');
        $this->assertFalse($ftp->put_ftp_details(self::$bFtpId, self::$a, 'x', 'Ftp-bridge-pass-2', ''));
        $this->assertRaised('ftp', 2, 'm_ftp::put_ftp_details');
        $this->assertFalse($ftp->delete_ftp(self::$bFtpId));
        $this->assertRaised('ftp', 2, 'm_ftp::delete_ftp');
        $this->assertFalse($ftp->add_ftp($bDom, 'x', 'Ftp-bridge-pass-2', ''));
        $this->assertRaised('ftp', 3, 'm_ftp::add_ftp under another\'s domain');
        $this->assertNotContains($bDom, $ftp->prefix_list());

        // 1.0 names databases after the current login: another's cannot even be named, except
        // by its full name (get_db_size) or through the grants of one's own user.
        $mysql = new m_mysql();
        $this->assertSame(0, $mysql->get_db_size("{$b}_data"), 'm_mysql::get_db_size of another\'s database');
        $this->assertTrue($mysql->add_user('mine', 'Db-bridge-pass-1', 'Db-bridge-pass-1'));
        $this->assertFalse($mysql->set_user_rights('mine', '', ['select']));
        $this->assertRaised('mysql', 4, 'm_mysql::set_user_rights on a database the account does not have');
        $this->assertApiError(function () use ($b) {
            panel_api()->setDbUserGrants(self::$a . '_mine', ["{$b}_data" => ['SELECT']]);
        }, 404, 'not_found', 'grants', 'the same through PanelApi');
        $this->assertApiError(function () use ($b) {
            panel_api()->deleteDatabase("{$b}_data");
        }, 404, 'not_found', '*', 'another\'s database is not found');

        $this->assertFalse($mysql->put_mysql_backup('', 1, 7, 0, ''));
        $this->assertRaised('mysql', 4, 'm_mysql::put_mysql_backup names the intruder\'s own databases only');
        $this->assertApiError(function () use ($b) {
            panel_api()->setDatabaseBackup("{$b}_data", ['mode' => 'weekly', 'history' => 1, 'dir' => '/']);
        }, 404, 'not_found', '*', 'another\'s database backup through PanelApi');

        $sta2 = new m_sta2();
        $set = (string) self::$bSet;
        $this->assertFalse($sta2->get_stats_details_raw($set));
        $this->assertRaised('sta2', 3, 'm_sta2::get_stats_details_raw of another\'s set');
        $this->assertFalse($sta2->put_stats_details_raw($set, 'mine'));
        $this->assertRaised('sta2', 3, 'm_sta2::put_stats_details_raw');
        $this->assertFalse($sta2->delete_stats_raw($set));
        $this->assertRaised('sta2', 3, 'm_sta2::delete_stats_raw');
        $this->assertFalse($sta2->add_stats_raw("www.$bDom", 'stolen'));
        $this->assertRaised('sta2', null, 'm_sta2::add_stats_raw of another\'s host (1.0 took it)');
        $this->assertNotContains("www.$bDom", $sta2->host_list(), 'm_sta2::host_list');
        foreach (['getRawStat' => [self::$bSet], 'updateRawStat' => [self::$bSet, 'x'],
                  'deleteRawStat' => [self::$bSet]] as $method => $args) {
            $this->assertApiError(function () use ($method, $args) {
                panel_api()->$method(...$args);
            }, 404, 'not_found', '*', "PanelApi::$method of another's set");
        }
        $this->assertFalse((new m_dom())->checkmx($bDom, ''));
        $this->assertRaised('dom', 1, 'm_dom::checkmx of another\'s domain');

        $quota = new m_quota();
        $this->assertFalse($quota->setquota('dom', 100));
        $this->assertRaised('admin', 1, 'm_quota::setquota by a member');

        $admin = new m_admin();
        $this->assertFalse($admin->get(self::$bUid));
        $this->assertContains($GLOBALS['err']->error, [1, 2], 'm_admin::get of another member');
        $this->assertFalse($admin->lock_mem(self::$bUid));
        $this->assertSame('admin', $GLOBALS['err']->clsid, 'm_admin::lock_mem of another member');
        $this->assertFalse($GLOBALS['mem']->su(self::$bUid));
        $this->assertRaised('mem', 1, 'm_mem::su to another member');

        // m_bro works in the intruder's own space: '..' out of it is refused, the routes refuse
        // the victim's login.
        $bro = new m_bro();
        $out = "/../$b/www";
        $this->assertSame([], $bro->filelist($out), 'm_bro::filelist out of the space');
        $this->assertFalse($bro->save('index.html', $out, 'owned'));
        $this->assertRaised('bro', 1, 'm_bro::save');
        $this->assertFalse($bro->DeleteFile(['index.html'], $out));
        $this->assertRaised('bro', 1, 'm_bro::DeleteFile');
        $this->assertFalse($bro->RenameFile($out, ['index.html'], ['x.html']));
        $this->assertRaised('bro', 1, 'm_bro::RenameFile');
        $this->assertFalse($bro->MoveFile(['index.html'], $out, '/www'));
        $this->assertRaised('bro', 1, 'm_bro::MoveFile out of another\'s space');
        $this->assertFalse($bro->CopyFile(['index.html'], $out, '/www'));
        $this->assertRaised('bro', 1, 'm_bro::CopyFile out of another\'s space');
        $this->assertFalse($bro->ChangePermissions($out, ['index.html'], [['w' => 0]], false));
        $this->assertRaised('bro', 1, 'm_bro::ChangePermissions');
        ob_start();
        $this->assertFalse($bro->content($out, 'index.html'));
        $this->assertSame('', ob_get_clean());
        $this->assertRaised('bro', 1, 'm_bro::content');
        $this->assertTrue($bro->SetPrefs(50, 20, 0, 0, 0, 0, 0, 'Arial, Helvetica, Sans-serif', '12px', 0),
            'm_bro::SetPrefs: the intruder\'s own');
        foreach (['getFileContent' => [$b, '/www/index.html'], 'putFileContent' => [$b, '/www/index.html', 'owned'],
                  'deleteFile' => [$b, '/www'], 'renameFile' => [$b, '/www', '/w2'], 'chmodFile' => [$b, '/www', false],
                  'copyFile' => [$b, '/www', '/w2'], 'setFilePreferences' => [$b, ['editsizex' => 1]]] as $method => $args) {
            $this->assertApiError(function () use ($method, $args) {
                panel_api()->$method(...$args);
            }, 404, 'not_found', '*', "PanelApi::$method in another's space");
        }

        // Another's contact address: the route refuses; a change confirms on its own uid only.
        $this->assertApiError(function () use ($b) {
            panel_api()->requestMailChange($b, 'intruder@example.org');
        }, 404, 'not_found', '*', 'another\'s mail change');
        $this->assertFalse($GLOBALS['mem']->ChangeMail2(str_repeat('a', 20), 'abcdef', self::$bUid));
        $this->assertRaised('mem', 9, 'm_mem::ChangeMail2 on another\'s uid');

        // Slave servers are the admins' business.
        $this->assertFalse($dom->add_slave_account(self::tag('i') . '-ns', 'Slave-Pass-123'));
        $this->assertRaised('admin', 1, 'm_dom::add_slave_account by a member');
        $this->assertFalse((new m_mail())->enum_slave_account());
        $this->assertRaised('admin', 1, 'm_mail::enum_slave_account by a member');

        $this->assertSame($before, self::victimState(), 'nothing of the victim changed');
        $this->assertTrue(self::serverHasDatabase("{$b}_data"), 'its database is still on the server');
    }

    /** @depends testAMemberCannotTouchAnothersObjects */
    public function testAnAdminActingAsAMemberSeesOnlyIt(): void
    {
        $mem = $this->session();
        $ftp = new m_ftp();
        $this->assertTrue($mem->setid(self::$bUid), 'setid to the victim');
        $this->assertSame([self::$b . '_web'], array_column($ftp->get_list(), 'login'), 'its FTP accounts');
        $this->assertSame(self::$b, $ftp->get_ftp_details(self::$bFtpId)['prefixe']);
        $this->assertSame([self::$b . '_data'], array_column((new m_mysql())->get_dblist(), 'db'));
        $this->assertSame(['2', '/sql', '3'], array_values(array_intersect_key(
            (new m_mysql())->get_mysql_details('data'), ['bck' => 0, 'dir' => 0, 'history' => 0])),
            'its backup settings');
        $this->assertSame(['logs'], array_column((new m_sta2())->get_list_raw(), 'folder'), 'its raw stats');
        $this->assertSame(['private/'], (new m_hta())->ListDir(), 'its protected folders');
        $this->assertSame(['reader'], (new m_hta())->get_hta_detail('private'));
        $this->assertSame(['index.html'], array_column((new m_bro())->filelist('/www'), 'name'), 'its files');
        $this->assertSame('90', (new m_bro())->GetPrefs()['editsizex'], 'its file manager preferences');
        $this->assertTrue($mem->unsetid());
        $a = array_values(array_filter((new m_admin())->get_list(), function ($r) {
            return $r['login'] === self::$a;
        }));
        $this->assertTrue($mem->setid((int) $a[0]['uid']), 'setid to the intruder');
        $this->assertFalse($ftp->get_ftp_details(self::$bFtpId));
        $this->assertRaised('ftp', 2, 'acting as another member, the victim\'s FTP account is not found');
        $this->assertFalse((new m_dom())->get_domain_all(self::$bDom));
        $this->assertRaised('dom', 1, 'nor its domain');
        $this->assertTrue($mem->unsetid());
    }
}
