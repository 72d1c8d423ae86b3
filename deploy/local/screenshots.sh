#!/usr/bin/env bash
# Takes the runbook's screenshots (docs/img/) from the running local stack with headless
# Chromium: the Temporal UI's lists of bookings that need an operator and of holds past their
# expiry, one booking's page (its memo summary is the one-line story), and Prometheus' graph
# of request rates by route and its alerts page. Bring the stack up first (`./mtbp up`), make
# some traffic (`./mtbp demo`, a few times) and, for the operator list, a booking that needs an
# operator (a cancellation whose refund the gateway refused, say). `screenshots.sh NAME…`
# retakes only those (`temporal-holds-past-expiry`, say, while such holds exist).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

out="$ROOT/docs/img"
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

wanted=("$@")
want() { [ ${#wanted[@]} -eq 0 ] || [[ " ${wanted[*]} " == *" $1 "* ]]; }
shot() { # url file [width height]
  local url=$1 file=$2 size="${3:-1500},${4:-900}"
  want "${file%.png}" || return 0
  say "screenshot $file"
  # Everything that could phone home is off: the pages are on loopback only.
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --allow-file-access-from-files --user-data-dir="$profile" --window-size="$size" \
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
# Debian's Prometheus 2 serves its classic pages under /classic. The page names the rules file
# by its absolute path on this machine: that line is covered with the path in the repository.
if want prometheus-alerts; then
  shot "$prom/classic/alerts" prometheus-alerts.png 1500 1300
  mv "$out/prometheus-alerts.png" "$profile/alerts-raw.png"
  cat >"$profile/alerts.html" <<HTML
<html><body style="margin:0"><div style="position:relative;width:1500px;height:1300px;overflow:hidden">
<img src="file://$profile/alerts-raw.png" style="position:absolute;top:0;left:0">
<div style="position:absolute;top:211px;left:17px;width:1460px;height:24px;background:#fff;
 font:16px sans-serif;color:#212529;padding:2px 3px">deploy/prometheus/alerts.yml &gt; mtbp</div>
</div></body></html>
HTML
  shot "file://$profile/alerts.html" prometheus-alerts.png 1500 1300
fi
say "screenshots in docs/img/"
