"""Labels for readers and charts fit for a paper: one map from field names to words with units,
numbers formatted by field, text tables that wrap between words, lines that break at gaps,
source lines apart from the axis labels, and scanner labels that do not overlap."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tradedeal import Snapshot  # noqa: E402
from tradedeal.present import labels, plots, scan_plots  # noqa: E402
from tradedeal.present.tables import Table, fmt_table  # noqa: E402
from tradedeal.units import usd_bn  # noqa: E402

#: Field names the five reports show (their tables' columns and row labels).
FIELDS = [
    "baseline_2017_usd", "target_usd", "target_ytd_usd", "purchases_ytd_usd", "pct_of_annual_target",
    "pct_of_ytd_target", "not_covered_usd", "share_of_uncovered_pct", "covered_total", "ann_3m3m_sa_pct", "yoy_pct",
    "vs_2017_pct", "sa_usd", "base_usd", "current_usd", "share_of_change_pct", "ytd_usd", "remaining_months",
    "required_per_month_usd", "pace_3m_usd", "pace_6m_usd", "required_vs_pace_3m", "required_vs_pace_6m",
    "slope_change", "level_change", "ci_lower", "ci_upper", "p_value", "q_value", "recovery_month", "as_of",
    "observed_ytd_usd", "projected_total_usd", "prob_reach_target", "mean_prob", "reached_share", "p10_usd",
    "median_usd", "p90_usd", "observed_total_usd", "crps_usd", "interval_score_usd", "mae_usd", "rmse_usd",
    "mean_abs_error_pct", "coverage_pct", "inside_80", "relative_mae", "relative_crps", "value_usd", "value_2017_usd",
    "last_12m_usd", "change_usd", "share_of_category_pct", "change_as_pct_of_increment", "product_2017_usd",
    "category_increment_2020_usd", "qty_BBL", "usd_per_BBL", "total_exports_usd", "auto_pct", "hs6",
]


def test_labels_are_words_with_units():
    assert labels.label("required_vs_pace_3m") == "Required / pace of last 3 months (×)"
    assert labels.label("required_per_month_usd") == "Required per month ($bn)"
    assert labels.label("vs_2017_pct") == "Change on 2017 (%)"
    assert labels.label("qty_BBL") == "Quantity (BBL)"
    assert labels.label("usd_per_BBL") == "Unit value ($ per BBL)"
    assert labels.label("category_increment_2020_usd") == "Category increment 2020 ($bn)"
    assert labels.label("auto_pct") == "auto (%)"  # a model's name keeps its spelling
    for name in FIELDS:
        assert "_" not in labels.label(name), name


@pytest.mark.parametrize(("name", "value", "shown"), [
    ("change_usd", -2_670_000_000, "−2.67"),           # $bn, 2 decimals, a typographic minus
    ("purchases_ytd_usd", 93_651_664_966.0, "93.65"),  # the 2020 covered total (annex_6_1), Census
    ("vs_2017_pct", -14.249, "−14.2"),
    ("qty_BBL", 176_242_881.0, "176,242,881"),
    ("usd_per_BBL", 72.0, "72.00"),                    # beside 36.52, not "72"
    ("prob_reach_target", 1.818e-07, "under 1 %"),
    ("prob_reach_target", 0.9996, "over 99 %"),
    ("prob_reach_target", 0.4213, "42.1 %"),
    ("p_value", 1.818e-07, "< 0.001"),
    ("required_vs_pace_3m", 1.8183, "1.82"),
    ("remaining_months", 3, "3"),
    ("year", 2020, "2020"),
    ("slope_change", 0.013587, "0.0136"),
    ("value_usd", float("nan"), ""),
])
def test_figures_are_formatted_by_their_field(name, value, shown):
    assert labels.cell(name, value) == shown


def test_sentences_write_dollars_with_the_sign_first():
    assert usd_bn(-2.67e9) == "−$2.67bn"
    assert usd_bn(12.75e9, sign=True) == "+$12.75bn"
    assert usd_bn(93_651_664_966) == "$93.65bn"


def test_html_table_is_labelled_for_readers_and_text_reads_left():
    frame = pd.DataFrame({
        "code": ["8484", "8547"],
        "description": ["Gaskets and similar joints of metal sheeting combined with other material",
                        "Insulating fittings for electrical machines, appliances or equipment <HS 8547>"],
        "change_usd": [-2.67e9, 3.1e8],
        "q_value": [1.818e-07, 0.2],
    }).set_index("code")
    table = Table(frame, "Largest changes")
    html = table._repr_html_()
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert {"Description", "Change ($bn)", "q-value (BH)", "HS code"} <= set(headers)
    assert not [h for h in headers if "_" in h]
    assert re.search(r"#T_\w+ td\.col0 \{\s*text-align: left;\s*white-space: normal;\s*word-break: normal;", html)
    assert "equipment &lt;HS 8547&gt;" in html and "−2.67" in html and "&lt; 0.001" in html
    assert "e-07" not in html
    # the plain text nbval compares keeps the field names (CSV/JSON names)
    assert "change_bn" in repr(table) and fmt_table(frame) in repr(table)


def test_series_rows_are_formatted_by_their_own_field():
    shown = Table(pd.Series({"ytd_usd": 52e9, "remaining_months": 3, "required_vs_pace_3m": 1.8183,
                             "prob_reach_target": 1.818e-07}, name="2021-09")).readable()
    assert shown.index.tolist() == ["Purchases to date ($bn)", "Months remaining", "Required / pace of last 3 months (×)",
                                    "Probability of reaching the target"]
    assert shown.iloc[:, 0].tolist() == ["52.00", "3", "1.82", "under 1 %"]


def test_short_names_are_cut_between_words():
    assert plots.short_name("Insulating fittings for electrical machines, appliances or equipment") == \
        "Insulating fittings for electrical…"
    assert plots.short_name("Gaskets and similar joints of metal sheeting; sets of gaskets") == \
        "Gaskets and similar joints of metal…"
    assert plots.short_name(float("nan"), fallback="8484") == "8484"


def test_unit_value_line_breaks_where_years_are_missing():
    from tradedeal.agreement.product import profile

    lng = profile(Snapshot(), "lng", year=2020, as_of=None, coverage=None).monthly[["unit_value_usd"]]
    ax = plots.lines(lng, title="lng: unit value", source="source line", ylabel="USD per M3", scale=1)
    x, y = ax.lines[0].get_data()
    months = pd.PeriodIndex(pd.DatetimeIndex(x), freq="M")
    # LNG has a unit value in 2015-08 and next in 2016-11: the line is broken in between
    assert not np.isnan(y[months.get_loc(pd.Period("2015-08", "M"))])
    assert np.isnan(y[months.get_loc(pd.Period("2016-01", "M"))])
    assert ax.get_legend() is None  # one series: the title names it
    plt.close(ax.figure)


def test_source_line_sits_apart_below_the_axis_label():
    ax = plots.contributions_bar(pd.DataFrame({"change_usd": [1e9, -5e8]}, index=["a", "b"]), title="t",
                                 source="Source: US Census Bureau")
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    source = [t for t in ax.texts if t.get_text().startswith("Source")][0]
    assert ax.get_xlabel() == "change, $bn" and ax.xaxis.label.get_fontsize() >= 9
    assert source.get_window_extent(renderer).y1 <= ax.xaxis.label.get_window_extent(renderer).y0
    assert source.get_window_extent(renderer).y0 >= 0  # inside the figure
    plt.close(fig)


def test_volcano_labels_do_not_overlap_and_the_legend_is_off_the_points():
    """made-up lines (not data): eight significant points packed together, as in the HS4 scan."""
    rng = np.random.default_rng(0)
    made_up = pd.DataFrame({
        "code": [f"{8400 + i}" for i in range(60)],
        "description": ["Gaskets and similar joints of metal sheeting", "Insulating fittings for electrical machines",
                        "Air conditioning machines, comprising a fan", "Motor cars and other motor vehicles"] * 15,
        "slope_change": np.r_[[0.10, 0.105, 0.11, 0.115, -0.16, -0.155, 0.06, 0.18], rng.normal(0, 0.1, 52)],
        "q_value": np.r_[[0.035, 0.034, 0.036, 0.017, 0.008, 0.017, 0.017, 0.13], rng.uniform(0.3, 1, 52)],
    })
    made_up["verdict"] = np.where(made_up["q_value"] > 0.1, "no significant change",
                                  np.where(made_up["slope_change"] > 0, "accelerated", "slowed"))
    ax = scan_plots.volcano(made_up, fdr=0.1, title="t", source="Source: made-up lines")
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    named = [t for t in ax.texts if not t.get_text().startswith("Source")]
    boxes = [t.get_window_extent(renderer) for t in named]
    assert len(boxes) == 8
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (named[boxes.index(a)].get_text(), "overlaps another label")
    assert all("…" in t.get_text() or len(t.get_text()) <= 40 for t in named)
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.x0 >= ax.get_window_extent(renderer).x1  # to the right of the axes, off the data
    plt.close(fig)
