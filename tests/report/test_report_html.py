"""``facebench report``: one HTML page with the leaderboard, figures and per-sample links,
built from real run, metrics and judge files."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

from urllib.parse import unquote, urlparse

import pytest
from tests.judge.judge_helpers import rating_reply, with_health, write_run
from tests.report.chromium import CHROMIUM, REASON

from facebench.adapters.registry import ModelCard
from facebench.judge.client import Judge
from facebench.judge.mmvet import grade_task
from facebench.judge.reasoning import rate_task

pytest.importorskip("matplotlib")


def _au_metrics(out: Path, model: str) -> None:
    """An AU task's metrics file, as the multilabel kind writes it (per-AU F1)."""
    folder = out / model / "facebench" / "disfa"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"task": "disfa", "model": model, "protocol": "facebench"}))
    (folder / "metrics.json").write_text(json.dumps({
        "task": "disfa", "model": model, "style": "open", "mode": "strict", "n": 4, "n_invalid": 0,
        "n_error": 0, "primary_metric": "f1_mean", "lower_is_better": [],
        "metrics": {"f1_mean": 0.5, "per_class_f1": {"AU1": 0.4, "AU2": 0.6}, "format_valid_rate": 0.75},
        "floor": {}, "manifest": {}}))


def _build(tmp_path: Path, cli, server, monkeypatch) -> Path:
    out = tmp_path / "out"
    for name, seed in (("model-a", "0"), ("model-b", "1")):
        cli("run", "--model", "random", "--name", name, "--seed", seed, "--tasks", "rafdb",
            "--prompt", "open", "--limit", "8", "--output", out)
        _au_metrics(out, name)
    # a run under a paper's protocol, so the page has that paper's reported rows to show
    cli("run", "--model", "random", "--name", "model-c", "--tasks", "rafdb", "--protocol", "face-mllm",
        "--output", out)
    monkeypatch.setenv("FB_REPORT_KEY", "sk-report")
    # the reasoning rubric asks to "rate the given" media and description; MM-Vet grades 0-1
    server.responder = with_health(lambda body: rating_reply(6, 7, 5)
                                   if "rate the given" in json.dumps(body) else "0.5")
    card = ModelCard(name="judge-report", adapter="openai", settings={
        "model": "gpt-4o-mini", "base_url": server.base_url, "api_key_env": "FB_REPORT_KEY"})
    rate_task(next(out.glob("model-a/*/rafdb")), Judge(card), "expression")
    mm = write_run(out, "model-a", "mmvet", [
        {"id": f"q{i}", "target": "x", "response": "x", "meta": {"capability": ["rec", "ocr"][: 1 + i % 2],
                                                                 "question": f"Q{i}?"}} for i in range(3)])
    (mm / "metrics.json").write_text(json.dumps({
        "task": "mmvet", "model": "model-a", "style": "default", "mode": "strict", "n": 3, "n_invalid": 0,
        "n_error": 0, "primary_metric": "score", "lower_is_better": [],
        "metrics": {"needs_judge": True, "score": None, "format_valid_rate": 1.0}, "floor": {}, "manifest": {}}))
    grade_task(mm, Judge(card), repeats=2)
    return out


def test_report_page_has_leaderboard_figures_and_working_links(tmp_path, cli, server, monkeypatch):
    out = _build(tmp_path, cli, server, monkeypatch)
    page_path = tmp_path / "site" / "report.html"
    cli("report", out, "--html", page_path)
    page = page_path.read_text()

    assert "model-a" in page and "model-b" in page and "rafdb/accuracy" in page
    assert 'class="reported"' in page and "Face-MLLM (7B) [reported: Face-MLLM, zero-shot]" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    # headline; format-valid; rafdb: 3 confusion matrices + per-class recall; disfa: per-AU F1;
    # 2 judge figures
    assert len(images) == 1 + 1 + 4 + 1 + 2
    assert all(base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n" for b in images)
    assert "Reasoning ratings" in page and "MM-Vet" in page and "rafdb/judge_media_consistency" in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    run_a = "model-a/facebench~limit=8+seed=0+style=open/rafdb"
    assert any(h.endswith(f"{run_a}/predictions.jsonl") for h in hrefs)
    assert any(h.endswith(f"{run_a}/judge/ratings.jsonl") for h in hrefs)
    files = [h.split("#")[0] for h in hrefs if not h.startswith("#")]
    assert all((page_path.parent / h).resolve().is_file() for h in files)
    assert all(f"#task-{t}" in hrefs for t in ("rafdb", "disfa", "mmvet"))

    cli("report", out, "--html", tmp_path / "plain.html", "--no-paper")
    assert "reported:" not in (tmp_path / "plain.html").read_text()


def test_leaderboard_does_not_import_matplotlib_or_openai(tmp_path, cli):
    out = tmp_path / "out"
    cli("run", "--model", "random", "--tasks", "rafdb", "--limit", "4", "--output", out)
    code = ("import sys; from facebench.leaderboard import build_leaderboard; "
            f"build_leaderboard({str(out)!r}); "
            "assert 'matplotlib' not in sys.modules and 'openai' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(not CHROMIUM.exists(), reason=REASON)
def test_report_as_shown_in_a_browser(results, cli, chromium, tmp_path):
    page_path = tmp_path / "site" / "report.html"
    cli("report", results, "--html", page_path)
    page = chromium.page()
    page.goto(page_path.as_uri())
    page.wait("[...document.images].every(i => i.complete)")
    # the headline chart is the first figure, drawn before every task section
    first = page.eval("""(() => { const img = document.images[0], sec = document.querySelector('section.task');
        return {id: img.id, w: img.naturalWidth, before: !!(img.compareDocumentPosition(sec) & 4)}; })()""")
    assert first == {"id": "headline-chart", "w": first["w"], "before": True} and first["w"] > 600
    tasks = sorted(p.name for p in (results / "model-a" / "facebench").iterdir())
    assert page.eval("[...document.querySelectorAll('section.task')].map(s => s.id)") == [f"task-{t}" for t in tasks]
    assert page.eval("[...document.images].every(i => i.naturalWidth > 0)")
    figures = page.eval("""Object.fromEntries([...document.querySelectorAll('section.task')].map(s =>
        [s.id.slice(5), [...s.querySelectorAll('img')].map(i => i.className)]))""")
    assert figures["rafdb"] == ["fig-confusion", "fig-confusion", "fig-per_class_recall"]  # model-a, model-b
    assert figures["disfa"] == ["fig-per_class_f1"] and figures["celeba"] == ["fig-per_class_accuracy"]
    assert figures["agedb"] == ["fig-age_scatter"] and figures["utkface"] == ["fig-age_scatter"]
    assert figures["mmvet"] == []
    lower = page.eval("""Object.fromEntries([...document.querySelectorAll('section.task')].map(s =>
        [s.id.slice(5), [...s.querySelectorAll('h2 .lower')].map(b => b.textContent)]))""")
    assert {t: v for t, v in lower.items() if v} == {
        "agedb": ["\u2193 age_mae: lower is better"], "morph2": ["\u2193 mae: lower is better"],
        "utkface": ["\u2193 mae: lower is better"]}
    # every link leads somewhere: an anchor on the page, or a file that exists
    links = page.eval("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert len(links) > 2 * len(tasks)
    for link in links:
        url = urlparse(link)
        if url.path == urlparse(page_path.as_uri()).path:
            assert page.eval(f"!!document.getElementById({json.dumps(url.fragment)})"), link
        else:
            assert Path(unquote(url.path)).is_file(), link
    page.screenshot(tmp_path / "report.png")
    # a task's "browse" link opens the sample browser on that task, both models side by side
    page.eval("document.querySelector('#task-dfew a.samples').click()")
    page.wait("location.pathname.endsWith('/report_samples/index.html')")
    page.rendered()
    assert page.eval("document.getElementById('task').value") == "dfew"
    runs = page.eval("[...document.querySelectorAll('tr.sample')[0].querySelectorAll('td.run')].map(c => c.dataset.run)")
    assert runs == ["model-a [facebench]", "model-b [facebench]"]
