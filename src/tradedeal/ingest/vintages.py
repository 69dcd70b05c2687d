"""Data vintages: the shipped snapshot and every later pull, kept side by side.

Each pull lives in ``data/raw/vintages/<source>/<pull-id>/`` (``pull-id`` = UTC time
``YYYY-MM-DDTHHMMSSZ``) in the API's own layout, with a ``manifest.json``: request URLs without
the key, sha256 and row count of each file, pull time. The shipped snapshot is the first
vintage, ``snapshot``. A vintage id is a cut-off: the data "as of" a vintage are the snapshot
plus every pull up to that id, later pulls replacing the months (or series) they carry.

A refresh commits the sources of one pull together (:func:`commit`): a journal
``vintages/.commit-<pull-id>.json`` is written first, the staged folders are renamed into place,
and the journal is removed; a pull whose journal is still there (a refresh killed in between)
is no vintage, and :func:`remove_leftovers` removes it when the next refresh starts.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from tradedeal.errors import ParameterError, SchemaError, SourceError
from tradedeal.ingest.paths import atomic_path, check_regular, raw_dir

SOURCES = ("census", "fred")
SNAPSHOT = "snapshot"
_PULL_ID = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")
#: Hidden folders a refresh pulls into, and the journal of a commit in progress.
STAGING_PREFIX = ".tmp-"
JOURNAL_PREFIX = ".commit-"


def vintages_dir(root=None) -> Path:
    return raw_dir(root) / "vintages"


def pulls(source: str, root=None) -> list[str]:
    """Completed pulls of ``source``, oldest first (folders being written start with a dot)."""
    folder = vintages_dir(root) / source
    if not folder.is_dir():
        return []
    pending = _pending(root)
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and _PULL_ID.match(p.name) and p.name not in pending)


def _journal(pull: str, root=None) -> Path:
    return vintages_dir(root) / f"{JOURNAL_PREFIX}{pull}.json"


def _pending(root=None) -> set[str]:
    """Pulls whose commit did not finish (their journal is there): no vintage."""
    folder = vintages_dir(root)
    if not folder.is_dir():
        return set()
    return {p.name[len(JOURNAL_PREFIX):-len(".json")] for p in folder.glob(f"{JOURNAL_PREFIX}*.json")}


def commit(staged: dict[str, Path], pull: str, root=None) -> list[Path]:
    """Rename each source's staged folder into ``vintages/<source>/<pull>``, all or none: under a
    journal that makes the pull no vintage until the last rename is done. Returns the vintages."""
    finals = {source: vintages_dir(root) / source / pull for source in SOURCES if source in staged}
    for source, final in finals.items():
        if final.exists():
            raise SourceError(f"vintage {source}/{pull} exists already")
    if not finals:
        return []
    journal = _journal(pull, root)
    write_json(journal, {"pull": pull, "sources": list(finals)})
    try:
        for source, final in finals.items():
            staged[source].rename(final)
    except BaseException:  # a signal or a full disk between two renames: none of them stays
        for final in finals.values():
            shutil.rmtree(final, ignore_errors=True)
        journal.unlink(missing_ok=True)
        raise
    journal.unlink()  # the commit: from here on the pull is a vintage
    return list(finals.values())


@contextmanager
def refresh_lock(root=None) -> Iterator[None]:
    """The lock a refresh holds (``vintages/.refresh.lock``): one refresh of a data folder at a
    time, so the leftovers of a killed one can be removed safely. A second is a SourceError."""
    folder = vintages_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / ".refresh.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SourceError(f"another refresh of {raw_dir(root).parent} is running; try again when it ends") from None
    try:
        yield
    finally:
        lock.release()


def remove_leftovers(root=None) -> list[Path]:
    """Remove what a killed refresh left: staging folders, half-dropped vintages, and the folders
    of a commit whose journal is still there. Only call it holding :func:`refresh_lock`."""
    from tradedeal.ingest.paths import processed_dir

    removed = []
    for pull in _pending(root):
        for source in SOURCES:
            folder = vintages_dir(root) / source / pull
            if folder.exists():
                shutil.rmtree(folder)
                removed.append(folder)
        shutil.rmtree(processed_dir(root) / "vintages" / pull, ignore_errors=True)
        _journal(pull, root).unlink(missing_ok=True)
    for source in SOURCES:
        for folder in (vintages_dir(root) / source).glob(".*"):
            if folder.is_dir() and folder.name.startswith((STAGING_PREFIX, ".drop-")):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def list_vintages(root=None) -> list[str]:
    """Every vintage id: ``snapshot`` then each pull of any source, oldest first."""
    return [SNAPSHOT, *sorted({p for s in SOURCES for p in pulls(s, root)})]


def resolve(vintage: str | None, root=None) -> dict[str, list[str]]:
    """The pulls of each source that make up ``vintage`` (None: the latest)."""
    known = list_vintages(root)
    if vintage is not None and vintage not in known:
        raise ParameterError(f"vintage must be one of {', '.join(known)}; got {vintage!r}")
    cutoff = known[-1] if vintage is None else vintage
    if cutoff == SNAPSHOT:
        return {s: [] for s in SOURCES}
    return {s: [p for p in pulls(s, root) if p <= cutoff] for s in SOURCES}


def label(vintage: str | None, root=None) -> str:
    """The resolved vintage id (``snapshot`` or the newest pull it includes)."""
    parts = resolve(vintage, root)
    newest = max((p for ps in parts.values() for p in ps), default=None)
    return newest or SNAPSHOT


def sha256(path: Path) -> str:
    """The sha256 of a regular file (a FIFO or a device is a SchemaError naming it, never a hang)."""
    check_regular(path, what=_shown(path))
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_pull(source: str, pull: str, root=None) -> tuple[Path, dict]:
    """A pull's folder and manifest, with every file checked against its recorded sha256."""
    folder = vintages_dir(root) / source / pull
    check_regular(folder / "manifest.json", 2**20, what=f"vintage {source}/{pull}: manifest.json")
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(f"vintage {source}/{pull}: manifest.json unreadable ({exc})".splitlines()[0]) from None
    for name, info in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise SchemaError(f"vintage {source}/{pull}: {name} listed in the manifest is missing")
        if sha256(path) != info.get("sha256"):
            raise SchemaError(f"vintage {source}/{pull}: {name} does not match its manifest sha256")
    return folder, manifest


def census_files(vintage: str | None, root=None) -> list[tuple[int, Path]]:
    """Census HS6 files of a vintage with their priority (snapshot 0, then each pull)."""
    files = [(0, p) for p in sorted((raw_dir(root) / "census").glob("exports_hs6_cty5700_*.json.gz"))]
    for rank, pull in enumerate(resolve(vintage, root)["census"], start=1):
        folder, manifest = read_pull("census", pull, root)
        files += [(rank, folder / name) for name in sorted(manifest["files"])]
    return files


def fred_files(vintage: str | None, root=None) -> dict[str, Path]:
    """The EXPCH and IMPCH files of a vintage: the newest pull that has them, else the snapshot."""
    files = {s: raw_dir(root) / "fred" / f"{s}.csv" for s in ("EXPCH", "IMPCH")}
    for pull in resolve(vintage, root)["fred"]:
        folder, manifest = read_pull("fred", pull, root)
        for name in manifest["files"]:
            files[Path(name).stem] = folder / name
    return files


def manifest_files(vintage: str | None, root=None) -> list[Path]:
    """The manifests of the pulls in a vintage (they are inputs of a build too)."""
    parts = resolve(vintage, root)
    return [vintages_dir(root) / s / p / "manifest.json" for s in SOURCES for p in parts[s]]


def drop(vintage: str, root=None, *, missing_ok: bool = False) -> list[Path]:
    """Remove the pull ``vintage`` of every source that has it (never the shipped snapshot),
    and its processed tables; return the folders removed. Each folder is first renamed to a
    hidden name, so a vintage is gone whole or not at all."""
    from tradedeal.ingest.paths import processed_dir

    if vintage == SNAPSHOT:
        raise ParameterError("the shipped snapshot is never dropped")
    folders = [vintages_dir(root) / s / vintage for s in SOURCES if vintage in pulls(s, root)]
    if not folders and missing_ok:
        return []
    if not folders:
        known = [v for v in list_vintages(root) if v != SNAPSHOT]
        raise ParameterError(f"no vintage {vintage!r} to drop; vintages are {', '.join(known) or 'none but snapshot'}")
    for folder in folders:
        hidden = folder.with_name(f".drop-{folder.name}")
        folder.rename(hidden)
        shutil.rmtree(hidden)
    shutil.rmtree(processed_dir(root) / "vintages" / vintage, ignore_errors=True)
    return folders


def _shown(path: Path) -> str:
    """A raw file as messages name it: its path below ``raw/`` (``census/…json.gz``), else its name."""
    parts = Path(path).parts
    return "/".join(parts[len(parts) - parts[::-1].index("raw"):]) if "raw" in parts else Path(path).name


def write_json(path: Path, content: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(content, indent=2, sort_keys=True))
