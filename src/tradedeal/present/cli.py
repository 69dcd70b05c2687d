"""Command line: `tradedeal data build|refresh|diff|verify|vintages`, `tracker`, `product`, `forecast`, `scan`,
`momentum`, `report`.

The CLI only parses arguments, calls the library and formats what comes back. Every
:class:`~tradedeal.errors.TradedealError` (and every usage error) becomes one line on stderr
and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tradedeal.agreement.targets import GOODS, PRICES, PRORATIONS
from tradedeal.errors import TradedealError
from tradedeal.executors import SCHEDULER_VARIABLE
from tradedeal.ingest.concordance import COVERAGES
from tradedeal.models.forecast import MODEL_CHOICES as CHOICES  # light: no statsmodels
from tradedeal.models.momentum import MOMENTUM_CONTROLS
from tradedeal.present.notebook_params import parameters_help
from tradedeal.present.tables import FORMATS, UNITS, render


#: What ``tradedeal tracker --table`` prints.
TRACKER_TABLES = ("tracker", "published", "gaps")


class UsageError(TradedealError):
    """The command line's words are off."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid year {text!r}") from None


def _tracker_year(text: str) -> int | str:
    """A tracker year: a whole year, or the agreement's two years (``2020-2021``)."""
    from tradedeal.agreement.targets import TWO_YEARS

    return TWO_YEARS if text.strip() == TWO_YEARS else _year(text)


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid amount {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"invalid amount {text!r}: must be at least 0")
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
                               "(default: the headline design, panel)")
    momentum.add_argument("--weights", choices=("dollar", "product"), default="dollar",
                          help="panel design: dollar (each line by its dollars, PPML) or product (each line about "
                               "equally: dollars over the line's pre-deal mean) (default: dollar)")
    momentum.add_argument("--event-study", action="store_true",
                          help="panel design: print the event-study coefficients (covered x quarter relative to the "
                               "break) instead of level and pace")
    momentum.add_argument("--robustness", action="store_true",
                          help="panel design: print the robustness rows (controls and covered lines left out by the "
                               "pre-registered rules, the five largest lines in turn, the other weights)")
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


def _emit(table, fmt: str, window, header: list[str], notes: list[str], units: str = "bn") -> None:
    """Print a result with its question: in the header for a table; as ``vintage`` and ``as_of``
    columns for CSV and JSON, whose notes go to stderr."""
    sys.stdout.write(render(table, fmt, question=window.fields(), header=header, notes=notes, units=units))
    if fmt != "table":
        for note in [f"data: {window.citation()}", *notes]:
            print(f"note: {note}", file=sys.stderr)


def _run(args: argparse.Namespace) -> None:
    if args.command == "data" and args.data_command == "build":
        from tradedeal.ingest.build import rebuild
        from tradedeal.ingest.consistency import accept

        if args.accept_break:
            accept(args.accept_break)
        manifest = rebuild()
        for name, info in manifest["tables"].items():
            print(f"{name}: {info['rows']} rows")
        for key in manifest["breaks"]:
            print(f"accepted break: {key} ({manifest['accepted_breaks'][key]})")
    elif args.command == "data" and args.data_command == "refresh":
        from tradedeal.ingest.refresh import refresh

        created = refresh(args.source, args.start, args.end, progress=sys.stderr.isatty())
        for path in created:
            print(f"new vintage: {path.parent.name}/{path.name}")
        if not created:
            print("nothing new: no month released after the data's last")
    elif args.command == "data" and args.data_command == "diff":
        from tradedeal.ingest.refresh import diff

        changes = diff(args.a, args.b)
        if args.format == "table":
            print(f"{len(changes)} changes from {args.a} to {args.b}")
            if len(changes):
                print(changes.to_string(index=False))
        else:
            table = changes.assign(month=changes["month"].astype(str))
            sys.stdout.write(render(table, args.format, question={"vintage_a": args.a, "vintage_b": args.b}))
    elif args.command == "data" and args.data_command == "verify":
        from tradedeal.ingest.verify import verify

        print("\n".join(verify()))
    elif args.command == "data" and args.data_command == "vintages":
        from tradedeal.ingest.vintages import drop, list_vintages

        if args.drop:
            for path in drop(args.drop):
                print(f"dropped vintage: {path.parent.name}/{path.name}")
        else:
            print("\n".join(list_vintages()))
    elif args.command == "tracker":
        from tradedeal.agreement.answers import tracker_at_prices
        from tradedeal.agreement.targets import TWO_YEARS, YEARS
        from tradedeal.ingest.snapshot import Snapshot

        if args.table not in (None, "tracker") and args.year in YEARS:  # other years: tracker_at_prices says why
            raise UsageError(f"tradedeal tracker: --table {args.table} is for the two-year view (--year {TWO_YEARS})")
        result = tracker_at_prices(Snapshot(vintage=args.vintage), args.year, args.as_of, args.coverage,
                                   proration=args.proration, prices=args.prices)
        if args.table in (None, "tracker"):
            _emit(result.table, args.format, result.window, result.header(), list(result.notes), args.units)
        if args.year == TWO_YEARS and (args.table not in (None, "tracker") or args.format == "table"):
            from tradedeal.agreement.published import compare
            from tradedeal.present import published

            found = compare(result)
            if args.format == "table" and args.table is None:
                sys.stdout.write("\n" + published.text(found, units=args.units))
            elif args.format == "table":
                sys.stdout.write(published.text(found, units=args.units) if args.table == "published" else
                                 render(found.gaps, "table", header=found.header(), units=args.units))
            else:
                _emit(found.table if args.table == "published" else found.gaps, args.format, result.window,
                      found.header(), list(found.notes), args.units)
    elif args.command == "product":
        from tradedeal.agreement.product import profile
        from tradedeal.ingest.snapshot import Snapshot
        from tradedeal.present import product_text
        from tradedeal.present.notebook_params import PARAMS

        name = PARAMS["product"].read(args.product)  # the notebook's own rule: names, sub-categories, codes as text
        found = profile(Snapshot(vintage=args.vintage), name, year=args.year, as_of=args.as_of, coverage=args.coverage)
        if args.format == "table":
            sys.stdout.write(product_text.text(found, units=args.units))
        else:
            sys.stdout.write(product_text.machine(found, args.format))
            for note in [f"data: {found.window.citation()}", *found.window.notes]:
                print(f"note: {note}", file=sys.stderr)
    elif args.command == "forecast":
        from tradedeal.agreement.window import select
        from tradedeal.ingest.snapshot import Snapshot
        from tradedeal.models.forecast.projection import forecast_table
        from tradedeal.present.parameters import check_forecast_history

        window = select(Snapshot(vintage=args.vintage), year=args.year, as_of=args.as_of, coverage=args.coverage)
        check_forecast_history(window, args.model, args.category)  # a one-line error, not a failed fit
        table, notes = forecast_table(window, category=args.category, model=args.model, jobs=2)
        header = [f"Phase One purchases, {args.year}: year-end projection (forecast) against the target, USD",
                  *window.question()]
        _emit(table, args.format, window, header, notes, args.units)
    elif args.command == "scan":
        from tradedeal.ingest.snapshot import Snapshot
        from tradedeal.models.scan import scanner

        window = scanner.window(Snapshot(vintage=args.vintage), args.coverage)
        result = scanner.scan(window, level=args.level, break_month=args.break_month, min_usd=args.min_usd,
                              fdr=args.fdr)
        table = scanner.scan_table(result, args.table, brief=args.format == "table")
        header = [f"Momentum test on every covered {args.level} line: {result.model}; HAC z calibrated by "
                  f"{len(result.placebo_rows())} placebo breaks, Benjamini-Hochberg q-values", *window.question()]
        notes = [*result.headline_sentences(),
                 *(f"not tested, {reason}: {n} lines" for reason, n in result.reasons().items())]
        _emit(table, args.format, window, header, notes, args.units)
    elif args.command == "momentum":
        from tradedeal.agreement.window import select
        from tradedeal.ingest.snapshot import Snapshot
        from tradedeal.present.momentum_cli import momentum_output

        window = select(Snapshot(vintage=args.vintage), as_of=args.as_of, coverage=args.coverage)
        table, header, notes = momentum_output(window, args)
        _emit(table, args.format, window, header, notes)


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tradedeal.executors import executor, workers
    from tradedeal.present import parameters, report
    from tradedeal.present.writing import check_formats

    sets = parameters.load_batch(args.file) if args.file else [{}]
    given = dict(args.parameter)  # text: each parameter's declared type reads it
    if args.vintage is not None:
        given["vintage"] = args.vintage
    sets = [{**s, **given} for s in sets]
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"tradedeal report: --jobs must be at least 1; got {args.jobs}")
    if args.scheduler and args.executor != "dask":
        raise UsageError("tradedeal report: --scheduler goes with --executor dask")
    figures = check_formats(args.figures) if args.figures is not None else ()
    runs = parameters.plan(args.notebooks, sets, source=args.file or "parameters")  # checked before any kernel
    report.check_kernel(args.kernel)
    jobs = args.jobs
    if not (args.executor == "dask" and (args.scheduler or os.environ.get(SCHEDULER_VARIABLE))):
        jobs, capped = workers(args.jobs if args.executor == "dask" else args.jobs or 1, len(runs))
        if capped:
            print(f"tradedeal: {capped}", file=sys.stderr)
    try:
        with executor(args.executor, jobs=jobs, scheduler=args.scheduler) as pool:
            out = report.new_run_dir(args.out)  # once the workers are there: a failed start writes nothing
            outcomes = report.run_report(runs, out, jobs=jobs or 1, kernel=args.kernel, progress=sys.stderr.isatty(),
                                         executor=pool, figures=figures)
    except report.Interrupted as exc:
        print(f"tradedeal: {exc}", file=sys.stderr)
        return exc.code
    failed = [o for o in outcomes if not o.ok]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} reports ok; index: {Path(out) / 'index.html'}")
    for o in failed:
        print(f"FAILED {o.run.label}: {o.error}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tradedeal`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        if args.command == "report":
            return _report(args)
        _run(args)
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's code for SIGINT
        print("tradedeal: interrupted (SIGINT)", file=sys.stderr)
        return 130
    except TradedealError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not message.startswith("tradedeal"):
            message = f"tradedeal: error: {message}"
        print(message, file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable folder, disk full …: say which file, change nothing else
        where = f" {exc.filename}" if exc.filename else ""
        print(f"tradedeal: error: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
