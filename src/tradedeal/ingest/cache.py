"""A disk cache for results that take seconds to compute (backtests), in ``data/processed/cache``.

A result is keyed by the raw data's fingerprint, the source code of the package and the call's
arguments, so a change to any of them computes it afresh; nothing stale is ever served. Files
are written to a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tradedeal.ingest.paths import atomic_path, processed_dir

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parents[1]


def _code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached(name: str, compute: Callable[[], T], *, key: tuple, snapshot) -> T:
    """Return ``compute()``, from the cache when the same data (``snapshot``: its raw files at its
    vintage), code and ``key`` produced it. An unreadable cache file is a cache miss."""
    manifest = snapshot.manifest
    parts = (name, repr(key), repr(sorted(manifest.get("raw_sha256", {}).items())), _code_hash())
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]
    folder = processed_dir(snapshot.root) / "cache"
    path = folder / f"{name}-{digest}.pkl"
    if path.exists():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001  unreadable or from other code: compute again
            path.unlink(missing_ok=True)  # unreadable: compute again
    result = compute()
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return result
