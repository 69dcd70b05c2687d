"""Charts a reader can read: the forest in panels of at most 26 rows, seasonally adjusted months
beyond anything observed marked and explained, every figure text in words."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tradedeal.present import labels, momentum_plots, plots, scan_plots  # noqa: E402


def made_up_specifications() -> pd.DataFrame:
    """made-up estimates (not data) in the layout of specifications.specification_table: 3 controls
    × 26 specifications, one primary."""
    rows = []
    labels = [" · ".join(parts) for parts in itertools.product(
        ("stl", "x13", "dummies"), ("from 2013-01", "from 2017-01"), ("break 2020-01", "break 2020-02"),
        ("shock months dummied", "shock not treated"))] + ["dummies · anticipation", "dummies · seasons differ"]
    for control in ("none", "uncovered", "total_other"):
        for i, label in enumerate(labels):
            suffix = " (incl. aircraft, mixed vintages)" if control == "total_other" else ""
            rows.append({"control": control, "label": label + suffix, "estimate": 0.01 * (i % 5 - 2),
                         "ci_lower": 0.01 * (i % 5 - 2) - 0.03, "ci_upper": 0.01 * (i % 5 - 2) + 0.03,
                         "primary": control == "uncovered" and label == "dummies · from 2013-01 · break 2020-02 · "
                                                                       "shock months dummied"})
    return pd.DataFrame(rows)


def test_the_forest_has_one_panel_per_control_and_at_most_26_rows_a_panel():
    table = made_up_specifications()
    assert len(table) == 78
    fig = momentum_plots.forest(table, title="Covered total: every specification", source="Source: made up.")
    plots.in_words(fig)
    fig.canvas.draw()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 3
    for ax in panels:
        assert len(ax.get_yticks()) <= momentum_plots.PANEL_ROWS == 26
        assert len(ax.collections[0].get_segments()) == 26  # every specification of the control drawn
    shown = [t.get_text() for t in panels[0].get_yticklabels()]
    assert shown[0] == "month effects · dummies · seasons differ" or shown[-1].startswith("STL · from 2013-01")
    assert all("x13" not in s and "stl" not in s.split(" · ")[0] for s in shown)
    assert [ax.get_title() for ax in panels][1] == "Against goods outside Annex 6.1"
    red = [c for c in panels[1].collections if isinstance(c, matplotlib.collections.PathCollection)][0]
    assert (red.get_sizes() == 44).sum() == 1  # the primary specification stands out
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert not [t for t in texts if labels.field_names(t)], texts
    plt.close(fig)


def test_adjusted_months_beyond_any_observed_month_are_found():
    months = pd.period_range("2019-01", "2019-12", freq="M")
    observed = pd.Series([1.0, 0.9, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 3.0, 4.0, 2.0], index=months) * 1e9
    adjusted = observed.copy()
    adjusted["2019-06"] = 8.4e9  # a harvest season added to a month with none (as STL did to 2019 soybeans)
    adjusted["2019-07"] = 0.05e9
    flagged = plots.adjustment_artefacts(observed, adjusted)
    assert list(flagged[flagged].index.astype(str)) == ["2019-06", "2019-07"]


def test_small_multiples_mark_the_artefacts_and_say_why_in_the_caption():
    months = pd.period_range("2018-01", "2020-12", freq="M")
    observed = pd.DataFrame({"1201": np.linspace(1, 3, len(months)) * 1e8, "2709": np.full(len(months), 2e8)},
                            index=months)
    adjusted = observed.copy()
    fig = scan_plots.small_multiples(observed, adjusted, {"1201": "Soybeans"}, recovery_month="2020-02", title="T",
                                source="Source: made up.")
    assert plots.ARTEFACT_NOTE not in fig.get_supxlabel().replace("\n", " ")
    plt.close(fig)
    adjusted.loc["2019-06", "1201"] = 8.4e9
    fig = scan_plots.small_multiples(observed, adjusted, {"1201": "Soybeans"}, recovery_month="2020-02", title="T",
                                source="Source: made up.")
    assert fig.get_supxlabel().replace("\n", " ").startswith(plots.ARTEFACT_NOTE[:40])
    marks = [line for line in fig.axes[0].get_lines() if line.get_marker() == "x"]
    assert len(marks) == 1 and len(marks[0].get_xdata()) == 1
    plt.close(fig)


def test_every_text_of_a_figure_is_written_in_words():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2], label="control: total_other")
    ax.set_title("US exports of crude_oil (annex_6_1)")
    ax.set_yticks([1, 2], ["covered_total", "lng"])
    ax.legend()
    plots.in_words(fig)
    fig.canvas.draw()
    assert ax.get_title() == "US exports of crude oil (all Annex 6.1 goods including civil aircraft)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["control: all other goods"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["covered total", "LNG"]
    plt.close(fig)


def test_the_placebo_legend_has_no_doubled_parentheses():
    placebo = pd.DataFrame({"break_month": ["2016-01", "2017-01"], "estimate": [0.0, 0.01], "ci_lower": [-0.02, -0.01],
                            "ci_upper": [0.02, 0.03], "tariff_artefact": [False, False]})
    ax = momentum_plots.placebo_chart(placebo, break_month="2020-02", estimate=0.02, lower=-0.02, upper=0.07,
                                      rank="17 of 36 (two-sided, by |t|)", title="T", source="S")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "the agreement, 2020-02: rank 17 of 36 (two-sided, by |t|)" in labels
    assert not any("((" in t or "))" in t for t in labels)
    plt.close(ax.figure)
