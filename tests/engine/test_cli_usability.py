"""What a person sees and types: the closing summary, the compact leaderboard, options that
catch mistakes, ``--config`` and the run manifest."""

from __future__ import annotations

import json

import pytest

from facebench.fixtures.rafdb import write


@pytest.fixture
def data_root(tmp_path):
    write(tmp_path / "data" / "RAF-DB", seed=4, n_test=20, n_train=0)
    return tmp_path / "data"


def _rows(output: str, first: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines() if line.split()[:1] == [first]]


def test_summary_table_has_one_row_per_task_and_says_when_all_was_cached(cli, tmp_path):
    out = tmp_path / "out"
    first = cli("run", "--model", "random", "--tasks", "rafdb,utkface", "--output", out).output
    assert "EMBEDDED DEMO DATA" in first and f"results: {out.resolve()}" in first
    header = next(line for line in first.splitlines() if line.startswith("task "))
    assert header.split() == ["task", "protocol", "metric", "value", "[95%", "CI]", "floor", "n",
                              "invalid", "errors", "model", "calls"]
    (rafdb,) = _rows(first, "rafdb")
    metrics = json.loads((out / "random/facebench/rafdb/metrics.json").read_text())
    accuracy, ci = metrics["metrics"]["accuracy"], metrics["confidence_intervals"]["accuracy"]
    assert rafdb[3] == f"{100 * accuracy:.1f}"  # rounded for people: percent, one decimal
    assert " ".join(rafdb[4:6]) == f"[{100 * ci['low']:.1f}, {100 * ci['high']:.1f}]"
    (utk,) = _rows(first, "utkface")
    assert utk[2:4] == ["mae", "↓"]  # lower is better, marked
    assert "asked" in first and "no model calls" not in first
    again = cli("run", "--model", "random", "--tasks", "rafdb,utkface", "--output", out).output
    assert all(r[-2:] == ["all", "cached"] for r in _rows(again, "rafdb") + _rows(again, "utkface"))
    assert "every answer came from the cache (no model calls)" in again


def test_compact_leaderboard_one_headline_per_task_and_wide_view(cli, tmp_path, data_root):
    out = tmp_path / "out"
    for name in ("m1", "m2"):
        cli("run", "--model", "random", "--name", name, "--seed", "1" if name == "m1" else "2",
            "--tasks", "rafdb", "--data-root", data_root, "--output", out)
    md = tmp_path / "board.md"
    shown = cli("leaderboard", out, "--markdown", md).output
    lines = [line for line in md.read_text().splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["model", "protocol", "rafdb accuracy (%)"]
    assert max(len(line) for line in shown.splitlines()) < 160, "fits a terminal"
    wide = cli("leaderboard", out, "--wide").output
    assert "rafdb/format_valid_rate" in wide and "rafdb/format_valid_rate" not in shown


def test_model_args_in_one_option_like_lm_eval(cli, tmp_path, data_root):
    out = tmp_path / "out"
    cli("run", "--model", "random", "--model-arg", "seed=7,batch_size=3", "--tasks", "rafdb",
        "--data-root", data_root, "--output", out)
    run = json.loads((out / "random/facebench/rafdb/run.json").read_text())
    assert run["options"]["model_arg"] == ["seed=7,batch_size=3"]
    from facebench.adapters.random_choice import RandomAdapter

    assert run["adapter_fingerprint"] == RandomAdapter(seed=7).fingerprint()


def test_seed_reaches_the_random_adapter(cli, tmp_path, data_root):
    out = tmp_path / "out"
    cli("run", "--model", "random", "--seed", "3", "--tasks", "rafdb", "--data-root", data_root, "--output", out)
    from facebench.adapters.random_choice import RandomAdapter

    run = json.loads((out / "random/facebench~seed=3/rafdb/run.json").read_text())
    assert run["adapter_fingerprint"] == RandomAdapter(seed=3).fingerprint()


def test_random_answers_zero_shot_questions_from_their_own_options(cli, tmp_path):
    """The chance floor of a 2-3 option question is about 0.4, not 1/10 of all classes."""
    out = tmp_path / "out"
    export = tmp_path / "req.jsonl"
    cli("export", "--tasks", "zeroshot_attributes", "--out", export)
    rows = [json.loads(x) for x in export.read_text().splitlines()]
    assert all(2 <= len(r["choices"]) <= 3 for r in rows)
    cli("run", "--model", "random", "--tasks", "zeroshot_attributes", "--output", out)
    responses = [json.loads(x) for x in (out / "random/facebench/zeroshot_attributes/responses.jsonl")
                 .read_text().splitlines()]
    by_id = {r["id"]: r for r in rows}
    assert all(r["response"] in by_id[r["id"]]["choices"] for r in responses)


def test_did_you_mean_for_tasks_models_and_protocols(cli, tmp_path):
    for args, hint in ((("--tasks", "rafbd"), "did you mean 'rafdb'"),
                       (("--model", "randm"), "did you mean 'random'"),
                       (("--protocol", "face-mlm"), "did you mean 'face-mllm'")):
        base = {"--model": "random", "--tasks": "rafdb"}
        base[args[0]] = args[1]
        flat = [x for kv in base.items() for x in kv]
        result = cli("run", *flat, "--output", tmp_path / "o", expect=2)
        assert hint in result.output, result.output


def test_config_file_holds_the_options_and_run_json_repeats_a_run(cli, tmp_path, data_root):
    out = tmp_path / "out"
    config = tmp_path / "run.yaml"
    config.write_text(f"model: random\ntasks: rafdb\ndata-root: {data_root}\noutput: {out}\nlimit: 6\nseed: 2\n")
    cli("run", "--config", config)
    folder = out / "random/facebench~limit=6+seed=2/rafdb"
    run = json.loads((folder / "run.json").read_text())
    assert run["options"]["limit"] == 6 and run["options"]["model"] == "random"
    manifest = json.loads((folder / "metrics.json").read_text())["manifest"]
    assert manifest["command"].startswith("facebench run --model random --tasks rafdb --output")
    assert "--limit 6 --seed 2" in manifest["command"]
    assert manifest["started_at"] and manifest["finished_at"] and manifest["duration_s"] >= 0
    assert manifest["git_commit"]  # a commit, or "unknown": never null

    # repeat from the folder: the same result, every answer cached; a flag still wins
    again = cli("run", "--config", folder / "run.json").output
    assert _rows(again, "rafdb")[0][-2:] == ["all", "cached"]
    cli("run", "--config", folder / "run.json", "--limit", "4")
    assert (out / "random/facebench~limit=4+seed=2/rafdb/metrics.json").is_file()

    bad = tmp_path / "bad.yaml"
    bad.write_text("model: random\nlimt: 3\n")
    result = cli("run", "--config", bad, expect=2)
    assert "unknown option 'limt'; did you mean 'limit'" in result.output


def test_secrets_on_the_command_line_are_masked_in_the_manifest():
    from facebench.engine.manifest import command_line

    line = command_line(["facebench", "run", "--model-arg", "api_key=sk-live-123", "--limit", "3"])
    assert "sk-live-123" not in line and "api_key=***" in line


def test_other_model_settings_under_one_name_are_refused(cli, tmp_path, data_root):
    out = tmp_path / "out"
    cli("run", "--model", "random", "--tasks", "rafdb", "--data-root", data_root, "--output", out)
    before = (out / "random/facebench/rafdb/metrics.json").read_text()
    result = cli("run", "--model", "random", "--model-arg", "seed=9", "--tasks", "rafdb",
                 "--data-root", data_root, "--output", out, expect=1)
    assert "other model settings" in result.output and "--name" in result.output
    assert (out / "random/facebench/rafdb/metrics.json").read_text() == before


def test_refusals_are_counted_apart_from_other_invalid_answers(cli, tmp_path, data_root):
    export = tmp_path / "req.jsonl"
    cli("export", "--tasks", "rafdb", "--prompt", "open", "--data-root", data_root, "--out", export)
    rows = [json.loads(x) for x in export.read_text().splitlines()]
    texts = ["I don't know.", "The face is too dark to see.", "Blah blah.", "She looks sad."]
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"task": "rafdb", "id": r["id"], "response": texts[i % 4]}) + "\n"
                               for i, r in enumerate(rows)))
    out = tmp_path / "out"
    cli("run", "--model", "replay", "--model-arg", f"path={answers}", "--tasks", "rafdb", "--prompt", "open",
        "--data-root", data_root, "--output", out)
    metrics = json.loads((out / "replay/facebench~style=open/rafdb/metrics.json").read_text())
    refused = sum(1 for i in range(len(rows)) if i % 4 in (0, 1))
    assert metrics["n_refused"] == refused
    assert metrics["n_invalid"] == refused + sum(1 for i in range(len(rows)) if i % 4 == 2)
    assert metrics["refusal_rate"] == pytest.approx(refused / len(rows))
    wide = cli("leaderboard", out, "--wide").output
    assert "rafdb/refusal_rate" in wide
