"""CelebA: official layout (and the release's Anno/Eval/Img folders), test split, 40 yes/no
questions per image, bad files, and mAcc on replayed answers computed by hand."""

from __future__ import annotations

import shutil

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.celeba import write
from facebench.loaders.celeba import ATTRIBUTES, load
from facebench.tasks.registry import get_task


@pytest.fixture
def tree(tmp_path):
    labels = write(tmp_path / "data" / "CelebA", seed=5, n_train=3, n_valid=2, n_test=10)
    return tmp_path / "data", labels


def test_reads_only_the_test_partition_with_all_40_attributes(tree):
    data, labels = tree
    samples = load(data / "CelebA")
    assert [s.id for s in samples] == sorted(labels) and len(samples) == 10
    for s in samples:
        assert s.target == labels[s.id] and list(s.target) == ATTRIBUTES
        assert s.media[0].endswith(f"img_align_celeba/{s.id}.jpg")
    assert len(load(data / "CelebA", split="all")) == 15
    assert len(load(data / "CelebA", split="valid")) == 2


def test_official_release_folders_are_found(tmp_path, tree):
    data, labels = tree
    src, dst = data / "CelebA", tmp_path / "release"
    (dst / "Anno").mkdir(parents=True)
    (dst / "Eval").mkdir()
    (dst / "Img").mkdir()
    shutil.copy(src / "list_attr_celeba.txt", dst / "Anno")
    shutil.copy(src / "list_eval_partition.txt", dst / "Eval")
    shutil.copytree(src / "img_align_celeba", dst / "Img" / "img_align_celeba")
    samples = load(dst)
    assert {s.id for s in samples} == set(labels)
    assert samples[0].media[0].startswith(str(dst / "Img" / "img_align_celeba"))


def _edit_attr(data, fn):
    path = data / "CelebA" / "list_attr_celeba.txt"
    lines = path.read_text().splitlines()
    fn(lines)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_value_names_file_line_and_text(tree):
    data, _ = tree
    path = _edit_attr(data, lambda ls: ls.__setitem__(4, ls[4].replace(" 1", " 2", 1).replace("-1", " 2", 1)))
    with pytest.raises(DatasetError) as err:
        load(data / "CelebA")
    assert f"{path}:5" in str(err.value) and "-1/1" in str(err.value)


def test_header_without_an_attribute_is_refused(tree):
    data, _ = tree
    _edit_attr(data, lambda ls: ls.__setitem__(1, ls[1].replace("Wearing_Hat", "Hat")))
    with pytest.raises(DatasetError, match=r"list_attr_celeba.txt:2: header lacks attribute\(s\) Wearing_Hat"):
        load(data / "CelebA")


def test_truncated_file_is_detected_by_the_count_line(tree):
    data, _ = tree
    _edit_attr(data, lambda ls: ls.pop())
    with pytest.raises(DatasetError, match="declares 15 images but 14 are listed"):
        load(data / "CelebA")


def test_missing_files_are_named(tree):
    data, _ = tree
    (data / "CelebA" / "list_eval_partition.txt").unlink()
    with pytest.raises(DatasetError, match="list_eval_partition.txt"):
        load(data / "CelebA")
    shutil.rmtree(data / "CelebA" / "img_align_celeba")
    with pytest.raises(DatasetError, match="img_align_celeba"):
        load(data / "CelebA", split="all")


def test_qa_asks_40_face_mllm_questions_with_definitions_where_unclear(tree):
    data, _ = tree
    task = get_task("celeba")
    built = task.build_requests(task.load_samples(data / "CelebA"), "qa")
    assert len(built) == 10 * 40
    prompts = {r.key.split("/", 1)[1]: r.prompt for r, _, _ in built[:40]}
    assert prompts["Bags_Under_Eyes"] == (
        "Does the person in the image possess the property of Bags Under Eyes? "
        "Answer directly with Yes or No."
    )
    assert prompts["5_o_Clock_Shadow"].startswith("A 5 o'Clock Shadow is the short stubble")
    assert prompts["5_o_Clock_Shadow"].endswith(
        "possess the property of 5 o'Clock Shadow? Answer directly with Yes or No.")
    assert "High Cheekbones are prominent" in prompts["High_Cheekbones"]
    assert "Attractive means" in prompts["Attractive"]


def test_lfwa_asks_exactly_the_celeba_questions():
    def spec(name):
        doc = get_task(name).config.model_dump()
        return {k: doc[k] for k in ("classes", "class_names", "class_descriptions", "styles",
                                    "kind", "metrics", "synonyms", "default_style")}

    assert spec("lfwa") == spec("celeba")
    assert spec("celeba")["classes"] == ATTRIBUTES


def test_replayed_yes_no_answers_give_the_hand_computed_macc(cli, tree, tmp_path):
    data, labels = tree
    # answer pattern by position: right, right, wrong, unparseable, right, ...
    plan: dict[str, str] = {}

    def answer(row):
        stem, attr = row["id"].split("/", 1)
        truth = labels[stem][attr]
        kind = ["right", "right", "wrong", "invalid"][len(plan) % 4]
        plan[row["id"]] = kind
        if kind == "invalid":
            return "It is hard to say from this picture."
        says_yes = truth if kind == "right" else not truth
        return ["Yes.", "No."][not says_yes] if len(plan) % 2 else ["yes", "no"][not says_yes]

    metrics, _predictions, rows = replay(cli, tmp_path, "celeba", data, answer)
    assert len(rows) == 400 and metrics["n"] == 400
    per_attr = {a: sum(plan[f"{s}/{a}"] == "right" for s in labels) / 10 for a in ATTRIBUTES}
    assert metrics["metrics"]["per_class_accuracy"] == pytest.approx(per_attr)
    assert metrics["metrics"]["macc"] == pytest.approx(sum(per_attr.values()) / 40)
    assert metrics["n_invalid"] == 100
    assert metrics["metrics"]["format_valid_rate"] == pytest.approx(0.75)
    # floor: every attribute answered with its majority value
    majority = [max(sum(labels[s][a] for s in labels), 10 - sum(labels[s][a] for s in labels)) / 10
                for a in ATTRIBUTES]
    assert metrics["floor"]["macc"] == pytest.approx(sum(majority) / 40)


def test_replayed_descriptions_give_the_hand_computed_macc(cli, tree, tmp_path):
    data, labels = tree
    stems = sorted(labels)

    def answer(row):
        if row["id"] == stems[0]:
            return "I'm sorry, I cannot describe people."
        return "The person is smiling and wears eyeglasses."

    metrics, _, rows = replay(cli, tmp_path, "celeba", data, answer, style="open")
    assert len(rows) == 10 and rows[0]["prompt"] == "Document the facial details visible in the image."
    valid = stems[1:]
    expected = {}
    for a in ATTRIBUTES:
        said = a in ("Smiling", "Eyeglasses")
        expected[a] = sum(labels[s][a] == said for s in valid) / 10  # the refusal is wrong on all
    assert metrics["metrics"]["per_class_accuracy"] == pytest.approx(expected)
    assert metrics["metrics"]["macc"] == pytest.approx(sum(expected.values()) / 40)
    assert metrics["n_invalid"] == 1
