"""The per-sample browser, opened in a real headless Chromium: what it shows is checked against
the result files of real runs (model-a: random; model-b: replayed answers that are right,
unparseable, missing and wrong in turn)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from tests.report.chromium import CHROMIUM, REASON, dump_dom
from tests.report.conftest import B_PATTERN, _facebench

from facebench.report.browser import write_browser

A, B = "model-a [facebench]", "model-b [facebench]"
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=REASON)


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.open()]


def _b_ids(results: Path, task: str, kind: str) -> list[str]:
    """model-b's ids of one kind, from the order of the requests it was answered in."""
    items = _rows(results / "model-a" / "facebench" / task / "items.jsonl")
    return [it["id"] for i, it in enumerate(items) if B_PATTERN[i % 4] == kind]


def _hash(**params: str | list[str]) -> str:
    parts = []
    for key, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            parts.append(f"{key}={quote(v)}")
    return "#" + "&".join(parts)


@pytest.fixture(scope="module")
def site(results, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    write_browser(results, site, chunk_size=100)
    return site


class _Shown(HTMLParser):
    """Rows of the results table in a dumped DOM: id -> {run key: (status, text)}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, list]] = {}
        self._row: str | None = None
        self._run: list | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and a.get("class") == "sample":
            self._row = a["data-id"]
            self.rows[self._row] = {}
        elif tag == "td" and self._row and "data-run" in a:
            self._run = [a.get("data-status"), ""]
            self.rows[self._row][a["data-run"]] = self._run
            self._depth = 1
        elif tag == "td" and self._run is not None:
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "td" and self._run is not None:
            self._depth -= 1
            if self._depth == 0:
                self._run = None

    def handle_data(self, data):
        if self._run is not None:
            self._run[1] += data


def _shown(url: str) -> dict[str, dict[str, list]]:
    parser = _Shown()
    parser.feed(dump_dom(url))
    return parser.rows


@needs_chromium
def test_hash_filters_select_the_rows_shown(results, site):
    page = (site / "index.html").as_uri()
    for kind in ("invalid", "error", "wrong"):
        shown = _shown(page + _hash(task="rafdb", model=B, show=kind))
        assert list(shown) == _b_ids(results, "rafdb", kind)
        assert all(list(cells) == [B] and cells[B][0] == kind for cells in shown.values())
    errors = _shown(page + _hash(task="dfew", model=B, show="error"))
    assert list(errors) == _b_ids(results, "dfew", "error")
    assert all("no response for task 'dfew'" in cells[B][1] for cells in errors.values())
    # two statuses: either; model-a's wrong rows are those its predictions score 0
    both = _shown(page + _hash(task="rafdb", model=B, show=["invalid", "error"]))
    assert set(both) == set(_b_ids(results, "rafdb", "invalid")) | set(_b_ids(results, "rafdb", "error"))
    preds = _rows(results / "model-a" / "facebench" / "rafdb" / "predictions.jsonl")
    wrong_a = [p["id"] for p in preds if p["parsed"] is not None and p["score"] == 0]
    assert 0 < len(wrong_a) < len(preds)
    assert list(_shown(page + _hash(task="rafdb", model=A, show="wrong"))) == wrong_a
    # no filter: every row, both models
    everything = _shown(page + _hash(task="rafdb"))
    assert list(everything) == [p["id"] for p in preds]
    assert all(set(cells) == {A, B} for cells in everything.values())


@needs_chromium
def test_controls_filter_and_side_by_side(results, site, chromium, tmp_path):
    page = chromium.page()
    url = (site / "index.html").as_uri()
    page.goto(url + "#task=rafdb")
    page.rendered()
    # untick model-a, tick "wrong": the hash follows the controls and the table follows the hash
    page.eval(f"document.querySelector('#models input[value={json.dumps(A)}]').click()")
    page.rendered()
    page.eval("document.querySelector('#statuses input[value=wrong]').click()")
    page.rendered()
    assert "show=wrong" in page.eval("location.hash")
    ids = page.eval("[...document.querySelectorAll('tr.sample')].map(r => r.dataset.id)")
    assert ids == _b_ids(results, "rafdb", "wrong")
    assert page.eval("[...document.querySelectorAll('td.run')].every(c => c.dataset.run === "
                     f"{json.dumps(B)} && c.dataset.status === 'wrong')")

    page.goto(url + _hash(task="rafdb", model=[A, B]))
    page.rendered()
    a = {p["id"]: p for p in _rows(results / "model-a" / "facebench" / "rafdb" / "predictions.jsonl")}
    b = {p["id"]: p for p in _rows(results / "model-b" / "facebench" / "rafdb" / "predictions.jsonl")}
    assert page.eval("[...document.querySelectorAll('thead th')].map(t => t.firstChild.textContent)")[2:] == [A, B]
    for sample in ("test_0001", "test_0002"):
        cells = page.eval(f"""[...document.querySelectorAll('tr.sample[data-id="{sample}"] td.run')].map(c =>
            ({{run: c.dataset.run, response: c.querySelector('dd.response').textContent,
               parsed: c.querySelector('dd.parsed').textContent, rule: c.querySelector('dd.rule').textContent,
               score: c.querySelector('dd.score').textContent}}))""")
        assert [c["run"] for c in cells] == [A, B]
        for cell, pred in zip(cells, (a[sample], b[sample])):
            assert cell["response"] == pred["response"] and cell["rule"] == pred["rule"]
            assert cell["parsed"] == (pred["parsed"] if pred["parsed"] is not None else "\u2014")
            assert float(cell["score"]) == pred["score"]
        target = page.eval(f"document.querySelector('tr.sample[data-id=\"{sample}\"] .target').textContent")
        assert target == f"target: {a[sample]['target']}"
    shot = page.screenshot(tmp_path / "side_by_side.png", full=False)
    assert Image.open(shot).size == (1400, 1000)


@needs_chromium
def test_thumbnails_are_the_runs_media(results, site, chromium, tmp_path):
    page = chromium.page()
    page.goto((site / "index.html").as_uri() + _hash(task="dfew", model=B))
    page.rendered()
    page.wait("[...document.querySelectorAll('tr.sample')[0].querySelectorAll('img')].every(i => i.complete)")
    first = page.eval("""[...document.querySelectorAll('tr.sample')[0].querySelectorAll('td.media img')]
        .map(i => ({src: i.getAttribute('src'), title: i.title, w: i.naturalWidth}))""")
    item = _rows(results / "model-b" / "facebench" / "dfew" / "items.jsonl")[0]
    video = next(c["value"] for c in item["request"]["messages"][0]["content"] if c["type"] == "video")
    assert len(first) == 4 and all(f["title"] == video and f["w"] > 0 for f in first)
    assert all(f["src"].startswith("thumbs/") and f["src"].endswith(".jpg") for f in first)
    frames = [Image.open(site / f["src"]) for f in first]
    assert all(im.format == "JPEG" and max(im.size) <= 160 for im in frames)
    assert len({im.tobytes() for im in frames}) > 1  # sampled frames, not one frame four times
    page.screenshot(tmp_path / "dfew.png", full=False)
    # an image task: one thumbnail per row, of the row's own picture
    page.goto((site / "index.html").as_uri() + _hash(task="rafdb", model=A))
    page.rendered()
    page.wait("document.querySelector('tr.sample img').naturalWidth > 0")
    title = page.eval("document.querySelector('tr.sample img').title")
    assert title.endswith("test_0001_aligned.jpg")
    # nothing is fetched from the network: every script and picture is a file beside the page
    assert page.eval("[...document.querySelectorAll('[src]')].every(e => e.src.startsWith('file:'))")
    assert "http" not in (site / "index.html").read_text().replace("http-equiv", "")


@needs_chromium
def test_pages_load_only_their_chunks(results, site, chromium):
    ids = [p["id"] for p in _rows(results / "model-a" / "facebench" / "celeba" / "predictions.jsonl")]
    assert len(ids) > 400
    for number, chunk in ((3, 0), (5, 1)):  # 25 rows a page, 100 rows a chunk
        page = chromium.page()  # a fresh tab: nothing loaded before
        page.goto((site / "index.html").as_uri() + _hash(task="celeba", per="25", page=str(number)))
        page.rendered()
        shown = page.eval("[...document.querySelectorAll('tr.sample')].map(r => r.dataset.id)")
        assert shown == ids[(number - 1) * 25:number * 25]
        assert page.eval("document.getElementById('pageinfo').textContent") == f"page {number} of {-(-len(ids) // 25)}"
        loaded = page.eval("[...document.querySelectorAll('script[src]')].map(s => s.getAttribute('src'))")
        assert f"data/celeba/{chunk}.js" in loaded
        assert not [s for s in loaded if s.startswith("data/celeba/") and s not in (f"data/celeba/{chunk}.js", "data/celeba/flags.js")]
    page.eval("document.getElementById('next').click()")
    page.rendered()
    assert page.eval("document.querySelector('tr.sample').dataset.id") == ids[125]


def test_status_of_each_row_comes_from_its_prediction(results, site):
    """The flags the filters read, checked without a browser."""
    text = (site / "data" / "rafdb" / "flags.js").read_text()
    assert text.startswith('FB.flags("rafdb", ')
    flags = json.loads(text[len('FB.flags("rafdb", '):-3])
    letter = {"right": "r", "invalid": "i", "error": "e", "wrong": "w"}
    items = _rows(results / "model-a" / "facebench" / "rafdb" / "items.jsonl")
    assert flags[B] == "".join(letter[B_PATTERN[i % 4]] for i in range(len(items)))
    ages = json.loads((site / "data" / "agedb" / "flags.js").read_text()[len('FB.flags("agedb", '):-3])
    preds = _rows(results / "model-b" / "facebench" / "agedb" / "predictions.jsonl")
    age_rows = [i for i, p in enumerate(preds) if p["target"]["question"] == "age"]
    # an exact age is right, 10 years off is wrong (the score is the absolute error)
    assert {ages[B][i] for i in age_rows if preds[i]["score"] == 0} == {"r"}
    assert {ages[B][i] for i in age_rows if preds[i]["score"] == 10} == {"w"}


@needs_chromium
def test_view_serves_on_loopback_until_ctrl_c(results, tmp_path, chromium):
    site = tmp_path / "view"
    proc = subprocess.Popen([sys.executable, "-m", "facebench", "view", str(results), "--site", str(site),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"serving {site} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        page = chromium.page()
        page.goto(url + _hash(task="dfew", model=B, show="error"))
        page.rendered()
        ids = page.eval("[...document.querySelectorAll('tr.sample')].map(r => r.dataset.id)")
        assert ids == _b_ids(results, "dfew", "error")
        page.wait("document.querySelector('tr.sample img').naturalWidth > 0")  # served by the same server
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and rest.strip().endswith("stopped")


def test_view_without_serving_and_with_a_time_limit(results, tmp_path):
    site = tmp_path / "static"
    _facebench("view", results, "--site", site, "--no-serve")
    assert (site / "index.html").is_file() and (site / "data" / "index.js").is_file()
    done = subprocess.run([sys.executable, "-m", "facebench", "view", str(results), "--site", str(site),
                           "--port", "0", "--seconds", "0.5"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "stopped" in done.stdout
    # no results, or a folder facebench did not write: a clear refusal (exit 2), nothing deleted
    (tmp_path / "empty").mkdir()
    _facebench("view", tmp_path / "empty", "--site", tmp_path / "s2", "--no-serve", ok=(2,))
    (tmp_path / "mine" / "data").mkdir(parents=True)
    (tmp_path / "mine" / "data" / "keep.txt").write_text("x")
    _facebench("view", results, "--site", tmp_path / "mine", "--no-serve", ok=(2,))
    assert (tmp_path / "mine" / "data" / "keep.txt").is_file()
