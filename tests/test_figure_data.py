"""A figure's plotted data, saved with it: every point of a planted figure (not real data) as a
line ``axes | series | x | y``, so a changed point changes the report's outputs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from tests.nbval_tolerance import NotebookTolerances, Rule, Tolerance, matches  # noqa: E402
from tradedeal.present.figure_data import plotted_data  # noqa: E402


def planted(y=(1.5, 2.0, 3.25), height=4):
    """A planted figure: a dated line, a band, bars and a scatter point (not real data)."""
    fig, (left, right) = plt.subplots(1, 2)
    months = pd.period_range("2020-01", periods=3, freq="M").to_timestamp()
    left.plot(months, list(y), label="observed")
    left.fill_between(months, [1, 1, 1], [2, 2, 2], label="forecast, 80% interval")
    left.set_title("Purchases")
    right.bar([1, 2], [3, height], label="placebo")
    right.scatter([0.125], [-0.5], label="lines")
    text = plotted_data(fig)
    plt.close(fig)
    return text


def test_every_plotted_point_is_a_line_of_text():
    lines = planted().splitlines()
    assert lines[:5] == ["Plotted data (axes | series | x | y):", "axes 1: Purchases", "1 | observed | 2020-01-01 | 1.5",
                         "1 | observed | 2020-02-01 | 2.0", "1 | observed | 2020-03-01 | 3.25"]
    assert "1 | forecast, 80% interval | 2020-03-01 | 2.0" in lines  # the band's outline
    assert lines[-3:] == ["2 | lines | 0.125 | -0.5", "2 | placebo | 1.0 | 3.0", "2 | placebo | 2.0 | 4.0"]


def test_a_changed_point_changes_the_text_and_a_rule_keyed_by_series_bounds_it():
    stored, moved, wrong = planted(), planted(y=(1.5, 2.0, 3.2501)), planted(y=(1.5, 2.0, 3.5))
    assert planted(height=5) != stored
    exact = NotebookTolerances()
    assert not matches(stored, moved, exact)
    by_series = NotebookTolerances(rules=(Rule(Tolerance(rel=1e-3), line=r"^\d+ \| observed \|"),))
    assert matches(stored, moved, by_series) and not matches(stored, wrong, by_series)
