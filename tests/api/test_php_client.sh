#!/usr/bin/env bash
# A PHP client (php-cli + curl, the way the AlternC panel calls panel-api) against a real
# daemon: logs in as an admin, creates a member, acts as it, changes its password, logs out.
set -uo pipefail
# shellcheck source=tests/api/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_need_php
api_setup api_php

api_write_conf "$SERVER0_PORT"
api_admin 'Php-root-pass-77'
api_start
php tests/api/php/client.php "$base" admin 'Php-root-pass-77' || fail "the PHP client"
api_stop
