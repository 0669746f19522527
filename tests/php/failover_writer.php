<?php
// The writer of tests/php/test_php_failover.sh: creates accounts through PanelApi (one retry on
// a 503, an Idempotency-Key per account) while the script kills the primary under dbproxy.
// Each account's outcome goes to stdout as "created LOGIN", "failed LOGIN CODE" or "retried
// LOGIN" (a failed create sent again with the same key after the failover); a first create
// failing for another reason than the failover ends the run with 1.
// Arguments: API URL, admin login, admin password, the number of accounts, the file that says
// "go on" once the kill was done.
require __DIR__ . '/../../clients/php/PanelApi.php';

[$self, $url, $admin, $password, $count, $killed] = $argv;
$api = new PanelApi($url, ['timeout' => 20, 'max_retry_wait' => 5]);
$api->login($admin, $password);
$failed = [];
for ($i = 1; $i <= (int) $count; $i++) {
    $login = "fo$i";
    $fields = ['login' => $login, 'password' => "Failover-pass-$i", 'mail' => "$login@example.net"];
    try {
        $api->createAccount($fields, ['idempotency_key' => "failover-$login"]);
        echo "created $login\n";
    } catch (PanelApiException $e) {
        echo "failed $login {$e->getErrorCode()}\n";
        if (!in_array($e->getErrorCode(), ['unavailable', 'network'], true)) {
            exit(1);
        }
        $failed[] = $fields;
    }
    usleep(50000);
}
// After the failover: what failed is sent again with the same keys, as a script would.
for ($wait = 0; !file_exists($killed) && $wait < 300; $wait++) {
    usleep(100000);
}
foreach ($failed as $fields) {
    for ($try = 0;; $try++) {
        try {
            $api->createAccount($fields, ['idempotency_key' => "failover-{$fields['login']}"]);
            echo "retried {$fields['login']}\n";
            break;
        } catch (PanelApiException $e) {
            if ($try >= 20 || !in_array($e->getErrorCode(), ['unavailable', 'network'], true)) {
                echo "lost {$fields['login']} {$e->getErrorCode()}\n";
                exit(1);
            }
            sleep(1);
        }
    }
}
