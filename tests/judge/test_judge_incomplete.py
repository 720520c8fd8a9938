"""A judge call that failed is an error, never a score: the summary is incomplete (null scores,
the error count), the tables and the leaderboard leave it out, ``facebench judge`` exits non-zero,
and the same command asks again only the failed calls. Model errors are refused, not graded."""

from __future__ import annotations

import csv
import itertools
import json

import pytest
from tests.judge.judge_helpers import rating_reply, with_health, write_run

from facebench.errors import FacebenchError
from facebench.judge.client import Judge
from facebench.judge.mmvet import grade_task
from facebench.judge.reasoning import rate_task
from facebench.judge.tables import judge_columns


def mmvet_items(n: int, missing: tuple[int, ...] = ()) -> list[dict]:
    return [{"id": f"q{i}", "target": f"a{i}", "response": None if i in missing else f"a{i}",
             "meta": {"capability": ["rec", "ocr"][: 1 + i % 2], "question": f"Question {i}?"}}
            for i in range(n)]


def with_metrics(folder, n: int) -> None:
    """The metrics file ``facebench run`` leaves for MM-Vet (a judged task: needs_judge)."""
    (folder / "metrics.json").write_text(json.dumps({
        "task": "mmvet", "model": "m1", "style": "default", "mode": "strict", "n": n, "n_invalid": 0,
        "n_error": 0, "primary_metric": "score", "lower_is_better": [],
        "metrics": {"needs_judge": True, "score": None, "format_valid_rate": 1.0}, "floor": {}, "manifest": {}}))


def fail_after(n_ok: int):
    """A server rule: the first ``n_ok`` chat requests (health check included) answer, then every
    request gets HTTP 500 (the server broke after the health check passed)."""
    counter = itertools.count()
    return lambda body: "500" if next(counter) >= n_ok else None


def board_columns(cli, out, path) -> list[str]:
    cli("leaderboard", out, "--wide", "--csv", path)
    with path.open() as fh:
        return next(csv.reader(fh))


def test_server_failing_mid_run_makes_mmvet_incomplete_and_a_rerun_asks_only_the_failed(
        tmp_path, cli, server, judge_card):
    out = tmp_path / "out"
    folder = write_run(out, "m1", "mmvet", mmvet_items(4))
    with_metrics(folder, 4)
    server.responder = with_health(lambda body: "1.0")
    server.rule = fail_after(1 + 3)  # health check + 3 gradings, then 500s (after 3 retries each)
    card = judge_card()

    result = cli("judge", out, "--judge", card, "--tasks", "mmvet", "--repeats", "2", expect=1)
    assert "INCOMPLETE, 5 of 8 gradings failed" in result.output and "rerun the same command" in result.output
    summary = json.loads((folder / "judge" / "summary.json").read_text())
    assert summary["complete"] is False and summary["n_error_gradings"] == 5 and summary["n_graded"] == 3
    assert summary["overall"] == {"mean": None, "std": None, "n": 4, "runs": None}
    assert all(c["mean"] is None for c in (*summary["capabilities"].values(), *summary["combinations"].values()))
    rows = [json.loads(x) for x in (folder / "judge" / "gradings.jsonl").read_text().splitlines()]
    assert sum(r["status"] == "error" for r in rows) >= 3 and all("HTTP 500" in e for r in rows for e in r["errors"])
    # kept out of the CSV and the leaderboard
    assert not (out / "judge_mmvet.csv").exists() and judge_columns(out) == {}
    assert not any(c.startswith("mmvet/overall") for c in board_columns(cli, out, tmp_path / "b1.csv"))

    server.rule = None  # the server is back: only the 5 failed gradings are asked again
    before = server.count
    result = cli("judge", out, "--judge", card, "--tasks", "mmvet", "--repeats", "2")
    assert server.count - before == 1 + 5  # health check + the failed ones
    summary = json.loads((folder / "judge" / "summary.json").read_text())
    assert summary["complete"] is True and summary["n_error_gradings"] == 0 and summary["new_calls"] == 5
    assert summary["overall"]["mean"] == pytest.approx(100.0)
    assert "overall 100.0 +- 0.0" in result.output
    assert "mmvet" in (out / "judge_mmvet.csv").read_text()
    assert judge_columns(out)[("m1", "facebench")]["mmvet/overall"] == pytest.approx(100.0)
    assert "mmvet/overall" in board_columns(cli, out, tmp_path / "b2.csv")


def test_failed_rating_calls_make_reasoning_incomplete_then_a_rerun_completes(tmp_path, server, judge_card):
    out = tmp_path / "out"
    folder = write_run(out, "m1", "rafdb", [
        {"id": f"s{i}", "target": "happiness", "response": f"A broad smile {i}."} for i in range(5)])
    server.responder = with_health(lambda body: rating_reply(8, 7, 6))
    server.rule = fail_after(1 + 2)
    summary = rate_task(folder, Judge.from_card(str(judge_card())), "expression")
    assert summary["complete"] is False and summary["n_error"] == 3 and summary["n_rated"] == 2
    assert all(st["mean"] is None for st in summary["criteria"].values())
    assert summary["criteria"]["media_consistency"]["n"] == 2  # the count stays, the mean does not
    from facebench.judge.tables import reasoning_table, write_tables

    write_tables(out)
    assert reasoning_table(out).empty and judge_columns(out) == {}

    server.rule = None
    before = server.count
    again = rate_task(folder, Judge.from_card(str(judge_card())), "expression")
    assert server.count - before == 1 + 3 and again["complete"] is True
    assert again["criteria"]["media_consistency"] == {"mean": 8.0, "std": 0.0, "n": 5}
    write_tables(out)
    assert judge_columns(out)[("m1", "facebench")]["rafdb/judge_completeness"] == 6.0


def test_model_errors_are_refused_before_any_judge_call(tmp_path, cli, server, judge_card):
    out = tmp_path / "out"
    mm = write_run(out, "m1", "mmvet", mmvet_items(3, missing=(1,)))
    rafdb = write_run(out, "m1", "rafdb", [{"id": "s0", "target": "anger", "response": None},
                                            {"id": "s1", "target": "anger", "response": "Frowning."}])
    judge = Judge.from_card(str(judge_card()))
    with pytest.raises(FacebenchError, match=r"1 of 3 items have no answer, only a model error \(q1\)"):
        grade_task(mm, judge, repeats=1)
    with pytest.raises(FacebenchError, match="does not grade model errors"):
        rate_task(rafdb, judge, "expression")
    result = cli("judge", out, "--judge", judge_card(), expect=None)
    assert result.exit_code != 0 and "does not grade model errors" in result.output
    assert server.count == 0  # not even the health check
    assert not (mm / "judge").exists() and not (rafdb / "judge").exists()


def test_unrated_skip_with_nothing_graded_prints_na(tmp_path, cli, server, judge_card):
    out = tmp_path / "out"
    folder = write_run(out, "m1", "mmvet", mmvet_items(2))
    server.responder = with_health(lambda body: "N/A")
    card = judge_card()
    result = cli("judge", out, "--judge", card, "--tasks", "mmvet", "--repeats", "1", "--unrated", "skip")
    assert "overall n/a +- n/a" in result.output and "2 unrated counted as skipped" in result.output
    summary = json.loads((folder / "judge" / "summary.json").read_text())
    assert summary["complete"] is True and summary["overall"]["mean"] is None
    assert server.count == 1 + 2 * 5
    # the evaluator's rule on the same (cached) replies: every never-parsed grading is 0.0
    result = cli("judge", out, "--judge", card, "--tasks", "mmvet", "--repeats", "1")
    assert "overall 0.0 +- 0.0" in result.output and server.count == 1 + 2 * 5
    assert "--judge judge-gpt-4-0613" in result.output  # the cheap judge is not the published one
