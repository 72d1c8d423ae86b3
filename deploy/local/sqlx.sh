#!/usr/bin/env bash
# The offline data of the checked queries (`.sqlx/` at the root, committed), which every build
# compiles against (SQLX_OFFLINE=true, see lib.sh):
#
#   deploy/local/sqlx.sh check     fail if `.sqlx/` differs from what the queries need against a
#                                  database migrated from migrations/ (run by ./mtbp test)
#   deploy/local/sqlx.sh prepare   rewrite `.sqlx/` from such a database (./mtbp sqlx-prepare)
#
# Both build the crates that hold checked queries once more in check mode, online: a renamed
# column or a changed query fails here with the compiler's message.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

mode="${1:-}"
case "$mode" in check|prepare) ;; *) die "usage: deploy/local/sqlx.sh check|prepare" ;; esac

db="${PG_DB}_sqlx"
url="${DATABASE_URL%/*}/$db"
PGOPTIONS="-c client_min_messages=warning" psql "$DATABASE_URL" -qc "drop database if exists $db with (force)" >/dev/null
psql "$DATABASE_URL" -qc "create database $db" >/dev/null
for f in migrations/*.sql; do
  psql -q -v ON_ERROR_STOP=1 "$url" -f "$f" >/dev/null
done

# The crates whose sources hold checked queries; their sources are touched so cargo expands
# the macros again (it does not watch the database).
crates=$(grep -rlE 'sqlx::query(_as|_scalar)?!' --include='*.rs' ./*/src ./*/tests 2>/dev/null |
  cut -d/ -f2 | sort -u)
[ -n "$crates" ] || die "no checked queries found"
packages=()
for c in $crates; do
  find "$c" -name '*.rs' -not -path '*/target/*' -exec touch {} +
  packages+=(-p "mtbp-$c")
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SQLX_OFFLINE=false DATABASE_URL="$url" SQLX_OFFLINE_DIR="$out" \
  cargo check --locked -q "${packages[@]}" --all-targets

if [ "$mode" = prepare ]; then
  rm -rf .sqlx && mkdir .sqlx && cp "$out"/*.json .sqlx/
  say "wrote $(ls .sqlx | wc -l) query files to .sqlx/"
  exit 0
fi
mkdir -p .sqlx
if ! diff -rq .sqlx "$out" >/dev/null; then
  diff -rq .sqlx "$out" | sed "s|$out|(queries now)|" >&2 || true
  die "the offline query data in .sqlx/ is out of date: run ./mtbp sqlx-prepare and commit it"
fi
say "checked queries: .sqlx/ matches the migrations ($(ls .sqlx | wc -l) queries)"
