#!/usr/bin/env bash
# Launches the Temporal dev server for the local stack: SQLite file, UI, the booking search
# attributes registered, and updates (including Update-with-Start) enabled.
# Usage: dev-server.sh TEMPORAL_BIN DB_FILE GRPC_PORT UI_PORT
set -euo pipefail
temporal_bin=$1 db_file=$2 port=$3 ui_port=$4

exec "$temporal_bin" server start-dev \
  --db-filename "$db_file" \
  --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" \
  --ui-disable-news-fetch \
  --log-level warn \
  --search-attribute BookingStatus=Keyword \
  --search-attribute ShowId=Keyword \
  --search-attribute TheaterId=Keyword \
  --search-attribute CustomerId=Keyword \
  --search-attribute HoldExpiresAt=Datetime \
  --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
  --dynamic-config-value frontend.enableExecuteMultiOperation=true
