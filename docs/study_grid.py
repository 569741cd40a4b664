"""The study's shape at a size this machine runs: 10 state-like site/tariff combinations × 20 villages
× 3 metering regimes = 600 village-years under all five models, on Dask.

    python docs/study_grid.py                       # a LocalCluster on this machine (all cores)
    python docs/study_grid.py --villages 2          # a quick look (60 scenarios)
    python docs/study_grid.py --scheduler tcp://HOST:8786 --villages 100   # a real cluster

On a cluster, every worker needs the same `gridshare` wheel installed (pip install gridshare-*.whl);
the scheduler address is what `dask scheduler` prints. The result is one tidy table (one row per
scenario × model), written to Parquet, and a summary printed per combination and regime.
"""

import argparse
import time

import pandas as pd

from gridshare.dask import run_grid

COMBINATIONS = [
    ("north", "delhi"), ("north", "up-urban"), ("north", "up-rural"), ("north", "msedcl"), ("north", "kerala"),
    ("south", "tamil-nadu"), ("south", "kerala"), ("south", "msedcl"), ("south", "delhi"), ("south", "up-urban"),
]
REGIMES = ["net-metering", "net-billing", "gross"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", type=int, default=20, help="villages (seeds) per combination and regime")
    ap.add_argument("--members", type=int, default=30, help="households per village")
    ap.add_argument("--scheduler", default=None, help="a Dask scheduler address (default: a LocalCluster here)")
    ap.add_argument("--out", default="study_grid.parquet", help="where to write the table")
    args = ap.parse_args()

    grid = pd.DataFrame([
        {"site": site, "tariff": tariff, "regime": regime, "members": args.members, "seed": seed}
        for site, tariff in COMBINATIONS for regime in REGIMES for seed in range(1, args.villages + 1)
    ])
    started = time.perf_counter()
    table = run_grid(grid, client=args.scheduler, parquet=args.out)
    seconds = time.perf_counter() - started
    print(f"{len(grid)} scenarios in {seconds:.0f} s ({60 * len(grid) / seconds:.0f} a minute); table in {args.out}")
    failed = table[table["error"] != ""]
    if len(failed):
        print(f"{len(failed)} failed:", failed["error"].unique()[:3])
    ok = table[table["error"] == ""]
    view = ok[ok["model"].isin(["none", "sdr", "cloud"])].pivot_table(
        index=["site", "tariff", "regime"], columns="model", values="comparable_cost", aggfunc="mean")
    print("mean comparable cost per village, ₹/year:")
    print(view.round(0).to_string())


if __name__ == "__main__":
    main()
