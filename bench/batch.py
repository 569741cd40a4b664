#!/usr/bin/env python3
"""Batch throughput, measured side by side in one run (not a test):

1. `gridshare run --scenarios` on N default-size scenarios (30 households, a year, all five models)
   with --jobs 1 and with every core: the speed-up.
2. The same scenarios from Python: gridshare.run_batch on every core against
   gridshare.dask.run_grid on a LocalCluster with one worker per core: scenarios per minute.

3. The same for the example grid of docs/study_grid.py (10 site/tariff combinations × 3 regimes ×
   --study-villages villages).

Usage: python bench/batch.py [--scenarios 40] [--study-villages 2] [--bin target/release/gridshare]
(needs the wheel installed with its dask extra: see README "Python").
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(f):
    started = time.perf_counter()
    value = f()
    return time.perf_counter() - started, value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", type=int, default=40)
    ap.add_argument("--bin", default="target/release/gridshare")
    ap.add_argument("--repeat", type=int, default=3, help="--jobs 1 / --jobs N pairs to time")
    ap.add_argument("--cli-only", action="store_true", help="only the CLI's speed-up")
    ap.add_argument("--study-villages", type=int, default=2,
                    help="also time the example grid of docs/study_grid.py with this many villages (0: skip)")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    n = args.scenarios
    with tempfile.TemporaryDirectory() as t:
        folder = Path(t) / "scenarios"
        folder.mkdir()
        for k in range(n):
            site = "north" if k % 2 == 0 else "south"
            subprocess.run([args.bin, "scenario", "--site", site, "--seed", str(k + 1), "--out",
                            str(folder / f"s{k:03}.json")], check=True)
        # Alternate --jobs 1 and --jobs N, pair by pair, so both see the same machine (a shared VM's
        # speed drifts); report every pair's speed-up and their median.
        pairs = []
        for r in range(args.repeat):
            times = {}
            for jobs in [1, cores]:
                seconds, _ = timed(lambda: subprocess.run(
                    [args.bin, "run", "--scenarios", str(folder), "--out", str(Path(t) / f"out{r}-{jobs}"), "--jobs", str(jobs)],
                    check=True, stdout=subprocess.DEVNULL))
                times[jobs] = seconds
            pairs.append((times[1], times[cores]))
        ratios = sorted(a / b for a, b in pairs)
        median = ratios[len(ratios) // 2]
        detail = "; ".join(f"{a:.1f} s vs {b:.1f} s" for a, b in pairs)
        print(f"| `gridshare run --scenarios`, {n} scenarios, --jobs 1 vs --jobs {cores} | {detail} "
              f"| speed-up median {median:.2f}× (range {ratios[0]:.2f}–{ratios[-1]:.2f}×) |")
        if args.cli_only:
            return
        try:
            import gridshare
            from gridshare.dask import run_grid
        except ImportError:
            print("(the Python package is not installed: skipping run_batch and Dask)")
            return
        grids = {f"{n} default villages": [{"site": "north" if k % 2 == 0 else "south", "seed": k + 1} for k in range(n)]}
        if args.study_villages:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
            from study_grid import COMBINATIONS, REGIMES

            grids[f"docs/study_grid.py --villages {args.study_villages}"] = [
                {"site": site, "tariff": tariff, "regime": regime, "seed": seed}
                for site, tariff in COMBINATIONS for regime in REGIMES for seed in range(1, args.study_villages + 1)]
        for label, grid in grids.items():
            scenarios = [gridshare.Scenario.generate(**g) for g in grid]
            batch_s, _ = timed(lambda: gridshare.run_batch(scenarios))
            dask_s, table = timed(lambda: run_grid(grid))
            assert (table["error"] == "").all()
            m = len(grid)
            print(f"| Python, {label} ({m} scenarios) | run_batch ({cores} threads): {60 * m / batch_s:.0f} scenarios/min "
                  f"| run_grid (LocalCluster, {cores} workers, incl. start-up): {60 * m / dask_s:.0f} scenarios/min "
                  f"| Dask / run_batch {batch_s / dask_s:.2f}× |")


if __name__ == "__main__":
    main()
