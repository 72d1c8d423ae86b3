#!/usr/bin/env bash
# Takes the runbook's screenshots (docs/img/) from the running local stack with headless
# Chromium: the Temporal UI's lists of bookings that need an operator and of holds past their
# expiry, one booking's page (its memo summary is the one-line story), and Prometheus' graph
# of request rates by route and its alerts page. Bring the stack up first (`./mtbp up`), make
# some traffic (`./mtbp demo`, a few times) and, for the operator list, a booking that needs an
# operator (the operations tests leave some on the dev server).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

out="$ROOT/docs/img"
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

shot() { # url file [width height]
  local url=$1 file=$2 size="${3:-1500},${4:-900}"
  say "screenshot $file"
  # Everything that could phone home is off: the pages are on loopback only.
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --user-data-dir="$profile" --window-size="$size" \
    --virtual-time-budget=15000 --hide-scrollbars --screenshot="$out/$file" "$url" \
    >/dev/null 2>&1 || die "chromium could not take $file"
}

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

ui="$TEMPORAL_UI_URL/namespaces/default/workflows"
# The runbook's filters (docs/OPERATIONS.md), T = now.
now=$(date -u +%FT%TZ)
needs="NeedsOperator = true AND ExecutionStatus = 'Running'"
shot "$ui?query=$(urlencode "$needs")" temporal-needs-operator.png
past="BookingStatus = 'PreBooking' AND HoldExpiresAt < '$now' AND ExecutionStatus = 'Running'"
shot "$ui?query=$(urlencode "$past")" temporal-holds-past-expiry.png

# One booking's page, its summary (the memo's line) and current details: the newest closed
# booking (a running workflow's page keeps polling, which a screenshot does not wait out).
read -r wid rid < <("$VENV/bin/temporal" workflow list --address "127.0.0.1:$TEMPORAL_PORT" \
  --query "WorkflowType = 'BookingWorkflow' AND ExecutionStatus = 'Completed'" \
  --limit 1 -o json | python3 -c 'import json, sys
rows = json.load(sys.stdin)
print(rows[0]["execution"]["workflowId"], rows[0]["execution"]["runId"]) if rows else print("", "")')
[ -n "$wid" ] || die "no closed booking on the dev server: run ./mtbp demo and cancel one first"
shot "$ui/$wid/$rid/user-metadata" temporal-booking.png 1500 700

prom="$MTBP_PROMETHEUS_URL"
rate='sum by (route) (rate(mtbp_http_requests_total{route!~"/metrics|/health|/ready"}[1m]))'
shot "$prom/graph?g0.expr=$(urlencode "$rate")&g0.tab=0&g0.range_input=15m" prometheus-requests.png
shot "$prom/alerts" prometheus-alerts.png 1500 1300
say "screenshots in docs/img/"
