"""``--protocol face-mllm`` is Face-MLLM's evaluation: the prompts of Table 2 word for word, the
options in Table 2's fixed order, LFWA's 6,880 test images, EmotioNet's 2,000, the format-valid
rate of Fig. 4 pooled over all answers, and every task running on the demo data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.tasks.task_replay import read_jsonl

from facebench.engine.runner import select_samples
from facebench.fixtures import emotionet, lfwa, rafdb
from facebench.loaders.filenames import DatasetWarning
from facebench.metrics import format_valid_over_results
from facebench.protocols import load_protocol
from facebench.resources import demo_root
from facebench.tasks.registry import get_task

# Face-MLLM (Sun et al.), Table 2 "Examples for the re-formulation of face perception tasks",
# Question column, copied character for character (shared/papers/face-mllm.txt)
TABLE2_AGEDB_AGE = (  # Table 2, AgeDB, Type "Age"
    "What is the age of the person in the picture? Estimate with a number from 1 to 100, "
    "such as 1,2,3,..."
)
TABLE2_AGEDB_GENDER = (  # Table 2, AgeDB, Type "Gender"
    "Is the person in the picture female? Answer directly with Yes or No."
)
TABLE2_RAFDB = (  # Table 2, RAF-DB, Type "Expression"
    "What's the expression of this person? A:surprise B:fear C:disgust D:happiness E:sadness "
    "F:anger G:neutral Answer with the option's letter from the given choices directly."
)
TABLE2_EMOTIONET_AU1 = (  # Table 2, EmotionNet, Type "Action Unit" (no space after "eyebrows.")
    "Inner Brow Raiser is a facial expression that involves the upward movement of the inner "
    "part of the eyebrows.Does the person in the image contains the AU of Inner Brow Raiser? "
    "Answer directly with Yes or No."
)
TABLE2_LFWA = (  # Table 2, LFWA, Type "Attribute"
    "Does the person in the image possess the property of Bags Under Eyes? Answer directly "
    "with Yes or No."
)
TASKS = ("rafdb", "lfwa", "emotionet", "agedb", "zeroshot_attributes", "mmvet")


def _export(cli, out: Path, task: str, *extra, data_root: Path | None = None, protocol="face-mllm"):
    """``facebench export`` rows of one task (demo data unless ``data_root``)."""
    args = ["export", "--protocol", protocol, "--tasks", task, "--out", out, *extra]
    if data_root is not None:
        args += ["--data-root", data_root]
    cli(*args)
    return read_jsonl(out)


# -- prompts: Table 2, word for word -----------------------------------------------------------
def test_rafdb_prompt_is_table2_with_the_same_letters_for_every_sample_and_seed(cli, tmp_path):
    rafdb.write(tmp_path / "data" / "RAF-DB", seed=3, n_test=40, n_train=0)
    for seed in ("0", "5", "11"):
        rows = _export(cli, tmp_path / f"r{seed}.jsonl", "rafdb", "--seed", seed, data_root=tmp_path / "data")
        assert len(rows) == 40
        assert {r["prompt"] for r in rows} == {TABLE2_RAFDB}
        assert {tuple(r["choices"]) for r in rows} == {tuple("ABCDEFG")}
    assert {r["prompt"] for r in _export(cli, tmp_path / "demo.jsonl", "rafdb")} == {TABLE2_RAFDB}
    # the same task under facebench's own protocol shuffles per sample: the protocol fixes it
    shuffled = _export(cli, tmp_path / "fb.jsonl", "rafdb", data_root=tmp_path / "data", protocol="facebench")
    assert len({r["prompt"] for r in shuffled}) > 1


def test_lfwa_prompt_is_table2_without_attribute_definitions(cli, tmp_path):
    rows = _export(cli, tmp_path / "lfwa.jsonl", "lfwa")
    task = get_task("lfwa")
    per_image: dict[str, list[str]] = {}
    for r in rows:
        per_image.setdefault(r["sample_id"], []).append(r["prompt"])
    assert per_image and all(len(p) == 40 for p in per_image.values())
    expected = [
        f"Does the person in the image possess the property of {task.display(a)}? Answer directly with Yes or No."
        for a in task.config.classes
    ]
    assert all(prompts == expected for prompts in per_image.values())
    bags = [r["prompt"] for r in rows if r["id"].endswith("/Bags_Under_Eyes")]
    assert bags and set(bags) == {TABLE2_LFWA}
    assert {r["style"] for r in rows} == {"face_mllm_qa"}
    # the task's own qa style (other protocols) still prepends its definitions
    default = _export(cli, tmp_path / "fb.jsonl", "lfwa", protocol="facebench")
    assert any(not r["prompt"].startswith("Does the person") for r in default)


def test_emotionet_prompt_is_table2(cli, tmp_path):
    rows = _export(cli, tmp_path / "au.jsonl", "emotionet")
    au1 = [r["prompt"] for r in rows if r["id"].endswith("/AU1")]
    assert au1 and set(au1) == {TABLE2_EMOTIONET_AU1}
    task = get_task("emotionet")
    for r in rows:  # every AU in Table 2's form: description, no space, the question
        cls = r["id"].rsplit("/", 1)[1]
        assert r["prompt"] == (
            f"{task.config.class_descriptions[cls]}Does the person in the image contains the AU of "
            f"{task.display(cls)}? Answer directly with Yes or No.")


def test_agedb_asks_table2_age_and_gender_questions_of_every_image(cli, tmp_path):
    rows = _export(cli, tmp_path / "agedb.jsonl", "agedb")
    by_question = {q: {r["prompt"] for r in rows if r["id"].endswith(f"/{q}")} for q in ("age", "gender")}
    assert by_question == {"age": {TABLE2_AGEDB_AGE}, "gender": {TABLE2_AGEDB_GENDER}}
    ids = {r["sample_id"] for r in rows}
    assert len(rows) == 2 * len(ids) == 2 * len(list((demo_root() / "AgeDB").glob("*.jpg")))


def test_zeroshot_and_mmvet_prompts_are_the_datasets_own_text(cli, tmp_path):
    """Sec. 5.1.2: each question carries its description, instruction and answer guidance, so
    the manifest text is shown as written; MM-Vet's question is shown verbatim."""
    manifest = read_jsonl(demo_root() / "zeroshot_attributes" / "manifest.jsonl")
    expected = [f"{m['description']} {q}" for m in manifest for q in m["questions"]]
    rows = _export(cli, tmp_path / "zs.jsonl", "zeroshot_attributes")
    assert [r["prompt"] for r in rows] == expected
    items = json.loads((demo_root() / "MM-Vet" / "mm-vet.json").read_text())
    rows = _export(cli, tmp_path / "mmvet.jsonl", "mmvet")
    assert {r["id"]: r["prompt"] for r in rows} == {k: v["question"] for k, v in items.items()}
    assert {r["generation"]["max_new_tokens"] for r in rows} == {1024}


def test_every_task_says_in_a_note_where_its_prompt_comes_from():
    protocol = load_protocol("face-mllm")
    assert set(protocol.tasks) == set(TASKS)
    assert all("prompt" in protocol.tasks[t].notes for t in TASKS)
    assert {"decoding", "max_new_tokens", "format_valid_rate", "face_crop"} <= set(protocol.notes)


# -- which samples: LFWA's test split, EmotioNet's 2,000 ------------------------------------------
def test_lfwa_evaluates_the_6880_test_images_and_refuses_another_count(cli, tmp_path):
    root = tmp_path / "data" / "LFWA"
    # 688 people x 11 images; each person's first image is training: 688 train, 6,880 test
    lfwa.write(root, seed=1, per_person=11, people=[f"Person_{i:04d}" for i in range(688)])
    task = load_protocol("face-mllm").apply(get_task("lfwa"))
    samples = task.load_samples(root)
    assert len(samples) == 6880 and {s.meta["split"] for s in samples} == {"test"}
    assert not any(s.id.endswith("_0001") for s in samples)

    (root / "anno" / "list_eval_partition_lfw.txt").unlink()  # now the loader reads all 7,568
    result = cli("export", "--protocol", "face-mllm", "--tasks", "lfwa", "--data-root", tmp_path / "data",
                 "--out", tmp_path / "x.jsonl", expect=2)
    line = result.output.strip()
    assert "\n" not in line and str(root) in line
    assert "gives 7,568 samples; the protocol evaluates 6,880" in line and "partition file" in line
    # under facebench's own protocol the same tree is simply evaluated whole
    assert len(get_task("lfwa").load_samples(root)) == 7568


def test_emotionet_draws_2000_images_or_takes_exactly_2000(cli, tmp_path):
    task = load_protocol("face-mllm").apply(get_task("emotionet"))
    root = tmp_path / "data" / "EmotioNet"
    emotionet.write(root, seed=2, n=2500)
    drawn = task.load_samples(root)
    assert len(drawn) == 2000 and {s.meta["drawn_from"] for s in drawn} == {2500}
    assert [s.id for s in drawn] == [s.id for s in task.load_samples(root)]  # fixed, not re-drawn
    # the draw is the documented one: --limit 2000 --seed 0 on the whole manifest, in file order
    whole = get_task("emotionet").load_samples(root)
    assert [s.id for s in drawn] == [s.id for s in select_samples(whole, 2000, 0)]
    rows = _export(cli, tmp_path / "e.jsonl", "emotionet", "--seed", "9", data_root=tmp_path / "data")
    assert {r["sample_id"] for r in rows} == {s.id for s in drawn}  # --seed does not move it

    manifest = root / "emotionet.csv"
    lines = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join(lines[:2001]))  # the user's own 2,000: taken as they are
    taken = task.load_samples(root)
    assert len(taken) == 2000 and not any("drawn_from" in s.meta for s in taken)

    manifest.write_text("".join(lines[:2000]))  # 1,999 rows: too few
    result = cli("export", "--protocol", "face-mllm", "--tasks", "emotionet", "--data-root", tmp_path / "data",
                 "--out", tmp_path / "x.jsonl", expect=2)
    assert str(root) in result.output
    assert "gives 1,999 samples; the protocol evaluates 2,000, drawn from at least as many" in result.output


# -- Fig. 4: format-valid rate, pooled over every answer -------------------------------------------
def _answer(row: dict) -> str:
    """Every third request unreadable to any parser, the rest a readable answer."""
    valid = int(re.sub(r"\D", "", row["id"]) or 0) % 3 != 0
    if not valid:
        return "???"
    if row["task"] == "rafdb":
        return "D"
    return "37" if row["id"].endswith("/age") else "No"


def test_format_valid_rate_is_pooled_over_all_answers(cli, tmp_path):
    tasks = ("rafdb", "agedb", "emotionet")
    rows = _export(cli, tmp_path / "req.jsonl", ",".join(tasks))
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"task": r["task"], "id": r["id"], "response": _answer(r)}) + "\n"
                               for r in rows))
    out = tmp_path / "out"
    cli("run", "--model", "replay", "--model-arg", f"path={answers}", "--protocol", "face-mllm",
        "--tasks", ",".join(tasks), "--output", out)
    by_hand = {t: [_answer(r) != "???" for r in rows if r["task"] == t] for t in tasks}
    results = [json.loads((out / "replay/face-mllm" / t / "metrics.json").read_text()) for t in tasks]
    for t, res in zip(tasks, results):
        assert res["protocol"] == "face-mllm"
        assert res["metrics"]["format_valid_rate"] == pytest.approx(sum(by_hand[t]) / len(by_hand[t]))
    # AgeDB's rate is over the answers to both questions of every image
    assert len(by_hand["agedb"]) == 2 * results[1]["metrics"]["age_n_answered"]

    pooled = sum(map(sum, by_hand.values())) / sum(map(len, by_hand.values()))
    mean_of_tasks = sum(sum(v) / len(v) for v in by_hand.values()) / len(tasks)
    assert abs(pooled - mean_of_tasks) > 1e-3  # the two readings differ on this run
    got = format_valid_over_results(results)
    assert got["format_valid_rate"] == pytest.approx(pooled)
    assert got["n_answers"] == len(rows) and got["n_valid"] == sum(map(sum, by_hand.values()))
    page = tmp_path / "report.html"
    cli("report", out, "--html", page)
    row = re.search(r"<tr><td>replay \[face-mllm\]</td><td>([\d.]+)</td><td>(\d+)</td><td>(\d+)</td></tr>",
                    page.read_text())
    assert row and float(row[1]) == pytest.approx(100 * pooled, abs=0.05)
    assert (int(row[2]), int(row[3])) == (got["n_valid"], len(rows))


# -- the whole protocol on the demo data -----------------------------------------------------------
def test_random_model_runs_every_face_mllm_task_on_the_demo_data(cli, tmp_path):
    out = tmp_path / "out"
    with pytest.warns(DatasetWarning, match="embedded demo data gives 6 samples, not the protocol's 6,880"):
        result = cli("run", "--model", "random", "--protocol", "face-mllm", "--output", out)
    assert "protocol: face-mllm" in result.output
    styles = {"rafdb": "mcq", "lfwa": "face_mllm_qa", "emotionet": "qa", "agedb": "qa",
              "zeroshot_attributes": "verbatim", "mmvet": "default"}
    for task in TASKS:
        metrics = json.loads((out / "random/face-mllm" / task / "metrics.json").read_text())
        assert (metrics["protocol"], metrics["variant"], metrics["overrides"]) == ("face-mllm", "face-mllm", {})
        assert metrics["style"] == styles[task] and metrics["n"] > 0 and metrics["n_error"] == 0
    assert sorted(p.name for p in (out / "random/face-mllm").iterdir()) == sorted(TASKS)
