"""FaceForensics++: test pairs -> 2 real + 2 fakes per method, compression option, bad trees,
3-second chunk requests, and video accuracy (overall, per method) by majority vote over
replayed chunk answers, computed by hand, with the 0.80-style majority floor."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.ffpp import FPS, write
from facebench.loaders.ffpp import METHODS, load
from facebench.media.frames import chunk_spans
from facebench.media.refs import parse_ref, segment_ref
from facebench.tasks.registry import get_task


@pytest.fixture
def tree(tmp_path):
    frames = write(tmp_path / "data" / "FaceForensics++", seed=0)
    return tmp_path / "data", frames


def test_pairs_give_real_and_fake_videos(tree):
    data, frames = tree
    samples = list(load(data / "FaceForensics++"))
    assert len(samples) == 4 + 4 * 4 and [s.id for s in samples] == list(frames)
    real = [s for s in samples if s.target == "real"]
    assert [s.id for s in real] == ["original_953", "original_974", "original_128", "original_896"]
    assert all(s.media[0].endswith(f"original_sequences/youtube/c40/videos/{s.id[9:]}.mp4") for s in real)
    fakes = {s.id for s in samples if s.target == "fake"}
    assert {"Deepfakes_953_974", "Deepfakes_974_953", "NeuralTextures_896_128"} <= fakes
    assert Counter(s.meta["method"] for s in samples) == {"original": 4, **{m: 4 for m in METHODS}}
    assert all(s.modality == "video" and s.meta["compression"] == "c40" for s in samples)


def test_compression_and_methods_options(tmp_path):
    root = tmp_path / "FaceForensics++"
    write(root, pairs=(("001", "002"),), compressions=("c40", "c23"))
    c23 = list(load(root, compression="c23", methods=["FaceSwap"]))
    assert [s.id for s in c23] == ["original_001", "original_002", "FaceSwap_001_002", "FaceSwap_002_001"]
    assert all("/c23/videos/" in s.media[0] for s in c23)
    with pytest.raises(DatasetError, match=r"youtube/raw/videos: missing FaceForensics\+\+ original raw videos"):
        list(load(root, compression="raw"))
    with pytest.raises(DatasetError, match=r"FaceShifter/c40/videos: missing FaceForensics\+\+ FaceShifter c40"):
        list(load(root, methods=["FaceShifter"]))
    with pytest.raises(DatasetError, match="compression must be one of c40, c23, raw"):
        list(load(root, compression="c50"))


def test_bad_split_file_names_the_file(tmp_path):
    root = tmp_path / "FaceForensics++"
    write(root, pairs=(("001", "002"),))
    split = root / "splits/test.json"
    split.write_text('[["001", "002"], ["003"]]')
    with pytest.raises(DatasetError, match=r"test\.json: entry 1 is \[\"003\"\], expected a pair"):
        list(load(root))
    split.write_text('[["001", "002"],\n oops]')
    with pytest.raises(DatasetError, match=r"test\.json:2: not valid JSON"):
        list(load(root))
    split.unlink()
    with pytest.raises(DatasetError, match=r"splits/test\.json: missing FaceForensics\+\+ split file"):
        list(load(root))


def _expected_chunks(n_frames: int) -> int:
    seconds = n_frames / FPS  # 7 s -> 3 chunks, 6 s -> 2, 3.25 s -> 1 (tail dropped), 2 s -> 1
    return {7.0: 3, 6.0: 2, 3.25: 1, 2.0: 1}[seconds]


def test_each_video_becomes_three_second_chunk_requests(tree):
    data, frames = tree
    task = get_task("ffpp")
    samples = task.load_samples(data / "FaceForensics++")
    requests = task.build_requests(samples, "constrained")
    per_video = Counter(r.sample_id for r, _, _ in requests)
    assert per_video == {sid: _expected_chunks(n) for sid, n in frames.items()}
    first = [r for r, _, _ in requests if r.sample_id == "original_953"]
    assert [r.key for r in first] == ["original_953/c0", "original_953/c1", "original_953/c2"]
    spans = [(parse_ref(r.media[0]).start, parse_ref(r.media[0]).end) for r in first]
    assert spans == [(0, 3), (3, 6), (6, 7)]
    assert first[0].media[0].endswith("original_sequences/youtube/c40/videos/953.mp4#start=0&end=3")
    assert [r.meta["chunk"] for r in first] == [0, 1, 2] and first[2].meta["chunk_start"] == 6
    assert first[0].prompt == "Is this video real or fake? Answer with one word."
    assert first[0].generation.num_frames == 8


def _vote(labels):
    counts = Counter(x for x in labels if x is not None).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


def test_majority_vote_accuracy_overall_and_per_method_by_hand(cli, tree, tmp_path):
    data, frames = tree
    target = {sid: "real" if sid.startswith("original") else "fake" for sid in frames}

    def chunk_labels(sid: str) -> list[str | None]:
        """The hand-made answers of one video's chunks (None = unparseable)."""
        n, truth = _expected_chunks(frames[sid]), target[sid]
        other = "real" if truth == "fake" else "fake"
        if n == 3:  # Deepfakes: tie after an abstention; other fakes: 2 wrong of 3
            if sid.startswith("Deepfakes"):
                return [truth, other, None]
            return [truth, truth, other] if truth == "real" else [other, other, truth]
        if n == 2:  # NeuralTextures: a 1-1 tie; others right
            return [truth, other] if sid.startswith("NeuralTextures") else [truth, truth]
        if frames[sid] == 8 and sid.startswith("FaceSwap"):
            return [None]  # the only chunk unparseable
        return [truth]

    def answer(row):
        sid, chunk = row["id"].split("/c")
        start, end = chunk_spans(frames[sid] / FPS, 3, 1)[int(chunk)]
        assert row["media"][0].endswith(segment_ref("", start, end))
        label = chunk_labels(sid)[int(chunk)]
        return {"real": "Real.", "fake": "fake", None: "Hard to tell."}[label]

    metrics, predictions, rows = replay(cli, tmp_path, "ffpp", data, answer, style="constrained")
    assert len(rows) == sum(_expected_chunks(n) for n in frames.values())
    assert metrics["n_error"] == 0
    # a last chunk shorter than 8 frames is shown with the frames it has, and that is recorded
    short = {p["id"]: p["meta"]["frames_shown"] for p in predictions if "frames_shown" in p["meta"]}
    assert short and all(0 < n < 8 for shown in short.values() for n in shown.values())
    assert "original_953/c2" in short  # 6-7 s at 4 fps: 4 frames
    videos = {sid: _vote(chunk_labels(sid)) for sid in frames}
    right = {sid: videos[sid] == target[sid] for sid in frames}
    m = metrics["metrics"]
    assert m["accuracy"] == pytest.approx(sum(right.values()) / len(frames))
    by_method = {}
    for sid, ok in right.items():
        by_method.setdefault(sid.split("_")[0], []).append(ok)
    assert m["accuracy_by_method"] == pytest.approx({k: sum(v) / len(v) for k, v in by_method.items()})
    # the same numbers written out: every 3-chunk fake is wrong (a tie, or 2 of 3 chunks wrong),
    # so is NeuralTextures' 2-chunk tie and FaceSwap's single unparseable chunk
    assert m["accuracy_by_method"] == pytest.approx(
        {"original": 1.0, "Deepfakes": 0.75, "Face2Face": 0.75, "FaceSwap": 0.5, "NeuralTextures": 0.5})
    assert m["accuracy"] == pytest.approx(14 / 20)
    assert m["decided_rate"] == pytest.approx(sum(v is not None for v in videos.values()) / len(frames))
    n_chunks = len(rows)
    n_unparsed = sum(x is None for sid in frames for x in chunk_labels(sid))
    assert m["format_valid_rate"] == pytest.approx((n_chunks - n_unparsed) / n_chunks)
    assert m["n_videos"] == 20
    assert metrics["floor"]["accuracy"] == pytest.approx(16 / 20)  # always "fake"
