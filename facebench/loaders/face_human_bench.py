"""Face-Human-Bench, face half (lxq1000/Face-Human-Bench): ``<split>/json/<lang>/face_*.json``.

The repository publishes the question files only (``data/Face-Human-Bench/{dev,test}/json/{en,zh}``);
the images are rebuilt from the source datasets by its ``code/prepare_data.py`` into
``<output>/eval_data/...``. A question file (``face_expression_basic.json``; Chinese:
``face_expression_basic_zh.json``) is ``{"data": [item, ...]}`` with::

    {"type": "face_expression_basic",
     "QA": {"question": "What is the facial expression ...?", "options": ["Fear", ...], "answer": 0},
     "image": {"image_paths": {"original": "eval_data/face/expression/basic/original/sample_0021.jpg",
                               "cropped": "eval_data/face/expression/basic/cropped/sample_0021.jpg"},
               "source": {"dataset": "RAF-DB-basic", ...}}}

``answer`` is the index of the correct option. Each image version listed in ``image_paths`` is
evaluated as its own subset (``<file stem>-<version>``), as the public ``eval.py`` and
``score.py`` do for the face half (e.g. ``face_age_basic_5`` original and cropped,
``face_recognition_basic`` cropped only). One sample per (question, version), id
``<file stem>/<version>/<position in data, from 1>``, target = the correct option's text.

Options: ``split`` (``test``, or ``dev``), ``language`` (``en``, or ``zh``), ``images``: the folder
that holds ``eval_data/``, relative to the dataset folder; by default the first of
``<split>/output`` (where ``prepare_data.py`` is told to write), ``<split>``, ``.`` and ``data``
that has one. Image paths must stay inside the dataset folder. The root may be the repository's
``data/Face-Human-Bench`` folder or a ``<split>`` folder inside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebench.errors import DatasetError
from facebench.loaders.common import require_dir
from facebench.loaders.paths import inside_root
from facebench.loaders.text import read_json
from facebench.types import Sample


def _image_root(root: Path, split_dir: Path, images: str | None) -> Path:
    if images is not None:
        return require_dir(root / images, "Face-Human-Bench image (eval_data)")
    for candidate in (split_dir / "output", split_dir, root, root / "data"):
        if (candidate / "eval_data").is_dir():
            return candidate
    return split_dir


def _item(path: Path, k: int, item: Any) -> tuple[str, list[str], int, dict[str, str], str]:
    where = f"data[{k}]"
    if not isinstance(item, dict) or not isinstance(item.get("QA"), dict) or not isinstance(item.get("image"), dict):
        raise DatasetError(f"{where} is not an object with QA and image", path)
    qa = item["QA"]
    question, options, answer = qa.get("question"), qa.get("options"), qa.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise DatasetError(f"{where}: QA.question is missing or empty", path)
    if not isinstance(options, list) or not 2 <= len(options) <= 26:
        raise DatasetError(f"{where}: QA.options must be a list of 2 to 26 options", path)
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(options):
        raise DatasetError(f"{where}: QA.answer {answer!r} is not an index of the options", path)
    versions = item["image"].get("image_paths")
    if not isinstance(versions, dict) or not versions or not all(isinstance(v, str) for v in versions.values()):
        raise DatasetError(f"{where}: image.image_paths must map versions to paths", path)
    source = item["image"].get("source")
    dataset = str(source.get("dataset", "")) if isinstance(source, dict) else ""
    return question.strip(), [str(o) for o in options], answer, versions, dataset


def load(
    root: Path, split: str = "test", language: str = "en", images: str | None = None,
    prefix: str = "face_",
) -> list[Sample]:
    """Every question of every ``face_*`` file, once per image version (see the module docstring)."""
    root = Path(root)
    # the root may be the split folder itself
    split_dir = root if not (root / split / "json").is_dir() and (root / "json").is_dir() else root / split
    json_dir = require_dir(split_dir / "json" / language, f"Face-Human-Bench {split}/json/{language}")
    suffix = "_zh" if language == "zh" else ""
    paths = sorted(
        p for p in json_dir.glob(f"{prefix}*{suffix}.json")
        if p.is_file() and (suffix or not p.stem.endswith("_zh"))
    )
    if not paths:
        raise DatasetError(f"no {prefix}*{suffix}.json question files", json_dir)
    image_root = _image_root(root, split_dir, images)
    samples: list[Sample] = []
    for path in paths:
        task_type = path.stem[: -len(suffix)] if suffix else path.stem
        content = read_json(path)
        if not isinstance(content, dict) or not isinstance(content.get("data"), list):
            raise DatasetError('a question file is an object {"data": [...]}', path)
        for k, item in enumerate(content["data"], start=1):
            question, options, answer, versions, dataset = _item(path, k, item)
            for version, rel in versions.items():
                image = inside_root(root, rel, path, base=image_root, item=f"data[{k}] {version}")
                samples.append(
                    Sample(
                        id=f"{task_type}/{version}/{k}",
                        media=(str(image),),
                        target=options[answer],
                        meta={
                            "task_type": task_type,
                            "version": version,
                            "subset": f"{task_type}-{version}",
                            "question": question,
                            "options": options,
                            "language": language,
                            "dataset": dataset,
                        },
                    )
                )
    return samples
