"""A number is honest: a failed model call is an error row, never a parse or a score, and a
metric over zero answered samples is null, never 0 (nor NaN).

Predictions are built from every task's demo requests (real task objects, real metas: folds,
AU classes, categories, video chunks), answered by a fixed pattern or failed, then aggregated
by the real runner stage. The expected numbers are worked out here by hand on the answered
subset only.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from facebench.cli import app
from facebench.engine.runner import aggregate
from facebench.fixtures.rafdb import write as write_rafdb
from facebench.loaders.rafdb import LABELS
from facebench.resources import demo_root
from facebench.tasks.registry import get_task, task_names
from facebench.tasks.task import Task
from facebench.types import Prediction

RUN = {"model": "m", "style": "s", "seed": 0}
ERROR = object()  # an answer() result meaning "this model call failed"
#: keys that hold counts, not rates (0 is an honest count): n_*, <question>_n_*, these
COUNTS = {"confusion_matrix", "needs_judge"}

Answer = Callable[[int, Any, dict[str, Any]], Any]

_requests: dict[str, list] = {}


def build(name: str, answer: Answer) -> tuple[Task, list[Prediction]]:
    """The task and one prediction per demo request; ``answer(i, target, meta)`` gives the
    parsed value (None: unparseable) or ERROR. Rows are made the way ``runner.score`` makes them."""
    task = get_task(name)
    if name not in _requests:
        _requests[name] = task.build_requests(task.load_samples(demo_root() / task.config.data_dir))
    out = []
    for i, (request, target, sample) in enumerate(_requests[name]):
        meta = {**request.meta, **sample.meta}
        target = tuple(target) if isinstance(target, list) else target
        parsed = answer(i, target, meta)
        failed = parsed is ERROR
        out.append(Prediction(
            id=request.key, sample_id=request.sample_id, response="" if failed else str(parsed),
            parsed=None if failed else parsed, rule="error" if failed else "test", target=target,
            score=None if failed else task.kind.score(task, target, parsed),
            error="connection refused" if failed else None, meta=meta,
        ))
    return task, out


def wrong(task: Task, target: Any) -> Any:
    """A parsed answer that differs from ``target``."""
    if isinstance(target, dict):  # multi_question: {"question", "value"}
        return wrong(task, target["value"])
    if isinstance(target, (int, float)):
        return float(target) + 7
    if target in ("yes", "no"):
        return "no" if target == "yes" else "yes"
    if isinstance(target, str):
        return next((c for c in task.config.classes if c != target), f"not {target}")
    return None


def right(target: Any) -> Any:
    value = target["value"] if isinstance(target, dict) else target
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def pattern(task: Task, fail: Callable[[int, dict[str, Any]], bool]) -> Answer:
    """Right, wrong, unparseable, right, ... and ERROR where ``fail(i, meta)``."""
    def answer(i: int, target: Any, meta: dict[str, Any]) -> Any:
        if fail(i, meta):
            return ERROR
        return [right(target), wrong(task, target), None, right(target)][i % 4]
    return answer


def leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, value) of every rate in a metrics dict (counts left out)."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() if str(k) not in COUNTS and not re.search(r"(^|_)n_", str(k))
                for leaf in leaves(v, f"{path}/{k}")]
    return [(path, value)]


def no_interval(result: dict[str, Any]) -> bool:
    ci = result["confidence_intervals"].get(result["primary_metric"])
    return ci is None or (ci["low"] is None and ci["high"] is None)


# -- every kind, through the runner ---------------------------------------------------------------
@pytest.mark.parametrize("name", task_names())
def test_all_errors_give_null_metrics_and_no_interval(name):
    task, preds = build(name, lambda i, t, m: ERROR)
    result = aggregate(task, preds, RUN, "strict")
    assert result["n_error"] == result["n"] == len(preds) > 0
    rates = leaves(result["metrics"])
    assert rates and all(v is None for _, v in rates), [(k, v) for k, v in rates if v is not None]
    assert all(v == 0 for k, v in result["metrics"].items() if k == "n_answered" or k.endswith("_n_answered"))
    assert no_interval(result)
    # the floor belongs to the targets, not to the answers: same as for an answered run
    _, answered = build(name, pattern(task, lambda i, m: False))
    assert result["floor"] == aggregate(task, answered, RUN, "strict")["floor"]
    json.dumps(result, allow_nan=False)  # no NaN anywhere


@pytest.mark.parametrize("name", task_names())
def test_error_rows_weigh_nothing(name):
    """Mixed errors and answers: the metrics of the answered subset alone, with its interval."""
    task = get_task(name)
    task, mixed = build(name, pattern(task, lambda i, m: i % 7 == 2))  # no class loses all
    subset = [p for p in mixed if p.error is None]
    assert 0 < len(subset) < len(mixed)
    got, alone = aggregate(task, mixed, RUN, "strict"), aggregate(task, subset, RUN, "strict")
    for key in ("n_videos", "n_unanswered", "n_per_tag", "n_per_group"):  # count every request
        got["metrics"].pop(key, None)
        alone["metrics"].pop(key, None)
    assert got["metrics"] == alone["metrics"]
    assert got["confidence_intervals"] == alone["confidence_intervals"]
    assert got["n_invalid"] == alone["n_invalid"] and got["n_error"] == len(mixed) - len(subset)


# -- by hand --------------------------------------------------------------------------------------
def _rate(hits: list[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None


def _uar(pairs: list[tuple[Any, Any]]) -> float:
    by_class = defaultdict(list)
    for t, p in pairs:
        by_class[t].append(p == t)
    return sum(_rate(h) for h in by_class.values()) / len(by_class)


def test_classification_by_hand():
    task = get_task("rafdb")
    task, preds = build("rafdb", pattern(task, lambda i, m: i % 3 == 0))
    answered = [(p.target, p.parsed) for p in preds if p.error is None]
    m = aggregate(task, preds, RUN, "strict")["metrics"]
    assert m["accuracy"] == pytest.approx(_rate([t == p for t, p in answered]))
    assert m["uar"] == pytest.approx(_uar(answered))
    assert m["format_valid_rate"] == pytest.approx(_rate([p is not None for _, p in answered]))
    assert m["n_answered"] == len(answered)
    # an error row is no row of the confusion matrix (unparseable answers are the invalid column)
    assert sum(map(sum, m["confusion_matrix"]["matrix"])) == len(answered)
    assert sum(row[-1] for row in m["confusion_matrix"]["matrix"]) == sum(p is None for _, p in answered)


def test_fold_mean_by_hand_and_null_when_a_fold_is_unanswered():
    task = get_task("dfew")
    task, preds = build("dfew", pattern(task, lambda i, m: i % 4 == 1))
    folds = defaultdict(list)
    for p in preds:
        if p.error is None:
            folds[str(p.meta["fold"])].append((p.target, p.parsed))
    m = aggregate(task, preds, RUN, "strict")["metrics"]
    assert m["uar"] == pytest.approx(sum(_uar(f) for f in folds.values()) / len(folds))
    assert m["n_answered"] == sum(map(len, folds.values()))

    task, preds = build("dfew", pattern(task, lambda i, m: m["fold"] == 2))  # fold 2: server down
    result = aggregate(task, preds, RUN, "strict")
    m = result["metrics"]
    assert m["uar"] is None and m["war"] is None
    assert all(v is None for v in m["per_class_recall"].values())
    assert m["per_fold"]["2"]["uar"] is None and m["per_fold"]["2"]["n_answered"] == 0
    assert all(isinstance(m["per_fold"][f]["uar"], float) for f in ("1", "3", "4", "5"))
    assert no_interval(result)


def test_action_unit_f1_by_hand():
    task = get_task("disfa")
    task, preds = build("disfa", pattern(task, lambda i, m: i % 7 == 3))
    cells = defaultdict(lambda: Counter())  # (fold, AU) -> tp/fp/fn
    for p in preds:
        if p.error is None:
            truth = p.target == "yes"
            said = (not truth) if p.parsed is None else p.parsed == "yes"  # unparseable: wrong
            key = (str(p.meta["fold"]), p.meta["class_key"])
            cells[key]["tp"] += truth and said
            cells[key]["fp"] += said and not truth
            cells[key]["fn"] += truth and not said
    f1 = defaultdict(list)
    for (fold, _), c in cells.items():
        if 2 * c["tp"] + c["fp"] + c["fn"]:
            f1[fold].append(2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"]))
    m = aggregate(task, preds, RUN, "strict")["metrics"]
    assert m["f1_mean"] == pytest.approx(sum(sum(v) / len(v) for v in f1.values()) / len(f1))


def test_attribute_macc_with_an_unanswered_attribute():
    task = get_task("celeba")
    task, preds = build("celeba", pattern(task, lambda i, m: m["class_key"] == "Bald" or i % 6 == 0))
    per = defaultdict(list)
    for p in preds:
        if p.error is None:
            per[p.meta["class_key"]].append(p.parsed == p.target)
    m = aggregate(task, preds, RUN, "strict")["metrics"]
    assert m["per_class_accuracy"]["Bald"] is None  # asked, never answered: null, not 0
    assert m["macc"] == pytest.approx(sum(_rate(h) for h in per.values()) / len(per))


def test_regression_and_multi_question_by_hand():
    task = get_task("agedb")
    task, preds = build("agedb", pattern(task, lambda i, m: i % 5 == 0))
    ages = [(p.target["value"], p.parsed) for p in preds if p.error is None and p.target["question"] == "age"]
    gender = [(p.target["value"], p.parsed) for p in preds if p.error is None and p.target["question"] == "gender"]
    m = aggregate(task, preds, RUN, "strict")["metrics"]
    valid = [abs(a - g) for a, g in ages if g is not None]
    assert m["age_mae"] == pytest.approx(sum(valid) / len(valid))
    assert (m["age_n_valid"], m["age_n_invalid"]) == (len(valid), len(ages) - len(valid))
    assert m["gender_accuracy"] == pytest.approx(_rate([t == p for t, p in gender]))

    task, preds = build("utkface", lambda i, t, m: None if i % 2 else ERROR)  # no valid age at all
    result = aggregate(task, preds, RUN, "strict")
    assert result["metrics"]["mae"] is None and result["metrics"]["format_valid_rate"] == 0.0
    assert no_interval(result)


def test_video_vote_ignores_failed_chunks():
    task = get_task("ffpp")
    _, probe = build("ffpp", lambda i, t, m: t)
    chunks = Counter(p.sample_id for p in probe)
    multi = [v for v, n in chunks.items() if n > 1]
    dead = next(v for v, n in chunks.items() if n == 1)  # a one-chunk video whose call failed

    def answer(i: int, target: Any, meta: dict[str, Any]) -> Any:
        key = probe[i]
        if key.sample_id == dead or (key.sample_id in multi and key.id.endswith("/c0")):
            return ERROR  # the first chunk of every longer video fails: the rest still vote
        return [right(target), right(target), wrong(task, target)][i % 3]

    task, preds = build("ffpp", answer)
    votes: dict[str, list] = defaultdict(list)
    for p in preds:
        if p.error is None:
            votes[p.sample_id].append(p.parsed)
    target = {p.sample_id: p.target for p in preds}

    def vote(ps: list) -> Any:
        top = Counter(ps).most_common(2)
        return None if len(top) == 2 and top[0][1] == top[1][1] else top[0][0]

    hits = [vote(ps) == target[v] for v, ps in votes.items()]
    result = aggregate(task, preds, RUN, "strict")
    m = result["metrics"]
    assert dead not in votes and m["n_answered"] == len(votes) == len(chunks) - 1
    assert m["accuracy"] == pytest.approx(_rate(hits))
    assert m["n_videos"] == len(chunks)


def test_group_mean_by_hand():
    task = get_task("zeroshot_attributes")
    task, preds = build("zeroshot_attributes", pattern(task, lambda i, m: i % 4 == 3))
    per = defaultdict(list)
    for p in preds:
        if p.error is None:
            per[p.meta["category"]].append(p.parsed == p.target)
    m = aggregate(task, preds, RUN, "strict")["metrics"]
    assert m["mean_accuracy"] == pytest.approx(sum(_rate(h) for h in per.values()) / len(per))
    assert m["accuracy"] == pytest.approx(_rate([h for hs in per.values() for h in hs]))


# -- end to end -----------------------------------------------------------------------------------
def _rafdb(tmp_path) -> tuple[Any, dict[str, int]]:
    data = tmp_path / "data"
    return data, write_rafdb(data / "RAF-DB", seed=3, n_test=10, n_train=2)


def _replay(tmp_path, data, answers: list[dict]) -> dict[str, Any]:
    replay = tmp_path / "answers.jsonl"
    replay.write_text("".join(json.dumps(a) + "\n" for a in answers))
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["run", "--model", "replay", "--model-arg", f"path={replay}",
                                      "--tasks", "rafdb", "--data-root", str(data), "--output", str(out)])
    # a run with error rows may exit 1 (it is incomplete); it still writes honest metrics
    assert result.exit_code in (0, 1), result.output
    return json.loads((out / "replay/facebench/rafdb/metrics.json").read_text())


def test_run_where_every_request_failed_publishes_null(tmp_path):
    metrics = _replay(tmp_path, _rafdb(tmp_path)[0], [])  # no answer at all: every request is an error row
    assert metrics["n"] == metrics["n_error"] == 10
    assert metrics["metrics"]["accuracy"] is None and metrics["metrics"]["uar"] is None
    assert metrics["metrics"]["format_valid_rate"] is None
    assert no_interval(metrics)


def test_run_with_some_answers_scores_only_those(tmp_path):
    data, labels = _rafdb(tmp_path)
    requests = tmp_path / "requests.jsonl"
    CliRunner().invoke(app, ["export", "--tasks", "rafdb", "--data-root", str(data), "--out", str(requests)])
    rows = [json.loads(line) for line in requests.read_text().splitlines()]
    answers, right_ = [], 0
    for i, req in enumerate(rows[:4]):  # four answered (three right), six never answered
        options = [o.split(":")[1] for o in req["prompt"].split("? ", 1)[1].split(" Answer")[0].split()]
        truth = options.index(LABELS[labels[req["id"]]])
        letter = "ABCDEFG"[truth if i < 3 else (truth + 1) % 7]
        right_ += i < 3
        answers.append({"task": "rafdb", "id": req["id"], "response": letter})
    metrics = _replay(tmp_path, data, answers)
    assert metrics["n_error"] == 6
    assert metrics["metrics"]["accuracy"] == pytest.approx(right_ / 4)
    assert not math.isnan(metrics["confidence_intervals"]["accuracy"]["low"])
