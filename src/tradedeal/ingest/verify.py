"""`tradedeal data verify`: rebuild every processed table from the raw files, and compare.

A sha256 kept beside a table shows that the table is the one the build wrote, not that the build
was right, nor that nobody rewrote both (docs/reliability.md says what each check protects
against). Only a rebuild from the raw files (and the pulled responses, under ``raw/vintages``)
shows that a table holds what the raw data give. :func:`verify` makes that rebuild in a
temporary folder, for the latest data and every vintage with processed tables, and compares
each table value by value; it changes nothing in the data folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from tradedeal.errors import DataNotAvailableError, SchemaError
from tradedeal.ingest import build, consistency, processed, vintages
from tradedeal.ingest.paths import data_dir, processed_dir, raw_dir


def raw_digest(manifest: dict) -> str:
    """One line naming the raw files a build read: their count and one sha256 over their hashes
    (each file's own is in the manifest's ``raw_sha256``)."""
    hashes = manifest.get("raw_sha256") or {}
    text = json.dumps(hashes, sort_keys=True).encode()
    return f"{len(hashes)} files, sha256 of their sha256s {hashlib.sha256(text).hexdigest()[:16]}"


def _targets(root: Path) -> list[tuple[str | None, Path]]:
    """The processed folders of a data folder: the latest data, then each vintage's."""
    processed = processed_dir(root)
    found = [(None, processed)] if (processed / "manifest.json").exists() else []
    below = processed / "vintages"
    if below.is_dir():
        found += [(p.name, p) for p in sorted(below.iterdir()) if (p / "manifest.json").exists()]
    return found


def _first_difference(kept: pd.DataFrame, rebuilt: pd.DataFrame) -> str | None:
    """Where a kept table departs from its rebuild, in words (rows counted from 1), or None."""
    if list(kept.columns) != list(rebuilt.columns):
        return f"in its columns ({list(kept.columns)}; the rebuild has {list(rebuilt.columns)})"
    if len(kept) != len(rebuilt):
        return f"in its length ({len(kept)} rows; the rebuild has {len(rebuilt)})"
    for column in kept.columns:
        a, b = kept[column].reset_index(drop=True), rebuilt[column].reset_index(drop=True)
        same = (a == b) | (a.isna() & b.isna())
        if not same.all():
            row = int((~same).to_numpy().argmax())
            return f"at row {row + 1} ({column} {a[row]!r} where the raw files give {b[row]!r})"
    return None


def verify(root: str | os.PathLike[str] | None = None) -> list[str]:
    """Rebuild the processed tables of the latest data and of every vintage in a temporary folder
    and compare them with those in ``data/processed``; one line per folder verified.

    Raises :class:`SchemaError` naming the vintage, the table and the first difference.
    """
    root = data_dir(root)
    targets = _targets(root)
    if not targets:
        raise DataNotAvailableError("verify: no processed tables to verify (tradedeal data build makes them)")
    lines = []
    with tempfile.TemporaryDirectory(prefix="tradedeal-verify-") as tmp:
        (Path(tmp) / "raw").symlink_to(raw_dir(root).resolve(), target_is_directory=True)
        accepted = root / consistency.ACCEPTED_FILE
        if accepted.exists():
            shutil.copy(accepted, Path(tmp) / consistency.ACCEPTED_FILE)
        for vintage, folder in targets:
            name = f"{vintages.label(None, root)} (latest)" if vintage is None else vintage
            manifest = processed.read_manifest(root, vintage) or {}
            if vintage is not None and vintage not in vintages.list_vintages(root):
                lines.append(f"{name}: no longer a vintage (dropped); its tables are not read")
                continue
            recorded, now = manifest.get("raw_sha256") or {}, build.fingerprint(root, vintage)
            rewritten = [f for f in recorded if f.startswith("vintages/") and f in now and now[f] != recorded[f]]
            if rewritten:  # a pull is written once; the build that read it recorded its hash
                raise SchemaError(f"verify: {name}: the pulled file {rewritten[0]} changed after a build read it "
                                  f"(sha256 {recorded[rewritten[0]][:12]}…, now {now[rewritten[0]][:12]}…): "
                                  "a pull is never rewritten; pull it again (tradedeal data refresh)")
            if recorded != now:
                lines.append(f"{name}: built from earlier raw files; the next load rebuilds it from these")
                continue
            build.build(tmp, vintage)
            rebuilt = build.processed_folder(tmp, vintage)
            for table in build.TABLES:
                try:
                    kept = pd.read_parquet(folder / f"{table}.parquet")
                except Exception as exc:  # noqa: BLE001  missing or garbled: named, like a difference
                    raise SchemaError(f"verify: {name}: {table} unreadable ({exc})".splitlines()[0]) from None
                difference = _first_difference(kept, pd.read_parquet(rebuilt / f"{table}.parquet"))
                if difference is not None:
                    raise SchemaError(f"verify: {name}: {table} differs from its rebuild from raw {difference}")
            lines.append(f"{name}: {len(build.TABLES)} tables rebuilt from raw and identical; "
                         f"raw data: {raw_digest(manifest)}")
    return lines
