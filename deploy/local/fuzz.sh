#!/usr/bin/env bash
# Property-based API tests: schemathesis generates requests from /openapi.json against a real
# API and worker (own database, own task queue, own port) and checks that no input yields a 5xx
# and that every response matches the documented status codes, content types and schemas.
# Bounded: a fixed number of examples per operation. Usage: fuzz.sh [BIN_DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin="${1:-$CARGO_TARGET_DIR/debug}"
port="${MTBP_FUZZ_PORT:-$((API_PORT + 100))}"
db="mtbp_fuzz"
base_url="${DATABASE_URL%/*}"

psql "$DATABASE_URL" -qc "drop database if exists $db with (force)" -c "create database $db"
export DATABASE_URL="$base_url/$db"
export MTBP_API_ADDR="127.0.0.1:$port"
export MTBP_TASK_QUEUE="fuzz-$$"
# The fuzzed requests' events stay in the fuzz database: no relay or archiver next to the
# stack's own.
export MTBP_WORKER_ROLES=workflows
export RUST_LOG=warn
"$bin/mtbp-migrate" >/dev/null

cleanup() { stop fuzz-api; stop fuzz-worker; }
trap cleanup EXIT
spawn fuzz-worker "$bin/mtbp-worker"
spawn fuzz-api "$bin/mtbp-api"
wait_for fuzz-api "curl -fs http://127.0.0.1:$port/health >/dev/null" 30 || die "the fuzz API did not start"

# Two passes: anonymous (public routes, and every protected route's 401), then as the operator
# (the protected routes themselves). The operator comes from MTBP_ADMIN_* (see lib.sh).
token=$(curl -fs -X POST -H 'content-type: application/json' \
  -d "{\"email\": \"$MTBP_ADMIN_EMAIL\", \"password\": \"$MTBP_ADMIN_PASSWORD\"}" \
  "http://127.0.0.1:$port/auth/login" | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') \
  || die "could not sign in as the operator for the fuzz run"

fuzz() {
  "$VENV/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${MTBP_FUZZ_EXAMPLES:-25}" \
    --workers 1 \
    --seed "${MTBP_FUZZ_SEED:-20261122}" \
    --warnings off "$@"
}
say "schemathesis pass 1/2: anonymous"
fuzz
say "schemathesis pass 2/2: signed in as the operator"
fuzz --header "Authorization: Bearer $token"
