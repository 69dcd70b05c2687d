"""Each figure a report opens with, owned by one test with an independent expected value: a hand
computation from the raw Census rows, a published figure, or a planted input (named so).

These are the figures whose faults `scripts/mutants.py` plants: the verdict's words and their
direction, the headline sentences of the tracker, product and forecast reports, the paces behind
the required rate, the uncovered shares, the probability words at their boundaries, each label
on its own field, and the processed tables' schemas at the read side.
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from conftest import RAW
from tradedeal import Snapshot
from tradedeal.agreement.answers import tracker_result, tracker_sentence
from tradedeal.ingest.concordance import classify
from tradedeal.ingest.sources import load_concordance
from tradedeal.agreement.cumulative import coverage_phrase
from tradedeal.agreement.product import profile
from tradedeal.agreement.tracker import largest_uncovered
from tradedeal.errors import SchemaError
from tradedeal.ingest.processed_schemas import check_processed
from tradedeal.models.forecast.combination import with_targets
from tradedeal.models.forecast.odds import format_probability, headline_sentences
from tradedeal.models.momentum.measures import required_run_rate
from tradedeal.models.momentum.primary import PRIMARY, MomentumEstimate
from tradedeal.models.shared.calibrated import CalibratedTest
from tradedeal.present import labels
from tradedeal.present.headline import headline_text

INCREMENT_2020 = {"agriculture": 12.5e9, "manufactures": 32.9e9, "energy": 18.5e9}  # Annex 6.1, Chapter 6


def raw_months(prefix: str, years: range) -> pd.Series:
    """Monthly US exports to China of the HS6 codes starting with ``prefix``, summed straight from
    the shipped Census API responses (no tradedeal code on the way)."""
    total: dict[str, int] = {}
    for year in years:
        with gzip.open(RAW / "census" / f"exports_hs6_cty5700_{year}.json.gz", "rt") as fh:
            header, *rows = json.load(fh)
        code, value, month = header.index("E_COMMODITY"), header.index("ALL_VAL_MO"), header.index("time")
        for row in rows:
            if row[code].startswith(prefix):
                total[row[month]] = total.get(row[month], 0) + int(row[value])
    return pd.Series(total).sort_index()


# ----------------------------------------------------------------------------- verdict words

def planted_estimate(estimate: float, p_value: float, alpha: float = 0.05) -> MomentumEstimate:
    """A planted momentum estimate (not real data): its test says ``estimate`` with ``p_value``."""
    test = CalibratedTest(estimate=estimate, se=0.004, t=estimate / 0.004, p_value=p_value, lower=estimate - 0.008,
                          upper=estimate + 0.008, alpha=alpha, rho=0.3, sigma=0.1, rho_null=0.3, draws=999, seed=0)
    return MomentumEstimate("covered_total", PRIMARY, test, pd.Period("2013-01", "M"), pd.Period("2021-11", "M"), 15, ())


@pytest.mark.parametrize(("estimate", "p_value", "word"), [
    (+0.012, 0.001, "sped up"),                 # a significant rise in growth
    (-0.012, 0.001, "slowed"),                  # a significant fall
    (+0.012, 0.049, "sped up"),
    (-0.012, 0.050, "no significant change"),   # p equal to alpha is not below it
    (+0.012, 0.400, "no significant change"),
])
def test_the_momentum_verdict_word_follows_the_sign_and_the_p_value(estimate, p_value, word):
    est = planted_estimate(estimate, p_value)
    assert est.verdict == word and est.row()["verdict"] == word
    sentence = est.sentence()
    shown = {"sped up": " sped up after", "slowed": " slowed after",
             "no significant change": " showed no significant change in growth after"}[word]
    assert shown in sentence, sentence
    assert f"changed by {estimate:+.4f}" in sentence and f"p = {p_value:.3f}" in sentence
    others = {"sped up", "slowed"} - {word}
    assert not any(f" {w} after" in sentence for w in others), sentence


# ----------------------------------------------------------------------------- headlines

def test_the_tracker_headline_by_hand(root):
    """Through 2020-07 on annex_6_1: purchases, the share of the year's target and of the target to
    date (seasonal: the 2017 share of Jan-Jul), from the HS6 rows and the published increments."""
    hs6 = Snapshot(root).exports_hs6()
    codes = classify(hs6["hs6"], load_concordance(root / "raw" / "agreement" / "annex_6_1.csv"))
    monthly = hs6.join(codes["category"], on="hs6").pivot_table(index="month", columns="category",
                                                                  values="value_usd", aggfunc="sum")
    cats = list(INCREMENT_2020)
    bought = monthly.loc["2020-01":"2020-07", cats].sum().sum()
    base = monthly.loc["2017-01":"2017-12", cats].sum()
    target = (base + pd.Series(INCREMENT_2020)).sum()
    target_ytd = sum(monthly.loc["2017-01":"2017-07", c].sum() / base[c] * (base[c] + INCREMENT_2020[c]) for c in cats)
    got = tracker_sentence(tracker_result(Snapshot(root), 2020, "2020-07"))
    assert got == (f"Through 2020-07 China bought ${bought / 1e9:.1f}bn of covered US goods ({coverage_phrase('annex_6_1')}), "
                   f"{100 * bought / target:.1f} % of the 2020 target and {100 * bought / target_ytd:.1f} % of the "
                   "target to date (seasonal proration)")
    assert f"{100 * bought / target:.1f}" != f"{100 * bought / target_ytd:.1f}"  # the two shares tell apart


def test_the_product_headline_against_the_same_months_of_2017_by_hand(root):
    soy = raw_months("1201", range(2017, 2021))  # soybeans are HS 1201
    now, then = soy.loc["2020-01":"2020-07"].sum(), soy.loc["2017-01":"2017-07"].sum()
    shifted = soy.loc["2017-02":"2017-08"].sum()
    assert f"{then / 1e9:.2f}" != f"{shifted / 1e9:.2f}"  # a month off shows
    got = profile(Snapshot(root), "soybeans", year=2020, as_of="2020-07")
    assert got.headline_sentences()[0].startswith(
        f"From 2020-01 to 2020-07 US exports of soybeans to China were ${now / 1e9:.2f}bn against "
        f"${then / 1e9:.2f}bn in the same months of 2017 ({100 * (now / then - 1):+.1f} %;")
    row = got.against_target()
    assert row["product_same_months_2017_usd"] == then and row["product_2020_ytd_usd"] == now
    assert row["product_2017_usd"] == soy.loc["2017-01":"2017-12"].sum()


def test_the_required_rate_and_the_paces_by_hand():
    """A planted series (not real data): 1, 2, …, 12 $bn in the months of 2020."""
    months = pd.period_range("2020-01", "2020-12", freq="M")
    series = pd.Series(np.arange(1, 13) * 1e9, index=months)
    got = required_run_rate(series, 60e9, year=2020, as_of="2020-08")
    assert got["ytd_usd"] == 36e9 and got["remaining_months"] == 4
    assert got["required_per_month_usd"] == pytest.approx(6e9)          # (60 - 36) / 4
    assert got["pace_3m_usd"] == pytest.approx(7e9)                    # (6 + 7 + 8) / 3
    assert got["pace_6m_usd"] == pytest.approx(5.5e9)                  # (3 + … + 8) / 6
    assert got["required_vs_pace_3m"] == pytest.approx(6 / 7)
    assert got["required_vs_pace_6m"] == pytest.approx(6 / 5.5)


def test_the_uncovered_shares_are_of_every_uncovered_dollar(root):
    hs6 = Snapshot(root).exports_hs6()
    hs6 = hs6[hs6["month"].dt.year == 2019]
    codes = classify(hs6["hs6"], load_concordance(root / "raw" / "agreement" / "annex_6_1.csv"))
    uncovered = hs6[hs6["hs6"].map(codes["category"]) == "not_covered"].groupby("hs6")["value_usd"].sum()
    top = uncovered.sort_values(ascending=False).head(10)
    got = largest_uncovered(Snapshot(root), 2019, coverage="annex_6_1", n=10)
    assert got["hs6"].tolist() == top.index.tolist()
    assert got["value_usd"].tolist() == top.tolist()
    assert got["share_of_uncovered_pct"].tolist() == pytest.approx((100 * top / uncovered.sum()).tolist())
    assert got["share_of_uncovered_pct"].sum() < 100 * top.sum() / uncovered.sum() + 1e-9 < 100


def planted_projection(**changes) -> pd.DataFrame:
    """A planted forecast table row (not real data): $60bn observed, $150bn projected, band
    $120-180bn, target $200bn, probability 0.2."""
    row = {"category": "covered_total", "year": 2020, "as_of": "2020-06", "coverage": "annex_6_1",
           "observed_ytd_usd": 60e9, "target_usd": 200e9, "model": "auto", "projected_total_usd": 150e9,
           "p10_usd": 120e9, "median_usd": 150e9, "p90_usd": 180e9, "prob_reach_target": 0.2}
    return pd.DataFrame([row | changes])


def test_the_forecast_headline_states_the_planted_projection():
    first, projected = headline_sentences(planted_projection())
    assert first == (f"Through 2020-06 China bought $60.0bn of covered US goods in 2020 ({coverage_phrase('annex_6_1')}), "
                     "30.0 % of the full-year target of $200.0bn.")
    assert projected == ("Projected to December (a forecast, auto), 2020 ends at $150.0bn (80 % band $120.0-180.0bn), "
                         "75.0 % of the target; the probability of reaching it is 20 %.")
    low = headline_sentences(planted_projection(prob_reach_target=0.004))[1]
    assert low.endswith("the probability of reaching it is under 1 %.")


def test_the_probability_of_reaching_the_target_counts_paths_that_reach_it():
    """Planted paths (not real data): four year totals, one exactly on the target."""
    projections = pd.DataFrame({"model": ["auto"], "as_of": [pd.Period("2020-06", "M")], "year": [2020]})
    paths = {("auto", pd.Period("2020-06", "M")): np.array([90.0, 100.0, 110.0, 120.0])}
    got = with_targets(projections, paths, {2020: 100.0})
    assert got["prob_reach_target"].tolist() == [0.75] and got["target_usd"].tolist() == [100.0]


@pytest.mark.parametrize(("p", "words"), [
    (0.0, "under 1 %"), (0.0099, "under 1 %"), (0.01, "1 %"), (0.5, "50 %"), (0.99, "99 %"), (0.9901, "over 99 %"),
])
def test_probabilities_in_words_at_their_boundaries(p, words):
    assert format_probability(p) == words
    table = {0.0: "0 %", 0.0099: "under 1 %", 0.01: "1.0 %", 0.5: "50.0 %", 0.99: "99.0 %", 0.9901: "over 99 %"}
    assert labels.probability(p) == table[p]


def test_a_headline_is_its_sentences_each_closed():
    assert headline_text(["Purchases fell", "", "They rose again."]) == "Purchases fell. They rose again."
    with pytest.raises(ValueError):
        headline_text(["", " "])


# ----------------------------------------------------------------------------- labels

#: What a reader reads for each field the reports show: every label on its own field.
EXPECTED_LABELS = {
    "baseline_2017_usd": "2017 baseline ($bn)",
    "target_usd": "Target ($bn)",
    "target_ytd_usd": "Target to date ($bn)",
    "purchases_ytd_usd": "Purchases to date ($bn)",
    "pct_of_annual_target": "Share of the year's target (%)",
    "pct_of_ytd_target": "Share of the target to date (%)",
    "share_of_uncovered_pct": "Share of uncovered exports (%)",
    "pace_3m_usd": "Pace of last 3 months ($bn per month)",
    "pace_6m_usd": "Pace of last 6 months ($bn per month)",
    "required_vs_pace_3m": "Required / pace of last 3 months (×)",
    "required_vs_pace_6m": "Required / pace of last 6 months (×)",
    "required_per_month_usd": "Required per month ($bn)",
    "p10_usd": "10th percentile ($bn)",
    "median_usd": "Median ($bn)",
    "p90_usd": "90th percentile ($bn)",
    "observed_ytd_usd": "Observed to date ($bn)",
    "projected_total_usd": "Projected year total ($bn)",
    "observed_total_usd": "Observed year total ($bn)",
    "prob_reach_target": "Probability of reaching the target",
    "yoy_pct": "Change on a year earlier (%)",
    "vs_2017_pct": "Change on 2017 (%)",
    "slope_change": "Change in monthly growth (log points)",
    "level_change": "Change in level (log points)",
    "ci_lower": "Lower bound",
    "ci_upper": "Upper bound",
    "p_value": "p-value",
}


def test_each_label_sits_on_its_field():
    assert {name: labels.label(name) for name in EXPECTED_LABELS} == EXPECTED_LABELS
    assert len(set(EXPECTED_LABELS.values())) == len(EXPECTED_LABELS)  # no two fields read alike


# ----------------------------------------------------------------------------- schemas at the read side

def test_the_processed_schemas_refuse_a_negative_dollar_figure_and_accept_a_real_row():
    """The processed tables' own rules, checked directly (the build's raw checks would stop a bad
    row first): a real Census row passes; the same row negative, or twice, is refused."""
    real = pd.DataFrame({"month": pd.PeriodIndex(["2017-01"], freq="M"), "hs6": ["010391"],
                         "value_usd": [2740], "qty": [0.0]})  # the first row of the 2017 response
    check_processed("exports_hs6", real)
    sub = pd.DataFrame({"month": pd.PeriodIndex(["2017-01"], freq="M"), "coverage": ["annex_6_1"],
                        "category": ["agriculture"], "value_usd": [2740]})
    check_processed("exports_subcategory", sub)
    with pytest.raises(SchemaError, match=r"exports_subcategory.*row 1.*non-negative"):
        check_processed("exports_subcategory", sub.assign(value_usd=[-2740]))
    with pytest.raises(SchemaError, match="one row per month and code"):
        check_processed("exports_hs6", pd.concat([real, real], ignore_index=True))
    category = pd.DataFrame({"month": pd.PeriodIndex(["2017-01"], freq="M"), "coverage": ["annex_6_1"],
                             "category": ["energy"], "source": ["census_hs6"], "value_usd": [-5]})
    with pytest.raises(SchemaError, match="non-negative unless a revision note says why"):
        check_processed("exports_category", category)
    check_processed("exports_category", category.assign(value_usd=[5]))
