"""The ``hf`` adapter end to end on tiny random LLaVA and Qwen2-VL models (CPU, offline)."""

from __future__ import annotations

import pytest
from tests.adapters.conftest import make_request

pytest.importorskip("torch")
pytest.importorskip("transformers")

from facebench.adapters.hf import HFAdapter, HFSettings

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")


def _requests(media):
    """Images of different sizes, prompts of different lengths, and two videos."""
    reqs = [
        make_request(f"img{i}", media[f"img{i}"], question="Which emotion?" + " Explain." * i)
        for i in range(6)
    ]
    reqs.append(make_request("vid/mp4", media["mp4"], kind="video", num_frames=4))
    reqs.append(make_request("vid/folder", media["frames"], kind="video", num_frames=4))
    return reqs


@pytest.fixture(params=["tiny_llava", "tiny_qwen2vl"])
def model_dir(request):
    return request.getfixturevalue(request.param)


def _adapter(path, **kw):
    return HFAdapter(model=str(path), dtype="float32", device_map=None, **kw)


def test_batch_sizes_1_and_4_give_the_same_greedy_answers(model_dir, media):
    reqs = _requests(media)
    one = _adapter(model_dir, batch_size=1).generate(reqs)
    four = _adapter(model_dir, batch_size=4).generate(reqs)
    assert all(r.ok for r in one + four), [r.error for r in one + four if not r.ok]
    assert [r.text for r in one] == [r.text for r in four]
    assert [r.completion_tokens for r in one] == [r.completion_tokens for r in four]
    assert [r.prompt_tokens for r in one] == [r.prompt_tokens for r in four]
    assert all(r.text and r.completion_tokens == 64 for r in one)  # EOS is suppressed
    # longer questions -> more prompt tokens; padding is not counted
    assert one[0].prompt_tokens < one[5].prompt_tokens


def test_video_is_native_for_qwen2vl_and_frames_for_llava(tiny_llava, tiny_qwen2vl, media):
    llava, qwen = _adapter(tiny_llava), _adapter(tiny_qwen2vl)
    req4 = make_request("v", media["mp4"], kind="video", num_frames=4, max_new_tokens=2)
    req8 = make_request("v", media["mp4"], kind="video", num_frames=8, max_new_tokens=2)
    (l4,), (l8,) = llava.generate([req4]), llava.generate([req8])
    assert not llava._video_native and qwen.generate([req4])[0].ok and qwen._video_native
    # LLaVA sees one image per sampled frame: 16 image tokens + the template's newline
    assert l8.prompt_tokens - l4.prompt_tokens == 4 * (16 + 1)
    frames = _adapter(tiny_qwen2vl, video_mode="frames")
    (as_frames,) = frames.generate([req4])
    assert as_frames.ok and not frames._video_native
    with pytest.raises(ValueError, match="no video processor"):
        _adapter(tiny_llava, video_mode="video").generate([req4])


def test_one_bad_request_is_an_error_row_and_the_rest_answer(tiny_llava, media, tmp_path):
    reqs = [
        make_request("ok0", media["img0"], max_new_tokens=4),
        make_request("broken", media["broken"], max_new_tokens=4),
        make_request("missing-video", tmp_path / "nope.mp4", kind="video", max_new_tokens=4),
        make_request("ok1", media["img1"], max_new_tokens=4),
    ]
    out = _adapter(tiny_llava, batch_size=4).generate(reqs)
    assert [r.ok for r in out] == [True, False, False, True]
    assert out[1].error.startswith("broken: MediaError") and "broken.jpg" in out[1].error
    assert "missing-video" in out[2].error
    alone = _adapter(tiny_llava).generate([reqs[3]])
    assert alone[0].text == out[3].text


def test_max_new_tokens_from_request_capped_by_card(tiny_qwen2vl, media):
    req = make_request("t", media["img2"], max_new_tokens=10)
    assert _adapter(tiny_qwen2vl).generate([req])[0].completion_tokens == 10
    capped = _adapter(tiny_qwen2vl, max_new_tokens=3).generate([req])[0]
    assert capped.completion_tokens == 3


def test_mixed_generation_settings_and_text_only_requests(tiny_qwen2vl, media):
    reqs = [
        make_request("greedy", media["img0"], max_new_tokens=5),
        make_request("sampled", media["img0"], max_new_tokens=5, temperature=1.0),
        make_request("text-only", None, system="Answer briefly.", max_new_tokens=5),
    ]
    out = _adapter(tiny_qwen2vl, batch_size=8).generate(reqs)
    assert all(r.ok and r.completion_tokens == 5 for r in out), [r.error for r in out]
    again = _adapter(tiny_qwen2vl).generate(reqs[:1])
    assert again[0].text == out[0].text  # greedy is deterministic


def test_settings_validation_names_the_bad_key():
    with pytest.raises(Exception, match="dtyp"):
        HFSettings(model="x", dtyp="float32")
    with pytest.raises(Exception, match="dtype"):
        HFSettings(model="x", dtype="float8")
    with pytest.raises(Exception, match="model"):
        HFSettings()
    # throughput-only settings do not change the fingerprint; answer-changing ones do
    assert _adapter("m", batch_size=1).fingerprint() == _adapter("m", batch_size=16).fingerprint()
    assert _adapter("m").fingerprint() != _adapter("m", max_new_tokens=4).fingerprint()
