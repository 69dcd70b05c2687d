"""A reader's view: a real browser (headless Chromium) opens a report run's index and every
report, and checks that every image loads (with alt text), every table is an HTML table labelled
for readers (no field names, text left-aligned, notes in proportional type), every link of the
index resolves, and each report opens with its title and headline, which the index repeats.
`.ci/run` installs Chromium; without it this test is skipped, saying so in one line."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Loads one page in an iframe (same origin: both come from the local server), waits for its
# images, and writes what it found into the checker page, which Chromium then dumps.
CHECKER = """<!doctype html><html><body><iframe id="f" src="{page}" width="1200" height="900"></iframe>
<script>
const frame = document.getElementById("f");
frame.onload = async () => {{
  const doc = frame.contentDocument;
  const images = [...doc.images];
  await Promise.all(images.map(i => i.complete ? null : new Promise(r => {{ i.onload = i.onerror = r; }})));
  const links = [];
  for (const a of doc.querySelectorAll("a[href]")) {{
    const reply = await fetch(a.getAttribute("href"), {{method: "HEAD"}});
    links.push([a.getAttribute("href"), reply.status]);
  }}
  const main = doc.querySelector("main") || doc.body;
  const first = [...main.children].find(e => e.textContent.trim());
  const headline = doc.querySelector(".tradedeal-headline");
  const cells = [...doc.querySelectorAll("table.tradedeal-table td")];
  const result = {{
    images: images.map(i => [i.naturalWidth, i.getAttribute("alt") || ""]),
    tables: doc.querySelectorAll("table.tradedeal-table").length,
    text_tables: [...doc.querySelectorAll("pre")].filter(p => /\\w+_(bn|pct)\\b/.test(p.textContent)).length,
    links: links,
    title: doc.title,
    h1: (doc.querySelector("h1") || {{textContent: ""}}).textContent.trim(),
    first: first ? [first.tagName, first.className, first.textContent.trim().slice(0, 300)] : null,
    headline: headline ? headline.textContent.trim() : null,
    headline_before_cells: headline ? !!(headline.compareDocumentPosition(doc.querySelector(".jp-Cell"))
                                         & Node.DOCUMENT_POSITION_FOLLOWING) : false,
    headers: [...doc.querySelectorAll("table.tradedeal-table th")].map(h => h.textContent.trim()).filter(t => t),
    text_cells: cells.filter(c => (c.textContent.match(/[a-z]/gi) || []).length >= 12)
                     .map(c => [c.textContent.trim().slice(0, 40), getComputedStyle(c).textAlign]),
    note_fonts: [...doc.querySelectorAll(".jp-RenderedText pre")].map(p => getComputedStyle(p).fontFamily),
    index_rows: [...doc.querySelectorAll("tr")].slice(1).map(r => [...r.cells].map(c => c.textContent.trim())),
  }};
  const out = document.createElement("pre");
  out.id = "result";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
}};
</script></body></html>"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test reports what matters
        pass


def chromium_or_skip() -> None:
    """Skip without Chromium, saying so; in CI (``CI=true``), where `.ci/run` installs it, fail."""
    if CHROMIUM is not None:
        return
    message = "no Chromium on this machine (apt-get install chromium): the reports were not read in a browser"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{message}; CI installs Chromium, so in CI this fails the run")
    pytest.skip(message)


def look(url: str) -> dict:
    """What Chromium sees of ``url``'s page (see CHECKER)."""
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=20000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"no result from Chromium: {done.stderr[-500:]}"
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture(scope="module")
def served_run(default_run):
    """The shared report run (every notebook with its defaults, and the two-year tracker), served
    on 127.0.0.1."""
    chromium_or_skip()
    out = default_run
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def checked(out, base: str, page: str) -> dict:
    name = f"check-{page}"
    (out / name).write_text(CHECKER.format(page=page))
    try:
        return look(f"{base}/{name}")
    finally:
        (out / name).unlink()


@pytest.fixture(scope="module")
def seen_page(served_run):
    """``seen_page(page)``: what Chromium sees of ``page`` of the served run, each page opened once in
    the module and kept (the tests read the same pages)."""
    out, base = served_run
    return functools.cache(lambda page: checked(out, base, page))


def headline_of(ipynb) -> str | None:
    import nbformat

    from tradedeal.present.headline import find_headline

    return find_headline(nbformat.read(ipynb, as_version=4))


def test_a_browser_reads_the_index_and_every_report(served_run, seen_page):
    out, _ = served_run
    index = seen_page("index.html")
    pages = [href for href, _ in index["links"]]
    # the five notebooks with their defaults, and the two-year tracker
    assert sorted(pages) == sorted(p.name for p in out.glob("0*.html")) and len(pages) == 6
    assert all(status == 200 for _, status in index["links"]), index["links"]
    for page in pages:
        seen = seen_page(page)
        assert seen["images"], page
        assert all(width > 0 for width, _ in seen["images"]), (page, "an image did not load")
        assert all(len(alt) > 20 and "No description" not in alt for _, alt in seen["images"]), (page, seen["images"])
        assert seen["tables"] >= 1 and seen["text_tables"] == 0, (page, seen)
        assert not [h for h in seen["headers"] if "_" in h], (page, "a field name in a table header", seen["headers"])
        assert all(align in ("left", "start") for _, align in seen["text_cells"]), (page, seen["text_cells"])
        fonts = seen["note_fonts"]
        assert fonts and not [f for f in fonts if "mono" in f.lower()], (page, "notes in monospace", fonts)


def test_each_report_opens_with_its_title_and_headline_and_the_index_repeats_them(served_run, seen_page):
    out, _ = served_run
    index = seen_page("index.html")
    rows = {row[0]: row for row in index["index_rows"]}
    for page in sorted(out.glob("0*.html")):
        seen = seen_page(page.name)
        headline = headline_of(page.with_suffix(".ipynb"))
        assert headline, (page.name, "the notebook shows no headline (show_headline)")
        # the title names the report and its subject, and is the page's first heading
        assert seen["title"] != "Notebook" and seen["title"] == seen["h1"], (page.name, seen["title"], seen["h1"])
        assert seen["first"][0] == "HEADER" and seen["first"][2].startswith(seen["h1"]), (page.name, seen["first"])
        assert seen["headline"] == headline and seen["headline_before_cells"], (page.name, seen["headline"])
        (row,) = [r for label, r in rows.items() if label.startswith(seen["title"])]
        assert row[1] == headline, (page.name, row)
        assert "Coverage: " in row[2] and "Annex 6.1 goods" in row[2], (page.name, row)
    product = seen_page("04_product.html")
    assert "soybeans" in product["title"] and "One product in depth" in product["title"]
    assert "product = soybeans" in rows[[k for k in rows if k.startswith(product["title"])][0]][3]
