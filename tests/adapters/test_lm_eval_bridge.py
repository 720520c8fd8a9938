"""The ``lm-eval`` bridge drives lm-evaluation-harness's ``hf-multimodal`` on the tiny model."""

from __future__ import annotations

import pytest
from tests.adapters.conftest import make_request

pytest.importorskip("torch")
pytest.importorskip("lm_eval")

from facebench.adapters.hf import HFAdapter
from facebench.adapters.lm_eval_bridge import LMEvalAdapter

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")


def _bridge(path, **kw):
    # the user's existing lm-eval model_args, as a string
    return LMEvalAdapter(
        model_type="hf-multimodal", model=str(path), model_args="dtype=float32", device="cpu", **kw
    )


def test_bridge_answers_images_and_videos_and_batches_consistently(tiny_llava, media, tmp_path):
    reqs = [
        make_request(f"i{i}", media[f"img{i}"], question="Emotion?" + " Why?" * i, max_new_tokens=8)
        for i in range(4)
    ]
    reqs.append(make_request("v", media["mp4"], kind="video", num_frames=3, max_new_tokens=8))
    reqs.append(make_request("bad", tmp_path / "missing.png", max_new_tokens=8))
    one = _bridge(tiny_llava, batch_size=1).generate(reqs)
    four = _bridge(tiny_llava, batch_size=4).generate(reqs)
    assert [r.ok for r in one] == [True] * 5 + [False]
    assert "bad" in one[5].error and "missing.png" in one[5].error
    assert all(r.text for r in one[:5])
    assert [r.text for r in one] == [r.text for r in four]


def test_bridge_uses_the_same_chat_template_as_hf(tiny_llava, media):
    """Same model, same template, same greedy decoding -> same first tokens as ``hf``."""
    req = make_request("i", media["img0"], question="Which emotion?", max_new_tokens=6)
    via_lm_eval = _bridge(tiny_llava).generate([req])[0].text
    via_hf = HFAdapter(model=str(tiny_llava), dtype="float32", device_map=None).generate([req])[0]
    assert via_lm_eval == via_hf.text


def test_model_args_as_mapping_and_pretrained_required():
    a = LMEvalAdapter(model_args={"pretrained": "x", "max_images": 2})
    assert a._model_args() == {"pretrained": "x", "max_images": 2}
    b = LMEvalAdapter(model="/local/copy", model_args="pretrained=hub/id,dtype=bfloat16")
    assert b._model_args()["pretrained"] == "/local/copy"  # --model-arg model=... wins
    with pytest.raises(ValueError, match="pretrained"):
        LMEvalAdapter()._model_args()
