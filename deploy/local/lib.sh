# Shared settings of the local stack scripts. Sourced, never run.
# Every port and directory has a default and an environment override.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="${MTBP_LOCAL_DIR:-$ROOT/.local}"
LOG_DIR="$LOCAL/log"
RUN_DIR="$LOCAL/run"
VENV="$LOCAL/venv"

PG_PORT="${MTBP_PG_PORT:-55432}"
# PostgreSQL's files must be reachable by the `postgres` OS user (the server refuses root). If
# the checkout sits under a private directory, keep them in a per-checkout directory it can reach.
PG_HOME="$LOCAL/pg"
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
  PG_HOME="/var/tmp/mtbp-pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
fi
PG_DATA="$PG_HOME/data"
PG_LOG="$PG_HOME/postgres.log"
PG_DB="${MTBP_PG_DB:-mtbp}"
PG_USER="${MTBP_PG_USER:-mtbp}"
PG_PASSWORD="${MTBP_PG_PASSWORD:-mtbp}"
TEMPORAL_PORT="${MTBP_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${MTBP_TEMPORAL_UI_PORT:-8233}"
STRIPE_PORT="${MTBP_STRIPE_PORT:-8420}"
API_PORT="${MTBP_API_PORT:-8080}"
SMTP_PORT="${MTBP_SMTP_PORT:-1025}"
MAILDEV_PORT="${MTBP_MAILDEV_PORT:-1080}"
# npm tools (maildev) install under .local/node, like the Python ones under the venv.
NODE_DIR="$LOCAL/node"
MOTO_PORT="${MTBP_MOTO_PORT:-5055}"
KAFKA_PORT="${MTBP_KAFKA_PORT:-9092}"
BOXOFFICE_PORT="${MTBP_BOXOFFICE_PORT:-8431}"
PROMETHEUS_PORT="${MTBP_PROMETHEUS_PORT:-9090}"
export MTBP_PROMETHEUS_URL="http://127.0.0.1:$PROMETHEUS_PORT"
export MTBP_BOXOFFICE_URL="http://127.0.0.1:$BOXOFFICE_PORT"
# The Kafka broker (tansu, crates.io) is built once per machine, outside the checkout, so a
# fresh clone (CI) finds it: `cargo install` takes ~12 minutes on 2 cores. SQLite storage
# (the `libsql` feature) keeps topics and committed offsets across broker restarts.
TANSU_VERSION="${MTBP_TANSU_VERSION:-0.5.11}"
TOOLS_DIR="${MTBP_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mtbp/tools}"
TANSU_ROOT="$TOOLS_DIR/tansu-$TANSU_VERSION-libsql"
export MTBP_TANSU_BIN="${MTBP_TANSU_BIN:-$TANSU_ROOT/bin/tansu}"

# Build output is shared by every checkout on the machine, so a fresh clone (CI) starts warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mtbp/target}"
# `up` runs the dev-profile binaries that `test` also builds (dependencies optimised, see
# Cargo.toml); the benches run release builds of their own.
BIN_DIR="$CARGO_TARGET_DIR/debug"
BENCH_BIN_DIR="$CARGO_TARGET_DIR/release"
# The checked queries compile against the committed `.sqlx/` data, never a live database (a fresh
# machine builds before it migrates); `./mtbp test` checks that data against the migrations.
export SQLX_OFFLINE="${SQLX_OFFLINE:-true}"

export DATABASE_URL="${DATABASE_URL:-postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-http://127.0.0.1:$TEMPORAL_PORT}"
export TEMPORAL_UI_URL="${TEMPORAL_UI_URL:-http://127.0.0.1:$TEMPORAL_UI_PORT}"
export STRIPE_API_BASE="${STRIPE_API_BASE:-http://127.0.0.1:$STRIPE_PORT}"
export STRIPE_SECRET_KEY="${STRIPE_SECRET_KEY:-sk_test_local}"
# S3 (invoice PDFs) and SNS (SMS) are moto's server on loopback. Its credentials are dummies
# that moto accepts: production sets real ones (and its own endpoints) in the deployment.
export MTBP_S3_ENDPOINT="${MTBP_S3_ENDPOINT:-http://127.0.0.1:$MOTO_PORT}"
export MTBP_SNS_ENDPOINT="${MTBP_SNS_ENDPOINT:-http://127.0.0.1:$MOTO_PORT}"
export MTBP_S3_BUCKET="${MTBP_S3_BUCKET:-mtbp-documents}"
export AWS_REGION="${AWS_REGION:-ap-south-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-moto-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-moto-local}"
export MTBP_API_ADDR="${MTBP_API_ADDR:-127.0.0.1:$API_PORT}"
export MTBP_API_URL="${MTBP_API_URL:-http://$MTBP_API_ADDR}"
# The worker answers no requests, but serves /health, /ready and /metrics here for operators
# and Prometheus (the API serves the same on MTBP_API_ADDR).
export MTBP_WORKER_ADDR="${MTBP_WORKER_ADDR:-127.0.0.1:8081}"
export MTBP_WORKER_URL="http://$MTBP_WORKER_ADDR"
# Mail: the local stack's SMTP catcher (maildev), plain SMTP on loopback, no credentials.
export MTBP_SMTP_HOST="${MTBP_SMTP_HOST:-127.0.0.1}"
export MTBP_SMTP_PORT="$SMTP_PORT"
export MTBP_SMTP_TLS="${MTBP_SMTP_TLS:-none}"
export MTBP_MAIL_FROM="${MTBP_MAIL_FROM:-MTBP Tickets <tickets@mtbp.localhost>}"
export MTBP_MAILDEV_URL="${MTBP_MAILDEV_URL:-http://127.0.0.1:$MAILDEV_PORT}"
# Events: the outbox relay and the analytics archiver talk to the local broker.
export MTBP_KAFKA_BROKERS="${MTBP_KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"

# The local stack's token signing key: random, made once, kept in .local/ (never committed).
if [ -z "${MTBP_JWT_SECRET:-}" ]; then
  if [ ! -s "$LOCAL/jwt-secret" ]; then
    mkdir -p "$LOCAL"
    (umask 077 && head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LOCAL/jwt-secret")
  fi
  MTBP_JWT_SECRET="$(cat "$LOCAL/jwt-secret")"
  export MTBP_JWT_SECRET
fi

# The local operator account and the key that seals sensitive values at rest: random, made
# once, kept in .local/ (never committed). `./mtbp demo` signs in with the operator.
local_secret() { # name, bytes
  if [ ! -s "$LOCAL/$1" ]; then
    mkdir -p "$LOCAL"
    (umask 077 && head -c "$2" /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LOCAL/$1")
  fi
  cat "$LOCAL/$1"
}
export MTBP_ADMIN_EMAIL="${MTBP_ADMIN_EMAIL:-ops@mtbp.localhost}"
[ -n "${MTBP_ADMIN_PASSWORD:-}" ] || MTBP_ADMIN_PASSWORD="$(local_secret admin-password 12)"
[ -n "${MTBP_DATA_KEY:-}" ] || MTBP_DATA_KEY="$(local_secret data-key 32)"
export MTBP_ADMIN_PASSWORD MTBP_DATA_KEY

say() { printf '\033[1m[mtbp]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[mtbp] %s\033[0m\n' "$*" >&2; exit 1; }

# Runs a command as the owner of PostgreSQL's files: the `postgres` OS user when we are root
# (the server refuses to run as root), ourselves otherwise.
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pid_alive() { [ -f "$RUN_DIR/$1.pid" ] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits up to $3 seconds for `$2` (a shell condition) to hold; on time-out names component $1
# and shows the tail of its log.
wait_for() {
  local name=$1 cond=$2 secs=${3:-60} i
  for ((i = 0; i < secs * 5; i++)); do
    if eval "$cond"; then return 0; fi
    # A component whose process is gone will not come up: say so now, not at the time-out.
    if [ -f "$RUN_DIR/$name.pid" ] && ! pid_alive "$name"; then break; fi
    sleep 0.2
  done
  printf '\033[31m[mtbp] %s did not start; last lines of %s:\033[0m\n' "$name" "$LOG_DIR/$name.log" >&2
  tail -n 30 "$LOG_DIR/$name.log" >&2 2>/dev/null || true
  return 1
}

# Starts `$@` in the background as component $1 with its log and pid file.
spawn() {
  local name=$1; shift
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  nohup "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

# Stops component $1: SIGTERM, then SIGKILL after 10 s.
stop() {
  local name=$1 pid i
  [ -f "$RUN_DIR/$name.pid" ] || return 0
  pid=$(cat "$RUN_DIR/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# $1 made safe as the replacement of a `s|…|…|` sed command (its specials and the delimiter).
sed_replacement() { printf '%s' "$1" | sed 's/[\\|&]/\\&/g'; }

# Writes the Prometheus config of this checkout to $1 from deploy/prometheus/prometheus.yml:
# the API's and the worker's addresses, and the rules file by absolute path (Prometheus reads a
# relative one from the config file's directory, which is under .local/, not the repo).
prometheus_config() {
  local out=$1 rules="$ROOT/deploy/prometheus/alerts.yml"
  mkdir -p "$(dirname "$out")"
  # Written aside and moved in, so a Prometheus reloading at that moment never reads half a file.
  sed -e "s|@API_ADDR@|$(sed_replacement "$MTBP_API_ADDR")|g" \
      -e "s|@WORKER_ADDR@|$(sed_replacement "$MTBP_WORKER_ADDR")|g" \
      -e "s|@RULES_FILE@|$(sed_replacement "$rules")|g" \
      "$ROOT/deploy/prometheus/prometheus.yml" >"$out.tmp"
  mv "$out.tmp" "$out"
}
