"""Shared fixtures: the CLI binary (to prove Python and the CLI give identical reports) and small
scenarios that run in well under a second."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `gridshare` binary of this checkout (scripts/python.sh builds it)."""
    path = Path(os.environ.get("GRIDSHARE_BIN", ROOT / "target" / "debug" / "gridshare"))
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with `cargo build -p engine --features cli` or set GRIDSHARE_BIN")
    return path


def run_cli(cli: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args], capture_output=True, text=True)
