<?php
// PanelApi: a client of panel-api (docs/api.md) for the AlternC PHP panel and scripts.
// One file, php-curl and json only, no framework, no Composer. PHP 7.4 to 8.x.
//
//   $api = new PanelApi('http://127.0.0.1:8080', ['api_key' => 'pk_...']);
//   $api->login('alice', 'secret');          // or a login token
//   $api->actAs('bob');                       // X-Panel-Act-As on every following request
//   foreach ($api->iterateAccounts(['login_prefix' => 'a']) as $account) { ... }
//
// Every write carries an Idempotency-Key (random unless the caller passes one or a form's seed
// is set), so the one retry made on a 503 (database failover), a 502 or 504 (a load balancer
// whose instance failed) or a lost connection, to the next instance when several are given,
// cannot run the write twice.
// Errors throw PanelApiException (code, field, HTTP status, message, request id).

class PanelApiException extends RuntimeException
{
    /** @var string */
    private $errorCode;
    /** @var string|null */
    private $field;
    /** @var int */
    private $httpStatus;
    /** @var string|null */
    private $requestId;
    /** @var bool */
    private $afterUncertainAttempt;

    public function __construct(int $httpStatus, string $errorCode, string $message, ?string $field = null,
        ?string $requestId = null, bool $afterUncertainAttempt = false)
    {
        parent::__construct($message, $httpStatus);
        $this->httpStatus = $httpStatus;
        $this->errorCode = $errorCode;
        $this->field = $field;
        $this->requestId = $requestId;
        $this->afterUncertainAttempt = $afterUncertainAttempt;
    }

    /**
     * True when this is the answer to the retry of a keyed write whose first attempt may have
     * run (a 503, 502 or 504, or a connection lost after sending it). panel-api stores the
     * answer of a write whose effects are outside its database (member databases and users,
     * domains, files, protected folders, an account's deletion) after the change: a cut in
     * between leaves the change made without a stored answer, and the retry runs again. A 409
     * `exists` (or 412 `precondition_failed`) then means the first attempt made it.
     */
    public function isAfterUncertainAttempt(): bool
    {
        return $this->afterUncertainAttempt;
    }

    /** The API's stable error code (`not_found`, `invalid`...), or `network` when no answer came. */
    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    /** The body field, query parameter or header at fault, or null. */
    public function getField(): ?string
    {
        return $this->field;
    }

    /** The HTTP status (0 when no answer came). */
    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    public function getRequestId(): ?string
    {
        return $this->requestId;
    }
}

class PanelApi
{
    /** @var string the instance in use */
    private $base;
    /** @var string[] every instance given, in order */
    private $bases;
    /** @var string|null login token or application key */
    private $credential = null;
    /** @var string|null */
    private $actAs = null;
    /** @var string|null the address of the user this client works for (X-Forwarded-For) */
    private $clientIp = null;
    /** @var int */
    private $timeout = 30;
    /** @var int */
    private $connectTimeout = 5;
    /** @var int longest Retry-After honoured before the one retry, in seconds */
    private $maxRetryWait = 5;
    /** @var array<string,string> the ETag of the last read or write of each resource path */
    private $etags = [];
    /** @var array<string,string> headers of the last answer, names in lower case */
    public $lastHeaders = [];
    /** @var int */
    public $lastStatus = 0;
    /** @var string|null the Idempotency-Key of the last write */
    public $lastIdempotencyKey = null;
    /** @var string|null a form's one-time value: the keys of the writes derive from it */
    private $keySeed = null;
    /** @var int writes keyed from $keySeed so far */
    private $seededWrites = 0;

    /**
     * @param string|string[] $base e.g. http://127.0.0.1:8080 (no /api/v1); several panel-api
     *     instances of one database (a list, or one string separated by spaces or commas): the
     *     one retry goes to the next one, which is then kept
     * @param array $options api_key | token, act_as, client_ip, timeout, connect_timeout,
     *     max_retry_wait
     */
    public function __construct($base, array $options = [])
    {
        $list = is_array($base) ? $base : preg_split('/[\s,]+/', (string) $base, -1, PREG_SPLIT_NO_EMPTY);
        $this->bases = array_values(array_map(function ($b) {
            return rtrim((string) $b, '/');
        }, $list)) ?: [''];
        $this->base = $this->bases[0];
        if (isset($options['api_key'])) {
            $this->credential = (string) $options['api_key'];
        }
        if (isset($options['token'])) {
            $this->credential = (string) $options['token'];
        }
        if (isset($options['act_as'])) {
            $this->actAs = (string) $options['act_as'];
        }
        if (isset($options['client_ip'])) {
            $this->setClientIp((string) $options['client_ip']);
        }
        foreach (['timeout' => 'timeout', 'connect_timeout' => 'connectTimeout',
                  'max_retry_wait' => 'maxRetryWait'] as $opt => $prop) {
            if (isset($options[$opt])) {
                $this->$prop = (int) $options[$opt];
            }
        }
    }

    // ---- credentials and acting as --------------------------------------------------------

    /** Use a login token or an application key from now on (null: none). */
    public function setCredential(?string $credential): void
    {
        $this->credential = $credential;
    }

    public function getCredential(): ?string
    {
        return $this->credential;
    }

    /** Send X-Panel-Act-As: $login on every following request (null: stop). */
    public function actAs(?string $login): void
    {
        $this->actAs = $login;
    }

    public function getActAs(): ?string
    {
        return $this->actAs;
    }

    /**
     * The address of the user this client works for (the browser's, $_SERVER['REMOTE_ADDR']),
     * sent as X-Forwarded-For on every following request (null: none). panel-api believes it
     * only from an address in its api.trusted_proxies: then its login throttling, the audit
     * trail and the accounts' lastip see each user's own address instead of the panel's.
     * Anything but an IPv4 or IPv6 address is refused.
     */
    public function setClientIp(?string $ip): void
    {
        if ($ip !== null && filter_var($ip, FILTER_VALIDATE_IP) === false) {
            throw new PanelApiException(0, 'invalid_header', 'not an IP address: the client address is not sent',
                'X-Forwarded-For');
        }
        $this->clientIp = $ip;
    }

    public function getClientIp(): ?string
    {
        return $this->clientIp;
    }

    /** The ETag last seen for a resource path (e.g. /api/v1/accounts/alice), or null. */
    public function etag(string $path): ?string
    {
        return $this->etags[$path] ?? null;
    }

    /**
     * Keys the following writes from $seed (null: random keys again): the value a panel's form
     * carried (panel_form_key_input()). The n-th write of this client with the same method,
     * path, body and X-Panel-Act-As then has the same key in every request made with that seed:
     * a form sent twice (a double click, a reload) runs its writes once, the second request
     * getting the first one's stored answers. Keys are the principal's: another user's seed
     * cannot reach them.
     */
    public function setKeySeed(?string $seed): void
    {
        $this->keySeed = $seed;
        $this->seededWrites = 0;
    }

    public function getKeySeed(): ?string
    {
        return $this->keySeed;
    }

    // ---- the request ----------------------------------------------------------------------

    /**
     * One call. $opts: idempotency_key (writes; generated when absent), if_match (true: the
     * stored ETag of $path, a PanelApiException 'no_etag' when none was read; a string: that
     * ETag), if_none_match, headers (name => value),
     * raw (return the body as a string), raw_body (a string sent as is, with content_type,
     * default application/octet-stream, instead of $body), probe (a DELETE: the object's GET path,
     * read first, or a Closure that says whether the object is there; see below). Returns the
     * decoded body, null for 204/304.
     */
    public function request(string $method, string $path, array $query = [], ?array $body = null,
        array $opts = [])
    {
        $url = $path;
        $query = array_filter($query, function ($v) {
            return $v !== null;
        });
        if ($query) {
            foreach ($query as $k => $v) {
                if (is_bool($v)) {
                    $query[$k] = $v ? 'true' : 'false';
                }
            }
            $url .= '?' . http_build_query($query, '', '&', PHP_QUERY_RFC3986);
        }
        $headers = ['Accept: application/json'];
        if ($this->credential !== null && empty($opts['no_auth'])) {
            $headers[] = 'Authorization: Bearer ' . $this->credential;
        }
        if ($this->actAs !== null && empty($opts['no_auth'])) {
            $headers[] = 'X-Panel-Act-As: ' . $this->actAs;
        }
        if ($this->clientIp !== null) {
            $headers[] = 'X-Forwarded-For: ' . $this->clientIp;
        }
        $payload = null;
        if (isset($opts['raw_body'])) {
            $headers[] = 'Content-Type: ' . ($opts['content_type'] ?? 'application/octet-stream');
            $payload = (string) $opts['raw_body'];
        } elseif ($body !== null) {
            $headers[] = 'Content-Type: application/json';
            $payload = json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            if ($payload === false) {
                throw new PanelApiException(0, 'invalid_json', 'cannot encode the body: ' . json_last_error_msg());
            }
        }
        $write = $method !== 'GET' && $method !== 'HEAD';
        if ($write && empty($opts['no_auth'])) {
            $key = $opts['idempotency_key'] ?? null;
            if ($key === null && $this->keySeed !== null) {
                $what = implode("\n", [$this->seededWrites++, $method, $url,
                    (string) $this->actAs, (string) $payload]);
                $key = 'form-' . substr(hash_hmac('sha256', $what, $this->keySeed), 0, 48);
            }
            $key = $key ?? bin2hex(random_bytes(16));
            $headers[] = 'Idempotency-Key: ' . $key;
            $this->lastIdempotencyKey = $key;
        }
        if (isset($opts['if_match']) && $opts['if_match'] !== false) {
            $tag = $opts['if_match'] === true ? $this->etag($path) : (string) $opts['if_match'];
            if ($tag === null) {
                // Sent without it, the write would overwrite a change made since the read.
                throw new PanelApiException(0, 'no_etag',
                    "$method $path: If-Match asked, but no ETag of $path was read: read it first", 'If-Match');
            }
            $headers[] = 'If-Match: ' . self::quote($tag);
        }
        if (isset($opts['if_none_match'])) {
            $headers[] = 'If-None-Match: ' . self::quote((string) $opts['if_none_match']);
        }
        foreach ($opts['headers'] ?? [] as $name => $value) {
            $headers[] = "$name: $value";
        }
        // Values come from what users type and from their cookies (X-Panel-Act-As, the session
        // token): a CR or LF would add header lines of their choosing to the request (curl sends
        // the lines as given), a NUL would cut it. Refused before anything is sent.
        foreach ($headers as $line) {
            if (preg_match('/[\x00-\x08\x0A-\x1F\x7F]/', $line)) {
                $name = (string) strstr($line, ':', true);
                throw new PanelApiException(0, 'invalid_header',
                    "$method $path: the $name header holds a control character (not sent)", $name);
            }
        }

        // A write without an Idempotency-Key (a login, a reset, a mail self-service password) is
        // sent again only when it cannot have run: a 503, or no connection made. After a
        // timeout or a cut connection it may have run: again, a login would make a second
        // token, a password change would send the old password once more and fail. A 502 or
        // 504 comes from a proxy or load balancer in front whose panel-api instance died or did
        // not answer in time: the request may have run there, so it is sent again (to another
        // instance) only with its key, or when it is a read.
        $keyless = $write && !empty($opts['no_auth']);
        $uncertain = false;
        // A DELETE whose retry follows a first attempt that may have run, and finds nothing: the
        // first attempt deleted it, or there never was anything the caller may see (another
        // account's object is a 404 too). The answer cannot tell, so a read made before the
        // first attempt does: $opts['probe'], the object's GET path, or a Closure returning
        // whether it is there (the delete methods of the routes that store their answer after
        // the change: accounts, domains, sub-domains, databases, database users, protected
        // folders and their users, files; on the others, the change and its answer commit
        // together and a 404 after a retry is always true).
        $existed = false;
        if ($method === 'DELETE' && isset($opts['probe'])) {
            try {
                if ($opts['probe'] instanceof \Closure) {
                    $existed = (bool) ($opts['probe'])();
                } else {
                    $this->request('GET', (string) $opts['probe']);
                    $existed = true;
                }
            } catch (PanelApiException $e) {
                $existed = false; // not there, or not known: a 404 after a retry is raised
            }
        }
        for ($attempt = 0;; $attempt++) {
            [$status, $raw, $curlError, $curlErrno] = $this->send($method, $this->base . $url, $headers, $payload);
            $notSent = in_array($curlErrno, [CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT], true);
            // A 429 did not run (nor is it stored): sent again when its Retry-After is within
            // max_retry_wait; a longer one (a login's throttling) is raised at once.
            $limited = $status === 429 && $this->retryAfter() <= $this->maxRetryWait;
            $retryable = $status === 503 || $limited || (($status === 502 || $status === 504) && !$keyless)
                || ($status === 0 && $curlError !== null && (!$keyless || $notSent));
            if (!$retryable || $attempt >= 1) {
                break;
            }
            $uncertain = $write && !$keyless && !$limited && !($status === 0 && $notSent);
            // With several instances, the retry goes to the next one (kept for the next calls),
            // but a 429's goes to the same one: the instance is well, and panel-api's limits are
            // the instance's own (member_write_rate's buckets, papi_ratelimit.c; upload memory,
            // DNS lookups) or the database's (login throttling), so the next instance would
            // let a member write at N times the rate, or would answer the same.
            if (!$limited) {
                $this->base = $this->bases[(array_search($this->base, $this->bases, true) + 1) % count($this->bases)];
            }
            sleep(max(0, min($this->retryAfter(), $this->maxRetryWait)));
        }
        $this->lastStatus = $status;
        if ($status === 0) {
            throw new PanelApiException(0, 'network', "$method $path: " . $curlError);
        }
        // Redirects are not followed (a credential must not go elsewhere): a 3xx other than 304
        // means the request was not served here, so it is an error, never a success.
        if ($status >= 400 || ($status >= 300 && $status !== 304) || $status < 200) {
            $json = json_decode((string) $raw, true);
            $e = is_array($json) && isset($json['error']) && is_array($json['error']) ? $json['error'] : [];
            $code = (string) ($e['code'] ?? 'http_' . $status);
            // The retry of a DELETE whose first attempt may have run (its answer not stored: see
            // isAfterUncertainAttempt) finds nothing to delete, and the probe saw the object
            // before: the first attempt deleted it.
            if ($uncertain && $existed && $method === 'DELETE' && $status === 404 && $code === 'not_found') {
                return null;
            }
            throw new PanelApiException($status, $code,
                (string) ($e['message'] ?? "$method $path: HTTP $status"), $e['field'] ?? null,
                $e['request_id'] ?? ($this->lastHeaders['x-request-id'] ?? null), $uncertain);
        }
        if (isset($this->lastHeaders['etag'])) {
            $where = $path;
            if ($method === 'POST' && isset($this->lastHeaders['location'])) {
                $where = $this->lastHeaders['location'];
            }
            $this->etags[$where] = trim($this->lastHeaders['etag'], '"');
        }
        if ($status === 204 || $status === 304) {
            return null;
        }
        if (!empty($opts['raw'])) {
            return (string) $raw;
        }
        // panel-api answers every other 2xx with a JSON object: an empty body (a proxy's, or an
        // answer cut) is an error too, never a null where the methods return an array.
        $json = json_decode((string) $raw, true);
        if (!is_array($json)) {
            throw new PanelApiException($status, 'invalid_json', "$method $path: the answer is not JSON",
                null, $this->lastHeaders['x-request-id'] ?? null);
        }
        return $json;
    }

    /** @return array{0:int,1:string|null,2:string|null} status (0: no answer), body, curl error */
    private function send(string $method, string $url, array $headers, ?string $payload): array
    {
        $this->lastHeaders = [];
        $ch = curl_init($url);
        $opts = [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => $this->timeout,
            CURLOPT_CONNECTTIMEOUT => $this->connectTimeout,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_HEADERFUNCTION => function ($ch, $line) {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $this->lastHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ];
        if ($payload !== null) {
            $opts[CURLOPT_POSTFIELDS] = $payload;
        }
        curl_setopt_array($ch, $opts);
        $raw = curl_exec($ch);
        if ($raw === false) {
            $error = curl_error($ch);
            $errno = curl_errno($ch);
            curl_close($ch);
            return [0, null, $error, $errno];
        }
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        return [$status, $raw, null, 0];
    }

    /** Seconds the last answer's Retry-After asks for: a number or an HTTP date; 1 when absent. */
    private function retryAfter(): int
    {
        $value = trim($this->lastHeaders['retry-after'] ?? '');
        if ($value === '') {
            return 1;
        }
        if (ctype_digit($value)) {
            return (int) $value;
        }
        $at = strtotime($value);
        return $at === false ? 1 : $at - time();
    }

    private static function quote(string $tag): string
    {
        if ($tag === '*' || (strlen($tag) >= 2 && $tag[0] === '"')) {
            return $tag;
        }
        return '"' . $tag . '"';
    }

    /**
     * One path segment, percent-encoded. A segment '.' or '..' is sent as %2E / %2E%2E: curl
     * removes dot segments from a URL (RFC 3986), so a name '..' typed by a user would otherwise
     * take the request to another route (/users/.. is the folder's own route).
     */
    private static function seg(string $s): string
    {
        if ($s === '.' || $s === '..') {
            return str_replace('.', '%2E', $s);
        }
        return rawurlencode($s);
    }

    /**
     * A generator over every item of a paginated list: follows next_cursor until it is null.
     * $fetch(array $query) returns one page ({"items", "total", "next_cursor"}).
     */
    public function iterate(callable $fetch, array $query = []): Generator
    {
        $cursor = null;
        do {
            $q = $query;
            if ($cursor !== null) {
                $q['cursor'] = $cursor;
                unset($q['offset']);
            }
            $page = $fetch($q);
            foreach ($page['items'] as $item) {
                yield $item;
            }
            $cursor = $page['next_cursor'] ?? null;
        } while ($cursor !== null);
    }

    // ---- health and authentication ---------------------------------------------------------

    /** GET /healthz */
    public function health(): array
    {
        return $this->request('GET', '/healthz', [], null, ['no_auth' => true]);
    }

    /** POST /api/v1/auth/login: keeps the token as the credential of the following calls. */
    public function login(string $login, string $password): array
    {
        $answer = $this->request('POST', '/api/v1/auth/login', [],
            ['login' => $login, 'password' => $password], ['no_auth' => true]);
        $this->credential = $answer['token'];
        return $answer;
    }

    /** POST /api/v1/auth/logout: revokes the current token. */
    public function logout(): void
    {
        $this->request('POST', '/api/v1/auth/logout');
        $this->credential = null;
    }

    /** GET /api/v1/auth/whoami */
    public function whoami(): array
    {
        return $this->request('GET', '/api/v1/auth/whoami');
    }

    /**
     * POST /api/v1/auth/password-reset (no token): mails a reset code to the account's contact
     * address. Answers nothing whatever the login (204).
     */
    public function requestPasswordReset(string $login): void
    {
        $this->request('POST', '/api/v1/auth/password-reset', [], ['login' => $login], ['no_auth' => true]);
    }

    /** POST /api/v1/auth/password-reset/confirm (no token): the mailed code sets the password. */
    public function confirmPasswordReset(string $login, string $token, string $password): void
    {
        $this->request('POST', '/api/v1/auth/password-reset/confirm', [],
            ['login' => $login, 'token' => $token, 'password' => $password], ['no_auth' => true]);
    }

    /**
     * POST /api/v1/accounts/{login}/mail-change: mails the confirmation link to $mail;
     * answers {"mail", "key"} (the key for the requester).
     */
    public function requestMailChange(string $login, string $mail, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/mail-change', [],
            ['mail' => $mail], $opts);
    }

    /** POST /api/v1/auth/mail-change/confirm (no token): uid and cookie of the link, and the key. */
    public function confirmMailChange(int $uid, string $cookie, string $key): void
    {
        $this->request('POST', '/api/v1/auth/mail-change/confirm', [],
            ['uid' => $uid, 'cookie' => $cookie, 'key' => $key], ['no_auth' => true]);
    }

    // ---- accounts ---------------------------------------------------------------------------

    /** GET /api/v1/accounts (filters login_prefix, mail, type, enabled, creator, expiring_days; limit, cursor, offset) */
    public function listAccounts(array $query = []): array
    {
        return $this->request('GET', '/api/v1/accounts', $query);
    }

    /** Every account of GET /api/v1/accounts, page after page. */
    public function iterateAccounts(array $query = []): Generator
    {
        return $this->iterate(function ($q) {
            return $this->listAccounts($q);
        }, $query);
    }

    /**
     * POST /api/v1/accounts: login, password, mail, nom, prenom, type, duration, notes, enabled,
     * canpass, admin; ftp (true: the default FTP account, named like the login, same password,
     * the web space's root) and install_domain (PARENT: the domain <login>.PARENT, DNS hosted and
     * locked), made in the account's own transaction (all or nothing).
     */
    public function createAccount(array $fields, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts', [], $fields, $opts);
    }

    /** GET /api/v1/accounts/{login} */
    public function getAccount(string $login, array $opts = []): ?array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login), [], null, $opts);
    }

    /** PATCH /api/v1/accounts/{login}; $opts['if_match'] = true sends the ETag of the last read */
    public function updateAccount(string $login, array $fields, array $opts = []): array
    {
        return $this->request('PATCH', '/api/v1/accounts/' . self::seg($login), [], $fields, $opts);
    }

    /** DELETE /api/v1/accounts/{login} */
    public function deleteAccount(string $login, array $opts = []): void
    {
        $path = '/api/v1/accounts/' . self::seg($login);
        $this->request('DELETE', $path, [], null, $opts + ['probe' => $path]);
    }

    /** POST /api/v1/accounts/{login}/lock */
    public function lockAccount(string $login, array $opts = []): array
    {
        return $this->accountAction($login, 'lock', null, $opts);
    }

    /** POST /api/v1/accounts/{login}/unlock */
    public function unlockAccount(string $login, array $opts = []): array
    {
        return $this->accountAction($login, 'unlock', null, $opts);
    }

    /** POST /api/v1/accounts/{login}/renew */
    public function renewAccount(string $login, int $periods = 1, array $opts = []): array
    {
        return $this->accountAction($login, 'renew', ['periods' => $periods], $opts);
    }

    private function accountAction(string $login, string $action, ?array $body, array $opts): array
    {
        $path = '/api/v1/accounts/' . self::seg($login);
        if (($opts['if_match'] ?? null) === true) {
            $opts['if_match'] = $this->etag($path);
            if ($opts['if_match'] === null) {
                throw new PanelApiException(0, 'no_etag',
                    "POST $path/$action: If-Match asked, but no ETag of $path was read: read it first", 'If-Match');
            }
        }
        $account = $this->request('POST', "$path/$action", [], $body, $opts) ?? [];
        // The answer is the account as changed: its ETag is the account's (the ETag header, if
        // any, was filed under the action's path), for the next write with If-Match.
        if (isset($account['etag']) && is_string($account['etag'])) {
            $this->etags[$path] = trim($account['etag'], '"');
        }
        return $account;
    }

    /** PUT /api/v1/accounts/{login}/password (old_password: a member changing its own) */
    public function setAccountPassword(string $login, string $password, ?string $oldPassword = null,
        array $opts = []): void
    {
        $body = ['password' => $password];
        if ($oldPassword !== null) {
            $body['old_password'] = $oldPassword;
        }
        $this->request('PUT', '/api/v1/accounts/' . self::seg($login) . '/password', [], $body, $opts);
    }

    /** GET /api/v1/accounts/{login}/quotas */
    public function getQuotas(string $login): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/quotas');
    }

    /** GET /api/v1/accounts/{login}/quotas/{name} */
    public function getQuota(string $login, string $name): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/quotas/' . self::seg($name));
    }

    /** PUT /api/v1/accounts/{login}/quotas/{name} */
    public function setQuota(string $login, string $name, int $value, array $opts = []): array
    {
        return $this->request('PUT', '/api/v1/accounts/' . self::seg($login) . '/quotas/' . self::seg($name),
            [], ['value' => $value], $opts);
    }

    /** GET /api/v1/quotas/defaults (filter type): the default quotas of the account types */
    public function listQuotaDefaults(?string $type = null): array
    {
        return $this->request('GET', '/api/v1/quotas/defaults', ['type' => $type]);
    }

    /** PUT /api/v1/quotas/defaults: one default of an account type (a new type is created) */
    public function setQuotaDefault(string $type, string $name, int $value, array $opts = []): array
    {
        return $this->request('PUT', '/api/v1/quotas/defaults', [],
            ['type' => $type, 'name' => $name, 'value' => $value], $opts);
    }

    /** POST /api/v1/accounts/{login}/reset-quotas: every quota to its account type's default */
    public function resetQuotas(string $login, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/reset-quotas', [], null,
            $opts);
    }

    /** DELETE /api/v1/account-types/{type} */
    public function deleteAccountType(string $type, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/account-types/' . self::seg($type), [], null, $opts);
    }

    // ---- domains and their entries ----------------------------------------------------------

    /** GET /api/v1/accounts/{login}/domains (limit, cursor, offset) */
    public function listDomains(string $login, array $query = []): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/domains', $query);
    }

    /** Every domain of an account, page after page. */
    public function iterateDomains(string $login, array $query = []): Generator
    {
        return $this->iterate(function ($q) use ($login) {
            return $this->listDomains($login, $q);
        }, $query);
    }

    /** POST /api/v1/accounts/{login}/domains: $fields dns, mx, noerase, force */
    public function createDomain(string $login, string $domain, array $fields = [], array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/domains', [],
            ['domain' => $domain] + $fields, $opts);
    }

    /** GET /api/v1/domains/{domain} */
    public function getDomain(string $domain, array $opts = []): ?array
    {
        return $this->request('GET', '/api/v1/domains/' . self::seg($domain), [], null, $opts);
    }

    /** PATCH /api/v1/domains/{domain}: dns, mx, noerase */
    public function updateDomain(string $domain, array $fields, array $opts = []): array
    {
        return $this->request('PATCH', '/api/v1/domains/' . self::seg($domain), [], $fields, $opts);
    }

    /** DELETE /api/v1/domains/{domain} */
    public function deleteDomain(string $domain, array $opts = []): void
    {
        $path = '/api/v1/domains/' . self::seg($domain);
        $this->request('DELETE', $path, [], null, $opts + ['probe' => $path]);
    }

    /**
     * POST /api/v1/domains/{domain}/cancel-delete: cancels a pending deletion (the domain and
     * its entries back to UPDATE); answers the domain. 409 when none is pending.
     */
    public function cancelDomainDelete(string $domain, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/domains/' . self::seg($domain) . '/cancel-delete', [], null,
            $opts);
    }

    /** GET /api/v1/domains/{domain}/subdomains (one page) */
    public function listSubdomains(string $domain): array
    {
        return $this->request('GET', '/api/v1/domains/' . self::seg($domain) . '/subdomains');
    }

    /** PUT /api/v1/domains/{domain}/subdomains */
    public function setSubdomain(string $domain, string $sub, string $type, ?string $target = null,
        array $opts = []): array
    {
        $body = ['sub' => $sub, 'type' => $type];
        if ($target !== null) {
            $body['target'] = $target;
        }
        return $this->request('PUT', '/api/v1/domains/' . self::seg($domain) . '/subdomains', [], $body, $opts);
    }

    private static function subPath(string $domain, string $sub, string $type): string
    {
        return '/api/v1/domains/' . self::seg($domain) . '/subdomains/' . self::seg($sub === '' ? '@' : $sub)
            . '/' . self::seg($type);
    }

    /** DELETE /api/v1/domains/{domain}/subdomains/{sub}/{type}[?value=] */
    public function deleteSubdomain(string $domain, string $sub, string $type, ?string $value = null,
        array $opts = []): void
    {
        // Read first (see request): the entry is there, or one of that value.
        $probe = function () use ($domain, $sub, $type, $value): bool {
            $sub = $sub === '@' ? '' : $sub;
            $list = $this->request('GET', '/api/v1/domains/' . self::seg($domain) . '/subdomains');
            foreach (is_array($list['items'] ?? null) ? $list['items'] : [] as $s) {
                if (is_array($s) && (($s['sub'] ?? '') === '@' ? '' : ($s['sub'] ?? null)) === $sub
                    && strtolower((string) ($s['type'] ?? '')) === strtolower($type)
                    && ($value === null || (string) ($s['target'] ?? '') === $value)) {
                    return true;
                }
            }
            return false;
        };
        $this->request('DELETE', self::subPath($domain, $sub, $type), ['value' => $value], null,
            $opts + ['probe' => $probe]);
    }

    /** POST /api/v1/domains/{domain}/subdomains/{sub}/{type}/enable[?value=] */
    public function enableSubdomain(string $domain, string $sub, string $type, ?string $value = null,
        array $opts = []): void
    {
        $this->request('POST', self::subPath($domain, $sub, $type) . '/enable', ['value' => $value], null, $opts);
    }

    /** POST /api/v1/domains/{domain}/subdomains/{sub}/{type}/disable[?value=] */
    public function disableSubdomain(string $domain, string $sub, string $type, ?string $value = null,
        array $opts = []): void
    {
        $this->request('POST', self::subPath($domain, $sub, $type) . '/disable', ['value' => $value], null, $opts);
    }

    /** GET /api/v1/domains/{domain}/zone: the BIND zone, as text */
    public function getZone(string $domain): string
    {
        return (string) $this->request('GET', '/api/v1/domains/' . self::seg($domain) . '/zone', [], null,
            ['raw' => true]);
    }

    /** GET /api/v1/domain-types */
    public function listDomainTypes(): array
    {
        return $this->request('GET', '/api/v1/domain-types');
    }

    /** GET /api/v1/domain-types/{name} */
    public function getDomainType(string $name): array
    {
        return $this->request('GET', '/api/v1/domain-types/' . self::seg($name));
    }

    /** PATCH /api/v1/domain-types/{name}: description, entry, compatibility, enable, only_dns, need_dns, advanced */
    public function updateDomainType(string $name, array $fields, array $opts = []): array
    {
        return $this->request('PATCH', '/api/v1/domain-types/' . self::seg($name), [], $fields, $opts);
    }

    /**
     * POST /api/v1/domain-types/{name}/regenerate (admins): every live entry of the type and the
     * zones of their domains are marked for the crons. Answers {"name", "domains", "entries"}.
     */
    public function regenerateDomainType(string $name, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/domain-types/' . self::seg($name) . '/regenerate', [], null,
            $opts);
    }

    /**
     * GET /api/v1/domains/{domain}/mx-check: the domain's MX records as the DNS answers them now,
     * compared with the host's MX. {"domain", "result" (ours, none, foreign), "code" (0, 1, 2),
     * "mx": [names]}; 503 when the DNS fails or does not answer.
     */
    public function checkDomainMx(string $domain): array
    {
        return $this->request('GET', '/api/v1/domains/' . self::seg($domain) . '/mx-check');
    }

    /** GET /api/v1/tlds */
    public function listTlds(): array
    {
        return $this->request('GET', '/api/v1/tlds');
    }

    /** POST /api/v1/tlds */
    public function setTld(string $tld, int $mode, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/tlds', [], ['tld' => $tld, 'mode' => $mode], $opts);
    }

    /** DELETE /api/v1/tlds/{tld} */
    public function deleteTld(string $tld, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/tlds/' . self::seg($tld), [], null, $opts);
    }

    // ---- mail ---------------------------------------------------------------------------------

    /** GET /api/v1/domains/{domain}/mail (prefix; limit, cursor, offset) */
    public function listMail(string $domain, array $query = []): array
    {
        return $this->request('GET', '/api/v1/domains/' . self::seg($domain) . '/mail', $query);
    }

    /** Every address of a domain, page after page. */
    public function iterateMail(string $domain, array $query = []): Generator
    {
        return $this->iterate(function ($q) use ($domain) {
            return $this->listMail($domain, $q);
        }, $query);
    }

    /** POST /api/v1/domains/{domain}/mail: $fields password, recipients, expires */
    public function createMail(string $domain, string $local, array $fields = [], array $opts = []): array
    {
        return $this->request('POST', '/api/v1/domains/' . self::seg($domain) . '/mail', [],
            ['local' => $local] + $fields, $opts);
    }

    /** GET /api/v1/mail/{address} ('@domain': the catch-all) */
    public function getMail(string $address): array
    {
        return $this->request('GET', '/api/v1/mail/' . self::seg($address));
    }

    /** PATCH /api/v1/mail/{address}: recipients, expires, password, mailbox */
    public function updateMail(string $address, array $fields, array $opts = []): array
    {
        return $this->request('PATCH', '/api/v1/mail/' . self::seg($address), [], $fields, $opts);
    }

    /** DELETE /api/v1/mail/{address} */
    public function deleteMail(string $address, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/mail/' . self::seg($address), [], null, $opts);
    }

    /** PUT /api/v1/mail/{address}/password */
    public function setMailPassword(string $address, string $password, array $opts = []): void
    {
        $this->request('PUT', '/api/v1/mail/' . self::seg($address) . '/password', [],
            ['password' => $password], $opts);
    }

    /** POST /api/v1/mail/{address}/password: the mail user's self-service, without credentials */
    public function changeMailPassword(string $address, string $oldPassword, string $password): void
    {
        $this->request('POST', '/api/v1/mail/' . self::seg($address) . '/password', [],
            ['old_password' => $oldPassword, 'password' => $password], ['no_auth' => true]);
    }

    /** GET /api/v1/domains/{domain}/wrappers: {"address", "owner", "command"} by address (one page) */
    public function listMailWrappers(string $domain): array
    {
        return $this->request('GET', '/api/v1/domains/' . self::seg($domain) . '/wrappers');
    }

    /**
     * POST /api/v1/domains/{domain}/wrappers (admins): local@domain delivered to $command, whose
     * program must be listed in the API's `[mail] wrappers`. Answers the wrapper.
     */
    public function createMailWrapper(string $domain, string $local, string $command, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/domains/' . self::seg($domain) . '/wrappers', [],
            ['local' => $local, 'command' => $command], $opts);
    }

    /** DELETE /api/v1/mail-wrappers/{address} (its owner or an admin) */
    public function deleteMailWrapper(string $address, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/mail-wrappers/' . self::seg($address), [], null, $opts);
    }

    // ---- FTP accounts ---------------------------------------------------------------------------

    /** GET /api/v1/accounts/{login}/ftp (one page, by name) */
    public function listFtp(string $login): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/ftp');
    }

    /** POST /api/v1/accounts/{login}/ftp: $fields suffix, dir (password required) */
    public function createFtp(string $login, string $prefix, string $password, array $fields = [],
        array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/ftp', [],
            ['prefix' => $prefix, 'password' => $password] + $fields, $opts);
    }

    /** GET /api/v1/ftp/{name} */
    public function getFtp(string $name): array
    {
        return $this->request('GET', '/api/v1/ftp/' . self::seg($name));
    }

    /** PATCH /api/v1/ftp/{name}: prefix, suffix, dir, password; answers it under its new name */
    public function updateFtp(string $name, array $fields, array $opts = []): array
    {
        return $this->request('PATCH', '/api/v1/ftp/' . self::seg($name), [], $fields, $opts);
    }

    /** DELETE /api/v1/ftp/{name} */
    public function deleteFtp(string $name, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/ftp/' . self::seg($name), [], null, $opts);
    }

    /** PUT /api/v1/ftp/{name}/password */
    public function setFtpPassword(string $name, string $password, array $opts = []): void
    {
        $this->request('PUT', '/api/v1/ftp/' . self::seg($name) . '/password', [], ['password' => $password],
            $opts);
    }

    // ---- member databases and their users -------------------------------------------------------

    /** GET /api/v1/accounts/{login}/databases (one page, with sizes and backup settings) */
    public function listDatabases(string $login): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/databases');
    }

    /** POST /api/v1/accounts/{login}/databases: '' is the database named after the login */
    public function createDatabase(string $login, string $suffix = '', array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/databases', [],
            ['suffix' => $suffix], $opts);
    }

    /**
     * GET /api/v1/databases/{name}: name, owner, size (bytes), backup {"mode" (none, weekly,
     * daily), "history", "gzip", "dir" (absolute; "" when never set)}
     */
    public function getDatabase(string $name): array
    {
        return $this->request('GET', '/api/v1/databases/' . self::seg($name));
    }

    /**
     * PUT /api/v1/databases/{name}/backup: mode (none, weekly, daily), history (1 to 255 unless
     * none), gzip, dir (a folder of the web space, relative to it; absent: kept). Answers the
     * database, whose `backup` is {"mode", "history", "gzip", "dir" (absolute)}.
     */
    public function setDatabaseBackup(string $name, array $backup, array $opts = []): array
    {
        return $this->request('PUT', '/api/v1/databases/' . self::seg($name) . '/backup', [], $backup, $opts);
    }

    /** DELETE /api/v1/databases/{name} */
    public function deleteDatabase(string $name, array $opts = []): void
    {
        $path = '/api/v1/databases/' . self::seg($name);
        $this->request('DELETE', $path, [], null, $opts + ['probe' => $path]);
    }

    /** POST /api/v1/databases/{name}/dump: queued; answers {"job", "database"} */
    public function dumpDatabase(string $name, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/databases/' . self::seg($name) . '/dump', [], null, $opts);
    }

    /** POST /api/v1/databases/{name}/restore: queued; answers {"job", "database", "file"} */
    public function restoreDatabase(string $name, string $file, bool $unverified = false,
        array $opts = []): array
    {
        $body = ['file' => $file];
        if ($unverified) {
            $body['unverified'] = true;
        }
        return $this->request('POST', '/api/v1/databases/' . self::seg($name) . '/restore', [], $body, $opts);
    }

    /** GET /api/v1/accounts/{login}/dbusers (one page) */
    public function listDbUsers(string $login): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/dbusers');
    }

    /** POST /api/v1/accounts/{login}/dbusers: '' is the user named after the login */
    public function createDbUser(string $login, string $suffix, string $password, array $opts = []): array
    {
        $body = ['password' => $password];
        if ($suffix !== '') {
            $body['suffix'] = $suffix;
        }
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/dbusers', [], $body, $opts);
    }

    /** GET /api/v1/dbusers/{name} */
    public function getDbUser(string $name): array
    {
        return $this->request('GET', '/api/v1/dbusers/' . self::seg($name));
    }

    /** DELETE /api/v1/dbusers/{name} */
    public function deleteDbUser(string $name, array $opts = []): void
    {
        $path = '/api/v1/dbusers/' . self::seg($name);
        $this->request('DELETE', $path, [], null, $opts + ['probe' => $path]);
    }

    /** PUT /api/v1/dbusers/{name}/password */
    public function setDbUserPassword(string $name, string $password, array $opts = []): void
    {
        $this->request('PUT', '/api/v1/dbusers/' . self::seg($name) . '/password', [],
            ['password' => $password], $opts);
    }

    /** GET /api/v1/dbusers/{name}/grants: {"name", "grants": {database: [rights]}} */
    public function getDbUserGrants(string $name): array
    {
        return $this->request('GET', '/api/v1/dbusers/' . self::seg($name) . '/grants');
    }

    /** PUT /api/v1/dbusers/{name}/grants: each listed database gets exactly those rights */
    public function setDbUserGrants(string $name, array $grants, array $opts = []): array
    {
        return $this->request('PUT', '/api/v1/dbusers/' . self::seg($name) . '/grants', [],
            ['grants' => (object) $grants], $opts);
    }

    // ---- raw web statistics (AlternC's m_sta2) ---------------------------------------------------

    /** GET /api/v1/accounts/{login}/rawstats: {"id", "owner", "hostname", "folder"} by host name (one page) */
    public function listRawStats(string $login): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/rawstats');
    }

    /** POST /api/v1/accounts/{login}/rawstats: a host the account publishes, a folder of its space (quota sta2) */
    public function createRawStat(string $login, string $hostname, string $dir, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/rawstats', [],
            ['hostname' => $hostname, 'dir' => $dir], $opts);
    }

    /** GET /api/v1/rawstats/{id} */
    public function getRawStat(int $id): array
    {
        return $this->request('GET', '/api/v1/rawstats/' . $id);
    }

    /** PATCH /api/v1/rawstats/{id}: the set's new folder */
    public function updateRawStat(int $id, string $dir, array $opts = []): array
    {
        return $this->request('PATCH', '/api/v1/rawstats/' . $id, [], ['dir' => $dir], $opts);
    }

    /** DELETE /api/v1/rawstats/{id} (the logs already copied stay) */
    public function deleteRawStat(int $id, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/rawstats/' . $id, [], null, $opts);
    }

    // ---- protected folders (AlternC's m_hta) ------------------------------------------------------

    /** GET /api/v1/accounts/{login}/protected-folders: {"dir" (leading '/'), "users"} by folder (one page) */
    public function listProtectedFolders(string $login): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/protected-folders');
    }

    /** POST /api/v1/accounts/{login}/protected-folders: a folder of the web space ('/': the space) */
    public function protectFolder(string $login, string $dir, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/protected-folders', [],
            ['dir' => $dir], $opts);
    }

    /** DELETE /api/v1/accounts/{login}/protected-folders?dir=: the protection and its users */
    public function unprotectFolder(string $login, string $dir, array $opts = []): void
    {
        // Read first (see request): its users' list is there only while the folder is protected.
        $probe = function () use ($login, $dir): bool {
            $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/protected-folders/users',
                ['dir' => $dir]);
            return true;
        };
        $this->request('DELETE', '/api/v1/accounts/' . self::seg($login) . '/protected-folders',
            ['dir' => $dir], null, $opts + ['probe' => $probe]);
    }

    /** GET /api/v1/accounts/{login}/protected-folders/users?dir=: {"user"} in order (one page) */
    public function listProtectedFolderUsers(string $login, string $dir): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/protected-folders/users',
            ['dir' => $dir]);
    }

    /** POST /api/v1/accounts/{login}/protected-folders/users (the `hta` password policy applies) */
    public function addProtectedFolderUser(string $login, string $dir, string $user, string $password,
        array $opts = []): array
    {
        return $this->request('POST', '/api/v1/accounts/' . self::seg($login) . '/protected-folders/users', [],
            ['dir' => $dir, 'user' => $user, 'password' => $password], $opts);
    }

    /** PUT /api/v1/accounts/{login}/protected-folders/users/{user}/password */
    public function setProtectedFolderUserPassword(string $login, string $dir, string $user, string $password,
        array $opts = []): void
    {
        $this->request('PUT', '/api/v1/accounts/' . self::seg($login) . '/protected-folders/users/'
            . self::seg($user) . '/password', [], ['dir' => $dir, 'password' => $password], $opts);
    }

    /** DELETE /api/v1/accounts/{login}/protected-folders/users/{user}?dir= */
    public function deleteProtectedFolderUser(string $login, string $dir, string $user, array $opts = []): void
    {
        // Read first (see request).
        $probe = function () use ($login, $dir, $user): bool {
            $list = $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/protected-folders/users',
                ['dir' => $dir]);
            $users = is_array($list['items'] ?? null) ? $list['items'] : [];
            return in_array($user, array_column($users, 'user'), true);
        };
        $this->request('DELETE', '/api/v1/accounts/' . self::seg($login) . '/protected-folders/users/'
            . self::seg($user), ['dir' => $dir], null, $opts + ['probe' => $probe]);
    }

    // ---- password policies ---------------------------------------------------------------------------

    /** GET /api/v1/policies: {"name", "minsize", "maxsize", "classcount", "allowlogin"} (mem, pop, ftp, mysql, hta) */
    public function listPolicies(): array
    {
        return $this->request('GET', '/api/v1/policies');
    }

    /** GET /api/v1/policies/{name} */
    public function getPolicy(string $name): array
    {
        return $this->request('GET', '/api/v1/policies/' . self::seg($name));
    }

    /** PATCH /api/v1/policies/{name} (admins): minsize, maxsize, classcount, allowlogin; answers the policy */
    public function updatePolicy(string $name, array $fields, array $opts = []): array
    {
        return $this->request('PATCH', '/api/v1/policies/' . self::seg($name), [], $fields, $opts);
    }

    /**
     * POST /api/v1/policies/{name}/check: returns when the password satisfies the policy, throws
     * (400, field password, the rule broken) otherwise. Nothing is stored.
     */
    public function checkPolicy(string $name, string $password, ?string $login = null, array $opts = []): void
    {
        $body = ['password' => $password];
        if ($login !== null) {
            $body['login'] = $login;
        }
        $this->request('POST', '/api/v1/policies/' . self::seg($name) . '/check', [], $body, $opts);
    }

    // ---- slave DNS and backup MX servers -------------------------------------------------------------

    /** GET /api/v1/slaves/ips: {"ip", "prefix"} (one page) */
    public function listSlaveIps(): array
    {
        return $this->request('GET', '/api/v1/slaves/ips');
    }

    /** POST /api/v1/slaves/ips: the row as stored */
    public function createSlaveIp(string $ip, ?int $prefix = null, array $opts = []): array
    {
        $body = ['ip' => $ip];
        if ($prefix !== null) {
            $body['prefix'] = $prefix;
        }
        return $this->request('POST', '/api/v1/slaves/ips', [], $body, $opts);
    }

    /** DELETE /api/v1/slaves/ips/{ip}: every prefix of the address */
    public function deleteSlaveIp(string $ip, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/slaves/ips/' . self::seg($ip), [], null, $opts);
    }

    private static function slaveKind(string $kind): string
    {
        if ($kind !== 'dns' && $kind !== 'mx') {
            throw new InvalidArgumentException("slave account kind: dns or mx, not $kind");
        }
        return $kind;
    }

    /** GET /api/v1/slaves/{dns|mx}-accounts: {"login", "kind"} (one page) */
    public function listSlaveAccounts(string $kind): array
    {
        return $this->request('GET', '/api/v1/slaves/' . self::slaveKind($kind) . '-accounts');
    }

    /** POST /api/v1/slaves/{dns|mx}-accounts */
    public function createSlaveAccount(string $kind, string $login, string $password, array $opts = []): array
    {
        return $this->request('POST', '/api/v1/slaves/' . self::slaveKind($kind) . '-accounts', [],
            ['login' => $login, 'password' => $password], $opts);
    }

    /** DELETE /api/v1/slaves/{dns|mx}-accounts/{login} */
    public function deleteSlaveAccount(string $kind, string $login, array $opts = []): void
    {
        $this->request('DELETE', '/api/v1/slaves/' . self::slaveKind($kind) . '-accounts/' . self::seg($login),
            [], null, $opts);
    }

    /**
     * GET /admin/domlist.php (dns) or /admin/mxlist.php (mx) with HTTP Basic: the domains a slave
     * server fetches, one a line. No token is sent.
     */
    public function slaveDomainList(string $kind, string $login, string $password): string
    {
        $path = self::slaveKind($kind) === 'dns' ? '/admin/domlist.php' : '/admin/mxlist.php';
        return (string) $this->request('GET', $path, [], null, ['no_auth' => true, 'raw' => true,
            'headers' => ['Authorization' => 'Basic ' . base64_encode("$login:$password")]]);
    }

    // ---- the file manager ----------------------------------------------------------------------------

    private static function filesPath(string $login, string $rest = ''): string
    {
        return '/api/v1/accounts/' . self::seg($login) . '/files' . $rest;
    }

    /** GET /api/v1/accounts/{login}/files?path=: {"name", "type", "size", "mode", "mtime", "target"} */
    public function listFiles(string $login, ?string $path = null): array
    {
        return $this->request('GET', self::filesPath($login), ['path' => $path]);
    }

    /** GET /api/v1/accounts/{login}/files/content?path=: the file's bytes */
    public function getFileContent(string $login, string $path): string
    {
        return (string) $this->request('GET', self::filesPath($login, '/content'), ['path' => $path], null,
            ['raw' => true]);
    }

    /**
     * PUT /api/v1/accounts/{login}/files/content (the editor's limit) or .../files/upload
     * ($upload: the upload limit): {"path", "size", "created"}
     */
    public function putFileContent(string $login, string $path, string $bytes, bool $upload = false,
        array $opts = []): array
    {
        return $this->request('PUT', self::filesPath($login, $upload ? '/upload' : '/content'), ['path' => $path],
            null, $opts + ['raw_body' => $bytes]);
    }

    /** POST /api/v1/accounts/{login}/files/mkdir: {"path"} */
    public function makeFolder(string $login, string $path, array $opts = []): array
    {
        return $this->request('POST', self::filesPath($login, '/mkdir'), [], ['path' => $path], $opts);
    }

    /** POST /api/v1/accounts/{login}/files/rename */
    public function renameFile(string $login, string $from, string $to, array $opts = []): void
    {
        $this->request('POST', self::filesPath($login, '/rename'), [], ['from' => $from, 'to' => $to], $opts);
    }

    /** POST /api/v1/accounts/{login}/files/copy */
    public function copyFile(string $login, string $from, string $to, array $opts = []): void
    {
        $this->request('POST', self::filesPath($login, '/copy'), [], ['from' => $from, 'to' => $to], $opts);
    }

    /** POST /api/v1/accounts/{login}/files/chmod: {"path", "mode"} */
    public function chmodFile(string $login, string $path, bool $writable, array $opts = []): array
    {
        return $this->request('POST', self::filesPath($login, '/chmod'), [],
            ['path' => $path, 'writable' => $writable], $opts);
    }

    /** DELETE /api/v1/accounts/{login}/files?path=: a file, link or whole folder */
    public function deleteFile(string $login, string $path, array $opts = []): void
    {
        // Read first (see request): a listing of the path itself answers for a folder, refuses
        // a file or a link as not a folder, and says not_found only when nothing is there.
        $probe = function () use ($login, $path): bool {
            try {
                $this->request('GET', self::filesPath($login), ['path' => $path]);
            } catch (PanelApiException $e) {
                return $e->getErrorCode() !== 'not_found';
            }
            return true;
        };
        $this->request('DELETE', self::filesPath($login), ['path' => $path], null, $opts + ['probe' => $probe]);
    }

    /** GET /api/v1/accounts/{login}/file-preferences */
    public function getFilePreferences(string $login): array
    {
        return $this->request('GET', '/api/v1/accounts/' . self::seg($login) . '/file-preferences');
    }

    /** PUT /api/v1/accounts/{login}/file-preferences: the fields given; answers the preferences */
    public function setFilePreferences(string $login, array $fields, array $opts = []): array
    {
        return $this->request('PUT', '/api/v1/accounts/' . self::seg($login) . '/file-preferences', [], $fields,
            $opts);
    }
}
