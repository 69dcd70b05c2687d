"""Command line: `tradedeal data build|refresh|diff|verify|vintages`, `tracker`, `product`, `forecast`, `scan`,
`momentum`, `report`.

The CLI only parses arguments (:mod:`~tradedeal.present.cli_arguments`), calls the library and
formats what comes back (the ``data`` commands: :mod:`~tradedeal.present.data_cli`; ``momentum``:
:mod:`~tradedeal.present.momentum_cli`). Every
:class:`~tradedeal.errors.TradedealError` (and every usage error) becomes one line on stderr,
at most :data:`~tradedeal.present.messages.MAX_MESSAGE` characters, and exit code 2; Ctrl-C, SIGTERM and SIGHUP one line and
128 + the signal. Whatever it prints passes :func:`~tradedeal.ingest.apikey.redact` first: the
API key, in any encoding, never reaches the terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tradedeal.errors import TradedealError
from tradedeal.executors import SCHEDULER_VARIABLE
from tradedeal.ingest.apikey import redact
from tradedeal.interrupts import Stopped, exit_code, signal_name, stopping
from tradedeal.present.cli_arguments import UsageError, build_parser
from tradedeal.present.data_cli import run_data
from tradedeal.present.messages import say, where
from tradedeal.present.tables import render


def _emit(table, fmt: str, window, header: list[str], notes: list[str], units: str = "bn") -> None:
    """Print a result with its question: in the header for a table; as ``vintage`` and ``as_of``
    columns for CSV and JSON, whose notes go to stderr."""
    sys.stdout.write(redact(render(table, fmt, question=window.fields(), header=header, notes=notes, units=units)))
    if fmt != "table":
        for note in [f"data: {window.citation()}", *notes]:
            print(redact(f"note: {note}"), file=sys.stderr)


def _run(args: argparse.Namespace) -> None:
    if args.command == "data":
        run_data(args)
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
        notes = [*result.headline_sentences(), *result.detail_sentences(),
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
    from tradedeal.present.recovery import claim, recover
    from tradedeal.present.writing import check_formats

    for line in recover(Path(args.out)):  # runs killed outright (kill -9): their folders settled, indexed
        say(f"tradedeal: {line}")
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
            with claim(out, runs):  # held while this run or a worker of it lives
                outcomes = report.run_report(runs, out, jobs=jobs or 1, kernel=args.kernel,
                                             progress=sys.stderr.isatty(), executor=pool, figures=figures)
    except report.Interrupted as exc:
        say(f"tradedeal: {exc}")
        return exc.code
    failed = [o for o in outcomes if not o.ok]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} reports ok; index: {Path(out) / 'index.html'}")
    for o in failed:
        say(f"FAILED {o.run.label}: {o.error}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tradedeal`` console script; returns the exit code."""
    try:
        with stopping():
            args = build_parser().parse_args(argv)
            if args.command == "report":
                return _report(args)
            _run(args)
    except (KeyboardInterrupt, Stopped) as exc:  # one line, the shell's code for the signal
        say(f"tradedeal: interrupted ({signal_name(exc)})")
        return exit_code(exc)
    except TradedealError as exc:
        message = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        if not message.startswith("tradedeal"):
            message = f"tradedeal: error: {message}"
        say(message)
        return 2
    except OSError as exc:  # unwritable folder, disk full …: say which file, change nothing else
        place = f" {exc.filename}" if exc.filename else ""
        say(f"tradedeal: error: cannot read or write{place}: {exc.strerror or exc}")
        return 2
    except Exception as exc:  # a failure no rule names yet: still one line (TRADEDEAL_TRACEBACK=1 shows it whole)
        if os.environ.get("TRADEDEAL_TRACEBACK"):
            raise
        text = str(exc).splitlines()[0] if str(exc).strip() else ""
        say(f"tradedeal: error: unexpected {type(exc).__name__} at {where(exc)}: {text} (a bug: please report it "
            "with the command; TRADEDEAL_TRACEBACK=1 shows the traceback)")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
