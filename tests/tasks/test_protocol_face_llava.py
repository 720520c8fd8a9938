"""The face-llava protocol reproduces Face-LLaVA's evaluation (paper Sec. 3.4, 5, App. F, G.2):
prompts word for word, the official face crop and frame rule, the required UTKFace/MORPH II
split files, the paper's reading of AU and age answers (hand-computed F1 and MAE), and a
full run of every task. Data: fixture trees in each dataset's official layout; the real CLI."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from facebench import media
from facebench.fixtures import get_writer
from facebench.fixtures.disfa import write as write_disfa
from facebench.fixtures.utkface import write as write_utkface
from facebench.media import face_crop as FC
from facebench.media.files import frame_indices
from facebench.media.frames import VideoInfo, decode_frames, segment_indices
from facebench.protocols import load_protocol
from tests.tasks.av_tasks import fold_mean_f1
from tests.tasks.task_replay import read_jsonl

TASKS = ("dfew", "cremad", "rafdb", "disfa", "bp4d", "utkface", "morph2", "celeba", "ffpp")
DATA_DIRS = {"dfew": "DFEW", "cremad": "CREMA-D", "rafdb": "RAF-DB", "disfa": "DISFA", "bp4d": "BP4D",
             "utkface": "UTKFace", "morph2": "MORPH2", "celeba": "CelebA", "ffpp": "FaceForensics++"}
#: the synthetic faces of the fixtures are found without mediapipe (every input is cropped)
FIXTURE_DETECTOR = "facebench.fixtures.detector:ForegroundFaceDetector"


def split_name(task: str) -> str:
    """The split file the protocol requires (read from the protocol file, not repeated here)."""
    return load_protocol("face-llava").tasks[task].task["loader_options"]["subset_file"]


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """Every face-llava dataset in its official layout, plus the UTKFace / MORPH II split files."""
    root = tmp_path_factory.mktemp("face_llava_data")
    for task, folder in DATA_DIRS.items():
        extra = {"split_file": split_name(task)} if task in ("utkface", "morph2") else {}
        get_writer(folder)(root / folder, seed=0, **extra)
    return root


@pytest.fixture(autouse=True)
def fixture_detector(monkeypatch):
    monkeypatch.setenv(FC.DETECTOR_ENV, FIXTURE_DETECTOR)


def _prompts(rows) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in rows:
        texts = [p["value"] for m in row["messages"] for p in m["content"] if p["type"] == "text"]
        out.setdefault(row["task"], set()).update(texts)
    return out


# --- prompts --------------------------------------------------------------------------------

#: Fig. 7 ("Samples of various instructions"), the first instruction listed for each task; App.
#: E.3: "we replace the 'video'/'image' string in the instruction with appropriate type of data".
FIG7 = {
    "dfew": "Analyze the facial expression portrayed in the video.",  # Facial Expression Recognition
    "cremad": "Analyze the facial expression portrayed in the video.",
    "rafdb": "Analyze the facial expression portrayed in the image.",  # 'video' -> 'image' (E.3)
    "disfa": "Give the FACS (with explanation) for this image.",  # Action Unit Detection
    "bp4d": "Give the FACS (with explanation) for this image.",
    "celeba": "Document the facial details visible in the image.",  # Facial Attribute Detection
    "utkface": "Give your assessment of the person's age from the image, with supporting details.",  # Age Estimation
    "morph2": "Give your assessment of the person's age from the image, with supporting details.",
    "ffpp": "Use logic to assess whether the video is genuine or fake.",  # Deepfake Detection
}

#: App. G.2 describes the baseline prompts without printing them: "For fixed-set prediction
#: tasks such as facial expression recognition, facial attribute detection and deepfake
#: detection, we provide the list of possible classes in the prompt ... we explicitly prompt the
#: baselines to generate its response as a single word or a list of words." Fig. 20 (attributes):
#: "we ask the model to just detect the visible attributes and not describe them"; Fig. 21 (age):
#: "we use a different prompt ... as the baselines usually provide an age range". The wording
#: below is facebench's (tasks/templates/*_constrained.jinja), checked word for word.
AU_DISFA = ("AU1 (Inner Brow Raiser), AU2 (Outer Brow Raiser), AU4 (Brow Lowerer), AU6 (Cheek Raiser), "
            "AU9 (Nose Wrinkler), AU12 (Lip Corner Puller), AU25 (Lips Part), AU26 (Jaw Drop)")
AU_BP4D = ("AU1 (Inner Brow Raiser), AU2 (Outer Brow Raiser), AU4 (Brow Lowerer), AU6 (Cheek Raiser), "
           "AU7 (Lid Tightener), AU10 (Upper Lip Raiser), AU12 (Lip Corner Puller), AU14 (Dimpler), "
           "AU15 (Lip Corner Depressor), AU17 (Chin Raiser), AU23 (Lip Tightener), AU24 (Lip Pressor)")
AU_ASK = ("Answer with the codes of the active action units only, separated by commas, or None if no "
          "action unit is active.")
AGE = "How old is the person in the image? Answer with a single number, the age in years, not a range."
CELEBA = ("5 o'Clock Shadow, Arched Eyebrows, Attractive, Bags Under Eyes, Bald, Bangs, Big Lips, Big Nose, "
          "Black Hair, Blond Hair, Blurry, Brown Hair, Bushy Eyebrows, Chubby, Double Chin, Eyeglasses, "
          "Goatee, Gray Hair, Heavy Makeup, High Cheekbones, Male, Mouth Slightly Open, Mustache, "
          "Narrow Eyes, No Beard, Oval Face, Pale Skin, Pointy Nose, Receding Hairline, Rosy Cheeks, "
          "Sideburns, Smiling, Straight Hair, Wavy Hair, Wearing Earrings, Wearing Hat, Wearing Lipstick, "
          "Wearing Necklace, Wearing Necktie, Young")
G2 = {
    "dfew": "What is the facial expression of the person in the video? Choose one of: happiness, "
            "sadness, neutral, anger, surprise, disgust, fear. Answer with one word.",
    "cremad": "What is the facial expression of the person in the video? Choose one of: anger, "
              "disgust, fear, happiness, neutral, sadness. Answer with one word.",
    "rafdb": "What is the facial expression of the person in the image? Choose one of: surprise, "
             "fear, disgust, happiness, sadness, anger, neutral. Answer with one word.",
    "disfa": f"Which facial action units are active in the image? Choose from: {AU_DISFA}. {AU_ASK}",
    "bp4d": f"Which facial action units are active in the image? Choose from: {AU_BP4D}. {AU_ASK}",
    "utkface": AGE,
    "morph2": AGE,
    "celeba": f"Which of the following attributes does the person in the image have? {CELEBA}. "
              "List only the attributes that are visible, separated by commas.",
    "ffpp": "Is this video real or fake? Answer with one word.",
}


@pytest.mark.parametrize("task", TASKS)
def test_exported_baseline_prompt_is_the_constrained_prompt_word_for_word(cli, data_root, tmp_path, task):
    out = tmp_path / "requests.jsonl"
    cli("export", "--protocol", "face-llava", "--tasks", task, "--data-root", data_root, "--out", out)
    rows = read_jsonl(out)
    assert rows and {r["style"] for r in rows} == {"constrained"}
    assert _prompts(rows) == {task: {G2[task]}}
    # every input is face-cropped by the official rule; videos show the official frames
    for r in rows:
        ref = media.parse_ref(r["media"][0])
        assert ref.crop == "face-llava"
        assert ref.sampling == ("floor" if task in ("dfew", "cremad", "ffpp") else None)


def test_face_llava_itself_gets_the_fig7_instruction_word_for_word(cli, data_root, tmp_path):
    card = tmp_path / "own.yaml"
    card.write_text("name: face-llava-like\nadapter: random\nnative_protocols: [face-llava]\n")
    out = tmp_path / "out"
    cli("run", "--model", card, "--protocol", "face-llava", "--data-root", data_root, "--output", out)
    for task in TASKS:
        items = read_jsonl(out / "face-llava-like" / "face-llava" / task / "items.jsonl")
        assert _prompts([it["request"] for it in items]) == {task: {FIG7[task]}}
        # official inference.py: max_new_tokens=1024
        assert {it["request"]["generation"]["max_new_tokens"] for it in items} == {1024}
        assert json.loads((out / "face-llava-like/face-llava" / task / "run.json").read_text())["style"] == "open"


# --- the full run -----------------------------------------------------------------------------


def test_random_run_covers_every_task_and_records_the_protocol(cli, data_root, tmp_path):
    out = tmp_path / "out"
    result = cli("run", "--model", "random", "--protocol", "face-llava", "--data-root", data_root,
                 "--output", out)
    assert "protocol: face-llava" in result.output
    for task in TASKS:
        metrics = json.loads((out / "random/face-llava" / task / "metrics.json").read_text())
        assert metrics["protocol"] == "face-llava" and metrics["style"] == "constrained"
        assert metrics["n_error"] == 0 and metrics["mode"] == "strict"
        run = json.loads((out / "random/face-llava" / task / "run.json").read_text())
        assert run["face_crop"] is True
    for task in ("utkface", "morph2"):  # only the split's images are evaluated
        listed = (data_root / DATA_DIRS[task] / split_name(task)).read_text().split()
        n = json.loads((out / "random/face-llava" / task / "metrics.json").read_text())["n"]
        assert n == len(listed) and n < len(list((data_root / DATA_DIRS[task]).rglob("*.[jJ][pP][gG]")))


# --- required split files -------------------------------------------------------------------


def test_missing_split_file_is_a_one_line_error_saying_where_to_get_it(cli, tmp_path):
    write_utkface(tmp_path / "UTKFace", seed=1, n=4)  # images, no split file
    result = cli("export", "--protocol", "face-llava", "--tasks", "utkface", "--data-root", tmp_path,
                 "--out", tmp_path / "r.jsonl", expect=2)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert split_name("utkface") in lines[0] and "loader_options.subset_file" in lines[0]
    assert "ihp-lab/Face-LLaVA has no split files" in lines[0] and "about 4k images" in lines[0]
    assert not (tmp_path / "r.jsonl").exists()  # never a silent run on the whole dataset
    # `run` reports the same line for the task and runs nothing for it
    result = cli("run", "--model", "random", "--protocol", "face-llava", "--tasks", "utkface",
                 "--data-root", tmp_path, "--output", tmp_path / "out", expect=None)
    assert result.exit_code != 0 and "loader_options.subset_file" in result.output
    assert not list((tmp_path / "out").rglob("metrics.json"))


# --- answers read as the paper does -------------------------------------------------------------


def _replay(cli, tmp_path: Path, task: str, data_root: Path, answers: dict[str, str], *args: str):
    """Export under ``args`` (a protocol / style), answer by sample id, replay; (metrics, predictions)."""
    rows_file = tmp_path / f"{task}_requests.jsonl"
    cli("export", "--tasks", task, "--data-root", data_root, "--out", rows_file, *args)
    rows = read_jsonl(rows_file)
    answers_file = tmp_path / f"{task}_answers.jsonl"
    answers_file.write_text("".join(
        json.dumps({"task": task, "id": r["id"], "response": answers[r["sample_id"]]}) + "\n" for r in rows
    ))
    out = tmp_path / "results"
    cli("run", "--model", "replay", "--model-arg", f"path={answers_file}", "--tasks", task,
        "--data-root", data_root, "--output", out, *args)
    (folder,) = {Path(r["protocol"]) for r in rows}
    folder = out / "replay" / folder / task
    return json.loads((folder / "metrics.json").read_text()), read_jsonl(folder / "predictions.jsonl")


def test_disfa_answers_without_au_codes_score_as_no_au(cli, tmp_path):
    """F.2: AU codes by regex after negative sentences are removed: an answer with no code is
    "no AU", not wrong on every AU (facebench's own protocol). Mean F1 computed by hand."""
    data = tmp_path / "data"
    labels = write_disfa(data / "DISFA", seed=3, n_frames=10)
    fold = {"SN001": 3, "SN006": 2, "SN003": 1}  # each fixture subject's test fold
    texts = [
        "AU1, AU2 and AU25 are active.",
        "The person looks calm and relaxed.",  # no AU named
        "AU12 (Lip Corner Puller) is active. There is no AU4 here, though AU6 might be.",
        "The lips part and the jaw drops slightly.",  # FACS names, no code
    ]
    face_llava = [{1, 2, 25}, set(), {12}, set()]
    facebench = [{1, 2, 25}, None, {6, 12}, {25, 26}]  # None: unparseable, wrong on every AU
    ids = sorted(labels)
    answers = {sid: texts[i % 4] for i, sid in enumerate(ids)}

    def expected(reading):
        decisions: dict[int, dict[str, list[tuple[bool, bool]]]] = {}
        for i, sid in enumerate(ids):
            present = reading[i % 4]
            for au, truth in labels[sid].items():
                guess = (not truth) if present is None else int(au[2:]) in present
                decisions.setdefault(fold[sid[:5]], {}).setdefault(au, []).append((truth, guess))
        return fold_mean_f1(decisions)[0]

    m_paper, preds = _replay(cli, tmp_path / "a", "disfa", data, answers, "--protocol", "face-llava")
    assert m_paper["metrics"]["f1_mean"] == pytest.approx(expected(face_llava))
    rules = {p["sample_id"]: p["rule"] for p in preds}
    assert rules[ids[1]] == "unmentioned_absent" and rules[ids[3]] == "unmentioned_absent"
    assert m_paper["n_invalid"] == 0

    m_own, _ = _replay(cli, tmp_path / "b", "disfa", data, answers, "--prompt", "disfa=open")
    assert m_own["protocol"] == "facebench" and m_own["n_invalid"] == len(ids[1::4])
    assert m_own["metrics"]["f1_mean"] == pytest.approx(expected(facebench))
    assert m_own["metrics"]["f1_mean"] != pytest.approx(m_paper["metrics"]["f1_mean"])


def test_age_mae_uses_integer_ages_after_negative_sentences_are_dropped(cli, tmp_path):
    """F.3: "the mean absolute error between the ground truth and the predicted integer ages";
    F.2: regex parsing after removing the negative sentences. Computed by hand."""
    data = tmp_path / "data"
    ages = write_utkface(data / "UTKFace", seed=9, n=8, split_file=split_name("utkface"))
    listed = (data / "UTKFace" / split_name("utkface")).read_text().split()
    ids = sorted(f"UTKFace/{name.removesuffix('.jpg.chip.jpg')}" for name in listed)
    answers = dict(zip(ids, [
        "27.9 years old, judging by the skin.",  # 27.9 -> 27 (the fraction is truncated)
        "Between 30 and 35.",  # the midpoint 32.5 -> 32
        "It is hard to say, she doesn't look 18. She is 60 years old.",  # the negative sentence goes
        "Sorry, I cannot tell.",  # no age: left out of the MAE, counted invalid
    ]))
    predicted = {ids[0]: 27, ids[1]: 32, ids[2]: 60}
    metrics, preds = _replay(cli, tmp_path, "utkface", data, answers, "--protocol", "face-llava")
    m = metrics["metrics"]
    assert metrics["n"] == 4 and m["n_valid"] == 3 and m["n_invalid"] == 1
    assert m["mae"] == pytest.approx(sum(abs(v - ages[i]) for i, v in predicted.items()) / 3)
    by_id = {p["sample_id"]: p for p in preds}
    assert by_id[ids[0]]["parsed"] == pytest.approx(27.9)  # the reading is kept as parsed
    assert by_id[ids[0]]["score"] == abs(27 - ages[ids[0]])


# --- frames and crop --------------------------------------------------------------------------


def test_frame_indices_are_numpy_linspace_with_dtype_int():
    """Official processing_video.py: ``np.linspace(0, duration-1, num_frames, dtype=int)``."""
    for n in (9, 10, 16, 75, 1000):
        official = [int(i) for i in np.linspace(0, n - 1, 8, dtype=int)]
        assert frame_indices(n, 8, "floor") == official
    assert frame_indices(10, 8, "floor") == [0, 1, 2, 3, 5, 6, 7, 9]
    assert frame_indices(10, 8) == [0, 1, 3, 4, 5, 6, 8, 9]  # facebench's own rule rounds
    info = VideoInfo(n_frames=28, fps=4.0, t0=0.0, timed=True)  # FF++ chunk [3, 6) s = frames 12..23
    assert segment_indices(info, 3, 6, 8, "floor") == [12 + int(i) for i in np.linspace(0, 11, 8, dtype=int)]


def test_dfew_request_shows_the_official_frames(cli, data_root, tmp_path):
    out = tmp_path / "r.jsonl"
    cli("export", "--protocol", "face-llava", "--tasks", "dfew", "--data-root", data_root, "--out", out)
    ref = read_jsonl(out)[0]["media"][0]
    plain = media.with_crop(ref, None)  # the crop is tested below; here: which frames
    path = media.parse_ref(ref).path
    every = decode_frames(path, list(range(16)))  # the fixture clips have 16 frames
    shown = media.sample_frames(plain, 8)
    chosen = [int(i) for i in np.linspace(0, 15, 8, dtype=int)]
    assert chosen != frame_indices(16, 8)
    assert all(np.array_equal(np.asarray(a), np.asarray(every[i])) for a, i in zip(shown, chosen))


def _picture(faces: list[tuple[int, int, int, int]], size=(200, 120)) -> Image.Image:
    img = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(img)
    for box in faces:
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=(90, 60, 40))
    return img


class _TwoFaces:
    name = "two-faces"

    def detect(self, image):
        return [((10, 10, 40, 50), 0.9), ((100, 20, 160, 100), 0.9)]


def test_face_llava_crop_follows_the_official_crop_face_py(tmp_path):
    """tools/crop_face.py, get_cropped_image_from_bb with margin_pct=0: avg_size = (w + h) / 2,
    start = int(max(0, origin)), end = int(min(origin + avg_size, W - 1)), cv2.resize to 256."""
    from facebench.fixtures.detector import ForegroundFaceDetector

    cropper = FC.FaceCropper(ForegroundFaceDetector(), rule="face-llava", cache=tmp_path)
    img = _picture([(50, 20, 110, 100)])  # a 60x80 face
    x, y, w, h = 50, 20, 60, 80
    side = (w + h) / 2
    official = (int(max(0, x)), int(max(0, y)), int(min(x + side, 200 - 1)), int(min(y + side, 120 - 1)))
    assert official == (50, 20, 120, 90)
    out = cropper.crop(img)
    expected = img.crop(official).resize((256, 256), Image.Resampling.BILINEAR)
    assert out.size == (256, 256) and np.array_equal(np.asarray(out), np.asarray(expected))
    # facebench's own rule is another square (1.4 x the larger side, centred)
    assert FC.FaceCropper(ForegroundFaceDetector()).square(img, cropper.box(img)) != official
    # at the border the official box is clipped, not shifted: a non-square crop, then stretched
    edge = _picture([(150, 60, 200, 120)])
    assert cropper.square(edge, cropper.box(edge)) == (150, 60, 199, 115)
    # not exactly one face: the official tool crops nothing; the picture goes through unchanged
    two = FC.FaceCropper(_TwoFaces(), rule="face-llava")
    assert np.array_equal(np.asarray(two.crop(img)), np.asarray(img))


def test_the_crop_reference_uses_mediapipe_unless_a_detector_is_named(monkeypatch, tmp_path):
    path = tmp_path / "face.png"
    _picture([(50, 20, 110, 100)]).save(path)
    ref = media.with_crop(str(path), "face-llava")
    assert media.load_image(ref).size == (256, 256)  # the fixture detector (autouse fixture)
    monkeypatch.delenv(FC.DETECTOR_ENV)
    FC.set_cropper("face-llava", None)
    problem = media.check_media(ref, "image")
    if importlib.util.find_spec("mediapipe") is None:
        assert problem is not None and "MediaPipe" in problem and "mediapipe==0.10.21" in problem
    else:
        assert problem is None and "mediapipe" in FC.cropper_for("face-llava").detector.name


# --- protocol file checks and the reasoning table ---------------------------------------------


def test_a_misspelt_parser_option_in_a_protocol_is_refused_naming_it(cli, data_root, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndescription: x\ntasks:\n  disfa:\n"
                   "    task: {styles: {open: {parser_options: {unmentiond: absent}}}}\n")
    result = cli("export", "--protocol", bad, "--tasks", "disfa", "--data-root", data_root,
                 "--out", tmp_path / "r.jsonl", expect=2)
    assert "tasks.disfa.task" in result.output and "unmentiond" in result.output


def test_every_face_llava_setting_where_the_paper_is_silent_has_a_note():
    proto = load_protocol("face-llava")
    assert set(proto.tasks) == set(TASKS) and proto.face_crop is True
    for name in ("face_crop", "face_detector", "frames", "prompts_baselines", "reasoning_all"):
        assert proto.notes[name]
    for task, entry in proto.tasks.items():
        assert entry.style == "constrained" and entry.native_style == "open" and entry.notes, task
        assert entry.task["face_crop_rule"] == "face-llava"
    assert "tie" in proto.tasks["ffpp"].notes and "integer_ages" in proto.tasks["utkface"].notes


def test_reasoning_all_is_the_mean_of_the_task_types(tmp_path):
    """Tab. 10, Face-LLaVA row: "All" = the unweighted mean of Emo., AU, Attr., Age, DF."""
    from facebench.judge.tables import reasoning_table

    table10 = {  # (reason-video, reason-GT, completeness) per task type; "All": 7.89, 7.94, 7.60
        "expression": (7.95, 8.14, 7.79), "action_units": (6.90, 6.68, 6.62),
        "attributes": (8.34, 8.13, 7.89), "age": (7.68, 7.53, 7.59), "deepfake": (8.56, 9.20, 8.11),
    }
    for task_type, ratings in table10.items():
        folder = tmp_path / "face-llava" / "face-llava" / f"fi_{task_type}" / "judge"
        folder.mkdir(parents=True)
        criteria = {c: {"mean": r, "n": 500} for c, r in
                    zip(("media_consistency", "label_consistency", "completeness"), ratings)}
        (folder / "summary.json").write_text(json.dumps({
            "model": "face-llava", "kind": "reasoning", "task": f"fi_{task_type}",
            "task_type": task_type, "criteria": criteria, "complete": True}))
    row = reasoning_table(tmp_path).loc["face-llava [face-llava]"]
    assert row[("media_consistency", "all")] == pytest.approx(7.89, abs=0.005)
    assert row[("label_consistency", "all")] == pytest.approx(7.94, abs=0.005)
    assert row[("completeness", "all")] == pytest.approx(7.60, abs=0.005)


def test_face_llavas_own_inputs_read_the_protocols_references(cli, data_root, tmp_path):
    """Face-LLaVA's adapters (facebench.face_llava.inputs) see the protocol's crop, frame rule and
    FF++ chunk: 8 frames of the chunk, cropped to 256x256 by the official rule."""
    from facebench.face_llava.inputs import FaceSteps, InputBuilder
    from facebench.types import Request

    out = tmp_path / "r.jsonl"
    cli("export", "--protocol", "face-llava", "--tasks", "ffpp,disfa", "--data-root", data_root, "--out", out)
    rows = read_jsonl(out)
    chunk = next(r for r in rows if r["task"] == "ffpp" and "#start=3&" in r["media"][0])
    frame = next(r for r in rows if r["task"] == "disfa")
    builder = InputBuilder(FaceSteps(), num_frames=8)
    video = builder.build(Request.from_dict(chunk))
    assert video.kinds == ["video"] and video.data[0].shape == (8, 256, 256, 3)
    expected = media.sample_frames(chunk["media"][0], 8)
    assert all(np.array_equal(a, np.asarray(b)) for a, b in zip(video.data[0], expected))
    image = builder.build(Request.from_dict(frame))
    assert image.kinds == ["image"] and image.data[0].size == (256, 256)
