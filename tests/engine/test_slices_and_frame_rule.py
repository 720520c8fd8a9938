"""Fairness slices: the headline metric with its CI per group, wherever a dataset carries the
attribute (UTKFace gender/race/age from file names, CelebA Male/Young, AgeDB gender)."""

from __future__ import annotations

import json

import pytest

from facebench.resources import demo_root
from facebench.tasks.registry import get_task


def test_utkface_mae_per_gender_and_age_group_by_hand(cli, tmp_path):
    samples = {s.id: s for s in get_task("utkface").load_samples(demo_root() / "UTKFace")}
    export = tmp_path / "req.jsonl"
    cli("export", "--tasks", "utkface", "--out", export)
    rows = [json.loads(x) for x in export.read_text().splitlines()]
    off = {"female": 2, "male": 5}  # every answer is off by a gender-dependent amount
    answers = tmp_path / "answers.jsonl"
    with answers.open("w") as fh:
        for r in rows:
            s = samples[r["sample_id"]]
            fh.write(json.dumps({"task": "utkface", "id": r["id"],
                                 "response": f"{s.target + off[s.meta['gender']]} years"}) + "\n")
    out = tmp_path / "out"
    cli("run", "--model", "replay", "--model-arg", f"path={answers}", "--tasks", "utkface", "--output", out)
    metrics = json.loads((out / "replay/facebench/utkface/metrics.json").read_text())
    gender = metrics["slices"]["gender"]
    assert gender["female"]["value"] == pytest.approx(2.0) and gender["male"]["value"] == pytest.approx(5.0)
    n_by_gender = {g: sum(1 for s in samples.values() if s.meta["gender"] == g) for g in off}
    assert {g: gender[g]["n"] for g in off} == n_by_gender
    assert gender["male"]["low"] == pytest.approx(5.0) and gender["male"]["high"] == pytest.approx(5.0)
    ages = metrics["slices"]["age_group"]
    young = [s for s in samples.values() if s.target < 20]
    if young:
        expected = sum(off[s.meta["gender"]] for s in young) / len(young)
        assert ages["0-19"]["value"] == pytest.approx(expected) and ages["0-19"]["n"] == len(young)
    assert set(metrics["slices"]["race"]) == {s.meta["race"] for s in samples.values()}

    page = tmp_path / "site" / "report.html"
    cli("report", out, "--html", page, "--no-samples")
    html = page.read_text()
    assert 'class="slices"' in html and "<td>gender</td><td>female</td><td>2 [2, 2]</td>" in html


def test_celeba_and_agedb_carry_their_slices(cli, tmp_path):
    out = tmp_path / "out"
    cli("run", "--model", "random", "--tasks", "celeba,agedb", "--output", out)
    celeba = json.loads((out / "random/facebench/celeba/metrics.json").read_text())["slices"]
    assert set(celeba) == {"male", "young"} and set(celeba["male"]) == {"yes", "no"}
    agedb = json.loads((out / "random/facebench/agedb/metrics.json").read_text())["slices"]
    assert set(agedb["gender"]) == {"female", "male"}
    assert all(0 <= g["value"] for g in agedb["gender"].values())


def test_baselines_get_8_frames_or_1_fps_whichever_is_more(tmp_path):
    """Face-LLaVA App. G.2: a 12-second clip gets 12 frames for a baseline, 8 for Face-LLaVA."""
    from facebench.fixtures.videos import save_video
    from facebench.protocols import load_protocol
    from facebench.types import Sample

    long_clip = save_video(tmp_path / "long.mp4", 96, variant=1, seed=0, fps=8)  # 12 s
    short_clip = save_video(tmp_path / "short.mp4", 24, variant=2, seed=0, fps=8)  # 3 s
    task = load_protocol("face-llava").apply(get_task("cremad"))
    samples = [Sample(id=name, media=(str(clip),), target="anger", modality="video", meta={"fold": 1})
               for name, clip in (("long", long_clip), ("short", short_clip))]
    baseline = {r.sample_id: r.generation.num_frames for r, _, _ in task.build_requests(samples, "constrained")}
    native = {r.sample_id: r.generation.num_frames for r, _, _ in task.build_requests(samples, "open")}
    assert baseline == {"long": 12, "short": 8} and native == {"long": 8, "short": 8}
    plain = get_task("cremad")  # outside the protocol: the task's fixed 8 frames
    assert {r.generation.num_frames for r, _, _ in plain.build_requests(samples, "constrained")} == {8}
