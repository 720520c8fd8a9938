"""Face-Human-Bench (face half) from its released JSON files and rebuilt images: one sample per
(question, image version), rotated options, and the hierarchical averaging of score.py (accuracy
and accuracy excluding refusals) on replayed answers computed by hand."""

from __future__ import annotations

import json

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import ConfigError, DatasetError
from facebench.fixtures.face_human_bench import FILES, write
from facebench.loaders.face_human_bench import load
from facebench.parsing import ParseContext, parse
from facebench.tasks.registry import get_task

LETTERS = "ABCD"


def test_each_image_version_is_its_own_subset(tmp_path):
    truth = write(tmp_path, per_file=2)
    samples = {s.id: s for s in load(tmp_path)}
    versions = sum(len(v[1]) for v in FILES.values())
    assert len(samples) == 2 * versions == 40 and set(samples) == set(truth)
    age = samples["face_age_basic_5/cropped/2"]
    assert age.meta["subset"] == "face_age_basic_5-cropped" and age.target == truth[age.id]["target"]
    assert age.media[0] == str(tmp_path / "test/output/eval_data/face/age/basic_5/cropped/sample_0002.jpg")
    assert "face_recognition_basic/original/1" not in samples  # recognition: cropped only
    # the split folder itself, and an explicit image folder
    assert {s.id for s in load(tmp_path / "test")} == set(samples)
    assert load(tmp_path, images="test/output")[0].media == load(tmp_path)[0].media


def test_dev_split_and_chinese_files(tmp_path):
    write(tmp_path, per_file=1, split="dev")
    assert len(load(tmp_path, split="dev")) == 20
    src = tmp_path / "dev/json/en/face_expression_basic.json"
    zh = tmp_path / "dev/json/zh/face_expression_basic_zh.json"
    zh.parent.mkdir(parents=True)
    zh.write_text(src.read_text().replace("What is the facial expression", "图中人物的表情是什么"), encoding="utf-8")
    samples = load(tmp_path, split="dev", language="zh")
    assert {s.meta["task_type"] for s in samples} == {"face_expression_basic"}
    task = get_task("face_human_bench")
    request = task.build_requests(samples)[0][0]
    assert request.prompt.startswith("问题: 图中人物的表情是什么") and request.prompt.endswith("请从以上选项中选择正确的答案。")


def test_prompt_rotates_options_as_eval_py(tmp_path):
    write(tmp_path, per_file=1)
    task = get_task("face_human_bench")
    built = task.build_requests(task.load_samples(tmp_path))
    rotations = set()
    for request, target, sample in built:
        shift = request.meta["rotation"]
        rotations.add(shift)
        released = sample.meta["options"]
        shown = request.meta["options"]
        assert shown == [released[(i + shift) % len(released)] for i in range(len(released))]
        assert shown[LETTERS.index(request.meta["answer_letter"])] == target
    assert len(rotations) > 1  # a per-question draw, not one shift for all
    request = built[0][0]
    assert request.prompt.startswith("Question: ") and " A. " in request.prompt
    assert request.prompt.endswith("Please select the correct answer from the options above.")
    assert task.build_requests(task.load_samples(tmp_path))[0][0].meta == request.meta  # seeded


def test_bad_items_and_paths_are_named(tmp_path):
    write(tmp_path, per_file=1)
    path = tmp_path / "test/json/en/face_recognition_mask.json"
    content = json.loads(path.read_text())
    content["data"][0]["QA"]["answer"] = 2
    path.write_text(json.dumps(content))
    with pytest.raises(DatasetError, match=r"face_recognition_mask.json: data\[1\]: QA.answer 2 is not an index"):
        load(tmp_path)
    content["data"][0]["QA"]["answer"] = 0
    content["data"][0]["image"]["image_paths"]["cropped"] = "../../../etc/passwd"
    path.write_text(json.dumps(content))
    with pytest.raises(DatasetError, match=r"data\[1\] cropped: path '../../../etc/passwd' leads outside"):
        load(tmp_path)
    path.write_bytes(b'{"data": [\n"\xff"]}')
    with pytest.raises(DatasetError, match=r"face_recognition_mask.json:2: not UTF-8 text"):
        load(tmp_path)


def test_a_subset_outside_the_hierarchy_is_refused(tmp_path):
    write(tmp_path, per_file=1)
    extra = tmp_path / "test/json/en/face_expression_compound.json"
    content = json.loads(extra.read_text())
    content["data"][0]["image"]["image_paths"]["original"] = "eval_data/face/x.jpg"
    extra.write_text(json.dumps(content))
    task = get_task("face_human_bench")
    with pytest.raises(ConfigError, match=r"'face_expression_compound-original', which is not a leaf"):
        task.build_requests(task.load_samples(tmp_path))


# -- output_final_answer.py's rule stages (reference mode) ----------------------------------------
# get_final_answer: ``if len(output) == 1: final_answer = output``; else
# ``re.findall(r'[ABCD][\.。\)）,，:：]+', output)`` (first characters) + ``re.findall(r"选项 ?[ABCD]",
# output)`` (last characters): one match, or several that agree, decide; else gpt-3.5-turbo
# (facebench: the strict rules). score.py: a refusal is ``final_answer == "X"``.
OPTIONS = ("yes", "no")


@pytest.mark.parametrize(
    "answer, value, rule",
    [
        ("B", "no", "reference:single"),
        ("X", None, "reference:refusal"),
        ("C", {"letter": "C"}, "reference:single"),  # not an option: wrong, not a refusal
        ("A. yes", "yes", "reference:regex"),
        ("The answer is B).", "no", "reference:regex"),
        ("选项 A", "yes", "reference:regex"),
        ("A. yes, I mean A:", "yes", "reference:regex"),  # several matches that agree
        ("A. yes or B. no", "yes", "reference:matcher_fallback:letter_lead"),  # disagree: no regex verdict
        ("D, surely", {"letter": "D"}, "reference:regex"),  # beyond the two options shown: wrong
        ("They are the same person, yes.", "yes", "reference:matcher_fallback:option_text"),
        ("I cannot tell.", None, "reference:matcher_fallback:no_letter"),
        ("No.", "no", "reference:matcher_fallback:option_text"),
    ],
)
def test_reference_rule_stages(answer, value, rule):
    result = parse("face_human_bench_option", answer, ParseContext(options=OPTIONS, mode="reference"))
    assert (result.value, result.rule) == (value, rule)


def test_replayed_answers_give_hand_computed_hierarchical_scores(cli, tmp_path):
    truth = write(tmp_path / "data" / "Face-Human-Bench", per_file=2)

    def plan(sid: str) -> str:  # "right", "wrong", "refuse", or "text" (the option text)
        subset, k = truth[sid]["subset"], int(sid.rsplit("/", 1)[1])
        if subset.startswith("face_recognition"):
            return "right"
        return {
            "face_attack_digital_expression_swap-cropped": ["refuse", "refuse"],
            "face_attack_digital_identity_swap-cropped": ["right", "wrong"],
            "face_attack_physical_paper-cropped": ["wrong", "wrong"],
            "face_attack_physical_replay-cropped": ["right", "refuse"],
            "face_age_basic_5-original": ["right", "right"],
            "face_expression_basic-original": ["right", "right"],
            "face_expression_basic-cropped": ["right", "refuse"],
            "face_attribute_compound-original": ["right", "wrong"],
            "face_attribute_compound-cropped": ["text", "text"],
        }.get(subset, ["wrong", "wrong"])[k - 1]

    def answer(row):
        target = truth[row["id"]]["target"]
        shown = row["choices"]
        letters = {}
        for letter in shown:  # read the shown options back from the prompt
            after = row["prompt"].split(f" {letter}. ", 1)[1]
            nxt = chr(ord(letter) + 1)
            letters[letter] = after.split(f" {nxt}. ", 1)[0].split(" Please select")[0]
        right = next(k for k, v in letters.items() if v == target)
        wrong = next(k for k in letters if k != right)
        return {"right": f"{right}.", "wrong": f"The answer is {wrong}.", "refuse": "I cannot tell.",
                "text": target}[plan(row["id"])]

    metrics, _, sent = replay(cli, tmp_path, "face_human_bench", tmp_path / "data", answer)
    assert len(sent) == 40
    m = metrics["metrics"]
    ability = {
        "attribute": (0.75, 0.75),
        "age": (1 / 6, 1 / 6),
        "expression": ((0.75 + 0) / 2, (1.0 + 0) / 2),
        "attack": ((0.25 + 0.25) / 2, (0.5 + 0.5) / 2),
        "recognition": (1.0, 1.0),
    }
    for name, (acc, clean) in ability.items():
        assert m[f"accuracy_{name}"] == pytest.approx(acc) and m[f"clean_accuracy_{name}"] == pytest.approx(clean)
    assert m["accuracy"] == pytest.approx(sum(a for a, _ in ability.values()) / 5)
    assert m["clean_accuracy"] == pytest.approx(sum(c for _, c in ability.values()) / 5)
    swap = m["per_subset"]["face_attack_digital_expression_swap-cropped"]
    assert swap == {"accuracy": 0.0, "clean_accuracy": None, "n_answered": 2, "n_refused": 2}
    interval = metrics["confidence_intervals"]["accuracy"]
    assert interval["low"] <= m["accuracy"] <= interval["high"]
    assert m["per_sub_ability"]["attack/digital_attack"] == pytest.approx({"accuracy": 0.25, "clean_accuracy": 0.5})
    assert m["refusal_rate"] == pytest.approx(4 / 40) and metrics["n_invalid"] == 4
    # chance: 1/4 for the 4-option subsets, 1/2 for the yes/no ones, averaged up the tree
    assert metrics["floor"]["accuracy"] == pytest.approx((0.25 + 0.25 + 0.25 + 0.5 + 0.5) / 5)
