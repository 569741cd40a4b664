#!/usr/bin/env bash
# Install whatever is missing, then build and serve Gridshare on http://127.0.0.1:8080.
#   ./scripts/dev.sh          an optimised (release) build: the engine at the speed users get
#   ./scripts/dev.sh --dev    a debug build: faster rebuilds while editing, a much slower engine
source "$(dirname "$0")/lib.sh"
ensure_dev_tools
cd "$ROOT"
if [ "${1:-}" = "--dev" ]; then
  shift
  step "trunk serve (debug build) on http://127.0.0.1:8080 (Ctrl-C to stop)"
  exec trunk serve "$@"
fi
step "trunk serve --release on http://127.0.0.1:8080 (Ctrl-C to stop; --dev for fast debug rebuilds)"
exec trunk serve --release "$@"
