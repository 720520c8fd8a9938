"""The ``lm-eval`` bridge drives lm-evaluation-harness's ``hf-multimodal`` on the tiny model."""

from __future__ import annotations

import json

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


def test_batch_size_and_device_inside_model_args_are_lm_evals(tiny_llava, media):
    """lm-eval builds ``cls(**model_args, **extra)``: a key in both used to be a duplicate keyword."""
    req = make_request("i", media["img0"], question="Which emotion?", max_new_tokens=4)
    inside = LMEvalAdapter(model_type="hf-multimodal", model=str(tiny_llava),
                           model_args="dtype=float32,batch_size=2,device=cpu", batch_size=8, device="cuda")
    (answer,) = inside.generate([req])
    assert answer.ok and answer.text
    assert inside._lm.batch_size_per_gpu == 2 and str(inside._lm.device) == "cpu"  # the model args' own
    outside = _bridge(tiny_llava, batch_size=3)  # not in the model args: facebench's setting fills in
    assert outside.generate([req])[0].text == answer.text and outside._lm.batch_size_per_gpu == 3


class CompletionServer:
    """A loopback llama.cpp-style ``POST /v1/completions`` endpoint (stdlib), for lm-eval's own
    ``gguf`` model: a real lm-eval model class with no ``apply_chat_template`` of its own."""

    def __init__(self, answer: str) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        prompts = self.prompts = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompts.append(body["prompt"])
                payload = json.dumps({"choices": [{"text": answer}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_model_without_its_own_chat_template_gets_plain_text(media):
    from lm_eval.api.model import LM
    from lm_eval.api.registry import get_model

    assert get_model("gguf").apply_chat_template is LM.apply_chat_template  # only raises
    server = CompletionServer(" happiness ")
    try:
        bridge = LMEvalAdapter(model_type="gguf", model="served", model_args=f"base_url={server.url},batch_size=2")
        assert bridge.settings.apply_chat_template  # asked for, but the model has none
        req = make_request("i", media["img0"], question="Which emotion?", system="You read faces.")
        (answer,) = bridge.generate([req])
    finally:
        server.close()
    assert answer.ok and answer.text == "happiness"
    assert server.prompts == ["You read faces.\n<image>\nWhich emotion?"]
