"""Energy at 2017 prices: quantities valued at each line's 2017 unit value, against published
Census figures (crude oil 2020: 176.2m bbl at $38.4/bbl against 80.4m at $54.4 in 2017)."""

from __future__ import annotations

import pytest

from tradedeal import Snapshot
from tradedeal.agreement import volumes
from tradedeal.agreement.answers import tracker_at_prices
from tradedeal.agreement.product import profile
from tradedeal.errors import DataNotAvailableError


def test_crude_oil_2020_at_2017_prices(root):
    snap = Snapshot(root)
    crude = profile(snap, "crude_oil")
    qty = crude.quantity_table()
    assert qty.loc[2020, "qty_BBL"] == 176_242_881 and qty.loc[2017, "qty_BBL"] == 80_427_058
    assert qty.loc[2020, "usd_per_BBL"] == pytest.approx(38.36, abs=0.01)
    assert qty.loc[2017, "usd_per_BBL"] == pytest.approx(54.44, abs=0.01)
    split = crude.price_volume()
    assert split.loc[2020, "value_usd"] == 6_760_934_244
    # at 2017 prices 2020 crude is $9.6bn, not $6.76bn
    assert split.loc[2020, "value_at_2017_prices_usd"] == pytest.approx(176_242_881 * 4_378_735_544 / 80_427_058)
    assert split.loc[2020, "value_at_2017_prices_usd"] / 1e9 == pytest.approx(9.60, abs=0.005)
    assert split.loc[2020, "change_from_volume_usd"] + split.loc[2020, "change_from_prices_usd"] == pytest.approx(
        split.loc[2020, "change_vs_2017_usd"])
    # by hand: more barrels (volume +$5.2bn at 2017's $54.44), each cheaper (price -$2.8bn)
    at_2017 = 176_242_881 * 4_378_735_544 / 80_427_058
    assert split.loc[2020, "change_from_volume_usd"] == pytest.approx(at_2017 - 4_378_735_544)
    assert split.loc[2020, "change_from_prices_usd"] == pytest.approx(6_760_934_244 - at_2017)
    assert split.loc[2017, "change_from_prices_usd"] == pytest.approx(0)
    assert "$9.60bn, not $6.76bn" in crude.headline_sentences()[1]


def test_products_without_quantities_say_so(root):
    soy = profile(Snapshot(root), "soybeans")
    assert soy.price_volume().empty
    assert "no quantities for soybeans" in soy.headline_sentences()[1]


def test_energy_split_of_the_2020_shortfall(root):
    result = tracker_at_prices(Snapshot(root), 2020, "2020-12", prices="2017")
    table = result.table
    top = table[table["subcategory"].isna()].set_index("category")
    energy = top.loc["energy"]
    # lines with quantities carry every dollar of 2020's $9.74bn energy purchases
    lines = Snapshot(root).exports_hs6_classified("annex_6_1")
    in_2020 = lines[(lines["category"] == "energy") & (lines["month"].dt.year == 2020)]
    assert in_2020.loc[in_2020["qty_unit"].notna(), "value_usd"].sum() == energy["purchases_ytd_usd"] == 9_738_382_930
    assert energy["shortfall_usd"] == pytest.approx(energy["shortfall_from_volume_usd"] + energy["shortfall_from_prices_usd"])
    assert energy["pct_of_ytd_target"] == pytest.approx(37.24, abs=0.01)
    assert energy["pct_of_ytd_target_at_2017_prices"] > energy["pct_of_ytd_target"]  # oil was cheaper than in 2017
    subs = table[table["subcategory"].notna()].set_index("subcategory")
    assert subs.loc["Crude oil", "purchases_ytd_at_2017_prices_usd"] / 1e9 == pytest.approx(9.60, abs=0.005)
    # the price part adds up over the sub-categories
    assert subs["shortfall_from_prices_usd"].sum() == pytest.approx(energy["shortfall_from_prices_usd"])
    # agriculture and manufactures have no quantities, and the table says so
    assert set(top.loc[["agriculture", "manufactures"], "quantities"]) == {volumes.NO_QUANTITIES}
    assert top.loc[["agriculture", "manufactures"], "purchases_ytd_at_2017_prices_usd"].isna().all()
    # propane and butane switch from barrels to cubic metres under a BBL label: current prices, named
    assert any("271112" in n and "change of unit" in n for n in result.notes)


def test_prices_2017_needs_hs6_months(root):
    with pytest.raises(DataNotAvailableError, match="quantities, which come with the HS6 lines: they end in 2021-01"):
        tracker_at_prices(Snapshot(root), 2021, "2021-06", prices="2017")


def test_synthetic_split_adds_up_and_flags_a_change_of_unit():
    """Not real data: two constructed lines, one whose unit value jumps sixfold (a unit change)."""
    import pandas as pd

    months = pd.period_range("2017-01", "2018-12", freq="M")
    rows = []
    for m in months:
        later = m.year == 2018
        rows.append({"month": m, "hs6": "270900", "value_usd": (100.0 * 200 if later else 50.0 * 100),
                     "qty": 200.0 if later else 100.0, "qty_unit": "BBL"})  # price 50 → 100, volume 100 → 200
        rows.append({"month": m, "hs6": "271112", "value_usd": 30.0 * 10 * (6 if m.year == 2018 else 1),
                     "qty": 10.0, "qty_unit": "BBL"})
    split = volumes.by_year(pd.DataFrame(rows), months)
    assert split.loc[2018, "change_vs_2017_usd"] == pytest.approx(
        split.loc[2018, "change_from_volume_usd"] + split.loc[2018, "change_from_prices_usd"])
    crude_only = volumes.by_year(pd.DataFrame([r for r in rows if r["hs6"] == "270900"]), months)
    assert crude_only.loc[2018, "value_at_2017_prices_usd"] == 12 * 200 * 50
    assert crude_only.loc[2018, "change_from_prices_usd"] == 12 * 200 * 50
    assert crude_only.loc[2018, "change_from_volume_usd"] == 12 * 100 * 50
    # the sixfold line counts at current prices: its value is not split
    assert split.loc[2018, "comparable_share_pct"] == pytest.approx(100 * 240_000 / (240_000 + 21_600))
