#!/usr/bin/env bash
# The local stack as plain processes on loopback: PostgreSQL, the Temporal dev server (and UI),
# localstripe, moto's server (S3 and SNS on one port), maildev (an SMTP catcher with a web UI
# and `/api/email`), the Kafka broker tansu and Prometheus (scraping the API and the worker,
# evaluating deploy/prometheus/alerts.yml). Usage: stack.sh up|down|status [component…]: with
# components (postgres, temporal, stripe, moto, maildev, kafka, prometheus) only those start or
# stop. `up` twice is harmless; a component that fails to start is named with the tail of its log.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN=/usr/lib/postgresql/15/bin

postgres_up() {
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA" "$LOG_DIR"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$PG_HOME"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$LOG_DIR/postgres-initdb.log" 2>&1 || { tail -20 "$LOG_DIR/postgres-initdb.log"; die "initdb failed"; }
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "postgres already running on $PG_PORT"
  else
    port_open "$PG_PORT" && die "port $PG_PORT is taken by another process (set MTBP_PG_PORT)"
    ln -sfn "$PG_LOG" "$LOG_DIR/postgres.log"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start -o \
      "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DATA \
       -c max_connections=300 -c shared_buffers=256MB" >/dev/null \
      || { wait_for postgres false 0 || true; die "postgres failed to start"; }
    say "postgres started on $PG_PORT"
  fi
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1 <<SQL >/dev/null
select 'create role $PG_USER login createdb password ''$PG_PASSWORD'''
 where not exists (select from pg_roles where rolname = '$PG_USER') \gexec
select 'create database $PG_DB owner $PG_USER'
 where not exists (select from pg_database where datname = '$PG_DB') \gexec
SQL
}

temporal_up() {
  if pid_alive temporal && port_open "$TEMPORAL_PORT"; then
    say "temporal already running on $TEMPORAL_PORT (UI $TEMPORAL_UI_PORT)"
    # A server started by an older checkout may lack attributes added since: register them.
    temporal_attributes
    return
  fi
  port_open "$TEMPORAL_PORT" && die "port $TEMPORAL_PORT is taken by another process (set MTBP_TEMPORAL_PORT)"
  mkdir -p "$LOCAL/temporal"
  spawn temporal "$ROOT/deploy/temporal/dev-server.sh" "$VENV/bin/temporal" \
    "$LOCAL/temporal/temporal.db" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"
  wait_for temporal "'$VENV/bin/temporal' operator cluster health --address 127.0.0.1:$TEMPORAL_PORT >/dev/null 2>&1" 90 \
    || die "temporal failed to start"
  say "temporal started on $TEMPORAL_PORT (UI $TEMPORAL_UI_PORT)"
}

# The search attributes dev-server.sh registers at start, for a server already running.
temporal_attributes() {
  local name
  # Creating one that exists succeeds: running this again changes nothing.
  for name in BookingStep CancellationStatus PartnerId SettlementPeriod SettlementStatus; do
    "$VENV/bin/temporal" operator search-attribute create --address "127.0.0.1:$TEMPORAL_PORT" \
      --name "$name" --type Keyword >/dev/null 2>&1 || true
  done
  "$VENV/bin/temporal" operator search-attribute create --address "127.0.0.1:$TEMPORAL_PORT" \
    --name StepStartedAt --type Datetime >/dev/null 2>&1 || true
  for name in SagaStep AmountBand BookingId; do
    "$VENV/bin/temporal" operator search-attribute create --address "127.0.0.1:$TEMPORAL_PORT" \
      --name "$name" --type KeywordList >/dev/null 2>&1 || true
  done
}

# Is the gateway fit for use: does it answer a list within MTBP_STRIPE_PROBE_SECONDS (1 s), holding
# at most MTBP_STRIPE_MAX_INTENTS (2000) payment intents? localstripe keeps every object in
# memory and scans or exports them all on a list, so after thousands of payments it is too slow.
stripe_fit() {
  local listed count
  listed=$(curl -fs --max-time "${MTBP_STRIPE_PROBE_SECONDS:-1}" -u "$STRIPE_SECRET_KEY:" \
    "http://127.0.0.1:$STRIPE_PORT/v1/payment_intents?limit=1") || return 1
  # The list's own count is its last `total_count` (an intent's charges have one too).
  count=$(printf '%s' "$listed" | sed -n 's/.*"total_count": *\([0-9]*\).*/\1/p' | tail -n 1)
  [ "${count:-0}" -le "${MTBP_STRIPE_MAX_INTENTS:-2000}" ]
}

stripe_up() {
  local i
  if pid_alive stripe && port_open "$STRIPE_PORT"; then
    if stripe_fit; then
      say "localstripe already running on $STRIPE_PORT"; return
    fi
    say "localstripe on $STRIPE_PORT is slow, full or not answering (it keeps every object in memory): restarting it empty"
    stop stripe
    for ((i = 0; i < 25; i++)); do port_open "$STRIPE_PORT" || break; sleep 0.2; done
  fi
  port_open "$STRIPE_PORT" && die "port $STRIPE_PORT is taken by another process (set MTBP_STRIPE_PORT)"
  spawn stripe "$VENV/bin/python" "$ROOT/deploy/local/localstripe_loopback.py" --port "$STRIPE_PORT"
  wait_for stripe "port_open $STRIPE_PORT" 30 || die "localstripe failed to start"
  say "localstripe started on $STRIPE_PORT"
}

# moto answers every AWS service on one port (S3 and SNS are the ones we use), behind a launcher
# that adds S3's expiry check of presigned links (deploy/local/moto_loopback.py). The documents
# bucket is made here (and again, idempotently, by the worker at start through the adapter).
moto_up() {
  if pid_alive moto && port_open "$MOTO_PORT"; then
    say "moto already running on $MOTO_PORT"
  else
    port_open "$MOTO_PORT" && die "port $MOTO_PORT is taken by another process (set MTBP_MOTO_PORT)"
    spawn moto "$VENV/bin/python" "$ROOT/deploy/local/moto_loopback.py" --port "$MOTO_PORT"
    wait_for moto "curl -fs -o /dev/null http://127.0.0.1:$MOTO_PORT/moto-api/" 30 || die "moto failed to start"
    say "moto started on $MOTO_PORT (S3 and SNS)"
  fi
  # Path-style PUT of the bucket: 200 when made, 409 when it exists (both fine). moto does not
  # check signatures, so curl needs none.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/xml' \
    --data "<CreateBucketConfiguration><LocationConstraint>$AWS_REGION</LocationConstraint></CreateBucketConfiguration>" \
    "$MTBP_S3_ENDPOINT/$MTBP_S3_BUCKET")
  case "$code" in 200 | 409) ;; *) die "could not make bucket $MTBP_S3_BUCKET on moto (HTTP $code)" ;; esac
}

# maildev keeps mail in memory (a restart empties it) and binds loopback only.
maildev_up() {
  if pid_alive maildev && port_open "$SMTP_PORT" && port_open "$MAILDEV_PORT"; then
    say "maildev already running on $SMTP_PORT (web $MAILDEV_PORT)"; return
  fi
  port_open "$SMTP_PORT" && die "port $SMTP_PORT is taken by another process (set MTBP_SMTP_PORT)"
  port_open "$MAILDEV_PORT" && die "port $MAILDEV_PORT is taken by another process (set MTBP_MAILDEV_PORT)"
  spawn maildev "$NODE_DIR/node_modules/.bin/maildev" --ip 127.0.0.1 --web-ip 127.0.0.1 \
    --smtp "$SMTP_PORT" --web "$MAILDEV_PORT" --silent
  wait_for maildev "port_open $SMTP_PORT && curl -fs $MTBP_MAILDEV_URL/api/email >/dev/null" 30 \
    || die "maildev failed to start"
  say "maildev started on $SMTP_PORT (web $MTBP_MAILDEV_URL)"
}

# The Kafka broker: tansu on loopback, its SQLite file under .local/kafka (topics and consumer
# offsets survive a restart). The first `up` on a machine builds it (~12 minutes, once, into
# $TOOLS_DIR) in the background and starts it when built, so the rest of the platform is not
# kept waiting: until then the relay keeps events in the outbox. With MTBP_WAIT_FOR_KAFKA=1
# (`./mtbp test`) this waits for the build.
kafka_build() {
  say "building the Kafka broker tansu $TANSU_VERSION into $TANSU_ROOT (once per machine, ~12 minutes)"
  mkdir -p "$TOOLS_DIR"
  nice -n 10 cargo install tansu --version "$TANSU_VERSION" --locked --features libsql \
    --root "$TANSU_ROOT" --target-dir "$TOOLS_DIR/tansu-build" >>"$LOG_DIR/kafka-build.log" 2>&1 \
    || { tail -20 "$LOG_DIR/kafka-build.log" >&2; return 1; }
  rm -rf "$TOOLS_DIR/tansu-build"
}

kafka_start() {
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process (set MTBP_KAFKA_PORT)"
  mkdir -p "$LOCAL/kafka"
  spawn kafka bash -c "cd '$LOCAL/kafka' && exec '$MTBP_TANSU_BIN' broker \
    --listener-url tcp://127.0.0.1:$KAFKA_PORT --advertised-listener-url tcp://127.0.0.1:$KAFKA_PORT \
    --storage-engine sqlite://tansu.db"
  wait_for kafka "port_open $KAFKA_PORT" 30 || die "the Kafka broker failed to start"
  say "kafka (tansu) started on $KAFKA_PORT"
}

kafka_up() {
  if pid_alive kafka && port_open "$KAFKA_PORT"; then
    say "kafka already running on $KAFKA_PORT"; return
  fi
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  if [ ! -x "$MTBP_TANSU_BIN" ]; then
    if [ "${MTBP_WAIT_FOR_KAFKA:-0}" = 1 ]; then
      # A build `up` began in the background may be under way: let it finish, or build here.
      while pid_alive kafka-build; do sleep 5; done
      [ -x "$MTBP_TANSU_BIN" ] || kafka_build || die "building the Kafka broker failed (see $LOG_DIR/kafka-build.log)"
    else
      if ! pid_alive kafka-build; then
        spawn kafka-build bash -c "source '$ROOT/deploy/local/lib.sh' && \
          '$ROOT/deploy/local/stack.sh' kafka-build && '$ROOT/deploy/local/stack.sh' up kafka"
      fi
      say "kafka: building the broker in the background (first time on this machine, ~12 minutes;" \
        "log $LOG_DIR/kafka-build.log); it starts by itself when built, events wait in the outbox"
      return
    fi
  fi
  kafka_start
}

# Prometheus on loopback, data under .local/prometheus/data (two days of it). It needs neither
# the API nor the worker to start: until `./mtbp up` starts them their targets show as down
# (and MtbpTargetDown goes pending), then the next scrape finds them.
prometheus_up() {
  local config="$LOCAL/prometheus/prometheus.yml" check
  prometheus_config "$config"
  # A broken rule or config is named here, not left to a reload that keeps the old one.
  check=$(promtool check config "$config" 2>&1) || { printf '%s\n' "$check" >&2; die "invalid Prometheus config or rules"; }
  if pid_alive prometheus && port_open "$PROMETHEUS_PORT"; then
    # SIGHUP reloads the config and the rules: an edited alerts.yml takes effect with `up`.
    kill -HUP "$(cat "$RUN_DIR/prometheus.pid")"
    say "prometheus already running on $PROMETHEUS_PORT (config and rules reloaded)"; return
  fi
  port_open "$PROMETHEUS_PORT" && die "port $PROMETHEUS_PORT is taken by another process (set MTBP_PROMETHEUS_PORT)"
  mkdir -p "$LOCAL/prometheus/data"
  spawn prometheus /usr/bin/prometheus --config.file="$config" \
    --storage.tsdb.path="$LOCAL/prometheus/data" --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT"
  # Ready once the stored data is loaded (a few seconds after a long run).
  wait_for prometheus "curl -fs -o /dev/null $MTBP_PROMETHEUS_URL/-/ready" 60 || die "prometheus failed to start"
  say "prometheus started on $PROMETHEUS_PORT ($MTBP_PROMETHEUS_URL/alerts)"
}

status_line() {
  local name=$1 ok=$2 where=$3
  if [ "$ok" = yes ]; then printf '  %-10s up    %s\n' "$name" "$where"; else printf '  %-10s down  %s\n' "$name" "$where"; fi
}

status() {
  local pg=no t=no s=no m=no d=no k=no p=no a=no w=no
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 && pg=yes
  pid_alive temporal && port_open "$TEMPORAL_PORT" && t=yes
  pid_alive stripe && port_open "$STRIPE_PORT" && s=yes
  pid_alive moto && port_open "$MOTO_PORT" && m=yes
  pid_alive maildev && port_open "$SMTP_PORT" && d=yes
  pid_alive kafka && port_open "$KAFKA_PORT" && k=yes
  pid_alive prometheus && port_open "$PROMETHEUS_PORT" && p=yes
  pid_alive api && port_open "$API_PORT" && a=yes
  pid_alive worker && w=yes
  status_line postgres $pg "127.0.0.1:$PG_PORT"
  status_line temporal $t "127.0.0.1:$TEMPORAL_PORT, UI $TEMPORAL_UI_URL"
  status_line stripe $s "$STRIPE_API_BASE"
  status_line moto $m "$MTBP_S3_ENDPOINT (S3 bucket $MTBP_S3_BUCKET, SNS)"
  status_line maildev $d "smtp 127.0.0.1:$SMTP_PORT, web $MTBP_MAILDEV_URL"
  status_line kafka $k "$MTBP_KAFKA_BROKERS (tansu)$(pid_alive kafka-build && echo ', building')"
  status_line prometheus $p "$MTBP_PROMETHEUS_URL"
  status_line api $a "$MTBP_API_URL"
  status_line worker $w "task queue ${MTBP_TASK_QUEUE:-bookings}, ops $MTBP_WORKER_URL"
  [ $pg$t$s$m$d$k$p = yesyesyesyesyesyesyes ]
}

COMPONENTS=(postgres temporal stripe moto maildev kafka prometheus)
cmd=${1:-}
shift || true
for c in "$@"; do
  [[ " ${COMPONENTS[*]} " == *" $c "* ]] || die "unknown component $c (${COMPONENTS[*]})"
done
[ $# -gt 0 ] || set -- "${COMPONENTS[@]}"
case "$cmd" in
  up)
    "$ROOT/deploy/local/install.sh"
    for c in "$@"; do "${c}_up"; done
    ;;
  down)
    if [ $# -eq ${#COMPONENTS[@]} ]; then stop api; stop worker; stop boxoffice; fi
    # Last started, first stopped: the database goes last.
    for ((i = $#; i >= 1; i--)); do
      c=${!i}
      case $c in
        postgres)
          if [ -f "$PG_DATA/PG_VERSION" ]; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true; fi ;;
        *) stop "$c" ;;
      esac
    done
    say "stopped: $*"
    ;;
  status) status ;;
  kafka-build) [ -x "$MTBP_TANSU_BIN" ] || kafka_build ;;
  # Only moto, for a checkout whose other components run elsewhere.
  moto-up) moto_up ;;
  moto-down) stop moto; say "moto stopped" ;;
  *) echo "usage: $0 up|down|status|moto-up|moto-down" >&2; exit 2 ;;
esac
