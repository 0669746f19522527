<?php
// AlternC 1.0's m_bro (the file manager) on /api/v1/accounts/{login}/files and
// file-preferences: 1.0's shapes and `bro` codes, each effect checked on disk in the run's
// [hosting] root and in the `browser` row; another member's space out of reach.

class BroUploadTestable extends m_bro
{
    protected function is_uploaded($tmp): bool
    {
        return is_file($tmp);
    }
}

class BroTest extends BridgeTestCase
{
    const PASS = 'Php-bro-pass-1';
    /** @var string the member using its file manager */
    private static $m;
    private static $mUid;
    /** @var string another member, whose space must stay out of reach */
    private static $o;
    /** the API's error code for a body of another type */
    private static $code415 = 'unsupported_media_type';

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('b1');
        self::$o = self::tag('b2');
        self::$mUid = self::createMember(self::$m, self::PASS);
        self::createMember(self::$o, self::PASS);
        foreach ([self::$m, self::$o] as $login) {
            if (!is_dir(self::webSpace($login))) {
                mkdir(self::webSpace($login), 0770, true);
            }
        }
        file_put_contents(self::webSpace(self::$o) . '/private.txt', "other's secret\n");
    }

    protected function setUp(): void
    {
        parent::setUp();
        $GLOBALS['L_ALTERNC_LOC'] = getenv('PANEL_TEST_HOSTING_ROOT');
    }

    private static function disk(string $rel = ''): string
    {
        return self::webSpace(self::$m) . $rel;
    }

    private function browserRow(): array
    {
        return self::panelQuery('SELECT editsizex, editsizey, listmode, showicons, downfmt, createfile, showtype,'
            . ' editor_font, editor_size, golastdir, lastdir FROM browser WHERE uid = ' . self::$mUid);
    }

    public function testPaths(): void
    {
        $this->session(self::$m, self::PASS);
        $bro = new m_bro();
        $this->assertSame(self::disk(), $bro->get_user_root(self::$m), 'get_user_root');
        $this->assertSame(self::disk(), $bro->get_userid_root(self::$mUid), 'get_userid_root');
        $this->assertSame('/www/x', $bro->convertabsolute('/www/../www/./x/'), 'convertabsolute, stripped');
        $this->assertSame('', $bro->convertabsolute('/'));
        $this->assertSame(self::disk('/www/x'), $bro->convertabsolute('www//x', 0), 'convertabsolute, absolute');
        $this->assertFalse($bro->convertabsolute('/www/../../' . self::$o), 'out of the space');
        $this->assertFalse($bro->get_userid_root(999999));
        $this->assertRaised('admin', 2, 'an unknown uid');
        $this->assertSame('<a href="bro_main.php?R=www%2F">www</a>&nbsp;/&nbsp;<a href="bro_main.php?R=www%2Fa%26b%2F">'
            . 'a&amp;b</a>&nbsp;/&nbsp;', $bro->PathList('/www/a&b', 'bro_main.php'), 'PathList');
        $GLOBALS['bro_icon'] = ['html' => 'html'];
        $GLOBALS['bro_type'] = ['html' => 'text/html'];
        $this->assertSame('html.png', $bro->icon('a.html'));
        $this->assertSame('file.png', $bro->icon('README'));
        $this->assertSame('text/html', $bro->mime('a.html'));
        $this->assertSame('File', $bro->mime('a.zzz'));
    }

    public function testPrefs(): void
    {
        $this->session(self::$m, self::PASS);
        $bro = new m_bro();
        $p = $bro->GetPrefs();
        $this->assertSame(['uid' => (string) self::$mUid, 'editsizex' => '70', 'editsizey' => '21', 'listmode' => '0',
            'showicons' => '0', 'downfmt' => '0', 'createfile' => '0', 'showtype' => '0',
            'editor_font' => 'Arial, Helvetica, Sans-serif', 'editor_size' => '12px', 'golastdir' => '0',
            'lastdir' => '', 'crff' => '0'], $p, "1.0's defaults");
        $this->assertTrue($bro->SetPrefs('80', 25, 1, 1, 2, '1', 0, 'Courier New, Courier, Fixed', '14px', 1),
            'SetPrefs: ' . $GLOBALS['err']->errstr());
        $row = ["80\t25\t1\t1\t2\t1\t0\tCourier New, Courier, Fixed\t14px\t1\t"];
        $this->assertSame($row, $this->browserRow(), 'the browser row');
        $p = $bro->GetPrefs();
        $this->assertSame(['80', '25', '1', '1', '2', '1', '0', 'Courier New, Courier, Fixed', '14px', '1'],
            [$p['editsizex'], $p['editsizey'], $p['listmode'], $p['showicons'], $p['downfmt'], $p['createfile'],
             $p['showtype'], $p['editor_font'], $p['editor_size'], $p['golastdir']]);
        $this->assertFalse($bro->SetPrefs(80, 25, 7, 1, 2, 1, 0, 'Courier New, Courier, Fixed', '14px', 1));
        $this->assertRaised('bro', null, 'a listmode out of range');
        $this->assertFalse($bro->SetPrefs(0, 25, 1, 1, 2, 1, 0, 'Courier New, Courier, Fixed', '14px', 1));
        $this->assertRaised('bro', null, 'editsizex 0');
        $this->assertSame($row, $this->browserRow(), 'unchanged');
    }

    public function testFoldersFilesAndContent(): void
    {
        $this->session(self::$m, self::PASS);
        $bro = new m_bro();
        $this->assertTrue($bro->SetPrefs(70, 21, 0, 0, 0, 0, 0, 'Arial, Helvetica, Sans-serif', '12px', 0));
        $this->assertTrue($bro->CreateDir('', 'www'), 'CreateDir: ' . $GLOBALS['err']->errstr());
        $this->assertDirectoryExists(self::disk('/www'));
        $this->assertFalse($bro->CreateDir('/', 'www'));
        $this->assertRaised('bro', 1, 'a folder taken');
        $this->assertFalse($bro->CreateDir('/nope', 'x'));
        $this->assertRaised('bro', 4, 'no such parent');
        $this->assertFalse($bro->CreateDir('..', 'x'));
        $this->assertRaised('bro', 1, 'out of the space');
        $this->assertFileDoesNotExist(dirname(self::disk()) . '/x');

        $this->assertTrue($bro->CreateFile('/www', 'index.html'), 'CreateFile: ' . $GLOBALS['err']->errstr());
        $this->assertSame('', file_get_contents(self::disk('/www/index.html')));
        $this->assertFalse($bro->CreateFile('/www', 'index.html'));
        $this->assertRaised('bro', 1, 'a file taken');
        $this->assertFalse($bro->CreateFile('/www', 'a/b'));
        $this->assertRaised('bro', 1, 'a / in the name');
        $this->assertFalse($bro->CreateFile('/../' . self::$o, 'evil'));
        $this->assertRaised('bro', 1, "into another member's space");
        $this->assertFileDoesNotExist(self::webSpace(self::$o) . '/evil');

        $text = "<p>a & b</p>\n";
        $this->assertTrue($bro->save('index.html', '/www', $text), 'save: ' . $GLOBALS['err']->errstr());
        $this->assertSame($text, file_get_contents(self::disk('/www/index.html')), 'saved on disk');
        $this->assertFalse($bro->save('missing.html', '/www', 'x'), 'save of a missing file: false, as 1.0');
        $this->assertFileDoesNotExist(self::disk('/www/missing.html'));
        $this->assertFalse($bro->save('index.html', '/www', str_repeat('x', 3000)));
        $this->assertRaised('bro', null, "over the editor's max_size");
        $this->assertSame($text, file_get_contents(self::disk('/www/index.html')), 'unchanged');
        $this->assertFalse($bro->save('a/b', '/www', 'x'));
        $this->assertRaised('bro', 1, 'a / in the name');

        ob_start();
        $this->assertTrue($bro->content('/www', 'index.html'));
        $this->assertSame("&lt;p>a &amp; b&lt;/p>\n", ob_get_clean(), "content: 1.0's textarea escaping");
        ob_start();
        $this->assertTrue($bro->content_send('/www', 'index.html'));
        $this->assertSame($text, ob_get_clean(), 'content_send: the bytes');
        ob_start();
        $this->assertFalse($bro->content('/www', 'missing.html'));
        $this->assertFalse($bro->content('/', 'www'));
        $this->assertSame('', ob_get_clean());
        $this->assertRaised('bro', 6, 'a folder');
        $this->assertFalse($bro->content('/www', 'x/y'));
        $this->assertRaised('bro', 1, 'a / in the name');

        // filelist: folders first, then by name; 1.0's keys.
        $this->assertTrue($bro->CreateDir('/www', 'img'));
        file_put_contents(self::disk('/www/img/a.png'), str_repeat('p', 10));
        file_put_contents(self::disk('/www/img/b.png'), str_repeat('q', 5));
        $list = $bro->filelist('/www');
        $this->assertSame(['img', 'index.html'], array_column($list, 'name'));
        $this->assertSame(['name', 'size', 'date', 'type', 'mode', 'link'], array_keys($list[0]));
        $this->assertSame('-', $list[0]['size'], 'a folder');
        $this->assertFalse($list[0]['type'], 'a folder: type false');
        $this->assertTrue($list[1]['type'], 'a file: type true');
        $this->assertSame(strlen($text), $list[1]['size']);
        $this->assertSame(filemtime(self::disk('/www/index.html')), $list[1]['date'], 'Unix time');
        $this->assertSame(15, $bro->filelist('/www', true)[0]['size'], 'showdirsize: the files under it');
        $this->assertSame('', $bro->GetPrefs()['lastdir'], 'golastdir off: lastdir not written');
        $this->assertTrue($bro->SetPrefs(70, 21, 0, 0, 0, 0, 0, 'Arial, Helvetica, Sans-serif', '12px', 1));
        $bro->filelist('/www');
        $this->assertSame('/www', $bro->GetPrefs()['lastdir'], 'golastdir on: lastdir remembered, as 1.0');
        $bro->filelist('/');
        $this->assertSame('', $bro->GetPrefs()['lastdir'], 'the space itself');
        $this->assertTrue($bro->SetPrefs(70, 21, 0, 0, 0, 0, 0, 'Arial, Helvetica, Sans-serif', '12px', 0));
        $this->assertSame([], $bro->filelist('/nope'), 'no such folder: [], as 1.0');
        $this->assertSame([], $bro->filelist('/../' . self::$o), "another member's space: []");
    }

    /** @depends testFoldersFilesAndContent */
    public function testRenameMoveCopyChmodDelete(): void
    {
        $this->session(self::$m, self::PASS);
        $bro = new m_bro();
        $this->assertTrue($bro->RenameFile('/www', ['index.html', 'a/b', 'missing'], ['home.html', 'x', null]),
            'RenameFile: ' . $GLOBALS['err']->errstr());
        // index.html -> home.html done; a/b skipped; 'missing' with no new name skipped.
        $this->assertFileExists(self::disk('/www/home.html'));
        $this->assertFileDoesNotExist(self::disk('/www/index.html'));
        file_put_contents(self::disk('/www/taken.html'), 'taken');
        $this->assertFalse($bro->RenameFile('/www', ['home.html'], ['taken.html']));
        $this->assertRaised('bro', null, 'a new name that exists (1.0 replaced it)');
        $this->assertSame('taken', file_get_contents(self::disk('/www/taken.html')), 'not replaced');
        $this->assertFalse($bro->RenameFile('/..', ['x'], ['y']));
        $this->assertRaised('bro', 1, 'out of the space');

        $this->assertTrue($bro->CreateDir('/', 'old'));
        $this->assertTrue($bro->MoveFile(['home.html', 'nothere', 'a/b'], '/www', '/old'), $GLOBALS['err']->errstr());
        $this->assertFileExists(self::disk('/old/home.html'));
        $this->assertFileDoesNotExist(self::disk('/www/home.html'));
        $this->assertTrue($bro->MoveFile(['taken.html'], '/www', 'img'), 'relative to the folder');
        $this->assertFileExists(self::disk('/www/img/taken.html'));
        $this->assertFalse($bro->MoveFile(['img'], '/www', '/www'));
        $this->assertRaised('bro', 2, 'the same folder');
        $this->assertFalse($bro->MoveFile(['img'], '/www', '/../' . self::$o));
        $this->assertRaised('bro', 1, "into another member's space");
        $this->assertDirectoryExists(self::disk('/www/img'));

        $this->assertTrue($bro->CopyFile(['img'], '/www', '/old'), 'CopyFile: ' . $GLOBALS['err']->errstr());
        $this->assertSame('pppppppppp', file_get_contents(self::disk('/old/img/a.png')), 'copied whole');
        $this->assertFileExists(self::disk('/www/img/a.png'), 'the source stays');
        $this->assertTrue($bro->CopyFile(['img'], '/www', '/old'), 'already there: skipped, as 1.0');
        $this->assertFalse($bro->CopyFile(['img'], '/old', '/old'));
        $this->assertRaised('bro', 2, 'the same folder');

        $this->assertTrue($bro->ChangePermissions('/old', ['home.html'], [['w' => 0]], false));
        $this->assertSame(0, fileperms(self::disk('/old/home.html')) & 0200, 'the owner may not write');
        clearstatcache();
        ob_start();
        $this->assertTrue($bro->ChangePermissions('/old', ['home.html'], [['w' => 1]]));
        $echo = ob_get_clean();
        clearstatcache();
        $this->assertSame(0200, fileperms(self::disk('/old/home.html')) & 0200, 'the owner may write');
        $this->assertMatchesRegularExpression('/^chmod 6[0-7]+ file, was 4[0-7]+ -- 1$/', $echo, "1.0's line");
        $this->assertFalse($bro->ChangePermissions('/old', ['nothere'], [['w' => 1]], false));
        $this->assertRaised('bro', null, 'no such file');

        $this->assertTrue($bro->DeleteFile(['old', 'nothere', 'a/b'], '/'), 'DeleteFile: ' . $GLOBALS['err']->errstr());
        $this->assertFileDoesNotExist(self::disk('/old'), 'the folder, whole');
        $this->assertFalse($bro->DeleteFile(['private.txt'], '/../' . self::$o));
        $this->assertRaised('bro', 1, "another member's space");
        $this->assertFileExists(self::webSpace(self::$o) . '/private.txt');
    }

    /** @depends testFoldersFilesAndContent */
    public function testUploadFile(): void
    {
        $this->session(self::$m, self::PASS);
        $tmp = tempnam(sys_get_temp_dir(), 'bro');
        file_put_contents($tmp, "a\0b\xff");
        $_FILES['userfile'] = ['name' => 'up.bin', 'tmp_name' => $tmp];
        $this->assertFalse((new m_bro())->UploadFile('/www'), 'not an uploaded file: false, as 1.0');
        $this->assertFileDoesNotExist(self::disk('/www/up.bin'));
        $bro = new BroUploadTestable();
        $this->assertSame(self::disk('/www/up.bin'), $bro->UploadFile('/www'), 'UploadFile: ' . $GLOBALS['err']->errstr());
        $this->assertSame("a\0b\xff", file_get_contents(self::disk('/www/up.bin')), 'the bytes on disk');
        file_put_contents($tmp, str_repeat('z', 5000));
        $this->assertSame(self::disk('/www/up.bin'), $bro->UploadFile('/www'), 'over the editor limit: an upload');
        $this->assertSame(5000, filesize(self::disk('/www/up.bin')));
        file_put_contents($tmp, str_repeat('z', 100001));
        $_FILES['userfile']['name'] = 'big.bin';
        $this->assertFalse($bro->UploadFile('/www'));
        $this->assertRaised('bro', null, 'over upload_max_size');
        $this->assertFileDoesNotExist(self::disk('/www/big.bin'));
        $this->assertFalse($bro->UploadFile('/../' . self::$o));
        $this->assertRaised('bro', 1, "another member's space");
        unlink($tmp);
        unset($_FILES['userfile']);
    }

    public function testAnotherMembersSpace(): void
    {
        $api = self::api(self::$m, self::PASS);
        $o = self::$o;
        $calls = [
            'list' => function () use ($api, $o) {
                $api->listFiles($o);
            },
            'content' => function () use ($api, $o) {
                $api->getFileContent($o, '/private.txt');
            },
            'put' => function () use ($api, $o) {
                $api->putFileContent($o, '/private.txt', 'owned');
            },
            'delete' => function () use ($api, $o) {
                $api->deleteFile($o, '/private.txt');
            },
            'mkdir' => function () use ($api, $o) {
                $api->makeFolder($o, '/evil');
            },
            'rename' => function () use ($api, $o) {
                $api->renameFile($o, '/private.txt', '/x.txt');
            },
            'chmod' => function () use ($api, $o) {
                $api->chmodFile($o, '/private.txt', false);
            },
            'prefs' => function () use ($api, $o) {
                $api->setFilePreferences($o, ['editsizex' => 10]);
            },
        ];
        foreach ($calls as $what => $call) {
            $this->assertApiError($call, 404, 'not_found', '*', "a member's $what in another's space");
        }
        $this->assertSame("other's secret\n", file_get_contents(self::webSpace($o) . '/private.txt'), 'unchanged');
        $this->assertSame(['private.txt'], array_values(array_diff(scandir(self::webSpace($o)), ['.', '..'])));

        // The admin after su(): that member's space.
        $mem = $this->session();
        $this->assertTrue($mem->su(panel_uid_of($o)));
        $list = (new m_bro())->filelist('/');
        $this->assertSame(['private.txt'], array_column($list, 'name'));
        $mem->unsu();
    }

    public function testPanelApiMethods(): void
    {
        $api = self::api(self::$m, self::PASS);
        $put = $api->putFileContent(self::$m, '/api.txt', "one\n");
        $this->assertSame(201, $api->lastStatus);
        $this->assertSame(['path', 'size', 'created'], array_keys($put));
        $this->assertSame(4, $put['size']);
        $this->assertTrue($put['created']);
        $put = $api->putFileContent(self::$m, '/api.txt', "two!\n", true);
        $this->assertSame(200, $api->lastStatus, 'replaced');
        $this->assertFalse($put['created']);
        $this->assertSame("two!\n", $api->getFileContent(self::$m, '/api.txt'));
        $this->assertApiError(function () use ($api) {
            $api->request('PUT', '/api/v1/accounts/' . self::$m . '/files/content', ['path' => '/x.txt'], null,
                ['raw_body' => 'x', 'content_type' => 'text/plain']);
        }, 415, self::$code415, '*', 'not application/octet-stream');
        $this->assertFileDoesNotExist(self::disk('/x.txt'));
        $api->copyFile(self::$m, '/api.txt', '/api2.txt');
        $this->assertSame(204, $api->lastStatus);
        $this->assertSame(['path' => '/api2.txt', 'mode' => '0460'], $api->chmodFile(self::$m, '/api2.txt', false));
        $items = $api->listFiles(self::$m)['items'];
        $byName = array_column($items, null, 'name');
        $this->assertSame(['name', 'type', 'size', 'mode', 'mtime', 'target'], array_keys($byName['api2.txt']));
        $api->deleteFile(self::$m, '/api.txt');
        $api->deleteFile(self::$m, '/api2.txt');
        $this->assertFileDoesNotExist(self::disk('/api.txt'));
        $prefs = $api->getFilePreferences(self::$m);
        $this->assertArrayHasKey('editsizex', $prefs);
    }
}
