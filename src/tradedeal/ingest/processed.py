"""The processed tables on disk, kept in step with the raw files: the build manifest read,
stale tables rebuilt, and only verified tables served.

:func:`load_table` rebuilds whenever the raw files no longer match the manifest, and treats a
table whose bytes or columns do not match the manifest as a cache miss (rebuilt, said in one
line), so a stale or tampered table is never served. Temporary files a killed build left are
removed by the next build. The tables themselves are built by :mod:`tradedeal.ingest.build`.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os

import pandas as pd
from filelock import FileLock

from tradedeal.errors import SchemaError, TradedealError
from tradedeal.ingest import consistency, processed_schemas
from tradedeal.ingest.build import BUILD_VERSION, MONTH_COLUMNS, TABLES, build, fingerprint, processed_folder
from tradedeal.ingest.paths import check_regular, processed_dir, raw_dir

log = logging.getLogger(__name__)


def read_manifest(root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> dict | None:
    """The manifest of the processed data of ``vintage``, or None when there is none."""
    path = processed_folder(root, vintage) / "manifest.json"
    try:
        check_regular(path)  # a FIFO or a device here is no manifest: rebuilt, never a hang
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, SchemaError):
        return None


def is_current(root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> bool:
    """Whether the processed tables were built by this code from the raw files as they are now."""
    manifest = read_manifest(root, vintage)
    if manifest is None or manifest.get("build_version") != BUILD_VERSION:
        return False
    if not all((processed_folder(root, vintage) / f"{name}.parquet").exists() for name in TABLES):
        return False
    return (manifest.get("raw_sha256") == fingerprint(root, vintage)
            and manifest.get("accepted_breaks", {}) == consistency.accepted(root))


def ensure_built(root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> None:
    """Build the processed tables of ``vintage`` if they are missing or stale.

    Processes that ask at once (two notebooks on a clean checkout) take turns on a file lock:
    the first builds, the others find the tables current.
    """
    if is_current(root, vintage):
        return
    with _lock(root):
        if not is_current(root, vintage):
            log.info("building processed data from %s (vintage %s)", raw_dir(root), vintage or "latest")
            _remove_leftovers(root, vintage)
            build(root, vintage)


def rebuild(root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> dict:
    """Build the processed tables of ``vintage`` afresh, holding the build lock; the manifest."""
    with _lock(root):
        _remove_leftovers(root, vintage)
        return build(root, vintage)


def _remove_leftovers(root, vintage: str | None) -> None:
    """Remove the temporary files (``.NAME.*.tmp``) a killed build left; only builds write in this
    folder, and the caller holds the build lock, so none of them is being written."""
    for leftover in processed_folder(root, vintage).glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def _lock(root) -> FileLock:
    """The lock every build of a data folder holds (``data/processed/.build.lock``)."""
    folder = processed_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(folder / ".build.lock")


def load_table(name: str, root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> pd.DataFrame:
    """Read one processed table of ``vintage`` (building it first if needed), months as Period[M].

    The table's bytes must match the sha256 the manifest recorded and its columns the schema it
    recorded; otherwise (truncated, emptied, edited, another table's file) it is a cache miss:
    rebuilt from the raw data, with one warning line.
    """
    if name not in TABLES:
        raise TradedealError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
    ensure_built(root, vintage)
    frame, problem = _read_verified(name, root, vintage)
    if problem is not None:
        log.warning("tradedeal: %s.parquet was damaged (%s); rebuilt it from the raw data", name, problem)
        with _lock(root):
            frame, problem = _read_verified(name, root, vintage)  # another process may have rebuilt it
            if problem is not None:
                _remove_leftovers(root, vintage)
                build(root, vintage)
                frame, problem = _read_verified(name, root, vintage)
        if problem is not None:
            raise SchemaError(f"processed table {name}: {problem}, even after a rebuild")
    for column in MONTH_COLUMNS & set(frame.columns):
        frame[column] = frame[column].dt.to_period("M")
    return frame


def _read_verified(name: str, root, vintage: str | None) -> tuple[pd.DataFrame | None, str | None]:
    """A processed table read from the bytes whose sha256 was checked, or the reason it is not served."""
    entry = ((read_manifest(root, vintage) or {}).get("tables") or {}).get(name) or {}
    try:
        check_regular(processed_folder(root, vintage) / f"{name}.parquet")
        data = (processed_folder(root, vintage) / f"{name}.parquet").read_bytes()
    except FileNotFoundError:
        return None, "missing"
    except SchemaError:
        return None, "not a regular file"
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        return None, "its sha256 does not match the build manifest"
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception:  # noqa: BLE001  garbled although the manifest agrees: the manifest was edited too
        return None, "unreadable"
    if [[c, str(t)] for c, t in frame.dtypes.items()] != entry.get("schema"):
        return None, "its columns are not those the build manifest records"
    if processed_schemas.table_of(frame.columns) != name:  # another table's file, its manifest entry moved with it
        return None, f"it holds the columns of {processed_schemas.table_of(frame.columns) or 'no table'}"
    return frame, None
