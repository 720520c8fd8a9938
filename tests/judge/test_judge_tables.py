"""Judge tables: per task, per task type (Face-LLaVA Table 10's columns) and "All" = the mean over
task types, from real ratings of several task runs (loopback server)."""

from __future__ import annotations

import statistics

import pytest
from tests.judge.judge_helpers import rating_reply, with_health, write_run
from tests.openai_server import last_user_text

from facebench.judge.client import Judge
from facebench.judge.reasoning import rate_task
from facebench.judge.tables import judge_columns, reasoning_table, write_tables

# task -> (task type, Fig. 8 label key, ground truth, number of answers, ratings given)
RUNS = {
    "rafdb": ("expression", "Categorical Label", "happiness", 2, (8, 9, 7)),
    "dfew": ("expression", "Categorical Label", "sadness", 1, (5, 6, 4)),
    "disfa": ("action_units", "Action Unit Label", "AU1", 1, (3, 3, 3)),
    "celeba": ("attributes", "Face Attributes Label", "Smiling: yes", 1, (6, 6, 6)),
    "utkface": ("age", "Ground Truth Age", "34", 1, (7, 8, 9)),
    "ffpp": ("deepfake", "Categorical label", "fake", 1, (9, 9, 9)),
}


def rate_all(out, server, judge_card, tasks):
    def responder(body):
        text = last_user_text(body)
        return next(rating_reply(*r) for _, key, gt, _, r in RUNS.values() if f'"{key}": "{gt}"' in text)

    server.responder = with_health(responder)
    judge = Judge.from_card(str(judge_card()))
    for task in tasks:
        task_type, _, gt, n, _ = RUNS[task]
        folder = write_run(out, "m1", task, [{"id": f"{task}{i}", "target": gt, "response": "Because."}
                                             for i in range(n)])
        assert rate_task(folder, judge, task_type)["n_rated"] == n
    write_tables(out)


def test_task_type_columns_pool_answers_and_all_is_the_mean_over_types(tmp_path, server, judge_card):
    out = tmp_path / "out"
    rate_all(out, server, judge_card, list(RUNS))
    table = reasoning_table(out)
    row = table.loc["m1 [facebench]"]
    # expression pools its tasks' answers: (8 + 8 + 5) / 3, not the mean of the task means (6.5)
    assert row[("media_consistency", "rafdb")] == 8.0 and row[("media_consistency", "dfew")] == 5.0
    assert row[("media_consistency", "reasoning_expression")] == pytest.approx(7.0)
    per_type = {"expression": 7.0, "action_units": 3.0, "attributes": 6.0, "age": 7.0, "deepfake": 9.0}
    assert row[("media_consistency", "all")] == pytest.approx(statistics.fmean(per_type.values()))
    completeness = [(7 + 7 + 4) / 3, 3, 6, 9, 9]
    assert row[("completeness", "all")] == pytest.approx(statistics.fmean(completeness))
    # column order: tasks, then the task types in Table 10's order, then all
    crit = [t for c, t in table.columns if c == "media_consistency"]
    assert crit[-6:] == ["reasoning_expression", "reasoning_action_units", "reasoning_attributes",
                         "reasoning_age", "reasoning_deepfake", "all"]

    cols = judge_columns(out)[("m1", "facebench")]
    assert cols["reasoning_expression/judge_media_consistency"] == pytest.approx(7.0)
    assert cols["reasoning_all/judge_media_consistency"] == pytest.approx(statistics.fmean(per_type.values()))
    assert cols["rafdb/judge_label_consistency"] == 9.0
    assert "reasoning_deepfake" in (out / "judge_reasoning.csv").read_text()


def test_leaderboard_all_only_when_every_task_type_is_rated(tmp_path, server, judge_card):
    out = tmp_path / "out"
    rate_all(out, server, judge_card, ["rafdb", "disfa"])
    cols = judge_columns(out)[("m1", "facebench")]
    assert cols["reasoning_action_units/judge_completeness"] == 3.0
    assert not any(k.startswith("reasoning_all/") for k in cols)  # the paper's All spans five types
    # the table's own "all" is over the types present, and says nothing more
    assert reasoning_table(out).loc["m1 [facebench]", ("completeness", "all")] == pytest.approx((7 + 3) / 2)
