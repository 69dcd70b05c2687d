"""A local stand-in for the Census International Trade API and FRED, on 127.0.0.1.

It answers with recorded responses in the real layouts, taken from the shipped snapshot:
a Census month is the snapshot's rows for that month (header first, strings), a month the
snapshot lacks is HTTP 204 (Census's "no data"), FRED is the shipped CSV. ``future`` names a
folder written by ``future_vintage.py``: its synthetic months (TEST DATA, NOT REAL) are served
as months after the snapshot. ``behaviour`` maps a
month (or a FRED series) to a fault to play: "400", "500" (every time), "500-once", "429-once",
"truncated", "slow-once", "slow", "204", "trickle" (the answer one byte every ``slow_seconds``),
``("redirect", location)`` or ``("redirect-once", location)`` (HTTP 302; ``location`` a URL or a
callable of the request's path), ``("status", code, headers, body)`` (or ``"status-once"``), or a callable editing the
rows (a Census month) or the CSV lines (a FRED series), which may also return the body's bytes
as they are to be sent; an edited response is not real data, and tests that use one say so.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import future_vintage

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def census_month(month: str) -> list[list[str]] | None:
    path = RAW / "census" / f"exports_hs6_cty5700_{month[:4]}.json.gz"
    if not path.exists():
        return None
    with gzip.open(path, "rt") as fh:
        rows = json.load(fh)
    picked = [r for r in rows[1:] if r[-1] == month]
    return [rows[0], *picked] if picked else None


class APIServer:
    def __init__(self, behaviour: dict | None = None, slow_seconds: float = 1.5, future: str | Path | None = None):
        self.behaviour = behaviour or {}
        self.future = future_vintage.read(future) if future is not None else {}
        self.slow_seconds = slow_seconds
        #: set when the server closes: a slow answer it is holding back ends then, not later
        self.closing = threading.Event()
        self.requests: list[str] = []
        self.seen: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                server.requests.append(self.path)
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path.endswith("/exports/hs"):
                    server._census(self, query)
                elif url.path.endswith("fredgraph.csv"):
                    server._fred(self, query)
                else:
                    self._send(404, b"not found")

            def _send(self, status, body=b"", content_type="application/json", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # a client that timed out and left
                pass

        self.handler = Handler
        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _fault(self, name: str, handler) -> bool:
        """Play the fault for ``name``; True when the request has been answered."""
        fault = self.behaviour.get(name)
        count = self.seen.get(name, 0)
        self.seen[name] = count + 1
        if fault == "400":
            handler._send(400, b"error: unknown variable 'XYZ'", "text/plain")
        elif fault == "500" or (fault == "500-once" and count == 0):
            handler._send(500, b"Internal Server Error", "text/plain")
        elif fault == "429-once" and count == 0:
            handler._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"})
        elif fault == "204":
            handler._send(204)
        elif isinstance(fault, tuple) and (fault[0] == "redirect" or (fault[0] == "redirect-once" and count == 0)):
            location = fault[1](handler.path) if callable(fault[1]) else fault[1]
            handler._send(302, b"moved", "text/plain", {"Location": location})
        elif isinstance(fault, tuple) and (fault[0] == "status" or (fault[0] == "status-once" and count == 0)):
            handler._send(fault[1], fault[3], "text/plain", fault[2])
        elif fault == "trickle":
            self._trickle(handler)
        elif fault == "slow" or (fault == "slow-once" and count == 0):
            # the fault itself: the answer is held back this long (the client's deadline is what is
            # tested), or until the server closes
            self.closing.wait(self.slow_seconds)
            return False
        else:
            return False
        return True

    def _trickle(self, handler) -> None:
        """A whole answer, status line first, one byte every ``slow_seconds`` until the client leaves."""
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + b" " * 100000
        try:
            for i in range(len(answer)):
                handler.wfile.write(answer[i:i + 1])
                handler.wfile.flush()
                if self.closing.wait(self.slow_seconds):  # the fault's pace, until the server closes
                    break
        except OSError:  # the client gave up
            pass
        handler.close_connection = True

    def _census(self, handler, query):
        month = query.get("time", "")
        if query.get("CTY_CODE") != "5700" or query.get("COMM_LVL") != "HS6":
            handler._send(400, b"error: this server records CTY_CODE=5700, COMM_LVL=HS6", "text/plain")
            return
        if self._fault(month, handler):
            return
        rows = census_month(month) or self.future.get(month)
        if rows is None:
            handler._send(204)
            return
        edit = self.behaviour.get(month)
        if callable(edit):
            rows = edit(rows)
        body = rows if isinstance(rows, bytes) else json.dumps(rows).replace("],", "],\n").encode()
        if self.behaviour.get(month) == "truncated":
            body = body[: len(body) // 2]
        handler._send(200, body)

    def _fred(self, handler, query):
        series = query.get("id", "")
        if self._fault(series, handler):
            return
        path = RAW / "fred" / f"{series}.csv"
        if not path.exists():
            handler._send(400, b"Bad Request. The series does not exist.", "text/plain")
            return
        body = path.read_bytes()
        edit = self.behaviour.get(series)
        if callable(edit):
            lines = edit(body.decode().splitlines())
            body = lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode()
        handler._send(200, body, "text/csv")


if __name__ == "__main__":  # python tests/api_server.py [FUTURE_DIR]: serve until Ctrl-C
    import sys

    with APIServer(future=sys.argv[1] if len(sys.argv) > 1 else None) as api:
        print(f"TRADEDEAL_CENSUS_URL={api.url}/data/timeseries/intltrade/exports/hs")
        print(f"TRADEDEAL_FRED_URL={api.url}/graph/fredgraph.csv", flush=True)
        try:
            api.thread.join()
        except KeyboardInterrupt:
            pass
