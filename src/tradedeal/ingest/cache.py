"""A disk cache for results that take seconds to compute (backtests), in ``data/processed/cache``.

A result is keyed by the raw data's fingerprint, the source code of the package and the call's
arguments, so a change to any of them computes it afresh; nothing stale is ever served. A result
that runs a program from outside the package puts that program's identity in its ``key`` (X-13:
``tradedeal.models.shared.seasonal.x13_identity``, the binary's version and sha256). Each
file starts with the sha256 of the pickle after it: a damaged or altered file is a cache miss,
never served. Files are written to a temporary name and renamed. Two processes that ask for the
same result at once (two report runs, two test workers) compute it once: the second waits on a
lock file beside the result and then reads it.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from filelock import FileLock

from tradedeal.ingest.paths import atomic_path, processed_dir

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parents[1]
_DIGEST = 32  # bytes of sha256 before each pickle


def _code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def series_digest(series) -> str:
    """A sha256 of a series' values, index and dtypes, for a ``cached`` key: equal series, equal
    digests (the data's fingerprint in the key names the files, not a series derived from them)."""
    import pandas as pd  # only the callers with a series pay for it

    digest = hashlib.sha256(pd.util.hash_pandas_object(series, index=True).to_numpy().tobytes())
    digest.update(f"{series.dtype}|{series.index.dtype}|{len(series)}".encode())
    return digest.hexdigest()


def cached(name: str, compute: Callable[[], T], *, key: tuple, snapshot) -> T:
    """Return ``compute()``, from the cache when the same data (``snapshot``: its raw files at its
    vintage), code and ``key`` produced it. An unreadable cache file is a cache miss."""
    manifest = snapshot.manifest
    parts = (name, repr(key), repr(sorted(manifest.get("raw_sha256", {}).items())), _code_hash())
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]
    folder = processed_dir(snapshot.root) / "cache"
    path = folder / f"{name}-{digest}.pkl"
    found = _read(path)
    if found is not _MISS:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(path.with_suffix(".lock")):  # another process may be computing it: wait, then read
        found = _read(path)
        if found is not _MISS:
            return found
        result = compute()
        body = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        with atomic_path(path) as tmp:
            tmp.write_bytes(hashlib.sha256(body).digest() + body)
    return result


_MISS = object()


def _read(path: Path):
    """The result in ``path``, or ``_MISS`` when there is none or it is unreadable, damaged,
    altered or from other code (the file is then removed)."""
    if not path.exists():
        return _MISS
    try:
        data = path.read_bytes()
        if len(data) <= _DIGEST or hashlib.sha256(data[_DIGEST:]).digest() != data[:_DIGEST]:
            raise ValueError("damaged or altered")
        return pickle.loads(data[_DIGEST:])
    except Exception:  # noqa: BLE001  unreadable, damaged, altered or from other code: compute again
        path.unlink(missing_ok=True)
        return _MISS
