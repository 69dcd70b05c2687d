"""The Census API key: hidden in every encoding, refused when a response carries it back, never
sent to another server by a redirect. The server is tests/api_server.py on 127.0.0.1; the key is
a fake one, and every response that echoes it is an edited response (not real data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_server import APIServer

from conftest import KEY
from tradedeal.errors import SourceError
from tradedeal.ingest import apikey, vintages
from tradedeal.ingest.refresh import refresh
from tradedeal.present import cli

#: The key as a careless server, log or error could carry it back.
ENCODINGS = {
    "as sent": KEY,
    "upper case": KEY.upper(),
    "lower case": KEY.lower(),
    "percent-encoded": "".join(f"%{b:02X}" for b in KEY.encode()),
    "percent-encoded, lower-case hex": "".join(f"%{b:02x}" for b in KEY.encode()),
    "percent-encoded twice": "".join(f"%25{b:02X}" for b in KEY.encode()),
    "half percent-encoded": "".join(f"%{ord(c):02X}" if i % 2 else c for i, c in enumerate(KEY)),
    "JSON-escaped": "".join(f"\\u{ord(c):04x}" for c in KEY),
    "JSON-escaped, upper case": "".join(f"\\u{ord(c):04X}" for c in KEY.upper()),
}


def everything_under(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(root.rglob("*"))
                     if p.is_file() and not p.name.endswith(".lock"))


@pytest.mark.parametrize("form", list(ENCODINGS))
def test_redact_hides_the_key_in_every_encoding(monkeypatch, form):
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    text = f"row 3: ALL_VAL_MO '{ENCODINGS[form]}' breaks the rule: a number"
    assert apikey.redact(text) == "row 3: ALL_VAL_MO 'REDACTED' breaks the rule: a number"
    assert apikey.holds_key(text.encode())
    assert not apikey.holds_key(text.replace(ENCODINGS[form], "fakeKey0123"))  # a prefix is not the key


def test_a_query_key_is_redacted_whatever_its_name_looks_like():
    assert apikey.redact("GET /x?time=2021-01&KEY=abc&b=1") == "GET /x?time=2021-01&KEY=REDACTED&b=1"
    assert apikey.redact("GET /x?time=2021-01%26key%3Dabc") == "GET /x?time=2021-01%26key%3DREDACTED"
    assert apikey.redact("monkey=1&turnkey=2") == "monkey=1&turnkey=2"


def echo_in_description(form: str):
    """An edited response (not real data): the key inside a product description."""

    def edit(rows):
        header = [*rows[0], "E_COMMODITY_SDESC"]
        body = [[*r, f"SOYBEANS {'@KEY@' if i == 2 else ''}".strip()] for i, r in enumerate(rows[1:])]
        text = json.dumps([header, *body]).replace("@KEY@", ENCODINGS[form])
        return text.encode()

    return edit


@pytest.mark.parametrize("form", ["as sent", "upper case", "percent-encoded", "JSON-escaped"])
def test_a_response_that_echoes_the_key_is_refused_before_anything_is_stored(built_root, api, capsys, monkeypatch,
                                                                              form):
    server = api({"2021-01": echo_in_description(form)})
    before = everything_under(built_root)
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(built_root))
    code = cli.main(["data", "refresh", "--source", "census", "--start", "2021-01", "--end", "2021-01"])
    out, err = capsys.readouterr()
    assert any(f"key={KEY}" in r for r in server.requests)  # the key was sent
    assert code == 2 and err.count("\n") == 1 and out == ""
    assert err.startswith("tradedeal: error: the response carries the API key back (HTTP 200); refused, nothing "
                          "stored: http://127.0.0.1:"), err
    assert "key=REDACTED" in err and not apikey.holds_key(err)
    assert vintages.list_vintages(built_root) == ["snapshot"]
    assert everything_under(built_root) == before and not apikey.holds_key(before)


def test_a_value_that_echoes_the_key_never_reaches_stderr(fresh_root, api, capsys, monkeypatch):
    """Once a schema error quoted the value, key and all."""

    def echo_in_value(rows):  # an edited response (not real data)
        rows = [list(r) for r in rows]
        rows[3][1] = KEY
        return rows

    api({"2021-01": echo_in_value})
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(fresh_root))
    code = cli.main(["data", "refresh", "--source", "census", "--start", "2021-01", "--end", "2021-01"])
    err = capsys.readouterr().err
    assert code == 2 and "refused, nothing stored" in err and not apikey.holds_key(err)


def test_every_message_the_command_line_prints_is_redacted(run, monkeypatch):
    """Belt and braces: a key that reached an error or a table some other way is masked on the
    way out, in any encoding."""
    from tradedeal.agreement import targets
    from tradedeal.errors import ParameterError

    monkeypatch.setenv("CENSUS_API_KEY", KEY)

    def leaky(year):
        raise ParameterError(f"year {ENCODINGS['percent-encoded']} {KEY.upper()}")

    monkeypatch.setattr(targets, "check_year", leaky)
    code, out, err = run("tracker", "--year", "2020")
    assert code == 2 and err == "tradedeal: error: year REDACTED REDACTED\n"


def test_a_redirect_to_another_port_is_refused_and_the_key_stays_home(fresh_root, api):
    with APIServer() as elsewhere:
        server = api({"2021-01": ("redirect", lambda path: elsewhere.url + path)})  # the query, key and all
        with pytest.raises(SourceError) as err:
            refresh("census", "2021-01", "2021-01", root=fresh_root)
        assert elsewhere.requests == []  # nothing reached the other port
    message = str(err.value)
    assert message.startswith(f"redirected to another server ({elsewhere.url}/data/timeseries/intltrade/exports/hs?")
    assert "key=REDACTED" in message and KEY not in message
    assert len(server.requests) == 1 and vintages.list_vintages(fresh_root) == ["snapshot"]


def test_a_redirect_on_the_same_server_is_followed(fresh_root, api):
    server = api({"2021-01": ("redirect-once", lambda path: path + "&moved=1")})
    (census,) = refresh("census", "2021-01", "2021-01", root=fresh_root)
    assert len(server.requests) == 2 and "moved=1" in server.requests[1]
    assert (census / "exports_hs6_cty5700_2021-01.json").exists()
    assert KEY not in everything_under(fresh_root / "raw" / "vintages")


def test_fred_without_a_key_may_be_redirected_elsewhere(fresh_root, api, monkeypatch):
    with APIServer() as elsewhere:
        api({"EXPCH": ("redirect", lambda path: elsewhere.url + path)})
        monkeypatch.delenv("CENSUS_API_KEY")
        (fred,) = refresh("fred", root=fresh_root)
        assert len(elsewhere.requests) == 1  # a key-free download follows its redirect
    assert (fred / "EXPCH.csv").read_bytes() == (fresh_root / "raw" / "fred" / "EXPCH.csv").read_bytes()
