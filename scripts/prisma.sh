#!/usr/bin/env bash
# Runs the project's prisma CLI with the schema engine it cannot download here replaced by the Wasm build it ships
# (scripts/prisma-schema-engine/engine.mjs). Usage: scripts/prisma.sh <prisma args>, e.g. `scripts/prisma.sh migrate deploy`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$root/scripts/prisma-schema-engine/engine.mjs}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
cd "$root"
exec "$root/node_modules/.bin/prisma" "$@"
