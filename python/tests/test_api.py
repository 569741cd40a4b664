"""The Python API: scenarios, runs, tables, errors, batches, sweeps — and the same bytes as the CLI."""

import json
from pathlib import Path

import pandas as pd
import pytest

import gridshare
from gridshare import GridshareError, Report, Scenario

from conftest import run_cli


def small(**kw) -> Scenario:
    args = dict(site="north", members=4, seed=3)
    args.update(kw)
    return Scenario.generate(**args)


def test_generate_matches_the_cli_scenario_byte_for_byte(cli, tmp_path):
    out = tmp_path / "s.json"
    p = run_cli(cli, "scenario", "--members", "4", "--seed", "3", "--tariff", "delhi", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert small(tariff="delhi").to_json() == out.read_text()


def test_a_report_is_byte_identical_to_the_cli_report(cli, tmp_path):
    for tariff in ["study", "delhi"]:
        s = small(tariff=tariff)
        path = tmp_path / f"{tariff}.json"
        s.to_file(path)
        out = tmp_path / f"{tariff}.report.json"
        p = run_cli(cli, "run", "--scenario", str(path), "--out", str(out))
        assert p.returncode == 0, p.stderr
        assert gridshare.run(s).json == out.read_text()


def test_report_tables_have_the_documented_shapes():
    s = small(tariff="delhi")
    r = gridshare.run(s)
    assert isinstance(r, Report)
    models = r.models
    assert list(models["model"]) == ["none", "bs", "mmr", "sdr", "cloud"]
    for column in ["comparable_cost", "community_bill", "prosumer_income", "members_worse_off",
                   "peak_import_kw", "discom_revenue", "subsidy"]:
        assert column in models.columns
    # The table's numbers are the report's, exactly.
    assert models.loc[4, "comparable_cost"] == r.model("cloud")["comparable_cost"]
    members = r.members
    assert len(members) == 5 * 4
    assert set(members.columns) >= {"model", "member", "bill", "comparable_cost", "energy_not_served_kwh"}
    series = r.series
    assert len(series) == 8760
    assert {"buy_per_kwh", "local_load_kw", "cloud_import_kw"} <= set(series.columns)
    bills = r.bills
    assert bills is not None and set(bills["period"]) >= {"Jan", "Dec"}
    # Each member's period lines add up to its bill under every model but cloud-P2P (MLA on top).
    sdr = bills[bills["model"] == "sdr"].groupby("member")["amount_rs"].sum()
    sdr_bills = members[members["model"] == "sdr"].set_index("member")
    for member, total in sdr.items():
        assert total == pytest.approx(sdr_bills.loc[member, "bill"] - sdr_bills.loc[member, "island_trade"], abs=1e-6)
    assert gridshare.run(small()).bills is None


def test_scenarios_round_trip_and_bad_json_names_the_line_and_column():
    s = small()
    assert Scenario.from_json(s.to_json()) == s
    data = s.data
    data["settings"]["aggregator_return"] = 0.2
    edited = Scenario.from_dict(data)
    assert edited.data["settings"]["aggregator_return"] == 0.2
    with pytest.raises(GridshareError, match=r"mine\.json.*line 1, column"):
        Scenario.from_json("{\"version\": 4,", name="mine.json")
    with pytest.raises(GridshareError, match="site"):
        Scenario.generate(site="east")
    with pytest.raises(GridshareError, match="tariff"):
        Scenario.generate(tariff="nope")
    with pytest.raises(GridshareError, match="regime"):
        Scenario.generate(tariff="study", regime="net-metering")
    with pytest.raises(GridshareError):
        Scenario.generate(members=1)
    with pytest.raises(TypeError):
        gridshare.run(42)


def test_with_profiles_takes_files_and_dataframes_like_the_cli(cli, tmp_path):
    long = tmp_path / "long.csv"
    assert run_cli(cli, "generate", "--members", "3", "--seed", "5", "--out", str(long)).returncode == 0
    from_cli = tmp_path / "up.json"
    p = run_cli(cli, "scenario", "--profiles", str(long), "--tariff", "tod", "--out", str(from_cli))
    assert p.returncode == 0, p.stderr
    base = Scenario.generate(tariff="tod")
    from_file = base.with_profiles(long)
    assert from_file.to_json() == from_cli.read_text()
    frame = pd.read_csv(long, dtype=str)
    for column in ["load_kw", "pv_kw"]:
        frame[column] = frame[column].map(float)  # Python's float() reads shortest round-trip text exactly
    from_frame = base.with_profiles(frame)
    assert from_frame.data["community"] == from_file.data["community"]
    assert len(from_frame.data["community"]["members"]) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,member_id,load_kw\n2025-01-01T00:00,a,1\n2025-01-01T01:00,a,oops\n")
    with pytest.raises(GridshareError, match=r"bad\.csv, line 3, column 'load_kw'"):
        base.with_profiles(bad)
    with pytest.raises(GridshareError, match="missing column"):
        base.with_profiles(frame.drop(columns=["load_kw"]))
    with pytest.raises(GridshareError, match="cannot read"):
        base.with_profiles(tmp_path / "absent.csv")
    with pytest.raises(GridshareError, match="unit"):
        base.with_profiles(long, unit="mwh")


def test_errors_cross_processes_and_timezones_are_converted_not_dropped(tmp_path):
    import pickle

    e = pickle.loads(pickle.dumps(GridshareError("a.csv, line 3")))
    assert isinstance(e, GridshareError) and str(e) == "a.csv, line 3"
    # Two members, a year of hours stamped in UTC from 18:30 on 31 December: in IST (Gridshare's
    # clock) that is midnight on 1 January. Dropping the offset would start the year 5.5 h early.
    stamps = pd.date_range("2024-12-31T18:30", periods=8760, freq="h", tz="UTC")
    frame = pd.concat([pd.DataFrame({"timestamp": stamps, "member_id": m, "load_kw": 1.0}) for m in ["a", "b"]])
    s = small().with_profiles(frame)
    assert s.data["axis"]["steps"] == 8760
    assert s.data["axis"]["start_day_of_year"] == 0


def test_run_batch_runs_everything_and_reports_failures():
    good = [small(seed=1), small(seed=2)]
    broken = json.loads(good[0].to_json())
    broken["settings"]["aggregator_return"] = 7.0
    reports = gridshare.run_batch([good[0], json.dumps(broken), good[1]], jobs=2, errors="return")
    assert isinstance(reports[0], Report) and isinstance(reports[2], Report)
    assert isinstance(reports[1], GridshareError) and "aggregator_return" in str(reports[1])
    # Identical to one-at-a-time runs.
    assert reports[2].json == gridshare.run(good[1]).json
    with pytest.raises(GridshareError, match="scenario 1"):
        gridshare.run_batch([good[0], json.dumps(broken)])
    with pytest.raises(GridshareError, match="jobs"):
        gridshare.run_batch(good, jobs=0)


def test_sweep_returns_a_row_per_value_and_model():
    frame = gridshare.sweep(small(), "feed_in_price", "2:6:2", complete=False)
    assert list(frame.columns) == ["feed_in_price", "model", "community_cost", "consumer_savings_pct",
                                   "prosumer_income", "performance_measure"]
    assert len(frame) == 3 * 4
    assert isinstance(frame.attrs["break_evens"], list)
    assert gridshare.sweep_values("0:1:0.5") == [0.0, 0.5, 1.0]
    with pytest.raises(GridshareError, match="parameter"):
        gridshare.sweep(small(), "colour", [1.0])
    with pytest.raises(GridshareError, match="values"):
        gridshare.sweep(small(), "pv_penetration", [2.0])
