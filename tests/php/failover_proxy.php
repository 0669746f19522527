<?php
// A router for PHP's built-in server (php -S ADDR failover_proxy.php) standing between PanelApi
// and a real panel-api, to test the client's one retry on a 503 (database failover).
// Environment: PANEL_PROXY_UPSTREAM (http://127.0.0.1:PORT), PANEL_PROXY_STATE (a folder).
// Every request is logged to STATE/log as "METHOD PATH IDEMPOTENCY-KEY ANSWER". STATE/mode says
// what to do with the next write (the file is removed once used, except for "always"):
//   before  answer 503 (Retry-After: STATE/retry_after, default 1) without forwarding it
//   after   forward it (the write happens), then answer 503 instead of the real answer
//   always  answer 503 to every write
//   silent  forward it (the write happens), then answer nothing for 3 s (the client times out)
//   lost    forward it without its Idempotency-Key (the write happens, its answer is not
//           stored: panel-api's database session lost between a member-server change and the
//           stored answer), then answer 503
//   busy    answer 429 rate_limited (Retry-After: STATE/retry_after) without forwarding it
//   gateway forward it (the write happens), then answer 502 (a load balancer whose panel-api
//           instance died before its answer came)
// Reads, and writes when there is no mode, are forwarded.
$upstream = getenv('PANEL_PROXY_UPSTREAM');
$state = getenv('PANEL_PROXY_STATE');
$method = $_SERVER['REQUEST_METHOD'];
$uri = $_SERVER['REQUEST_URI'];
$headers = function_exists('getallheaders') ? getallheaders() : [];
$key = '-';
foreach ($headers as $name => $value) {
    if (strcasecmp($name, 'Idempotency-Key') === 0) {
        $key = $value;
    }
}
$mode = is_file("$state/mode") ? trim((string) file_get_contents("$state/mode")) : '';
$write = $method !== 'GET' && $method !== 'HEAD';

function proxy_log($state, $line)
{
    file_put_contents("$state/log", $line . "\n", FILE_APPEND | LOCK_EX);
}

function unavailable($state)
{
    $wait = is_file("$state/retry_after") ? trim((string) file_get_contents("$state/retry_after")) : '1';
    http_response_code(503);
    header('Content-Type: application/json');
    header("Retry-After: $wait");
    header('X-Request-Id: proxy503');
    echo json_encode(['error' => ['code' => 'unavailable', 'message' => 'the database is failing over',
        'field' => null, 'request_id' => 'proxy503']]);
}

if ($write && $mode === 'busy') {
    unlink("$state/mode");
    proxy_log($state, "$method $uri $key 429-not-forwarded");
    $wait = is_file("$state/retry_after") ? trim((string) file_get_contents("$state/retry_after")) : '1';
    http_response_code(429);
    header('Content-Type: application/json');
    header("Retry-After: $wait");
    header('X-Request-Id: proxy429');
    echo json_encode(['error' => ['code' => 'rate_limited', 'message' => 'too many writes for this account',
        'field' => null, 'request_id' => 'proxy429']]);
    return true;
}
if ($write && ($mode === 'before' || $mode === 'always')) {
    if ($mode === 'before') {
        unlink("$state/mode");
    }
    proxy_log($state, "$method $uri $key 503-not-forwarded");
    unavailable($state);
    return true;
}

// Forward to the real API.
$send = [];
foreach ($headers as $name => $value) {
    $skip = ['host', 'content-length', 'connection'];
    if ($write && $mode === 'lost') {
        $skip[] = 'idempotency-key';
    }
    if (!in_array(strtolower($name), $skip, true)) {
        $send[] = "$name: $value";
    }
}
$answerHeaders = [];
$ch = curl_init($upstream . $uri);
curl_setopt_array($ch, [
    CURLOPT_CUSTOMREQUEST => $method,
    CURLOPT_HTTPHEADER => $send,
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_TIMEOUT => 20,
    CURLOPT_HEADERFUNCTION => function ($ch, $line) use (&$answerHeaders) {
        $parts = explode(':', $line, 2);
        if (count($parts) === 2) {
            $answerHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
        }
        return strlen($line);
    },
]);
$body = file_get_contents('php://input');
if ($body !== '' && $body !== false) {
    curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
}
$raw = curl_exec($ch);
$status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
curl_close($ch);

if ($write && $mode === 'silent') {
    unlink("$state/mode");
    proxy_log($state, "$method $uri $key $status-then-silence");
    sleep(3);
    return true;
}
if ($write && $mode === 'gateway') {
    unlink("$state/mode");
    proxy_log($state, "$method $uri $key $status-then-502");
    http_response_code(502);
    header('Content-Type: text/html');
    echo "<html><body><h1>502 Bad Gateway</h1></body></html>\n";
    return true;
}
if ($write && ($mode === 'after' || $mode === 'lost')) {
    unlink("$state/mode");
    proxy_log($state, "$method $uri $key $status-then-503");
    unavailable($state);
    return true;
}
proxy_log($state, "$method $uri $key $status");
http_response_code($status ?: 502);
foreach (['content-type', 'etag', 'location', 'idempotent-replayed', 'x-request-id', 'retry-after'] as $h) {
    if (isset($answerHeaders[$h])) {
        header("$h: {$answerHeaders[$h]}");
    }
}
echo (string) $raw;
return true;
