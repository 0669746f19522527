<?php
// AlternC 1.0's m_sta2 on the API (raw web statistics): a member's sets, 1.0's shapes and codes,
// the `stats2` rows 1.0's rawstat.daily reads (checked as root), and another member's sets.

class Sta2Test extends BridgeTestCase
{
    const PASS = 'Php-bridge-pass-6';
    /** @var string the member, another member, the member's domain */
    private static $m;
    private static $mUid;
    private static $o;
    private static $dom;
    /** @var string the id of the other member's set */
    private static $oSet;

    public static function setUpBeforeClass(): void
    {
        self::$m = self::tag('r');
        self::$o = self::tag('w');
        self::$mUid = self::createMember(self::$m, self::PASS, ['dom' => 2, 'sta2' => 2]);
        self::createMember(self::$o, self::PASS, ['dom' => 1, 'sta2' => 1]);
        self::$dom = self::tag('') . '-r.org';
        $api = self::api();
        try {
            $api->setTld('org', 1);
        } catch (PanelApiException $e) {
            // listed already
        }
        $api->createDomain(self::$m, self::$dom, ['dns' => true, 'mx' => true]);
        $api->createDomain(self::$o, self::tag('') . '-w.org', ['dns' => true, 'mx' => true]);
        self::$oSet = (string) $api->createRawStat(self::$o, 'www.' . self::tag('') . '-w.org', 'logs')['id'];
    }

    private function member(): m_sta2
    {
        $this->session(self::$m, self::PASS);
        return new m_sta2();
    }

    /** The member's stats2 rows as rawstat.daily reads them: "hostname<TAB>folder". */
    private static function rows(): array
    {
        return self::panelQuery('SELECT hostname, folder FROM stats2 WHERE mid = ' . (int) self::$mUid
            . ' ORDER BY hostname, id');
    }

    private static function abs(string $rel): string
    {
        return self::webSpace(self::$m) . ($rel === '' ? '' : "/$rel");
    }

    public function testNoneYetAndHosts(): void
    {
        $sta2 = $this->member();
        $dom = self::$dom;
        $this->assertSame('sta2', $sta2->alternc_quota_names());
        $this->assertFalse($sta2->get_list_raw());
        $this->assertRaised('sta2', 2, 'get_list_raw without sets');
        $this->assertSame(0, $sta2->alternc_get_quota('sta2'));
        $this->assertFalse($sta2->alternc_get_quota('dom'), 'another quota: false, as 1.0');
        $hosts = $sta2->host_list();
        $this->assertContains($dom, $hosts, 'm_sta2::host_list: the domain itself');
        $this->assertContains("www.$dom", $hosts, 'and its entries');
        $this->assertSame(array_values(array_unique($hosts)), $hosts, 'each name once');
        $this->assertNotContains('www.' . self::tag('') . '-w.org', $hosts, "not another member's");
        ob_start();
        $this->assertTrue($sta2->select_host_list("www.$dom"));
        $html = ob_get_clean();
        $this->assertStringContainsString("<option selected=\"selected\">www.$dom</option>", $html,
            'm_sta2::select_host_list');
        $this->assertStringContainsString("<option>$dom</option>", $html);
    }

    /** @depends testNoneYetAndHosts */
    public function testAddListDetails(): void
    {
        $sta2 = $this->member();
        $dom = self::$dom;
        $this->assertTrue($sta2->add_stats_raw("www.$dom", 'logs/www'), 'm_sta2::add_stats_raw');
        $this->assertTrue($sta2->add_stats_raw($dom, '/'), 'the web space itself');
        $rows = self::rows();
        $this->assertCount(2, $rows, 'two stats2 rows');
        [$h0, $f0] = explode("\t", $rows[0]);
        [$h1, $f1] = explode("\t", $rows[1]);
        $this->assertSame([$dom, "www.$dom"], [$h0, $h1], 'their hostnames');
        $this->assertSame(self::abs('logs/www'), $f1, "inside the member's space");
        $this->assertSame(self::abs(''), $f0);

        $list = $sta2->get_list_raw();
        $this->assertSame(['id', 'hostname', 'folder'], array_keys($list[0]), 'm_sta2::get_list_raw, 1.0 keys');
        $this->assertSame([$dom, "www.$dom"], array_column($list, 'hostname'), 'by hostname');
        $this->assertSame(['', 'logs/www'], array_column($list, 'folder'), 'folders relative, as 1.0');
        $this->assertIsString($list[0]['id']);
        $this->assertSame(2, $sta2->alternc_get_quota('sta2'));
        $this->assertSame($list[1], $sta2->get_stats_details_raw($list[1]['id']), 'm_sta2::get_stats_details_raw');

        $this->assertFalse($sta2->add_stats_raw("www.$dom", 'logs/other'));
        $this->assertRaised('sta2', 1, 'over the sta2 quota');
        $this->assertCount(2, self::rows(), 'nothing written');
        foreach (['nope', '0', '', '1x'] as $id) {
            $this->assertFalse($sta2->get_stats_details_raw($id));
            $this->assertRaised('sta2', 3, "get_stats_details_raw('$id')");
        }
    }

    /** @depends testAddListDetails */
    public function testRefusedHostsAndFolders(): void
    {
        $sta2 = $this->member();
        $first = $sta2->get_list_raw()[0]['id'];
        $this->assertTrue($sta2->delete_stats_raw($first), 'room for one more');
        $cases = [
            ['www.' . self::tag('') . '-w.org', 'logs', "another member's host"],
            ['www.example.com', 'logs', 'a host nobody hosts here'],
            ['bad host', 'logs', 'not a host name'],
            ['www.' . self::$dom, '../../etc', 'a folder outside the space'],
            ['www.' . self::$dom, "logs\n", 'a control character'],
        ];
        foreach ($cases as [$host, $dir, $what]) {
            $this->assertFalse($sta2->add_stats_raw($host, $dir), $what);
            $this->assertRaised('sta2', null, "add_stats_raw: $what (the API's message)");
        }
        $this->assertCount(1, self::rows(), 'nothing written');
    }

    /** @depends testRefusedHostsAndFolders */
    public function testMoveAndDelete(): void
    {
        $sta2 = $this->member();
        $id = $sta2->get_list_raw()[0]['id'];
        $this->assertTrue($sta2->put_stats_details_raw($id, 'stats/raw/'), 'm_sta2::put_stats_details_raw');
        $this->assertSame('stats/raw', $sta2->get_stats_details_raw($id)['folder']);
        $this->assertSame(self::abs('stats/raw'), explode("\t", self::rows()[0])[1], 'the stats2 row');
        $this->assertFalse($sta2->put_stats_details_raw($id, '../x'));
        $this->assertRaised('sta2', null, 'put_stats_details_raw outside the space');
        $this->assertSame(self::abs('stats/raw'), explode("\t", self::rows()[0])[1], 'unchanged');
        $this->assertFalse($sta2->put_stats_details_raw('99999999', 'x'));
        $this->assertRaised('sta2', 3, 'put_stats_details_raw of none');
        $this->assertTrue($sta2->delete_stats_raw($id), 'm_sta2::delete_stats_raw');
        $this->assertSame([], self::rows(), 'the stats2 row is gone');
        $this->assertFalse($sta2->delete_stats_raw($id));
        $this->assertRaised('sta2', 3, 'delete_stats_raw of none');
        $this->assertFalse($sta2->get_list_raw());
        $this->assertRaised('sta2', 2, 'none left');
    }

    public function testAnotherMembersSet(): void
    {
        $sta2 = $this->member();
        $id = self::$oSet;
        $before = self::api()->getRawStat((int) $id);
        $this->assertFalse($sta2->get_stats_details_raw($id));
        $this->assertRaised('sta2', 3, "get_stats_details_raw of another member's set");
        $this->assertFalse($sta2->put_stats_details_raw($id, 'stolen'));
        $this->assertRaised('sta2', 3, "put_stats_details_raw of another member's set");
        $this->assertFalse($sta2->delete_stats_raw($id));
        $this->assertRaised('sta2', 3, "delete_stats_raw of another member's set");
        $this->assertSame($before, self::api()->getRawStat((int) $id), 'unchanged');

        // The admin, as 1.0 ($cuid): its own sets only, the member's after su().
        $mem = $this->session();
        $admin = new m_sta2();
        $this->assertFalse($admin->get_stats_details_raw($id));
        $this->assertRaised('sta2', 3, "the admin without su(): not its set");
        $mem->su(panel_uid_of(self::$o));
        $this->assertSame('logs', $admin->get_stats_details_raw($id)['folder'], 'after su(): the member\'s');
        $this->assertSame([$id], array_column($admin->get_list_raw(), 'id'));
        $mem->unsu();
    }
}
