"""Greedy parity of the vLLM plugin against the torch/transformers reference on a converted
tiny Face-LLaVA: an image, an 8-frame video, and both with landmarks.

    python tests/face_llava/parity.py CONVERTED_DIR [OUT_JSON]

Runs vLLM's CPU engine (float32, eager) in this process; prints and writes a JSON report.
"""

from __future__ import annotations

import json
import os
import sys
import time


def cases(seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    img = (rng.random((256, 256, 3)) * 255).astype(np.uint8)
    vid = (rng.random((8, 256, 256, 3)) * 255).astype(np.uint8)
    lm_img = rng.random(136).astype(np.float32).tolist()
    lm_vid = rng.random((8, 136)).astype(np.float32).tolist()
    q = "What emotion is shown?"
    return [
        ("image", q, "image", img, None),
        ("video", q, "video", vid, None),
        ("image+landmarks", q, "image", img, lm_img),
        ("video+landmarks", q, "video", vid, lm_vid),
    ]


def run(folder: str, max_new_tokens: int = 16) -> dict:
    import torch
    from PIL import Image

    from facebench.face_llava import processing as P
    from facebench.face_llava.reference import FaceLlavaReference, Media
    from facebench.face_llava.tokenizer import OfficialTokenizer
    from facebench.face_llava.vllm_plugin import register

    report: dict = {"cases": {}}
    tok = OfficialTokenizer.from_folder(folder)
    t = time.time()
    ref = FaceLlavaReference.from_folder(folder)
    report["reference_load_s"] = round(time.time() - t, 2)
    cfg = ref.cfg
    sep = P.frame_separator_ids(tok)

    register()
    from vllm import LLM, SamplingParams

    t = time.time()
    llm = LLM(
        model=folder, dtype="float32", enforce_eager=True, max_model_len=2048,
        limit_mm_per_prompt={"image": 1, "video": 1}, seed=0,
    )
    report["vllm_load_s"] = round(time.time() - t, 2)
    from facebench.face_llava.vllm_adapter import FaceLlavaVLLMAdapter
    from facebench.types import GenerationSettings

    # the adapter's greedy settings (vLLM does not detokenise: facebench decodes the ids)
    sp = FaceLlavaVLLMAdapter(model=folder).sampling(GenerationSettings(max_new_tokens=max_new_tokens))
    assert isinstance(sp, SamplingParams) and sp.temperature == 0.0

    prompts, refs, expanded = [], {}, {}
    for name, q, kind, data, lms in cases():
        prompt = P.build_prompt(q, [kind], cfg.num_frames)
        ids = P.vllm_token_ids(prompt, tok, cfg.image_token_id, cfg.video_token_id, cfg.num_frames)
        official = P.official_token_ids(prompt, tok, cfg.image_token_id)
        assert P.vllm_ids_to_official(ids, tok, cfg.image_token_id, cfg.video_token_id, sep, cfg.num_frames) == official
        # what the language model must see: each <image> id widened to its feature slots
        per = cfg.image_tokens() if kind == "image" else cfg.frame_tokens()
        expanded[name] = [x for t in official for x in ([t] * per if t == cfg.image_token_id else [t])]
        if kind == "image":
            px = P.preprocess_image(data, cfg.image_size)
            mm = {"image": Image.fromarray(data)}
            kw = {"image_landmarks": [lms]} if lms is not None else {}
        else:
            px = P.preprocess_video(data, cfg.image_size)
            mm = {"video": data}
            kw = {"video_landmarks": [lms]} if lms is not None else {}
        lm_t = None if lms is None else torch.tensor(lms, dtype=torch.float32)
        t = time.time()
        refs[name] = ref.generate(official, [Media(kind, px, lm_t)], max_new_tokens=max_new_tokens,
                                  eos_token_id=tok.eos_token_id)
        report.setdefault("reference_gen_s", {})[name] = round(time.time() - t, 3)
        p = {"prompt_token_ids": ids, "multi_modal_data": mm}
        if kw:
            p["mm_processor_kwargs"] = kw
        prompts.append((name, p))

    t = time.time()
    outs = llm.generate([p for _, p in prompts], sp, use_tqdm=False)
    report["vllm_gen_s"] = round(time.time() - t, 3)
    ok_all = True
    for (name, _), o in zip(prompts, outs):
        got = list(o.outputs[0].token_ids)
        want = refs[name]
        ok = got == want
        ok_all &= ok
        report["cases"][name] = {"match": ok, "vllm": got, "reference": want, "text": tok.decode(got),
                                 "prompt_ids_official": list(o.prompt_token_ids) == expanded[name]}
    report["all_match"] = ok_all
    distinct = {tuple(v["reference"]) for v in report["cases"].values()}
    report["distinct_outputs"] = len(distinct)
    return report


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    rep = run(sys.argv[1])
    print(json.dumps(rep, indent=1))
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            json.dump(rep, f, indent=1)
    sys.exit(0 if rep["all_match"] else 1)
