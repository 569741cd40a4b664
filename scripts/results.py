#!/usr/bin/env python3
"""Regenerate the tables of docs/RESULTS.md from `gridshare run` reports.

Usage: scripts/results.py [GRIDSHARE_BINARY]  (default target/release/gridshare) > tables.md
Runs both default villages on both tariffs with the default settings and four variants
(community islanding off, perfect foresight, free batteries, the self-consumption baseline) and prints
Markdown tables.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/gridshare"
SITES = [("north", "Composite-North"), ("south", "Warm-humid-South")]
TARIFFS = [("study", "study tariff (buy 10, sell 8)"), ("tod", "Indian time-of-day (6.5, peak ×1.2, solar −20%, feed-in 3)")]
VARIANTS = [
    ("default", "defaults", lambda s: None),
    ("no-islanding", "community islanding off", lambda s: s["settings"].__setitem__("community_islanding", False)),
    ("perfect", "perfect foresight", lambda s: s["settings"]["coordinator"].__setitem__("forecast", "perfect_foresight")),
    ("free-wear", "batteries free to cycle (pack price 0)", lambda s: s["settings"]["battery_wear"].__setitem__("pack_price_per_kwh", 0.0)),
    ("greedy", "self-consumption baseline", lambda s: s["settings"].__setitem__("baseline", "self_consumption")),
]


def run(tmp: Path, site: str, tariff: str, variant) -> dict:
    name = f"{site}-{tariff}-{variant[0]}"
    scenario = tmp / f"{name}.json"
    subprocess.run([BIN, "scenario", "--site", site, "--tariff", tariff, "--out", str(scenario)], check=True)
    s = json.loads(scenario.read_text())
    variant[2](s)
    scenario.write_text(json.dumps(s))
    report = tmp / f"{name}.report.json"
    subprocess.run([BIN, "run", "--scenario", str(scenario), "--out", str(report)], check=True, stdout=subprocess.DEVNULL)
    return json.loads(report.read_text())


def money(x):
    return f"{x:,.0f}".replace("-", "−")


def pct(x):
    return "n/a" if x is None else f"{x:.1f}"


def main_table(r: dict) -> str:
    rows = ["| model | cost ₹ | bills ₹ | unserved (VoLL) ₹ | battery wear ₹ | consumer saving % | prosumer income ₹ | PM | worse off | ESS kWh | import kWh | peak kW | ENS kWh | LOLH h |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in r["models"]:
        e = m["energy"]
        pm = m["performance_measure"]
        rows.append("| " + " | ".join([
            m["model"], money(m["comparable_cost"]), money(m["community_bill"]), money(e["unserved_value"]),
            money(e["battery_wear_cost"]), pct(m["consumer_savings_pct"]), money(m["prosumer_income"]),
            "n/a" if pm is None else f"{pm:.2f}", str(m["members_worse_off"]), money(e["ess_throughput_kwh"]),
            money(e["grid_import_kwh"]), f"{e['peak_import_kw']:.1f}", money(e["energy_not_served_kwh"]),
            f"{e['loss_of_load_hours']:.0f}"]) + " |")
    return "\n".join(rows)


def cloud(r):
    return next(m for m in r["models"] if m["model"] == "cloud")


def model(r, key):
    return next(m for m in r["models"] if m["model"] == key)


def main():
    out = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        results = {(s, tf, v[0]): run(tmp, s, tf, v) for s, _ in SITES for tf, _ in TARIFFS for v in VARIANTS}
    for s, site in SITES:
        for tf, tariff in TARIFFS:
            baseline = results[(s, tf, "default")]["baseline"].replace("_", " ")
            out.append(f"### {site}, {tariff} (baseline: {baseline})\n")
            out.append(main_table(results[(s, tf, "default")]) + "\n")
    out.append("### Where cloud-P2P's gain comes from (₹/year; netting + islanding + coordination = total)\n")
    out.append("| village, tariff | settings | netting | islanding | coordination | total | aggregator | cloud − SDR | value of perfect information |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for s, site in SITES:
        for tf, _ in TARIFFS:
            for v in VARIANTS:
                r = results[(s, tf, v[0])]
                c = cloud(r)
                g = c["gain_split"]
                vpi = c.get("value_of_perfect_information")
                out.append("| " + " | ".join([
                    f"{site}, {tf}", v[1], money(g["netting"]), money(g["islanding"]), money(g["coordination"]),
                    money(g["total"]), money(g["aggregator_share"]),
                    money(c["comparable_cost"] - model(r, "sdr")["comparable_cost"]),
                    "—" if vpi is None else money(vpi)]) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
