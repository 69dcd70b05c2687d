"""Wall time of a scan of every covered HS4 line from cold (a fresh data folder: build included).

    .venv/bin/python benchmarks/scan.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "data" / "raw", Path(tmp) / "raw")
        env = {**os.environ, "TRADEDEAL_DATA_DIR": tmp}
        command = [sys.executable, "-m", "tradedeal", "scan", "--level", "hs4", "--format", "csv"]
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        warm = time.perf_counter() - start
    print(f"tradedeal scan --level hs4, every covered HS4 line: cold {cold:.1f} s (build included), "
          f"warm {warm:.1f} s; goal from cold under 10 s on 2 cores")


if __name__ == "__main__":
    main()
