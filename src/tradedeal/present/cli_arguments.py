"""The command line's words: the ``argparse`` parser of every ``tradedeal`` command, its help,
and the checks of each argument's value (a year, an amount, a share). A usage error is one line
(:class:`UsageError`, exit 2 through :func:`tradedeal.present.cli.main`).
"""

from __future__ import annotations

import argparse
import math
import re

from tradedeal.agreement.targets import GOODS, PRICES, PRORATIONS
from tradedeal.errors import TradedealError
from tradedeal.ingest.concordance import COVERAGES
from tradedeal.models.forecast import MODEL_CHOICES as CHOICES  # light: no statsmodels
from tradedeal.models.momentum import MOMENTUM_CONTROLS
from tradedeal.present.momentum_cli import HEADLINE_DESIGN
from tradedeal.present.notebook_params import parameters_help
from tradedeal.present.tables import FORMATS, UNITS


#: What ``tradedeal tracker --table`` prints.
TRACKER_TABLES = ("tracker", "published", "gaps")


class UsageError(TradedealError):
    """The command line's words are off."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


#: Years the command line takes (the report's ``year`` parameter takes the same).
YEARS = (2000, 2100)


def _year(text: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"-?[0-9]{1,12}", value) or not YEARS[0] <= int(value) <= YEARS[1]:
        shown = text if len(text) <= 24 else text[:20] + "…"
        raise argparse.ArgumentTypeError(f"invalid year {shown!r}: a whole year from {YEARS[0]} to {YEARS[1]}")
    return int(value)


def _tracker_year(text: str) -> int | str:
    """A tracker year: a whole year, or the agreement's two years (``2020-2021``)."""
    from tradedeal.agreement.targets import TWO_YEARS

    return TWO_YEARS if text.strip() == TWO_YEARS else _year(text)


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid amount {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"invalid amount {text!r}: a finite number of USD, at least 0")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid share {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"invalid share {text!r}: must be between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tradedeal", description="Track China's Phase One purchases of US goods.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    formats = f"output: {', '.join(FORMATS)} (default: table; csv and json add vintage and as_of to every row)"
    vintage = "data vintage, an id from `tradedeal data vintages` (default: the latest)"
    coverage = (f"{' or '.join(COVERAGES)} (default: full Annex 6.1 where its data reach the month asked for, "
                "else the published aggregates)")

    data = commands.add_parser("data", help="the data: build, refresh, vintages, diff, verify",
                               description="The data: build the processed tables, refresh from the sources, "
                                           "list or drop vintages, diff two vintages.")
    data_commands = data.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    build = data_commands.add_parser("build", help="parse data/raw and write tidy parquet to data/processed")
    build.add_argument("--accept-break", action="append", default=[], metavar="TABLE:YYYY-MM",
                       help="accept a month outside the band of its neighbours as real, by the name the error "
                            "gives (exports_hs6:YYYY-MM or total_goods:YYYY-MM); kept in the data folder, repeatable "
                            "(default: none)")
    refresh = data_commands.add_parser("refresh", help="pull new data from the Census API and FRED into a new vintage")
    refresh.add_argument("--source", choices=("census", "fred", "all"), default="all",
                         help="which source to pull (default: all)")
    refresh.add_argument("--start", help="first month to pull, YYYY-MM (default: the month after the latest HS6 month)")
    refresh.add_argument("--end", help="last month to pull, YYYY-MM (default: last month)")
    diff = data_commands.add_parser("diff", help="what changed between two vintages, in USD")
    diff.add_argument("a", metavar="VINTAGE_A", help="the earlier vintage id (snapshot, or a pull id)")
    diff.add_argument("b", metavar="VINTAGE_B", help="the later vintage id")
    diff.add_argument("--format", choices=FORMATS, default="table", help=formats)
    data_commands.add_parser("verify", help="rebuild every processed table and vintage from the raw files in a "
                                            "temporary folder and compare (changes nothing)")
    listing = data_commands.add_parser("vintages", help="list the data vintages, or drop one")
    listing.add_argument("--drop", metavar="ID", help="remove the vintage ID, a pull (default: none; snapshot is never dropped)")

    tracker = commands.add_parser("tracker", help="purchases to date against the agreement's targets")
    tracker.add_argument("--year", type=_tracker_year, required=True,
                         help="2020, 2021, or 2020-2021 for both years on one coverage (required: the years with targets)")
    tracker.add_argument("--as-of", help="last month counted, YYYY-MM (default: the year's latest month in the data)")
    tracker.add_argument("--proration", choices=PRORATIONS, default="seasonal",
                         help="how the annual target is spread over the months (default: seasonal, by 2017's months)")
    tracker.add_argument("--prices", choices=PRICES, default="current",
                         help="current US dollars, or 2017: energy lines' quantities at their 2017 unit values, with "
                              "the price/volume split of the shortfall (default: current)")
    tracker.add_argument("--table", choices=TRACKER_TABLES, default=None,
                         help="what to print: the tracker, the two-year answer beside the published tallies, or the "
                              "gaps between them in $bn (default: the tracker; with --year 2020-2021 and the table "
                              "format, all three)")
    _question_options(tracker, coverage, formats, vintage)
    _units_option(tracker)

    product = commands.add_parser("product", help="one product in depth, without a kernel: the 04_product report "
                                                  "as text")
    product.add_argument("product", metavar="CODE_OR_NAME",
                         help="a product name (soybeans, pork, crude_oil, ...), an Annex 6.1 sub-category or an HS4/HS6 "
                              "code, kept as text (0203 is pork)")
    product.add_argument("--year", type=_year, default=2020,
                         help="the year to compare with 2017 (default: 2020; targets for 2020 and 2021)")
    product.add_argument("--as-of", help="last month used, YYYY-MM (default: the year's latest month in the HS data)")
    _question_options(product, coverage, formats, vintage)
    _units_option(product)

    forecast = commands.add_parser("forecast", help="year-end projections against the targets")
    forecast.add_argument("--year", type=_year, required=True, help="the year to project (required; targets for 2020, 2021)")
    forecast.add_argument("--as-of", help="last month of data used, YYYY-MM (default: the year's latest month in the data)")
    forecast.add_argument("--category", choices=GOODS, default=None, help="one category (default: all four)")
    forecast.add_argument("--model", choices=CHOICES, default="auto",
                          help="forecast model (default: auto, every model combined in equal weights)")
    _question_options(forecast, coverage, formats, vintage)
    _units_option(forecast)

    scan = commands.add_parser("scan", help="which covered products changed pace at the agreement (every line tested)")
    scan.add_argument("--level", choices=("hs4", "hs6", "subcategory"), default="hs4",
                      help="the lines to test (default: hs4)")
    scan.add_argument("--break-month", default=None,
                      help="the break, YYYY-MM (default: the primary specification's, 2020-02, entry into force)")
    scan.add_argument("--min-usd", type=_amount, default=1e6,
                      help="lines under this both in 2017 and in the last 12 months are listed, not tested "
                           "(default: 1000000)")
    scan.add_argument("--fdr", type=_share, default=0.10, help="false discovery rate, between 0 and 1 (default: 0.10)")
    scan.add_argument("--table", choices=("lines", "decomposition", "placebos"), default="lines",
                      help="what to print: every line, the change by verdict group, or the scans at the placebo "
                           "breaks beside the real one (default: lines)")
    scan.add_argument("--coverage", choices=list(COVERAGES), default=None,
                      help="annex_6_1 or annex_6_1_ex_civil_aircraft (default: annex_6_1, the HS6 lines)")
    scan.add_argument("--format", choices=FORMATS, default="table", help=formats)
    scan.add_argument("--vintage", help=vintage)
    _units_option(scan)

    momentum = commands.add_parser("momentum", help="did purchases speed up after the agreement, against a control")
    momentum.add_argument("--series", default="covered_total",
                          help="a category, covered_total, a product, an Annex 6.1 sub-category or an HS code "
                               "(default: covered_total)")
    momentum.add_argument("--as-of", help="last month of data used, YYYY-MM (default: the latest month in the data)")
    momentum.add_argument("--break-month", default=None,
                          help="the break, YYYY-MM, for exploration (default: the primary specification's, 2020-02, "
                               "entry into force)")
    momentum.add_argument("--control", choices=MOMENTUM_CONTROLS, default="uncovered",
                          help="none (the absolute answer), uncovered (HS6 lines outside Annex 6.1, to the end of the "
                               "HS6 data) or total_other (total goods exports minus the series) (default: uncovered)")
    momentum.add_argument("--design", choices=("panel", "aggregate"), default=None,
                          help="panel (HS6 lines x months, PPML with product and month fixed effects: level and pace) "
                               "or aggregate (the log ratio of covered to the control: the primary FGLS test) "
                               f"(default: the headline design, {HEADLINE_DESIGN}; docs/momentum.md says why)")
    momentum.add_argument("--weights", choices=("dollar", "product"), default="dollar",
                          help="panel design: dollar (each line by its dollars, PPML) or product (each line about "
                               "equally: dollars over the line's pre-deal mean) (default: dollar)")
    momentum.add_argument("--event-study", action="store_true",
                          help="panel design: print the event-study coefficients (covered x quarter relative to the "
                               "break) instead of level and pace (default: off)")
    momentum.add_argument("--robustness", action="store_true",
                          help="panel design: print the robustness rows (controls and covered lines left out by the "
                               "pre-registered rules, the five largest lines in turn, the other weights) (default: off)")
    _question_options(momentum, coverage, formats, vintage)

    report = commands.add_parser("report", help="run the report notebooks with papermill",
                                 epilog=parameters_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="notebook names (default: all)")
    report.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a notebook parameter, repeatable (default: the notebooks' own defaults)")
    report.add_argument("-f", "--file", help="YAML file: a parameter set, or a list of them, each a report (default: none)")
    report.add_argument("--out", default="reports", help="folder for <run-id>/ (default: reports)")
    report.add_argument("--jobs", type=int, default=None,
                        help="notebooks run at once, never more than the reports or the cores (default: 1 local "
                             "process; with --executor dask and no scheduler, a LocalCluster of one worker per core)")
    report.add_argument("--kernel", default="tradedeal", help="Jupyter kernel (default: tradedeal)")
    report.add_argument("--vintage", help=vintage)
    report.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="where notebooks run: local processes, or dask.distributed workers (default: local)")
    report.add_argument("--scheduler", help="dask scheduler address, with --executor dask (default: "
                                            "$TRADEDEAL_DASK_SCHEDULER, else a LocalCluster of --jobs workers)")
    report.add_argument("--figures", metavar="FORMATS",
                        help="also save every figure as svg,pdf,png (comma-separated) next to its report, with its "
                             "caption (.json), and every table as .csv (question as # lines) and .tex (default: none)")
    return parser


def _question_options(parser: argparse.ArgumentParser, coverage: str, formats: str, vintage: str) -> None:
    """The options every answer shares: its coverage, its output format and its data vintage."""
    parser.add_argument("--coverage", choices=list(COVERAGES), default=None, help=coverage)
    parser.add_argument("--format", choices=FORMATS, default="table", help=formats)
    parser.add_argument("--vintage", help=vintage)


def _units_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--units", choices=UNITS, default="bn",
                        help="USD figures of the table format: bn ($bn, 2 decimals) or usd (whole dollars); csv and "
                             "json keep raw USD (default: bn)")
