#!/usr/bin/env bash
# The benchmark table: the release wasm in headless Chromium (the shipped worker, served from a
# sub-path), the same settlement natively, and the NumPy reference on the very same input.
# Installs what it needs (like test.sh), builds the release site and the native example, then
# prints a Markdown table and writes bench/results.json (about 6 minutes, half of it the
# 10,000-member year in one worker).
# The criterion benchmarks are separate: `cargo bench -p engine --bench settlement`.
source "$(dirname "$0")/lib.sh"
ensure_dev_tools
ensure_chromium
cd "$ROOT"

step "release builds"
trunk build --release
cargo build --release --locked -p engine --example settle_reference

step "NumPy for the reference (a virtual environment in target/)"
VENV="$ROOT/target/bench-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "numpy==2.3.5"

step "benchmarks"
BENCH_PYTHON="$VENV/bin/python" node bench/run.mjs
