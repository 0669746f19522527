<?php
// A PHP client of panel-api, written the way the AlternC PHP panel calls it (php-curl): log in
// as an admin, create a member, act as it, change its password, log out; every answer checked.
// Usage: php client.php BASE_URL ADMIN_LOGIN ADMIN_PASSWORD   (exit 0 when every check passes)

final class PanelApiError extends RuntimeException
{
    public int $status;
    public string $errorCode;
    public ?string $field;

    public function __construct(int $status, string $code, string $message, ?string $field)
    {
        parent::__construct("$status $code: $message" . ($field !== null ? " ($field)" : ''));
        $this->status = $status;
        $this->errorCode = $code;
        $this->field = $field;
    }
}

final class PanelApi
{
    private string $base;
    private ?string $token = null;
    private ?string $actAs = null;
    public array $lastHeaders = [];

    public function __construct(string $base)
    {
        $this->base = rtrim($base, '/');
    }

    public function login(string $login, string $password): array
    {
        $answer = $this->call('POST', '/api/v1/auth/login', ['login' => $login, 'password' => $password]);
        $this->token = $answer['token'];
        return $answer;
    }

    public function logout(): void
    {
        $this->call('POST', '/api/v1/auth/logout');
    }

    public function token(): ?string
    {
        return $this->token;
    }

    public function actAs(?string $login): void
    {
        $this->actAs = $login;
    }

    /** One request; returns the decoded body (null for 204), throws PanelApiError for errors. */
    public function call(string $method, string $path, ?array $body = null, array $headers = []): ?array
    {
        $ch = curl_init($this->base . $path);
        $send = ['Accept: application/json'];
        if ($this->token !== null) {
            $send[] = 'Authorization: Bearer ' . $this->token;
        }
        if ($this->actAs !== null) {
            $send[] = 'X-Panel-Act-As: ' . $this->actAs;
        }
        if ($body !== null) {
            $send[] = 'Content-Type: application/json';
            curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($body, JSON_THROW_ON_ERROR));
        }
        foreach ($headers as $name => $value) {
            $send[] = "$name: $value";
        }
        $this->lastHeaders = [];
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => $send,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => 30,
            CURLOPT_HEADERFUNCTION => function ($ch, string $line): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $this->lastHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ]);
        $raw = curl_exec($ch);
        if ($raw === false) {
            throw new RuntimeException("$method $path: " . curl_error($ch));
        }
        $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        $json = $raw === '' ? null : json_decode($raw, true, 32, JSON_THROW_ON_ERROR);
        if ($status >= 400) {
            $e = $json['error'] ?? [];
            throw new PanelApiError($status, $e['code'] ?? '?', $e['message'] ?? $raw, $e['field'] ?? null);
        }
        return $json;
    }
}

$checks = 0;
function check(bool $ok, string $what): void
{
    global $checks;
    if (!$ok) {
        fwrite(STDERR, "not ok - $what\n");
        exit(1);
    }
    $checks++;
    echo "ok - $what\n";
}

function expectError(callable $f, int $status, string $code, string $what): void
{
    try {
        $f();
    } catch (PanelApiError $e) {
        check($e->status === $status && $e->errorCode === $code, "$what ($e->status $e->errorCode)");
        return;
    }
    check(false, "$what: no error");
}

if ($argc !== 4) {
    fwrite(STDERR, "usage: php client.php BASE_URL ADMIN_LOGIN ADMIN_PASSWORD\n");
    exit(2);
}
[, $base, $adminLogin, $adminPassword] = $argv;
$member = 'phpm' . substr(bin2hex(random_bytes(4)), 0, 6);
$password = 'Php-first-' . bin2hex(random_bytes(3));
$newPassword = 'Php-second-' . bin2hex(random_bytes(3));

try {
    $admin = new PanelApi($base);
    $health = $admin->call('GET', '/healthz');
    check($health === ['database' => 'ok'], 'healthz');

    $session = $admin->login($adminLogin, $adminPassword);
    check(str_starts_with($admin->token(), 'pt_'), 'admin logged in, got a pt_ token');
    check($session['principal']['admin'] === true && $session['principal']['login'] === $adminLogin,
        'the principal is the admin');

    $created = $admin->call('POST', '/api/v1/accounts', [
        'login' => $member, 'password' => $password, 'mail' => "$member@example.net",
        'nom' => 'Dupont', 'prenom' => 'Zoé', 'type' => 'default',
    ], ['Idempotency-Key' => "php-create-$member"]);
    check($created['login'] === $member && $created['enabled'] === true, 'member created');
    check(isset($admin->lastHeaders['etag']) && $admin->lastHeaders['etag'] === '"' . $created['etag'] . '"',
        'ETag header matches the body');
    check(($admin->lastHeaders['location'] ?? '') === "/api/v1/accounts/$member", 'Location header');
    check(!array_key_exists('password', $created), 'no password in the answer');

    // A retry of the same create (network trouble) gets the same answer, not a conflict.
    $again = $admin->call('POST', '/api/v1/accounts', [
        'login' => $member, 'password' => $password, 'mail' => "$member@example.net",
        'nom' => 'Dupont', 'prenom' => 'Zoé', 'type' => 'default',
    ], ['Idempotency-Key' => "php-create-$member"]);
    check($again === $created && ($admin->lastHeaders['idempotent-replayed'] ?? '') === 'true',
        'retried create replayed');

    // Act as the member.
    $admin->actAs($member);
    $who = $admin->call('GET', '/api/v1/auth/whoami');
    check($who['login'] === $adminLogin && $who['acting_as']['login'] === $member, 'acting as the member');
    $list = $admin->call('GET', '/api/v1/accounts');
    check($list['total'] === 1 && $list['items'][0]['login'] === $member, 'as the member, only the member is visible');
    $changed = $admin->call('PATCH', "/api/v1/accounts/$member", ['nom' => 'Durand'],
        ['If-Match' => '"' . $created['etag'] . '"']);
    check($changed['nom'] === 'Durand' && $changed['etag'] !== $created['etag'], 'member changed with If-Match');
    expectError(fn() => $admin->call('PATCH', "/api/v1/accounts/$member", ['nom' => 'Late'],
        ['If-Match' => '"' . $created['etag'] . '"']), 412, 'precondition_failed', 'stale If-Match refused');
    $quotas = $admin->call('GET', "/api/v1/accounts/$member/quotas");
    check(count($quotas['items']) === $quotas['total'] && $quotas['total'] > 0, 'quotas of the member');

    // Change its password while acting as it.
    $r = $admin->call('PUT', "/api/v1/accounts/$member/password",
        ['old_password' => $password, 'password' => $newPassword]);
    check($r === null, 'password changed (204)');
    $admin->actAs(null);

    $audit = $admin->call('GET', '/api/v1/audit?object_kind=account&object_id=' . urlencode($member));
    $acted = array_filter($audit['items'], fn($e) => $e['action'] === 'account.update');
    check(count($acted) === 1 && array_values($acted)[0]['as']['login'] === $member,
        'the change made as the member is audited with both names');

    // The member logs in with the new password only.
    $m = new PanelApi($base);
    expectError(fn() => $m->login($member, $password), 401, 'login_failed', 'the old password is refused');
    $m->login($member, $newPassword);
    $me = $m->call('GET', '/api/v1/auth/whoami');
    check($me['login'] === $member && $me['admin'] === false, 'member logged in with the new password');
    expectError(fn() => $m->call('GET', '/api/v1/accounts/' . $adminLogin), 404, 'not_found',
        'the member cannot see the admin');
    expectError(fn() => $m->call('POST', '/api/v1/accounts', ['login' => 'x', 'password' => 'y']), 403, 'forbidden',
        'the member cannot create accounts');
    $m->logout();

    // Log out; the token is refused afterwards.
    $admin->logout();
    expectError(fn() => $admin->call('GET', '/api/v1/auth/whoami'), 401, 'unauthenticated',
        'the token is refused after logout');
    expectError(fn() => $m->call('GET', '/api/v1/auth/whoami'), 401, 'unauthenticated',
        'the member token is refused after logout');
} catch (Throwable $e) {
    fwrite(STDERR, 'not ok - ' . get_class($e) . ': ' . $e->getMessage() . "\n");
    exit(1);
}
echo "$checks checks passed\n";
exit(0);
