"""``tradedeal data refresh``: pull new data into a new vintage, all or nothing, and ``data diff``.

Every source asked for is pulled into a hidden temporary folder beside its vintages, every file
checked with the same parsers the build uses; only when all of them are checked are they renamed
into place, under a commit journal (:mod:`tradedeal.ingest.vintages`): a pull whose journal is
still there is no vintage, and is removed by the next refresh. The processed data are then
rebuilt (if that fails, the new vintage is removed again). A failed, interrupted (SIGINT,
SIGTERM, SIGHUP) or killed refresh leaves the earlier vintages and the processed data as they
were; what a ``kill -9`` left (a ``.tmp-*`` folder, a journal) is removed when the next refresh
starts, under the refresh lock that keeps two refreshes of one data folder apart.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pandas as pd

from tradedeal.errors import ParameterError, SchemaError, SourceError, TradedealError
from tradedeal.ingest import sources, vintages
from tradedeal.ingest.processed import ensure_built, load_table, read_manifest
from tradedeal.ingest.paths import current_umask
from tradedeal.ingest.remote import CensusClient, FredClient
from tradedeal.ingest.transport import make_session
from tradedeal.months import parse_month

FRED_SERIES = ("EXPCH", "IMPCH")
MAX_MONTHS = 240


def pull_id(now: dt.datetime | None = None) -> str:
    """A pull's id: its UTC time, ``YYYY-MM-DDTHHMMSSZ``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H%M%SZ")


@contextmanager
def _staging(source: str, root) -> Iterator[Path]:
    """A hidden folder to pull into; :func:`vintages.commit` renames it into a vintage, and
    whatever is left of it when the block ends (an empty or failed pull) is removed."""
    folder = vintages.vintages_dir(root) / source
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=vintages.STAGING_PREFIX))
    os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes 0700; a vintage is as shareable as its data folder
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _file_entry(path: Path, rows: int, url: str) -> dict:
    return {"sha256": vintages.sha256(path), "rows": rows, "request": url}


def pull_census(staging: Path, start=None, end=None, *, root=None, session=None, pull: str | None = None,
                progress: bool = False, today: dt.date | None = None) -> dict | None:
    """Pull HS6 exports to China month by month into ``staging``, each response checked; its
    manifest, or None if nothing new.

    ``start`` defaults to the month after the latest HS6 month in the data, ``end`` to last
    month (a month that has not ended is refused: it could only be partial). Census answers 204 for a month not yet released: trailing such months end the pull;
    a released month after an unreleased one is an error (a gap is never filled).
    """
    from tqdm import tqdm

    first = None if start is None else parse_month(start, "start")
    last = None if end is None else parse_month(end, "end")
    if first is None:
        ensure_built(root)
        manifest = read_manifest(root) or {}
        first = pd.Period(manifest.get("hs6_months", ["", "2021-01"])[1], "M") + 1
    today = today or dt.datetime.now(dt.timezone.utc).date()
    if last is None:
        last = pd.Period(today, "M") - 1
    if last >= pd.Period(today, "M"):  # a month that has not ended can only be part of one
        raise ParameterError(f"end {last} has not ended yet (today is {today}); a month is pulled once it is over")
    if last < first:
        raise ParameterError(f"end {last} is before start {first}")
    months = pd.period_range(first, last, freq="M")
    if len(months) > MAX_MONTHS:
        raise ParameterError(f"refresh at most {MAX_MONTHS} months at a time; asked for {len(months)}")
    client = CensusClient(session=session)
    files, unreleased = {}, []
    for month in tqdm(months, desc="census", unit="month", disable=not progress):
        reply = client.exports_month(str(month))
        if reply is None:
            unreleased.append(str(month))
            continue
        if unreleased:
            raise SourceError(f"census: {unreleased[0]} is not released but {month} is; refusing a gap")
        path = staging / f"exports_hs6_cty5700_{month}.json"
        path.write_bytes(reply.body)
        try:
            rows = len(sources.read_census_exports(path))
        except SchemaError as exc:
            raise SourceError(f"census response for {month} rejected: {exc} ({reply.url})") from None
        files[path.name] = _file_entry(path, rows, reply.url)
    if not files:
        return None
    return {"source": "census", "pulled_at": pull or pull_id(), "files": files, "not_released": unreleased,
            "endpoint": client.base_url, "country": "5700"}


def pull_fred(staging: Path, *, session=None, pull: str | None = None) -> dict:
    """Download EXPCH and IMPCH from FRED into ``staging``, each checked; its manifest."""
    client = FredClient(session=session)
    files = {}
    for series in FRED_SERIES:
        reply = client.series_csv(series)
        path = staging / f"{series}.csv"
        path.write_bytes(reply.body)
        try:
            rows = len(sources.read_fred(path, series))
        except SchemaError as exc:
            raise SourceError(f"FRED response for {series} rejected: {exc} ({reply.url})") from None
        files[path.name] = _file_entry(path, rows, reply.url)
    return {"source": "fred", "pulled_at": pull or pull_id(), "files": files, "endpoint": client.base_url}


def refresh(source: str = "all", start=None, end=None, *, root=None, session=None, progress: bool = False,
            today: dt.date | None = None) -> list[Path]:
    """Refresh ``census``, ``fred`` or ``all``; rebuild the processed data; return the new vintages.

    Every source asked for is pulled and checked before any is committed; the vintage appears
    whole (every source of it) or not at all.
    """
    if source not in ("census", "fred", "all"):
        raise ParameterError(f"source must be one of census, fred, all; got {source!r}")
    session = session or make_session()
    with vintages.refresh_lock(root):
        vintages.remove_leftovers(root)  # what a killed refresh left: it is not running, we hold the lock
        pull = pull_id()
        staged: dict[str, Path] = {}
        with ExitStack() as stack:
            if source in ("census", "all"):
                staging = stack.enter_context(_staging("census", root))
                manifest = pull_census(staging, start, end, root=root, session=session, pull=pull, progress=progress,
                                       today=today)
                if manifest is not None:
                    vintages.write_json(staging / "manifest.json", manifest)
                    staged["census"] = staging
            if source in ("fred", "all"):
                staging = stack.enter_context(_staging("fred", root))
                vintages.write_json(staging / "manifest.json", pull_fred(staging, session=session, pull=pull))
                staged["fred"] = staging
            created = vintages.commit(staged, pull, root)  # every source checked: all renamed, or none
        try:
            ensure_built(root)  # the new vintage must build, or it goes
        except TradedealError:
            vintages.drop(pull, root, missing_ok=True)
            raise
        except Exception as exc:  # noqa: BLE001  a rule no check names yet: still one line, nothing kept
            vintages.drop(pull, root, missing_ok=True)
            raise SourceError(f"the pulled data do not build ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''}); the new vintage was removed") from None
        except BaseException:
            vintages.drop(pull, root, missing_ok=True)
            raise
    return created


def diff(a: str, b: str, *, root=None) -> pd.DataFrame:
    """What changed from vintage ``a`` to vintage ``b``: HS6 lines and FRED months, in USD.

    Columns ``source, month, code, value_a_usd, value_b_usd, change_usd``; a line present in
    one vintage only shows a missing value on the other side (its change counts it in full).
    """
    known = vintages.list_vintages(root)
    for name in (a, b):
        if name not in known:
            raise ParameterError(f"vintage must be one of {', '.join(known)}; got {name!r}")
    latest = known[-1]

    def load(table: str, v: str) -> pd.DataFrame:
        return load_table(table, root, None if v == latest else v)

    keys = ["month", "hs6"]
    hs6 = load("exports_hs6", a)[keys + ["value_usd"]].merge(
        load("exports_hs6", b)[keys + ["value_usd"]], on=keys, how="outer", suffixes=("_a", "_b"))
    hs6 = hs6.rename(columns={"hs6": "code", "value_usd_a": "value_a_usd", "value_usd_b": "value_b_usd"})
    hs6.insert(0, "source", "census_hs6")
    totals = []
    ta, tb = load("total_goods", a), load("total_goods", b)
    for column, code in (("exports_usd", "EXPCH"), ("imports_usd", "IMPCH")):
        merged = ta[["month", column]].merge(tb[["month", column]], on="month", how="outer", suffixes=("_a", "_b"))
        merged = merged.rename(columns={f"{column}_a": "value_a_usd", f"{column}_b": "value_b_usd"})
        totals.append(merged.assign(source="total_goods", code=code))
    out = pd.concat([hs6, *totals], ignore_index=True)
    out["change_usd"] = out["value_b_usd"].fillna(0) - out["value_a_usd"].fillna(0)
    changed = (out["value_a_usd"] != out["value_b_usd"]) & ~(out["value_a_usd"].isna() & out["value_b_usd"].isna())
    out = out[changed][["source", "month", "code", "value_a_usd", "value_b_usd", "change_usd"]]
    return out.sort_values(["source", "month", "code"], ignore_index=True)
