#!/usr/bin/env bash
# api/openapi.yaml must be a valid OpenAPI 3.1 document, lint-clean under @redocly/cli
# (recommended rules; no errors and no warnings).
set -euo pipefail
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
[ -d "$E2E_DIR/node_modules/@redocly/cli" ] || (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
out=$(cd "$E2E_DIR" && NO_COLOR=1 npx --no-install redocly lint "$ROOT/api/openapi.yaml" 2>&1) || { echo "$out"; exit 1; }
echo "$out" | tail -3
if echo "$out" | grep -qE "You have [0-9]+ warning"; then echo "$out"; echo "openapi.yaml has lint warnings" >&2; exit 1; fi
