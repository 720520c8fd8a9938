"""FaceXBench as released (Kartik-3004/facexbench): ``benchmark/*.json`` + ``benchmark/images/``.

Each question file is one sub-task of one source dataset, e.g. ``agedb30_multiple_mcq.json``::

    {"category": "face_recognition", "sub-category": "hr_fr", "dataset": "agedb30",
     "question_type": "MCQ", "num_images": "multiple",
     "prepend_text": "High-resolution face recognition involves ...",
     "postpend_text": "Please answer the question and provide only the correct option letter, e.g., A, B, C, D.",
     "questions": {"1": {"image_paths": ["images/agedb30_multiple_mcq/question_1_1.png", ...],
                         "question_text": "Which two images show the same person?",
                         "options": ["Images 1 and 2", ...], "correct_answer_option": "D",
                         "answer": "Images 5 and 4"}, ...}}

and ``tools_retrieval.json`` (category ``tools_use``) adds a ``context`` (the API list) that the
public ``evaluate.py`` puts before every question. Every ``*.json`` directly in ``benchmark/`` is
read, as ``evaluate.py`` does (``os.listdir``, no sub-folders). Option values may be numbers
(crowd counts); they are shown as ``str()`` of the value, as ``evaluate.py`` formats them.

One sample per question, id ``<file stem>/<question id>``, media = its images in order (a
question may have several), target = the text of the correct option. Image paths are relative
to the ``benchmark`` folder and must stay inside it. The root may be the repository folder or
its ``benchmark`` folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir
from facebench.loaders.paths import inside_root
from facebench.loaders.text import read_json
from facebench.types import Sample

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HEADER = ("category", "sub-category", "questions")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _question(path: Path, root: Path, qid: str, q: Any, head: dict[str, Any]) -> Sample:
    where = f"question {qid!r}"
    if not isinstance(q, dict):
        raise DatasetError(f"{where} is not a JSON object", path)
    images, options = q.get("image_paths"), q.get("options")
    if not isinstance(images, list) or not all(isinstance(i, str) and i for i in images):
        raise DatasetError(f"{where}: image_paths must be a list of paths", path)
    if not isinstance(options, list) or not 2 <= len(options) <= len(LETTERS):
        raise DatasetError(f"{where}: options must be a list of 2 to 26 values", path)
    if not _text(q.get("question_text")):
        raise DatasetError(f"{where}: question_text is missing or empty", path)
    shown = [str(o) for o in options]
    letter = q.get("correct_answer_option")
    if not isinstance(letter, str) or letter not in LETTERS[: len(shown)]:
        raise DatasetError(
            f"{where}: correct_answer_option {letter!r} is not one of {', '.join(LETTERS[: len(shown)])}",
            path,
        )
    media = tuple(str(inside_root(root, image, path, item=where)) for image in images)
    meta = {
        "file": path.stem,
        "question_id": qid,
        "dataset": str(head.get("dataset", "")),
        "category": str(head["category"]),
        "sub_category": str(head["sub-category"]),
        "num_images": str(head.get("num_images", "")),
        "question": q["question_text"].strip(),
        "prepend_text": _text(head.get("prepend_text")),
        "postpend_text": _text(head.get("postpend_text")),
        # evaluate.py shows the context only for the tools_use category
        "context": _text(head.get("context")) if head["category"] == "tools_use" else "",
        "options": shown,
        "answer_letter": letter,
    }
    return Sample(id=f"{path.stem}/{qid}", media=media, target=shown[LETTERS.index(letter)], meta=meta)


def load(root: Path, files: list[str] | None = None) -> list[Sample]:
    """Every question of every question file (``files``: only these stems, e.g. for one sub-task)."""
    bench = require_dir(find_subdir(Path(root), "benchmark"), "FaceXBench benchmark")
    paths = sorted(p for p in bench.glob("*.json") if p.is_file())
    if files is not None:
        wanted = set(files)
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise DatasetError(f"no question file(s) {', '.join(sorted(missing))}.json", bench)
        paths = [p for p in paths if p.stem in wanted]
    if not paths:
        raise DatasetError("no question files (*.json)", bench)
    samples: list[Sample] = []
    for path in paths:
        head = read_json(path)
        if not isinstance(head, dict) or any(k not in head for k in HEADER):
            raise DatasetError(f"a question file is an object with {', '.join(HEADER)}", path)
        if not isinstance(head["questions"], dict):
            raise DatasetError("questions must be an object of question id -> question", path)
        for qid, q in head["questions"].items():
            samples.append(_question(path, bench, str(qid), q, head))
    if not samples:
        raise DatasetError("the question files hold no questions", bench)
    return samples
