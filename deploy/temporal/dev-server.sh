#!/usr/bin/env bash
# Launches the Temporal dev server for the local stack: SQLite file, UI, the booking and subscription search
# attributes registered, and updates (including Update-with-Start) enabled.
# The SQLite file runs in WAL mode with synchronous=NORMAL: one fsync per checkpoint instead of
# one per transaction. A crash of the process loses nothing; a power cut may lose the last
# transactions, which is fine for a development server (production runs a Temporal cluster).
# Eager activity execution is on: a workflow task that schedules an activity its own worker
# can run (the charge) gets the activity task back in the completion's answer, one matching
# round trip fewer on the customer's path (docs/PERFORMANCE.md).
# SQLite visibility has room for 10 custom Keyword attributes, and the ten below take it: one more
# and the server refuses to start ("cannot have more than 10 search attributes of type Keyword").
# SagaStep, AmountBand and BookingId are KeywordLists of one value instead: `SagaStep = 'x'`
# filters them the same way (a production namespace on Elasticsearch has no such limit).
# Usage: dev-server.sh TEMPORAL_BIN DB_FILE GRPC_PORT UI_PORT
set -euo pipefail
temporal_bin=$1 db_file=$2 port=$3 ui_port=$4

exec "$temporal_bin" server start-dev \
  --db-filename "$db_file" \
  --sqlite-pragma journal_mode=wal \
  --sqlite-pragma synchronous=normal \
  --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" \
  --ui-disable-news-fetch \
  --log-level warn \
  --search-attribute BookingStatus=Keyword \
  --search-attribute BookingStep=Keyword \
  --search-attribute ShowId=Keyword \
  --search-attribute TheaterId=Keyword \
  --search-attribute CustomerId=Keyword \
  --search-attribute HoldExpiresAt=Datetime \
  --search-attribute NeedsOperator=Bool \
  --search-attribute SubscriptionStatus=Keyword \
  --search-attribute CancellationStatus=Keyword \
  --search-attribute PartnerId=Keyword \
  --search-attribute SettlementPeriod=Keyword \
  --search-attribute SettlementStatus=Keyword \
  --search-attribute StepStartedAt=Datetime \
  --search-attribute SagaStep=KeywordList \
  --search-attribute AmountBand=KeywordList \
  --search-attribute BookingId=KeywordList \
  --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
  --dynamic-config-value frontend.enableExecuteMultiOperation=true \
  --dynamic-config-value system.enableActivityEagerExecution=true
