"""Gridshare from Python: peer-to-peer energy sharing in community microgrids.

The same engine as the web page and the ``gridshare`` command line (compiled Rust, called through
``gridshare._native``), so the same scenario gives bit-identical numbers everywhere::

    import gridshare
    s = gridshare.Scenario.generate(site="north", members=30, seed=1, tariff="delhi")
    r = gridshare.run(s)
    print(r.models[["model", "comparable_cost", "prosumer_income"]])

Scale-out over many scenarios: :func:`run_batch` (every core of this machine) and
:func:`gridshare.dask.run_grid` (a Dask cluster).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _native
from ._native import GridshareError

__all__ = [
    "GridshareError",
    "Report",
    "Scenario",
    "run",
    "run_batch",
    "sweep",
    "sweep_values",
]

PathLike = Union[str, "os.PathLike[str]"]


class Scenario:
    """A versioned Gridshare scenario (the JSON the page saves and the CLI reads).

    Build one with :meth:`generate`, :meth:`from_json` / :meth:`from_file`, or a generated one's
    :meth:`with_profiles`. A scenario is immutable; methods return new ones.
    """

    __slots__ = ("_json", "_data", "_name")

    def __init__(self, json_text: str) -> None:
        """Wrap JSON that the engine has already checked (use the class methods instead)."""
        self._json = json_text
        self._data: Optional[Dict[str, Any]] = None
        self._name: Optional[str] = None

    @classmethod
    def generate(
        cls,
        site: str = "north",
        members: Optional[int] = None,
        seed: Optional[int] = None,
        tariff: str = "study",
        regime: Optional[str] = None,
    ) -> "Scenario":
        """A generated village, exactly as ``gridshare scenario`` writes it.

        Args:
            site: ``north`` (Lucknow-like) or ``south`` (Chennai-like).
            members: number of households, 2 to 10,000 (default 30).
            seed: the generator's seed (the same seed gives bit-identical profiles).
            tariff: ``study``, ``tod``, ``flat`` or a retail bill: ``delhi``, ``msedcl``,
                ``up-urban``, ``up-rural``, ``tamil-nadu``, ``kerala``.
            regime: a retail tariff's metering regime: ``net-metering``, ``net-billing``,
                ``gross`` or ``tod-net-metering`` (default: the state's own).

        Raises:
            GridshareError: an unknown site, tariff or regime, or a number out of range.
        """
        return cls(_native.generate(site, members, seed, tariff, regime))

    @classmethod
    def from_json(cls, text: str, name: str = "scenario") -> "Scenario":
        """Parse, migrate (older versions load) and validate scenario JSON.

        Raises:
            GridshareError: the message names ``name``, the line and column, or the field.
        """
        return cls(_native.load(text, name))

    @classmethod
    def from_file(cls, path: PathLike) -> "Scenario":
        """Read a scenario file (errors name the file)."""
        p = Path(path)
        return cls(_native.load(p.read_text(encoding="utf-8"), p.name))

    def to_json(self) -> str:
        """The scenario as JSON (the current version)."""
        return self._json

    def to_file(self, path: PathLike) -> None:
        """Write the scenario to a file."""
        Path(path).write_text(self._json, encoding="utf-8")

    @property
    def data(self) -> Dict[str, Any]:
        """The scenario as a dict (a copy: edit it and pass it to :meth:`from_dict`)."""
        if self._data is None:
            self._data = json.loads(self._json)
        return json.loads(json.dumps(self._data))

    @classmethod
    def from_dict(cls, data: Dict[str, Any], name: str = "scenario") -> "Scenario":
        """A scenario from an edited :attr:`data` dict (validated like :meth:`from_json`)."""
        return cls.from_json(json.dumps(data), name)

    @property
    def name(self) -> str:
        """The scenario's display name."""
        if self._name is None:
            if self._data is None:
                self._data = json.loads(self._json)
            self._name = str(self._data["name"])
        return self._name

    def with_profiles(
        self,
        profiles: Union[pd.DataFrame, PathLike, Sequence[PathLike]],
        pv: Optional[PathLike] = None,
        members: Optional[PathLike] = None,
        unit: str = "kw",
        site: Optional[str] = None,
    ) -> "Scenario":
        """This scenario's tariff and settings with your own households instead.

        Args:
            profiles: a DataFrame in the long format (columns ``timestamp``, ``member_id``,
                ``load_kw`` and optionally ``pv_kw``), or a file path in any DATA.md format
                (long, wide, or one column of values per member: pass a list of such files).
            pv: a wide PV file with the profiles' timestamps and member columns.
            members: ``members.csv`` (``member_id,archetype,pv_kwp,battery_kwh,battery_kw``).
            unit: ``kw`` (average power, the default) or ``kwh`` (energy per interval).
            site: ``north`` or ``south``: PV for members with a ``pv_kwp`` but no PV series.

        Raises:
            GridshareError: the message names the file, line and column.
        """
        if isinstance(profiles, pd.DataFrame):
            missing = {"timestamp", "member_id", "load_kw"} - set(profiles.columns)
            if missing:
                raise GridshareError(
                    f"profiles DataFrame: missing column(s) {', '.join(sorted(missing))} "
                    "(expected timestamp, member_id, load_kw[, pv_kw])"
                )
            columns = [c for c in ["timestamp", "member_id", "load_kw", "pv_kw"] if c in profiles.columns]
            frame = profiles[columns].copy()
            if pd.api.types.is_datetime64_any_dtype(frame["timestamp"]):
                stamps = frame["timestamp"]
                if stamps.dt.tz is not None:
                    # Gridshare's clock is IST without daylight saving: convert, never drop, an offset.
                    stamps = stamps.dt.tz_convert("Asia/Kolkata")
                frame["timestamp"] = stamps.dt.strftime("%Y-%m-%dT%H:%M")
            files: List[Tuple[str, bytes]] = [
                ("profiles DataFrame", frame.to_csv(index=False, float_format="%.17g").encode())
            ]
        elif isinstance(profiles, (str, os.PathLike)):
            files = [_read(profiles)]
        else:
            files = [_read(p) for p in profiles]
        return Scenario(
            _native.with_profiles(
                self._json,
                files,
                _read(pv) if pv is not None else None,
                _read(members) if members is not None else None,
                unit,
                site,
            )
        )

    def __repr__(self) -> str:
        return f"Scenario({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and other._json == self._json

    def __hash__(self) -> int:
        return hash(self._json)


def _read(path: PathLike) -> Tuple[str, bytes]:
    # Named as given, as the CLI names it, so errors and scenario names match.
    p = Path(path)
    try:
        return (os.fspath(path), p.read_bytes())
    except OSError as e:
        raise GridshareError(f"{p}: cannot read: {e.strerror}") from None


class Report:
    """Every model's results on one scenario, as tables.

    ``json`` is byte-identical to what ``gridshare run --out`` writes for the same scenario.
    """

    __slots__ = ("json", "_summary", "_data")

    def __init__(self, report_json: str, summary_json: str) -> None:
        self.json = report_json
        self._summary = summary_json
        self._data: Optional[Dict[str, Any]] = None

    @property
    def data(self) -> Dict[str, Any]:
        """The whole report as a dict (every field ``gridshare run`` writes)."""
        if self._data is None:
            self._data = json.loads(self.json)
        return self._data

    @property
    def models(self) -> pd.DataFrame:
        """One row per model: comparable cost (bills + unserved energy at the VoLL + battery
        wear, ₹), bills, consumers' saving %, prosumers' income, PM, members worse off, grid
        energy and peak, energy not served; DISCOM revenue and subsidy with a retail tariff.
        The same columns as ``summary.csv`` of ``gridshare run --scenarios``."""
        return pd.DataFrame(json.loads(self._summary))

    @property
    def members(self) -> pd.DataFrame:
        """One row per model × member: bill, reference bill, savings, comparable cost, energy not
        served, island trades, MLA lines (₹ and kWh over the run)."""
        rows = []
        for m in self.data["models"]:
            for b in m["members"]:
                rows.append({"model": m["model"], **{k: v for k, v in b.items() if not isinstance(v, (list, dict))}})
        return pd.DataFrame(rows)

    @property
    def series(self) -> pd.DataFrame:
        """One row per step: grid prices, the homes-alone import/export, and the community's load,
        PV, battery, grid and TBP/TSP under the sharing rules (``local_*``) and cloud-P2P
        (``cloud_*``), kW."""
        s = self.data["series"]
        columns: Dict[str, Any] = {}
        for key in ["buy_per_kwh", "sell_per_kwh", "alone_import_kw", "alone_export_kw"]:
            columns[key] = s[key]
        for prefix in ["local", "cloud"]:
            flows = s.get(prefix)
            if flows:
                for key, values in flows.items():
                    if isinstance(values, list):
                        columns[f"{prefix}_{key}"] = values
        frame = pd.DataFrame(columns)
        frame.index.name = "step"
        return frame

    @property
    def bills(self) -> Optional[pd.DataFrame]:
        """With a retail tariff: every bill line per model, member and period (``model, member,
        period, key, line, party, amount_rs``); None otherwise."""
        rows = []
        for m in self.data["models"]:
            b = m.get("billing")
            if not b:
                continue
            for member_id, periods in zip(self.data["member_ids"], b["members"]):
                for period, bill in zip(b["periods"], periods):
                    for line in bill["lines"]:
                        rows.append({"model": m["model"], "member": member_id, "period": period,
                                     "key": line["key"], "line": line["name"], "party": line["party"],
                                     "amount_rs": line["amount"]})
        return pd.DataFrame(rows) if rows else None

    def model(self, key: str) -> Dict[str, Any]:
        """One model's full results (``none``, ``bs``, ``mmr``, ``sdr`` or ``cloud``)."""
        for m in self.data["models"]:
            if m["model"] == key:
                return m
        raise KeyError(f"no model {key!r} in this report")

    def __repr__(self) -> str:
        return f"Report({self.data['scenario']!r}, {len(self.data['models'])} models)"


def _json_of(scenario: Union[Scenario, str]) -> str:
    if isinstance(scenario, Scenario):
        return scenario.to_json()
    if isinstance(scenario, str):
        return scenario
    raise TypeError(f"expected a Scenario or scenario JSON, got {type(scenario).__name__}")


def run(scenario: Union[Scenario, str]) -> Report:
    """Run every model (no sharing, BS, MMR, SDR, cloud-P2P) on a scenario.

    The GIL is released while the engine runs, so Python threads may run scenarios side by side.

    Raises:
        GridshareError: the scenario cannot run (the message says why).
    """
    return Report(*_native.run(_json_of(scenario), getattr(scenario, "name", "scenario")))


def run_batch(
    scenarios: Iterable[Union[Scenario, str]],
    jobs: Optional[int] = None,
    errors: str = "raise",
) -> List[Union[Report, GridshareError]]:
    """Run many scenarios on ``jobs`` threads (default: every core), in order.

    The GIL is released for the whole batch. Every scenario runs even when one fails; then with
    ``errors="raise"`` (the default) the first failure is raised naming the scenario, and with
    ``errors="return"`` its place in the list holds the :class:`GridshareError`.
    """
    if errors not in ("raise", "return"):
        raise ValueError("errors must be 'raise' or 'return'")
    items = list(scenarios)
    pairs = [(getattr(s, "name", f"scenario {i}") if isinstance(s, Scenario) else f"scenario {i}", _json_of(s))
             for i, s in enumerate(items)]
    out: List[Union[Report, GridshareError]] = []
    for i, (report, summary, error) in enumerate(_native.run_batch(pairs, jobs)):
        if error is not None:
            # The engine's message already names the scenario (its name, file, line and column).
            failure = GridshareError(error)
            if errors == "raise":
                raise failure
            out.append(failure)
        else:
            out.append(Report(report, summary))
    return out


def sweep_values(text: str) -> List[float]:
    """``"a,b,c"`` or ``"from:to:step"`` as a list of values (as the CLI's ``--values``)."""
    return list(_native.sweep_values(text))


def sweep(
    scenario: Union[Scenario, str],
    parameter: str,
    values: Union[str, Sequence[float]],
    complete: bool = True,
    jobs: Optional[int] = None,
) -> pd.DataFrame:
    """The page's sweep: every model's figures at each value of one parameter.

    Args:
        parameter: ``feed_in_price``, ``retail_price``, ``tod_peak_multiplier``,
            ``pv_penetration``, ``battery_penetration``, ``aggregator_return`` or ``p2p_charge``.
        values: a list of numbers, or ``"a,b,c"`` / ``"from:to:step"``.
        complete: False runs only the four settlement rules on the homes' own dispatch (fast).
        jobs: points run at once (default: every core).

    Returns:
        One row per value × model (``community_cost``, ``consumer_savings_pct``,
        ``prosumer_income``, ``performance_measure``); ``.attrs["break_evens"]`` holds the
        break-even sentences.
    """
    if isinstance(values, str):
        values = sweep_values(values)
    csv_text, sentences = _native.sweep(_json_of(scenario), parameter, [float(v) for v in values], complete, jobs)
    header, *rows = [line.split(",") for line in csv_text.splitlines()]
    # Python's float() reads the engine's shortest round-trip text back bit for bit.
    columns = {
        name: [r[i] if name == "model" else (float(r[i]) if r[i] else float("nan")) for r in rows]
        for i, name in enumerate(header)
    }
    frame = pd.DataFrame(columns)
    frame.attrs["break_evens"] = list(sentences)
    return frame
