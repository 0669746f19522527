<?php
// A router for PHP's built-in server (php -S) used by HostileInputTest: it records each request
// it gets (method, raw request URI, headers) as one JSON line in $PANEL_CAPTURE_FILE and answers
// 204 (or the status below), without a body (or the one below). The test reads what PanelApi really sent: the path after curl, every header line.
$line = json_encode(['method' => $_SERVER['REQUEST_METHOD'], 'uri' => $_SERVER['REQUEST_URI'],
    'headers' => function_exists('getallheaders') ? getallheaders() : []], JSON_UNESCAPED_SLASHES);
file_put_contents((string) getenv('PANEL_CAPTURE_FILE'), $line . "\n", FILE_APPEND | LOCK_EX);
// The status to answer: 204, or the one written in $PANEL_CAPTURE_FILE.status (a redirect gets
// a Location, as a front proxy sending http:// to https:// would).
$status = (int) @file_get_contents((string) getenv('PANEL_CAPTURE_FILE') . '.status') ?: 204;
if ($status >= 300 && $status < 400) {
    header('Location: https://elsewhere.example' . $_SERVER['REQUEST_URI']);
}
header('X-Request-Id: capture');
http_response_code($status);
// The body to answer, when $PANEL_CAPTURE_FILE.body exists (none otherwise).
$body = @file_get_contents((string) getenv('PANEL_CAPTURE_FILE') . '.body');
if ($body !== false) {
    header('Content-Type: application/json');
    echo $body;
}
return true;
