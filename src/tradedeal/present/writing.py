"""What a report writes, and how: text scrubbed of machine paths and the Census API key, files put
in place whole, and the line that makes a report's kernel export its figures and tables.

:mod:`tradedeal.present.report` (the executed notebooks, the index) and
:mod:`tradedeal.present.export` (figures and tables next to a report) both write through here;
this module imports no other part of ``present``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tradedeal.errors import ParameterError
from tradedeal.ingest.paths import atomic_path, checkout_root

FIGURE_FORMATS = ("svg", "pdf", "png")
#: Environment of a kernel that exports: the folder, the report's name, the figure formats.
ENV_DIR, ENV_PREFIX, ENV_FORMATS = "TRADEDEAL_EXPORT_DIR", "TRADEDEAL_EXPORT_PREFIX", "TRADEDEAL_EXPORT_FORMATS"


def scrub(text: str) -> str:
    """Remove machine paths and the Census API key from one piece of text."""
    key = os.environ.get("CENSUS_API_KEY")
    if key:
        text = text.replace(key, "[redacted]")
    for path in sorted({str(checkout_root()), str(Path.home()), tempfile.gettempdir()}, key=len, reverse=True):
        if len(path) > 1:
            text = text.replace(path + os.sep, "").replace(path, ".")
    return text


def scrub_notebook(nb) -> None:
    """Scrub every text a notebook carries (sources, text outputs, tracebacks), not its images."""
    for cell in nb.cells:
        cell.source = scrub(cell.source)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = scrub(output["text"])
            if "traceback" in output:
                output["traceback"] = [scrub(line) for line in output["traceback"]]
            if "evalue" in output:
                output["evalue"] = scrub(output["evalue"])
            for mime, value in output.get("data", {}).items():
                if not mime.startswith("image/") and isinstance(value, str):
                    output["data"][mime] = scrub(value)
    papermill = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path", "cwd"):
        if isinstance(papermill.get(key), str):
            papermill[key] = scrub(papermill[key])
    if isinstance(papermill.get("parameters"), dict):
        papermill["parameters"] = {k: scrub(v) if isinstance(v, str) else v for k, v in papermill["parameters"].items()}


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole: a temporary file, then renamed in place."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_formats(text: str) -> tuple[str, ...]:
    """``svg,pdf,png`` as a tuple; an unknown format is a :class:`~tradedeal.errors.ParameterError`."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in str(text).split(",") if f.strip()))
    unknown = [f for f in formats if f not in FIGURE_FORMATS]
    if unknown or not formats:
        raise ParameterError(f"--figures takes formats from {', '.join(FIGURE_FORMATS)}, comma-separated; got {text!r}")
    return formats


def start_line(folder: Path, prefix: str, formats: tuple[str, ...]) -> str:
    """The Python line a kernel runs first (``IPKernelApp.exec_lines``) to export its report
    (:func:`tradedeal.present.export.start`)."""
    env = {ENV_DIR: str(folder), ENV_PREFIX: prefix, ENV_FORMATS: ",".join(formats)}
    return f"import os; os.environ.update({env!r}); import tradedeal.present.export as _e; _e.start()"
