"""RAF-DB read from its official layout: counts, label mapping, split, bad trees."""

from __future__ import annotations

import pytest

from facebench.errors import DatasetError
from facebench.fixtures.rafdb import write
from facebench.loaders.rafdb import LABELS, load
from facebench.tasks.registry import get_task


def test_reads_test_split_with_label_names(tmp_path):
    labels = write(tmp_path / "RAF-DB", seed=3, n_test=20, n_train=5)
    samples = list(load(tmp_path / "RAF-DB"))
    assert len(samples) == 20
    assert {s.id for s in samples} == set(labels)
    for s in samples:
        assert s.target == LABELS[labels[s.id]]
        assert s.media[0].endswith(f"basic/Image/aligned/{s.id}_aligned.jpg")
    # label ids follow the official map: 1 Surprise ... 7 Neutral
    assert LABELS[1] == "surprise" and LABELS[4] == "happiness" and LABELS[7] == "neutral"


def test_original_variant_and_basic_level_root(tmp_path):
    write(tmp_path / "RAF-DB", n_test=4, n_train=1)
    samples = list(load(tmp_path / "RAF-DB" / "basic", variant="original"))
    assert [s.media[0].rsplit("/", 1)[1] for s in samples] == [f"test_{i:04d}.jpg" for i in range(1, 5)]


def test_malformed_label_line_names_file_and_line(tmp_path):
    write(tmp_path, n_test=3, n_train=1)
    label_file = tmp_path / "basic/EmoLabel/list_patition_label.txt"
    lines = label_file.read_text().splitlines()
    lines.insert(2, "test_0009.jpg nine")
    label_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError) as err:
        list(load(tmp_path))
    assert f"{label_file}:3" in str(err.value)
    assert "test_0009.jpg nine" in str(err.value)


def test_missing_label_file_is_named(tmp_path):
    (tmp_path / "basic/Image/aligned").mkdir(parents=True)
    with pytest.raises(DatasetError, match="list_patition_label.txt"):
        list(load(tmp_path))


def test_mcq_prompt_follows_face_mllm_table2_and_records_option_order(tmp_path):
    write(tmp_path, n_test=3, n_train=0)
    task = get_task("rafdb")
    built = task.build_requests(task.load_samples(tmp_path), "mcq", seed=1)
    request, target, _ = built[0]
    options = request.meta["options"]
    assert sorted(options) == sorted(task.config.classes)
    assert request.prompt.startswith("What's the expression of this person? A:")
    assert request.prompt.endswith("Answer with the option's letter from the given choices directly.")
    assert f"A:{options[0]} B:{options[1]}" in request.prompt
    # seeded: the same on a rebuild, different under another seed for at least one sample
    again = task.build_requests(task.load_samples(tmp_path), "mcq", seed=1)
    assert [r.meta["options"] for r, _, _ in again] == [r.meta["options"] for r, _, _ in built]
    other = task.build_requests(task.load_samples(tmp_path), "mcq", seed=2)
    assert [r.meta["options"] for r, _, _ in other] != [r.meta["options"] for r, _, _ in built]
