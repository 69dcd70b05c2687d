"""``tradedeal data refresh``: pull new data into a new vintage, atomically, and ``data diff``.

A pull is written into a hidden temporary folder beside the vintages, every file checked with
the same parsers the build uses, then renamed into place in one step; the processed data are
then rebuilt. A failed or interrupted refresh leaves the earlier vintages and the processed
data as they were (if the rebuild fails, the new vintage is removed again).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from tradedeal.errors import ParameterError, SchemaError, SourceError
from tradedeal.ingest import sources, vintages
from tradedeal.ingest.build import ensure_built, load_table, read_manifest
from tradedeal.ingest.paths import current_umask
from tradedeal.ingest.remote import CensusClient, FredClient, make_session
from tradedeal.months import parse_month

FRED_SERIES = ("EXPCH", "IMPCH")
MAX_MONTHS = 240
_STALE_SECONDS = 24 * 3600


def pull_id(now: dt.datetime | None = None) -> str:
    """A pull's id: its UTC time, ``YYYY-MM-DDTHHMMSSZ``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H%M%SZ")


@contextmanager
def _staging(source: str, root) -> Iterator[Path]:
    """A hidden folder to pull into; :func:`_commit` renames it into a vintage, and whatever is
    left of it when the block ends (an empty or failed pull) is removed."""
    folder = vintages.vintages_dir(root) / source
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob(".tmp-*"):  # left by a refresh that was killed
        if now - old.stat().st_mtime > _STALE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
    os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes 0700; a vintage is as shareable as its data folder
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit(staging: Path, source: str, pull: str, manifest: dict, root) -> Path:
    vintages.write_json(staging / "manifest.json", manifest)
    final = vintages.vintages_dir(root) / source / pull
    if final.exists():
        raise SourceError(f"vintage {source}/{pull} exists already")
    staging.rename(final)  # one step: the vintage appears whole or not at all
    return final


def _file_entry(path: Path, rows: int, url: str) -> dict:
    return {"sha256": vintages.sha256(path), "rows": rows, "request": url}


def refresh_census(start=None, end=None, *, root=None, session=None, pull: str | None = None,
                   progress: bool = False, today: dt.date | None = None) -> Path | None:
    """Pull HS6 exports to China month by month into a new Census vintage; None if nothing new.

    ``start`` defaults to the month after the latest HS6 month in the data, ``end`` to last
    month. Census answers 204 for a month not yet released: trailing such months end the pull;
    a released month after an unreleased one is an error (a gap is never filled).
    """
    from tqdm import tqdm

    first = None if start is None else parse_month(start, "start")
    last = None if end is None else parse_month(end, "end")
    if first is None:
        ensure_built(root)
        manifest = read_manifest(root) or {}
        first = pd.Period(manifest.get("hs6_months", ["", "2021-01"])[1], "M") + 1
    if last is None:
        today = today or dt.datetime.now(dt.timezone.utc).date()
        last = pd.Period(today, "M") - 1
    if last < first:
        raise ParameterError(f"end {last} is before start {first}")
    months = pd.period_range(first, last, freq="M")
    if len(months) > MAX_MONTHS:
        raise ParameterError(f"refresh at most {MAX_MONTHS} months at a time; asked for {len(months)}")
    client = CensusClient(session=session)
    with _staging("census", root) as staging:
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
        manifest = {"source": "census", "pulled_at": pull or pull_id(), "files": files, "not_released": unreleased,
                    "endpoint": client.base_url, "country": "5700"}
        return _commit(staging, "census", manifest["pulled_at"], manifest, root)


def refresh_fred(*, root=None, session=None, pull: str | None = None) -> Path:
    """Download EXPCH and IMPCH from FRED into a new FRED vintage."""
    client = FredClient(session=session)
    with _staging("fred", root) as staging:
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
        manifest = {"source": "fred", "pulled_at": pull or pull_id(), "files": files, "endpoint": client.base_url}
        return _commit(staging, "fred", manifest["pulled_at"], manifest, root)


def refresh(source: str = "all", start=None, end=None, *, root=None, session=None, progress: bool = False,
            today: dt.date | None = None) -> list[Path]:
    """Refresh ``census``, ``fred`` or ``all``; rebuild the processed data; return the new vintages."""
    if source not in ("census", "fred", "all"):
        raise ParameterError(f"source must be one of census, fred, all; got {source!r}")
    session = session or make_session()
    pull = pull_id()
    created: list[Path] = []
    try:
        if source in ("census", "all"):
            path = refresh_census(start, end, root=root, session=session, pull=pull, progress=progress, today=today)
            if path is not None:
                created.append(path)
        if source in ("fred", "all"):
            created.append(refresh_fred(root=root, session=session, pull=pull))
        ensure_built(root)  # the new vintage must build, or it goes
    except BaseException:
        for path in created:
            shutil.rmtree(path, ignore_errors=True)
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
