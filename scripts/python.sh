#!/usr/bin/env bash
# Build the Python package (an abi3 wheel, by maturin), install it into a fresh virtual environment
# with its Dask extras, run the README's Python example and the pytest suite.
#   ./scripts/python.sh          build, install, example, tests
#   ./scripts/python.sh build    only build the wheel (target/wheels/)
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
if [ "${1:-}" != build ]; then
  step "the gridshare CLI (the tests compare its reports with Python's)"
  cargo build -p engine --features cli --locked
  export GRIDSHARE_BIN="$ROOT/target/debug/gridshare"
fi
# The package is its own Cargo workspace (it links Python); its build output stays under target/.
export CARGO_TARGET_DIR="$ROOT/target/python"

step "maturin (build environment in target/python/build-venv)"
if [ ! -x target/python/build-venv/bin/maturin ]; then
  python3 -m venv target/python/build-venv
  target/python/build-venv/bin/pip install --quiet --disable-pip-version-check "maturin>=1.9.4,<2"
fi

step "the wheel"
rm -rf target/wheels
target/python/build-venv/bin/maturin build --release --locked --manifest-path python/Cargo.toml --out target/wheels
wheel=$(ls target/wheels/gridshare-*.whl)
echo "built $wheel"
[ "${1:-}" = build ] && exit 0

step "a fresh virtual environment with the wheel and its extras"
rm -rf target/python/test-venv
python3 -m venv target/python/test-venv
py=target/python/test-venv/bin/python
"$py" -m pip install --quiet --disable-pip-version-check "${wheel}[dask,test]"

step "the README's Python example"
# The fenced block after the README's 'python-example' marker, run as a newcomer would paste it.
awk '/<!-- python-example -->/{f=1; next} f && /^```python/{p=1; next} p && /^```/{exit} p' README.md > target/python/readme_example.py
test -s target/python/readme_example.py
(cd target/python && "$ROOT/$py" readme_example.py)

step "pytest"
"$py" -m pytest -q python/tests
