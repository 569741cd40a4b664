"""Scale-out on Dask: a grid of scenarios (every village × tariff × regime × seed) mapped over a
``dask.distributed`` cluster, returned as one tidy DataFrame.

Each task runs a chunk of scenarios with :func:`gridshare.run_batch` on its worker, so a task
lasts seconds rather than milliseconds; the engine is the same as everywhere else, so the numbers
equal :func:`gridshare.run_batch`'s bit for bit.

    from gridshare.dask import grid, run_grid
    g = grid(site=["north", "south"], tariff=["delhi", "up-urban"], seed=range(20),
             regime=["net-metering", "net-billing", "gross"])
    table = run_grid(g)                               # a LocalCluster on this machine
    table = run_grid(g, client="tcp://scheduler:8786")  # a real cluster
"""

from __future__ import annotations

import itertools
import math
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import pandas as pd

from . import GridshareError, Scenario, run_batch

__all__ = ["grid", "run_grid", "run_chunk", "GENERATE_KEYS"]

#: Grid columns that build the scenario (the arguments of :meth:`gridshare.Scenario.generate`);
#: any other column is carried through to the result as a label.
GENERATE_KEYS = ("site", "members", "seed", "tariff", "regime")

_SUMMARY_COLUMNS = (
    "model", "comparable_cost", "community_bill", "unserved_value", "battery_wear_cost",
    "consumer_savings_pct", "prosumer_income", "performance_measure", "members_worse_off",
    "grid_import_kwh", "grid_export_kwh", "peak_import_kw", "energy_not_served_kwh",
    "discom_revenue", "subsidy", "society_margin",
)


def grid(**axes: Iterable[Any]) -> pd.DataFrame:
    """Every combination of the given axes as a DataFrame, one row per scenario.

    ``grid(site=["north"], seed=range(3))`` has 3 rows. Columns named in :data:`GENERATE_KEYS`
    build the scenario; others are kept as labels.
    """
    names = list(axes)
    rows = list(itertools.product(*(list(v) for v in axes.values())))
    return pd.DataFrame(rows, columns=names)


def _scenario_of(row: Mapping[str, Any]) -> Scenario:
    args = {k: row[k] for k in GENERATE_KEYS if k in row and not _missing(row[k])}
    for k in ("members", "seed"):
        if k in args:
            args[k] = int(args[k])
    return Scenario.generate(**args)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def run_chunk(rows: Sequence[Dict[str, Any]], jobs: Optional[int] = 1) -> pd.DataFrame:
    """Run one chunk of grid rows (on a Dask worker, or here): one row per scenario × model with
    the grid's columns, the models' summary columns and ``error`` (empty when it ran)."""
    scenarios: List[Optional[Scenario]] = []
    failures: Dict[int, str] = {}
    for i, row in enumerate(rows):
        try:
            scenarios.append(_scenario_of(row))
        except Exception as e:  # a bad value in any column is that row's error, never the grid's
            scenarios.append(None)
            failures[i] = f"{type(e).__name__}: {e}" if not isinstance(e, GridshareError) else str(e)
    ready = [s for s in scenarios if s is not None]
    results = iter(run_batch(ready, jobs=jobs, errors="return"))
    frames = []
    for i, (row, scenario) in enumerate(zip(rows, scenarios)):
        labels = {k: v for k, v in row.items()}
        result = next(results) if scenario is not None else None
        if isinstance(result, GridshareError) or scenario is None:
            frames.append(pd.DataFrame([{**labels, "error": failures.get(i, str(result))}]))
            continue
        models = result.models
        for position, (k, v) in enumerate(labels.items()):
            models.insert(position, k, [v] * len(models))
        models["error"] = ""
        frames.append(models)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _chunks(rows: List[Dict[str, Any]], size: int) -> List[List[Dict[str, Any]]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def run_grid(
    grid: Union[pd.DataFrame, Sequence[Mapping[str, Any]]],
    client: Any = None,
    chunk_size: Optional[int] = None,
    parquet: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> pd.DataFrame:
    """Run every scenario of ``grid`` on a Dask cluster; one tidy DataFrame back.

    Args:
        grid: a DataFrame (see :func:`grid`) or a list of dicts; columns in
            :data:`GENERATE_KEYS` build each scenario, the rest are labels.
        client: None starts a ``LocalCluster`` on this machine (one single-threaded worker
            process per core) and closes it afterwards; a scheduler address
            (``"tcp://host:8786"``) or a ``distributed.Client`` uses that cluster.
        chunk_size: scenarios per task (default: enough for about four tasks per worker, at
            least 2, so each task runs for seconds).
        parquet: also write the table to this Parquet file.

    Returns:
        One row per scenario × model, in grid order: the grid's columns, then ``model``,
        ``comparable_cost``, … (as :attr:`gridshare.Report.models`) and ``error``.
    """
    from distributed import Client, LocalCluster

    rows = grid.to_dict("records") if isinstance(grid, pd.DataFrame) else [dict(r) for r in grid]
    if not rows:
        raise GridshareError("grid: no scenarios")
    clash = sorted(set(rows[0]) & (set(_SUMMARY_COLUMNS) | {"error"}))
    if clash:
        raise GridshareError(f"grid: column(s) {', '.join(clash)} would collide with the result's columns; rename them")
    own_cluster = None
    dask_client = None
    try:
        if client is None:
            own_cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
            dask_client = Client(own_cluster)
        elif isinstance(client, str):
            dask_client = Client(client)
        else:
            dask_client = client
        workers = max(len(dask_client.scheduler_info().get("workers", {})), 1)
        size = chunk_size or max(2, math.ceil(len(rows) / (4 * workers)))
        futures = dask_client.map(run_chunk, _chunks(rows, size), pure=False)
        table = pd.concat(dask_client.gather(futures), ignore_index=True)
    finally:
        if dask_client is not None and (own_cluster is not None or isinstance(client, str)):
            dask_client.close()
        if own_cluster is not None:
            own_cluster.close()
    # Labels, then the model columns, then the error, whichever chunk came first.
    labels = [c for c in table.columns if c not in _SUMMARY_COLUMNS and c != "error"]
    table = table.reindex(columns=labels + [c for c in _SUMMARY_COLUMNS if c in table.columns] + ["error"])
    if parquet is not None:
        table.to_parquet(parquet, index=False)
    return table
