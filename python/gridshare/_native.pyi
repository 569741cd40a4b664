"""Type stubs of the compiled engine module (``gridshare._native``); use the ``gridshare`` API."""

from typing import List, Optional, Tuple

class GridshareError(ValueError):
    """Bad input to Gridshare: the message names the file, line, column or field."""

def generate(
    site: str,
    members: Optional[int] = None,
    seed: Optional[int] = None,
    tariff: str = "study",
    regime: Optional[str] = None,
) -> str: ...
def load(json: str, name: str = "scenario") -> str: ...
def with_profiles(
    base: str,
    profiles: List[Tuple[str, bytes]],
    pv: Optional[Tuple[str, bytes]] = None,
    members: Optional[Tuple[str, bytes]] = None,
    unit: str = "kw",
    site: Optional[str] = None,
) -> str: ...
def run(json: str, name: str = "scenario") -> Tuple[str, str]: ...
def run_batch(
    scenarios: List[Tuple[str, str]], jobs: Optional[int] = None
) -> List[Tuple[Optional[str], Optional[str], Optional[str]]]: ...
def sweep(
    json: str,
    parameter: str,
    values: List[float],
    complete: bool = True,
    jobs: Optional[int] = None,
) -> Tuple[str, List[str]]: ...
def sweep_values(text: str) -> List[float]: ...
