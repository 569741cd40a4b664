"""Gridshare from Python, in ten minutes. Run it after installing the wheel (README, "Python"):

    python docs/python_tutorial.py

Every step calls the same engine as the web page and the `gridshare` command line.
"""

import pandas as pd

import gridshare
from gridshare import GridshareError, Scenario

pd.set_option("display.width", 120)

# 1. A generated village: 30 households of the north site, Delhi's real retail bill.
s = Scenario.generate(site="north", members=30, seed=1, tariff="delhi")
print(s)

# 2. Run all five models: no sharing, Bill Sharing, Mid-Market Rate, SDR and cloud-P2P.
r = gridshare.run(s)
print(r.models[["model", "comparable_cost", "community_bill", "prosumer_income", "members_worse_off"]])

# 3. Who gains? One row per model × member.
members = r.members
cloud = members[members["model"] == "cloud"].set_index("member")
alone = members[members["model"] == "none"].set_index("member")
print("cloud-P2P saving per member (comparable cost, ₹/year):")
print((alone["comparable_cost"] - cloud["comparable_cost"]).sort_values().round(0).head())

# 4. The real bills behind the costs: every line of every member's monthly bill.
bills = r.bills
jan = bills[(bills["model"] == "sdr") & (bills["member"] == "N01") & (bills["period"] == "Jan")]
print(jan[["line", "party", "amount_rs"]].round(2).to_string(index=False))

# 5. A day of community flows (kW) under cloud-P2P.
print(r.series.loc[24 * 180: 24 * 180 + 23, ["buy_per_kwh", "cloud_load_kw", "cloud_pv_kw", "cloud_import_kw"]].round(2))

# 6. What if the feed-in/APPC rate changed? The page's sweep (settle-only is quick).
sweep = gridshare.sweep(s, "feed_in_price", "2:6:1", complete=False)
print(sweep[sweep["model"] == "sdr"][["feed_in_price", "community_cost", "consumer_savings_pct", "prosumer_income"]].round(1))
print(sweep.attrs["break_evens"] or "no break-even in this range")

# 7. Metering regimes side by side, on every core.
regimes = ["net-metering", "net-billing", "gross"]
reports = gridshare.run_batch([Scenario.generate(site="north", seed=1, tariff="delhi", regime=g) for g in regimes])
for regime, report in zip(regimes, reports):
    none = report.model("none")
    print(f"{regime:13s} prosumers earn ₹{none['prosumer_income']:,.0f} a year without sharing")

# 8. Bad input says what is wrong and where.
try:
    Scenario.generate(tariff="delhi", regime="barter")
except GridshareError as e:
    print("refused:", e)

# 9. Your own households: a long CSV (timestamp,member_id,load_kw,pv_kw) or a DataFrame of it.
#    s2 = Scenario.generate(tariff="delhi").with_profiles("my_profiles.csv", members="members.csv")
# 10. Many villages on a cluster: see docs/study_grid.py (gridshare.dask.run_grid).
