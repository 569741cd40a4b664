#!/usr/bin/env bash
# The NumPy reference must settle exactly what Gridshare settles, or the benchmark's ratio means
# nothing: compare both on a 300-member input (test.sh runs this; it takes seconds).
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
VENV="$ROOT/target/bench-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "numpy==2.3.5"
cargo build --release --locked -q -p engine --example settle_reference
native=$(target/release/examples/settle_reference --members 300 --repeats 1 --pool target/check-pool.bin)
numpy=$("$VENV/bin/python" bench/numpy_reference.py target/check-pool.bin 300 1)
python3 - "$native" "$numpy" <<'PY'
import json, sys
a, b = (json.loads(x)["bills"] for x in sys.argv[1:3])
for rule in ("none", "bs", "mmr", "sdr"):
    for i, (x, y) in enumerate(zip(a[rule], b[rule])):
        assert abs(x - y) <= 1e-9 * max(1.0, abs(x)), f"{rule}[{i}]: Gridshare {x} vs NumPy {y}"
print("NumPy reference agrees with Gridshare on 300 members:", {r: round(a[r][0], 2) for r in a})
PY
