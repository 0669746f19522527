<?php
// A panel form sent twice (a double click, a reload that posts again): with the value of
// panel_form_key_input() in the form, panel_api() keys the page's writes from it, and the second
// request gets the first one's answers instead of running again (m_admin::renew_mem, whose
// second run would add a second period). Without it, or with another form's value, it runs.

class FormKeyTest extends BridgeTestCase
{
    /** One request of the panel: a new PanelApi with the admin's session token, as each page makes. */
    private function page(string $token): m_admin
    {
        $GLOBALS['err'] = new m_err();
        $GLOBALS['panel_api'] = self::newApi(['token' => $token]);
        unset($GLOBALS['panel_login_loaded'], $GLOBALS['panel_login_cache']);
        return new m_admin();
    }

    private function renewed(string $login): ?string
    {
        return self::api()->getAccount($login)['renewed'] ?? null;
    }

    public function testAFormSentTwiceRunsItsWritesOnce(): void
    {
        $login = self::tag('k1');
        $uid = self::createMember($login, 'Php-formkey-pass-1');
        self::api()->updateAccount($login, ['duration' => 12]);
        $this->session();
        $token = $GLOBALS['panel_api']->getCredential();

        $this->assertMatchesRegularExpression('/^<input type="hidden" name="panel_form_key" value="[0-9a-f]{32}" \/>$/',
            panel_form_key_input());
        preg_match('/value="([0-9a-f]{32})"/', panel_form_key_input(), $m);
        $_POST = ['panel_form_key' => $m[1]];
        try {
            $start = $this->renewed($login);
            $this->assertTrue($this->page($token)->renew_mem($uid, 1), 'the first request renews');
            $once = $this->renewed($login);
            $this->assertNotSame($start, $once, 'renewed once');
            $first = $GLOBALS['panel_api']->lastIdempotencyKey;
            $this->assertTrue($this->page($token)->renew_mem($uid, 1), 'the same form again: true');
            $this->assertSame($once, $this->renewed($login), 'not renewed a second time');
            $this->assertSame($first, $GLOBALS['panel_api']->lastIdempotencyKey, 'the same key');
            $this->assertSame('true', $GLOBALS['panel_api']->lastHeaders['idempotent-replayed'] ?? '',
                'the stored answer');

            // Two writes of one page: two keys. Another form: runs.
            $api = $this->page($token);
            $this->assertTrue($api->renew_mem($uid, 1));
            $k1 = $GLOBALS['panel_api']->lastIdempotencyKey;
            $this->assertTrue($api->renew_mem($uid, 1), 'the second renewal of one page');
            $this->assertNotSame($k1, $GLOBALS['panel_api']->lastIdempotencyKey, 'its own key');
            $this->assertNotSame($once, $twice = $this->renewed($login), 'it ran');
            preg_match('/value="([0-9a-f]{32})"/', panel_form_key_input(), $m);
            $_POST = ['panel_form_key' => $m[1]];
            $this->assertTrue($this->page($token)->renew_mem($uid, 1), 'another form');
            $this->assertNotSame($twice, $this->renewed($login), 'another form runs');
        } finally {
            $_POST = [];
        }
    }
}
