"""NumPy reference for the benchmarks: a straightforward vectorised implementation of no sharing,
Bill Sharing (monthly), Mid-Market Rate and Supply-Demand Ratio settlement on the same synthetic
10,000 x 8,760 input Gridshare settles (engine::synthetic: 24 hourly vectors cycled over a year,
flat 10 / 8 Rs/kWh). Not shipped; `scripts/bench.sh` runs it and compares.

Usage: python numpy_reference.py POOL_FILE MEMBERS [REPEATS]
Prints one JSON line: median and best seconds and, per rule, the community bill and three members' bills.
"""

import json
import sys
import time

import numpy as np

DAYS_PER_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def settle(net, buy, sell):
    """Bills per member (kWh in, Rs out) of every rule; net is steps x members."""
    imp = np.maximum(net, 0.0)
    exp = np.maximum(-net, 0.0)
    tbp = imp.sum(axis=1)
    tsp = exp.sum(axis=1)
    bills = {}
    # No sharing: grid prices.
    bills["none"] = buy @ imp - sell @ exp
    # Bill Sharing, monthly: the month's import cost over its TBP, export revenue over its TSP.
    month = np.repeat(np.arange(12), np.array(DAYS_PER_MONTH) * 24)
    grid_import = np.maximum(tbp - tsp, 0.0)
    grid_export = np.maximum(tsp - tbp, 0.0)
    cost = np.bincount(month, buy * grid_import, 12)
    revenue = np.bincount(month, sell * grid_export, 12)
    tbp_m = np.bincount(month, tbp, 12)
    tsp_m = np.bincount(month, tsp, 12)
    c_im = np.divide(cost, tbp_m, out=np.zeros(12), where=tbp_m > 0)
    c_ex = np.divide(revenue, tsp_m, out=np.zeros(12), where=tsp_m > 0)
    onehot = np.zeros((12, net.shape[0]))
    onehot[month, np.arange(net.shape[0])] = 1.0
    bills["bs"] = c_im @ (onehot @ imp) - c_ex @ (onehot @ exp)
    # Mid-Market Rate.
    mid = 0.5 * (buy + sell)
    safe_tbp = np.where(tbp > 0, tbp, 1.0)
    safe_tsp = np.where(tsp > 0, tsp, 1.0)
    mmr_buy = np.where(tsp >= tbp, mid, (tsp * mid + (tbp - tsp) * buy) / safe_tbp)
    mmr_sell = np.where(tsp <= tbp, mid, (tbp * mid + (tsp - tbp) * sell) / safe_tsp)
    bills["mmr"] = mmr_buy @ imp - mmr_sell @ exp
    # Supply-Demand Ratio (Liu et al. 2017).
    sdr = np.where(tbp > 0, tsp / safe_tbp, np.inf)
    below = sdr <= 1.0
    s = np.where(below, sdr, 0.0)
    sdr_sell = np.where(below, sell * buy / ((buy - sell) * s + sell), sell)
    sdr_buy = np.where(below, sdr_sell * s + buy * (1.0 - s), sell)
    bills["sdr"] = sdr_buy @ imp - sdr_sell @ exp
    return bills


def main():
    pool_file, members = sys.argv[1], int(sys.argv[2])
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    pool = np.fromfile(pool_file, dtype="<f8").reshape(24, members)
    net = np.tile(pool, (365, 1))  # 8,760 x members, step t = pool[t mod 24]
    buy = np.full(8760, 10.0)
    sell = np.full(8760, 8.0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        bills = settle(net, buy, sell)
        times.append(time.perf_counter() - start)
    times.sort()
    out = {
        "numpy": np.__version__,
        "members": members,
        "median_s": times[len(times) // 2],
        "min_s": times[0],
        "bills": {k: [float(v.sum())] + [float(x) for x in v[:3]] for k, v in bills.items()},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
