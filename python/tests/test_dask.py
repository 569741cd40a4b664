"""gridshare.dask.run_grid on a real LocalCluster equals run_batch, bit for bit."""

import pandas as pd
import pytest

import gridshare
from gridshare import GridshareError, Scenario
from gridshare.dask import grid, run_chunk, run_grid

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_run_grid_on_two_workers_equals_run_batch(client, tmp_path):
    g = grid(site=["north", "south"], members=[4], seed=[1, 2], tariff=["delhi"], regime=["net-metering", "gross"])
    assert len(g) == 8
    table = run_grid(g, client=client, chunk_size=2, parquet=tmp_path / "grid.parquet")
    assert len(table) == 8 * 5
    assert (table["error"] == "").all()
    # The same scenarios through run_batch, here.
    scenarios = [Scenario.generate(site=r.site, members=r.members, seed=r.seed, tariff=r.tariff, regime=r.regime)
                 for r in g.itertuples()]
    reports = gridshare.run_batch(scenarios, jobs=2)
    expected = pd.concat([r.models for r in reports], ignore_index=True)
    pd.testing.assert_frame_equal(table[expected.columns].reset_index(drop=True), expected, check_exact=True)
    # Labels come first, in grid order.
    assert list(table.columns[:5]) == ["site", "members", "seed", "tariff", "regime"]
    assert list(table["seed"][:10]) == [1] * 5 + [1] * 5
    back = pd.read_parquet(tmp_path / "grid.parquet")
    pd.testing.assert_frame_equal(back, table, check_exact=True)


def test_a_broken_row_is_an_error_row_and_the_rest_run():
    rows = [{"site": "north", "members": 4, "seed": 1}, {"site": "north", "members": 4, "tariff": "nope"},
            {"site": "north", "members": 4, "seed": -1}]
    table = run_chunk(rows)
    assert len(table) == 5 + 1 + 1
    assert "tariff" in table["error"].iloc[5]
    assert "OverflowError" in table["error"].iloc[6]
    assert (table["error"].iloc[:5] == "").all()
    with pytest.raises(GridshareError, match="collide"):
        run_grid([{"site": "north", "model": "x"}], client=object())
