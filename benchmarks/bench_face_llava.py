"""Throughput of Face-LLaVA through the vLLM plugin (and optionally the reference).

    python benchmarks/bench_face_llava.py FOLDER [--n 64] [--kind image|video] [--tp 1]
        [--dtype bfloat16] [--reference] [--max-new-tokens 32] [--eager]

FOLDER is a converted folder (``facebench convert face-llava``). Prompts are random 256x256
images (or 8-frame videos) with one question; decoding is greedy. Prints one JSON line: load
time, wall time, requests/s and generated tokens/s for vLLM (and the reference when asked).
"""

from __future__ import annotations

import argparse
import json
import os
import time


def require(*modules: str) -> None:
    """One line with the install hint instead of a traceback when a heavy stack is missing."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise SystemExit(f"bench_face_llava.py needs {', '.join(missing)}: "
                         f"pip install 'facebench[face-llava,vllm]' (or run .ci/setup_vllm.sh)")


def main() -> None:
    require("torch", "vllm")
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--kind", choices=["image", "video"], default="image")
    ap.add_argument("--tp", type=int, default=1)
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--eager", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import numpy as np
    from PIL import Image
    from transformers import AutoTokenizer

    from facebench.face_llava import processing as P
    from facebench.face_llava.config import FaceLlavaConfig
    from facebench.face_llava.vllm_plugin import register

    cfg = FaceLlavaConfig.from_hf_config(json.load(open(os.path.join(a.folder, "config.json"))))
    tok = AutoTokenizer.from_pretrained(a.folder)
    rng = np.random.default_rng(0)
    prompt = P.build_prompt("What emotion is shown?", [a.kind], cfg.num_frames)
    ids = P.vllm_token_ids(prompt, tok, cfg.image_token_id, cfg.video_token_id, cfg.num_frames)
    media = []
    for _ in range(a.n):
        if a.kind == "image":
            media.append({"image": Image.fromarray((rng.random((256, 256, 3)) * 255).astype(np.uint8))})
        else:
            media.append({"video": (rng.random((8, 256, 256, 3)) * 255).astype(np.uint8)})
    out: dict = {"n": a.n, "kind": a.kind, "tp": a.tp}

    register()
    from vllm import LLM, SamplingParams

    t = time.time()
    llm = LLM(model=a.folder, dtype=a.dtype, tensor_parallel_size=a.tp, enforce_eager=a.eager,
              max_model_len=4096, limit_mm_per_prompt={"image": 1, "video": 1})
    out["vllm_load_s"] = round(time.time() - t, 1)
    sp = SamplingParams(temperature=0.0, max_tokens=a.max_new_tokens, ignore_eos=True)
    t = time.time()
    res = llm.generate([{"prompt_token_ids": ids, "multi_modal_data": m} for m in media], sp, use_tqdm=False)
    wall = time.time() - t
    gen = sum(len(r.outputs[0].token_ids) for r in res)
    out.update(vllm_wall_s=round(wall, 2), vllm_req_per_s=round(a.n / wall, 2), vllm_gen_tok_per_s=round(gen / wall, 1))

    if a.reference:
        import torch

        from facebench.face_llava.reference import FaceLlavaReference, Media

        dev = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = "float32" if a.dtype in ("auto", "float32") and dev == "cpu" else (a.dtype if a.dtype != "auto" else "bfloat16")
        ref = FaceLlavaReference.from_folder(a.folder, dtype=dtype, device=dev)
        official = P.official_token_ids(prompt, tok, cfg.image_token_id)
        t = time.time()
        n_ref = min(a.n, 16)
        for m in media[:n_ref]:
            if a.kind == "image":
                px = P.preprocess_image(m["image"], cfg.image_size)
            else:
                px = P.preprocess_video(m["video"], cfg.image_size)
            ref.generate(official, [Media(a.kind, px)], max_new_tokens=a.max_new_tokens, eos_token_id=None)
        wall = time.time() - t
        out.update(reference_n=n_ref, reference_req_per_s=round(n_ref / wall, 2),
                   reference_gen_tok_per_s=round(n_ref * a.max_new_tokens / wall, 1))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
