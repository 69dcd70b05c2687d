"""The two-year view is titled and dated as both years: its period line, its report title (and
so the index) say 2020-2021 through its last month, never 2021 alone."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tradedeal import Snapshot
from tradedeal.agreement import answers
from tradedeal.present import headline, parameters


def test_period_line_and_title_of_the_two_year_view(root):
    result = answers.tracker_result(Snapshot(root), "2020-2021")
    params = parameters.check_parameters("01_tracker", year="2020-2021", as_of=None, coverage=None,
                                         proration="seasonal", vintage=None)
    text = parameters.describe(params, result.window)
    lines = text.splitlines()
    assert lines[0].startswith("Parameters: year = 2020-2021, as_of = 2021-11 (latest)")
    assert lines[1] == "Period: 2020-2021, through 2021-11"
    # made-up notebook (not data): the tracker's heading and the describe output above
    nb = new_notebook(cells=[new_markdown_cell("# Phase One purchases against the targets\n\nText."),
                             new_code_cell("print(parameters.describe(params, window))",
                                           outputs=[new_output("stream", name="stdout", text=text + "\n")])])
    assert headline.opening(nb).title == "Phase One purchases against the targets — 2020-2021, through 2021-11"
    one = answers.tracker_result(Snapshot(root), 2021)
    params = parameters.check_parameters("01_tracker", year=2021, as_of=None, coverage=None, proration="seasonal",
                                         vintage=None)
    assert parameters.describe(params, one.window).splitlines()[1] == "Period: 2021, through 2021-11"
