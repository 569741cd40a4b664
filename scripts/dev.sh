#!/usr/bin/env bash
# Install whatever is missing, then build and serve Gridshare on http://127.0.0.1:8080.
source "$(dirname "$0")/lib.sh"
ensure_dev_tools
cd "$ROOT"
step "trunk serve on http://127.0.0.1:8080 (Ctrl-C to stop)"
exec trunk serve "$@"
