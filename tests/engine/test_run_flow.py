"""The whole staged flow on an official-layout RAF-DB tree: export -> replay -> score -> leaderboard."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from facebench.fixtures.rafdb import write
from facebench.loaders.rafdb import LABELS

from tests.helpers import read_jsonl

LETTERS = "ABCDEFG"


@pytest.fixture
def rafdb_tree(tmp_path):
    labels = write(tmp_path / "data" / "RAF-DB", seed=7, n_test=21, n_train=3)
    return tmp_path / "data", labels


def _answers(requests, labels):
    """Hand-made answers: 12 right (letter forms), 6 wrong, 3 unparseable; 21 in all."""
    rows, expected_right = [], 0
    for i, req in enumerate(requests):
        options = [o.split(":")[1] for o in req["prompt"].split("? ", 1)[1].split(" Answer")[0].split()]
        truth = LABELS[labels[req["id"]]]
        right = LETTERS[options.index(truth)]
        wrong = LETTERS[(options.index(truth) + 1) % 7]
        if i < 12:
            text = [right, f"({right})", f"The answer is {right}.", f"{right}: {truth}"][i % 4]
            expected_right += 1
        elif i < 18:
            text = wrong
        else:
            text = "I cannot determine the expression from this image."
        rows.append({"task": "rafdb", "id": req["id"], "response": text})
    return rows, expected_right


def test_replay_scores_exactly_the_hand_computed_accuracy(cli, rafdb_tree, tmp_path):
    data_root, labels = rafdb_tree
    export = tmp_path / "requests.jsonl"
    cli("export", "--tasks", "rafdb", "--data-root", data_root, "--out", export)
    requests = read_jsonl(export)
    assert len(requests) == 21
    assert all({"task", "id", "prompt", "media"} <= set(r) for r in requests)
    assert not any("target" in r for r in requests)
    assert all(r["media"][0].endswith("_aligned.jpg") for r in requests)

    rows, right = _answers(requests, labels)
    replay = tmp_path / "answers.jsonl"
    replay.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "results"
    cli("run", "--model", "replay", "--model-arg", f"path={replay}", "--tasks", "rafdb",
        "--data-root", data_root, "--output", out)

    metrics = json.loads((out / "replay/facebench/rafdb/metrics.json").read_text())
    assert metrics["n"] == 21 and metrics["n_invalid"] == 3 and metrics["n_error"] == 0
    assert metrics["metrics"]["accuracy"] == pytest.approx(right / 21)
    assert metrics["metrics"]["format_valid_rate"] == pytest.approx(18 / 21)
    for key in ("facebench_version", "adapter_fingerprint", "prompt_hash", "seed", "packages"):
        assert key in metrics["manifest"]

    predictions = read_jsonl(out / "replay/facebench/rafdb/predictions.jsonl")
    assert len(predictions) == 21
    unparsed = [p for p in predictions if p["parsed"] is None]
    assert len(unparsed) == 3 and all(p["score"] == 0.0 for p in unparsed)
    assert all(p["target"] == LABELS[labels[p["id"]]] for p in predictions)


def test_score_reruns_from_files_without_model_or_data(cli, rafdb_tree, tmp_path):
    data_root, _ = rafdb_tree
    out = tmp_path / "results"
    cli("run", "--model", "random", "--tasks", "rafdb", "--data-root", data_root, "--output", out)
    before = json.loads((out / "random/facebench/rafdb/metrics.json").read_text())
    (out / "random/facebench/rafdb/predictions.jsonl").unlink()
    (out / "random/facebench/rafdb/metrics.json").unlink()
    # the dataset is gone too: scoring needs only the output folder
    import shutil

    shutil.rmtree(data_root)
    result = cli("score", out, "--compare")
    after = json.loads((out / "random/facebench/rafdb/metrics.json").read_text())
    assert after["metrics"] == before["metrics"]
    assert "read differently" in result.output


def test_second_run_asks_nothing_and_other_seed_asks_again(cli, rafdb_tree, tmp_path):
    data_root, _ = rafdb_tree
    out = tmp_path / "results"
    args = ("run", "--model", "random", "--tasks", "rafdb", "--data-root", data_root, "--output", out)
    cli(*args)
    lines = read_jsonl(out / "random/facebench/rafdb/responses.jsonl")
    cli(*args)
    assert read_jsonl(out / "random/facebench/rafdb/responses.jsonl") == lines  # all cached
    cli(*args, "--seed", "5")  # new option order -> new prompts -> new requests, in their own folder
    assert read_jsonl(out / "random/facebench/rafdb/responses.jsonl") == lines
    assert len(read_jsonl(out / "random/facebench~seed=5/rafdb/responses.jsonl")) == len(lines)


def test_missing_and_corrupt_images_become_error_rows(cli, rafdb_tree, tmp_path):
    data_root, _ = rafdb_tree
    aligned = data_root / "RAF-DB/basic/Image/aligned"
    (aligned / "test_0002_aligned.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    (aligned / "test_0005_aligned.jpg").unlink()
    out = tmp_path / "results"
    result = cli("run", "--model", "random", "--tasks", "rafdb", "--data-root", data_root, "--output", out,
                 expect=1)
    metrics = json.loads((out / "random/facebench/rafdb/metrics.json").read_text())
    assert metrics["n"] == 21 and metrics["n_error"] == 2
    assert "2 of 21 samples are errors" in result.output
    row = next(line.split() for line in result.output.splitlines() if line.startswith("rafdb "))
    assert row[:2] == ["rafdb", "facebench"] and row[-3:-1] == ["2", "21"], row  # errors, asked
    errors = {p["id"]: p["error"] for p in read_jsonl(out / "random/facebench/rafdb/predictions.jsonl") if p["error"]}
    assert set(errors) == {"test_0002", "test_0005"}
    assert "corrupt image" in errors["test_0002"] and "test_0002_aligned.jpg" in errors["test_0002"]
    assert "missing image" in errors["test_0005"]


def test_leaderboard_csv_has_models_and_majority_floor(cli, rafdb_tree, tmp_path):
    data_root, labels = rafdb_tree
    out = tmp_path / "results"
    for seed in ("0", "1"):
        cli("run", "--model", "random", "--model-arg", f"seed={seed}", "--name", f"random-{seed}",
            "--tasks", "rafdb", "--data-root", data_root, "--output", out)
    csv, md = tmp_path / "board.csv", tmp_path / "board.md"
    cli("leaderboard", out, "--csv", csv, "--markdown", md)
    board = pd.read_csv(csv, index_col="model")
    assert list(board.index) == ["random-0", "random-1", "majority-class floor"]
    counts = pd.Series(list(labels.values())).value_counts()
    assert board.loc["majority-class floor", "rafdb/accuracy"] == pytest.approx(counts.max() / 21)
    for model in ("random-0", "random-1"):
        metrics = json.loads((out / model / "facebench/rafdb/metrics.json").read_text())
        assert board.loc[model, "rafdb/accuracy"] == pytest.approx(metrics["metrics"]["accuracy"])
        assert board.loc[model, "rafdb/format_valid_rate"] == pytest.approx(1.0)
    assert "| random-0" in md.read_text()


def test_demo_run_needs_no_data_root(cli, tmp_path):
    result = cli("run", "--model", "random", "--tasks", "all", "--output", tmp_path / "r")
    table = [line.split()[0] for line in result.output.splitlines() if line.split()[1:2] == ["facebench"]]
    assert table == sorted(table, key=table.index) and {"rafdb", "celeba", "mmvet"} <= set(table)
    assert (tmp_path / "r/random/facebench/rafdb/metrics.json").is_file()
    assert "EMBEDDED DEMO DATA" in result.output


def test_bad_inputs_give_clear_errors(cli, tmp_path):
    result = cli("run", "--model", "random", "--tasks", "nosuchtask", "--output", tmp_path, expect=2)
    assert "unknown task 'nosuchtask'" in result.output
    result = cli("run", "--model", "random", "--model-arg", "sed=3", "--tasks", "rafdb",
                 "--output", tmp_path, expect=2)
    assert "sed" in result.output and "Extra inputs are not permitted" in result.output
    card = tmp_path / "card.yaml"
    card.write_text("name: x\nadapter: random\nsetings: {}\n")
    result = cli("run", "--model", card, "--tasks", "rafdb", "--output", tmp_path, expect=2)
    assert "setings" in result.output
    result = cli("run", "--model", "random", "--tasks", "rafdb", "--data-root", tmp_path / "nowhere",
                 "--output", tmp_path, expect=1)
    assert "list_patition_label.txt" in result.output


def test_score_in_reference_mode_counts_answers_read_differently(cli, rafdb_tree, tmp_path):
    """The public FABA/EmoLA rule sends a no-match answer to 'happiness'; strict says unparseable."""
    data_root, labels = rafdb_tree
    export = tmp_path / "requests.jsonl"
    cli("export", "--tasks", "rafdb", "--prompt", "open", "--data-root", data_root, "--out", export)
    texts = ["The person shows sadness.", "I cannot tell from this picture.",
             "A calm, neutral face."]
    rows = [{"task": "rafdb", "id": r["id"], "response": texts[i % 3]} for i, r in enumerate(read_jsonl(export))]
    replay = tmp_path / "answers.jsonl"
    replay.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "results"
    cli("run", "--model", "replay", "--model-arg", f"path={replay}", "--prompt", "open",
        "--data-root", data_root, "--tasks", "rafdb", "--output", out)
    folder = out / "replay/facebench~style=open/rafdb"
    strict = json.loads((folder / "metrics.json").read_text())
    assert strict["n_invalid"] == 7  # the 7 "cannot tell" answers
    result = cli("score", out, "--mode", "reference", "--compare")
    assert "7 of 21 answers read differently" in result.output
    # written beside the run's own (strict) result, never over it
    assert json.loads((folder / "metrics.json").read_text()) == strict
    reference = json.loads((folder / "metrics.reference.json").read_text())
    assert reference["mode"] == "reference" and reference["n_invalid"] == 0
    happy = sum(1 for i, r in enumerate(rows) if i % 3 == 1 and LABELS[labels[r["id"]]] == "happiness")
    sad = sum(1 for i, r in enumerate(rows) if i % 3 == 0 and LABELS[labels[r["id"]]] == "sadness")
    neutral = sum(1 for i, r in enumerate(rows) if i % 3 == 2 and LABELS[labels[r["id"]]] == "neutral")
    assert reference["metrics"]["accuracy"] == pytest.approx((happy + sad + neutral) / 21)
