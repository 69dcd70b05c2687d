"""Where tradedeal finds its data, and how it writes a file there.

The data folder is ``data/`` at the root of the checkout (the package is installed in editable
mode), or the folder named by the environment variable ``TRADEDEAL_DATA_DIR``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tradedeal.errors import DataNotAvailableError

_CHECKOUT_ROOT = Path(__file__).resolve().parents[3]


#: The environment variable naming another data folder.
DATA_DIR_VARIABLE = "TRADEDEAL_DATA_DIR"


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder: ``path`` if given, else ``$TRADEDEAL_DATA_DIR``, else ``data/``.

    A folder named by the variable must exist: a typo never gets a ``processed/`` folder made in
    a new place (DataNotAvailableError, one line)."""
    if path is not None:
        return Path(path)
    env = os.environ.get(DATA_DIR_VARIABLE)
    if not env:
        return _CHECKOUT_ROOT / "data"
    folder = Path(env)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DataNotAvailableError(f"{DATA_DIR_VARIABLE}={env}: {what} (it names the data folder, with raw/ in it)")
    return folder


def raw_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """The shipped raw snapshot, in the sources' own layouts."""
    return data_dir(root) / "raw"


def processed_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """Tidy parquet built from :func:`raw_dir` by :mod:`tradedeal.ingest.build`."""
    return data_dir(root) / "processed"


def notebooks_dir() -> Path:
    """The parameterized report notebooks."""
    return _CHECKOUT_ROOT / "notebooks"


def checkout_root() -> Path:
    """The root of the checkout (for stripping machine paths from executed notebooks)."""
    return _CHECKOUT_ROOT


def current_umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file next to ``path`` to write; renamed onto ``path`` when the block ends
    without error, removed when it fails. Readers never see a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; a file here is as shareable as any other
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
