"""What the official Face-LLaVA inference does to a question, an image and a video.

Sources: github.com/ihp-lab/Face-LLaVA at acecbec7 (``inference.py``, ``facellava/mm_utils.py``,
``facellava/conversation.py``, ``facellava/model/multimodal_encoder/languagebind/{image,video}/
processing_{image,video}.py``).

- Prompt: the ``llava_v1`` conversation, ``"<system> USER: <image>\\n<question> ASSISTANT:"``;
  a video is ``' '.join([DEFAULT_IMAGE_TOKEN] * num_frames)`` (8 ``<image>`` markers, one per
  frame, joined by spaces) before ``\\n<question>`` (``inference.py main_video``).
- Tokenisation: ``tokenizer_image_token``: the prompt is split at each ``<image>``, every chunk
  is tokenised on its own (``tokenizer(chunk).input_ids``, with BOS; the BOS of chunks after the
  first is dropped) and the image token goes between chunks. The tokenizer is the official
  environment's (transformers 4.31's slow LlamaTokenizer), reproduced on the sentencepiece model
  by :class:`~facebench.face_llava.tokenizer.OfficialTokenizer`: the ``" "`` between two frame
  markers is ``sp.encode(" ")`` (dummy prefix + space), which transformers 5 encodes otherwise.
  facebench builds token ids the same way for the reference, vLLM and the server.
- Image: ``ToTensor, Resize(224, bicubic), CenterCrop(224), Normalize(CLIP mean/std)`` on the
  tensor, antialiased: the official README installs ``torch==2.5.1`` and torchvision (0.20),
  and torchvision >= 0.17 resizes tensors with ``antialias=True`` by default.
- Video: ``numpy.linspace(0, n-1, 8, dtype=int)`` frame indices (decord backend),
  ``/255, Normalize, ShortSideScale(224) (bilinear, no antialiasing: pytorchvideo calls
  ``F.interpolate`` directly), CenterCrop(224)``, as ``(3, T, H, W)``.
- Faces are cropped first (MediaPipe detection, square box of side (w+h)/2 from the box origin,
  resized to 256x256); landmarks are 68 ``(x, y)`` points of the crop divided by 256
  (:func:`~facebench.face_llava.landmarks.landmarks_to_input`).

Generation in the official script samples (``do_sample=True, temperature=0.1,
max_new_tokens=1024``; top-p/top-k from the checkpoint's generation config) on 4-bit weights;
facebench decodes greedily unless the adapter's ``decoding: official`` asks for that
(:func:`official_sampling`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

IMAGE_TOKEN = "<image>"
VIDEO_TOKEN = "<video>"
SYSTEM = (
    "A chat between a curious human and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the human's questions."
)
ROLES = ("USER", "ASSISTANT")
SEP, SEP2 = " ", "</s>"
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
#: the official image transform resizes a tensor (after ToTensor) with torchvision's default
#: antialias: True since torchvision 0.17 (release notes), and the official README installs
#: torch 2.5.1 with its torchvision (0.20.1)
RESIZE_ANTIALIAS = True
FACE_SIZE = 256

#: the official inference's decoding (``inference.py``: ``do_sample=True, temperature=0.1,
#: max_new_tokens=1024``); facebench defaults to greedy (temperature 0)
OFFICIAL_GENERATION = {"temperature": 0.1, "do_sample": True, "max_new_tokens": 1024}
#: transformers 4.31 ``GenerationConfig`` defaults for what the checkpoint's
#: ``generation_config.json`` may leave out (``top_k`` is 50 there, not "off")
GENERATION_DEFAULTS = {"top_p": 1.0, "top_k": 50, "repetition_penalty": 1.0}

#: a jinja chat template reproducing llava_v1 for OpenAI-style messages (used by the server):
#: images become ``<image>\\n``, a video ``<video>\\n`` (expanded to frame markers later).
CHAT_TEMPLATE = (
    '{{- "' + SYSTEM + '" -}}'
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'user' -%}"
    "{{- ' USER: ' -}}"
    "{%- if message['content'] is string -%}{{- message['content'] -}}"
    "{%- else -%}"
    "{%- for part in message['content'] -%}"
    "{%- if part['type'] in ('image', 'image_url') -%}{{- '<image>\\n' -}}"
    "{%- elif part['type'] in ('video', 'video_url') -%}{{- '<video>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'text' -%}{{- part['text'] -}}{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{- ' ASSISTANT: ' + message['content'] + '</s>' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- ' ASSISTANT:' -}}{%- endif -%}"
)


# -- prompt -----------------------------------------------------------------------------------


def media_marker(kind: str, num_frames: int = 8) -> str:
    """``<image>`` for an image; ``num_frames`` space-joined ``<image>`` for a video."""
    if kind == "image":
        return IMAGE_TOKEN
    return " ".join([IMAGE_TOKEN] * num_frames)


def build_prompt(question: str, media: Sequence[str] = ("image",), num_frames: int = 8) -> str:
    """The llava_v1 prompt of one user turn (media markers first, then ``\\n`` and the text)."""
    markers = [media_marker(k, num_frames) for k in media]
    user = "\n".join(markers) + "\n" + question if markers else question
    return f"{SYSTEM}{SEP}{ROLES[0]}: {user}{SEP}{ROLES[1]}:"


def tokenize_chunk(tokenizer: Any, text: str) -> list[int]:
    """``tokenizer(text).input_ids`` (BOS included), the call the official code makes."""
    return list(tokenizer(text).input_ids)


def official_token_ids(prompt: str, tokenizer: Any, image_token_id: int) -> list[int]:
    """``tokenizer_image_token``: split at ``<image>``, tokenise chunks, join with the id."""
    chunks = [tokenize_chunk(tokenizer, c) for c in prompt.split(IMAGE_TOKEN)]
    ids: list[int] = []
    offset = 0
    if chunks and chunks[0] and chunks[0][0] == tokenizer.bos_token_id:
        offset = 1
        ids.append(chunks[0][0])
    for i, chunk in enumerate(chunks):
        if i > 0:
            ids.append(image_token_id)
        ids.extend(chunk[offset:])
    return ids


def frame_separator_ids(tokenizer: Any, num_frames: int = 8) -> list[int]:
    """Token ids between two frame markers of a video (the chunk ``" "``, BOS dropped)."""
    ids = tokenize_chunk(tokenizer, " ")
    if ids and ids[0] == tokenizer.bos_token_id:
        ids = ids[1:]
    return ids


def video_span(image_token_id: int, sep_ids: list[int], num_frames: int, per_frame: int) -> list[int]:
    """A video's tokens as the language model sees them: per frame ``per_frame`` feature slots
    (``image_token_id``), frames separated by the separator tokens."""
    out: list[int] = []
    for f in range(num_frames):
        if f:
            out.extend(sep_ids)
        out.extend([image_token_id] * per_frame)
    return out


def vllm_token_ids(
    prompt: str, tokenizer: Any, image_token_id: int, video_token_id: int, num_frames: int
) -> list[int]:
    """Official ids, but each video's frame markers collapsed to one ``video_token_id``.

    vLLM expands each ``<image>`` into the image's feature slots and each video token into
    :func:`video_span`, which restores the official sequence exactly.
    """
    return official_ids_from_text(prompt, tokenizer, image_token_id, video_token_id,
                                  marker=media_marker("video", num_frames))


def vllm_ids_to_official(
    ids: list[int], tokenizer: Any, image_token_id: int, video_token_id: int, sep_ids: list[int],
    num_frames: int,
) -> list[int]:
    """Expand each ``video_token_id`` back to the official frame markers (for the reference)."""
    out: list[int] = []
    for t in ids:
        if t == video_token_id:
            out.extend(video_span(image_token_id, sep_ids, num_frames, 1))
        else:
            out.append(t)
    return out


def official_ids_from_text(
    text: str, tokenizer: Any, image_token_id: int, video_token_id: int, marker: str = VIDEO_TOKEN
) -> list[int]:
    """Ids of a prompt whose videos are ``marker`` (``<video>`` in the server's chat template),
    each video one ``video_token_id``: the pieces between videos tokenised like
    :func:`official_token_ids` (BOS only at the start)."""
    ids: list[int] = []
    for i, part in enumerate(text.split(marker)):
        part_ids = official_token_ids(part, tokenizer, image_token_id)
        if i > 0:
            if part_ids and part_ids[0] == tokenizer.bos_token_id:
                part_ids = part_ids[1:]
            ids.append(video_token_id)
        ids.extend(part_ids)
    return ids


def official_text(ids: Sequence[int], tokenizer: Any, image_token_id: int, video_token_id: int) -> str:
    """The prompt text whose :func:`official_ids_from_text` are ``ids``, when they are official:
    each piece between media ids decoded on its own (sentencepiece's decode undoes its encode,
    dummy prefix included), the media ids written back as ``<image>`` / ``<video>``."""
    ids = list(ids)
    if ids and ids[0] == tokenizer.bos_token_id:
        ids = ids[1:]
    out: list[str] = []
    chunk: list[int] = []
    for t in ids + [None]:
        if t in (image_token_id, video_token_id, None):
            out.append(tokenizer.decode(chunk))
            chunk = []
            if t is not None:
                out.append(IMAGE_TOKEN if t == image_token_id else VIDEO_TOKEN)
        else:
            chunk.append(t)
    return "".join(out)


def retokenize_prompt(
    ids: Sequence[int], text_tokenizer: Any, tokenizer: Any, image_token_id: int, video_token_id: int
) -> list[int]:
    """A vLLM prompt's ids, made official.

    Ids built by facebench (``face-llava-vllm``) already are official and come back unchanged.
    A text prompt (the server's chat template) reaches the model tokenised by vLLM's
    transformers tokenizer (``text_tokenizer``), which encodes differently: it is decoded back
    to text and tokenised with the official ``tokenizer``.
    """
    ids = list(ids)
    if official_ids_from_text(official_text(ids, tokenizer, image_token_id, video_token_id),
                              tokenizer, image_token_id, video_token_id) == ids:
        return ids
    if ids and ids[0] == getattr(text_tokenizer, "bos_token_id", None):
        ids = ids[1:]  # decoding it could add a space after "<s>"
    text = text_tokenizer.decode(ids, skip_special_tokens=False)
    return official_ids_from_text(text, tokenizer, image_token_id, video_token_id)


# -- decoding ---------------------------------------------------------------------------------


def official_sampling(folder: str | Path | None) -> dict[str, Any]:
    """The official sampling settings for a (converted) checkpoint folder.

    ``inference.py`` calls ``model.generate(do_sample=True, temperature=0.1,
    max_new_tokens=1024)``; transformers 4.31 takes everything else from the model's
    ``generation_config.json`` (the LLaVA/Vicuna one sets ``top_p``), falling back to
    ``GenerationConfig``'s defaults (``top_k=50``, ``top_p=1.0``).
    """
    import json

    gen: dict[str, Any] = {}
    if folder is not None and (Path(folder) / "generation_config.json").is_file():
        gen = json.loads((Path(folder) / "generation_config.json").read_text())
    out = {k: v if gen.get(k) is None else gen[k] for k, v in GENERATION_DEFAULTS.items()}
    out.update(temperature=OFFICIAL_GENERATION["temperature"],
               max_new_tokens=OFFICIAL_GENERATION["max_new_tokens"])
    return out


# -- frames and pixels ------------------------------------------------------------------------


def official_frame_indices(n_frames: int, k: int = 8) -> list[int]:
    """``np.linspace(0, n-1, k, dtype=int)`` (floor; repeats frames of short clips)."""
    if n_frames <= 0:
        raise ValueError("video has no frames")
    return [int(i) for i in np.linspace(0, n_frames - 1, k, dtype=int)]


def load_video_frames(path: str | Path, k: int = 8) -> np.ndarray:
    """``(k, H, W, 3)`` uint8 frames of a video file or frame folder, official indices.

    A file is counted from the examination the preflight check already made (memoised per
    content: no second open) and decoded once, seeking where its timestamps allow
    (:func:`facebench.media.frames.decode_clip`; the same frames as a sequential decode).
    """
    from facebench.media import frames as video
    from facebench.media.files import _folder_frames, load_image

    p = Path(path)
    if p.is_dir():
        files = _folder_frames(p)
        idx = official_frame_indices(len(files), k)
        frames = [load_image(files[i]) for i in idx]
    else:
        n = video.probe(p).n_frames
        idx = official_frame_indices(n, k)
        uniq = sorted(set(idx))
        got = dict(zip(uniq, video.decode_clip(p, uniq, n)))
        frames = [got[i] for i in idx]
    return np.stack([np.asarray(f.convert("RGB"), dtype=np.uint8) for f in frames])


def _resize_short(x, size: int, mode: str):
    import torch.nn.functional as F

    h, w = x.shape[-2:]
    if (h <= w and h == size) or (w <= h and w == size):
        return x
    if mode == "bicubic":  # torchvision Resize(int): short side to size, long side truncated
        if h <= w:
            nh, nw = size, int(size * w / h)
        else:
            nh, nw = int(size * h / w), size
        return F.interpolate(x, size=(nh, nw), mode="bicubic", align_corners=False,
                             antialias=RESIZE_ANTIALIAS)
    # pytorchvideo ShortSideScale
    if w < h:
        nh, nw = int(math.floor(h / w * size)), size
    else:
        nh, nw = size, int(math.floor(w / h * size))
    return F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False)


def _center_crop(x, size: int):
    h, w = x.shape[-2:]
    top = int(round((h - size) / 2.0))
    left = int(round((w - size) / 2.0))
    return x[..., top : top + size, left : left + size]


def preprocess_image(image: Image.Image | np.ndarray, size: int = 224):
    """``(3, size, size)`` float32, the LanguageBind image transform."""
    import torch

    arr = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image)
    x = torch.from_numpy(arr.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    x = _center_crop(_resize_short(x, size, "bicubic"), size)[0]
    mean = torch.tensor(CLIP_MEAN).view(3, 1, 1)
    std = torch.tensor(CLIP_STD).view(3, 1, 1)
    return (x - mean) / std


def preprocess_video(frames: np.ndarray | Sequence[Any], size: int = 224):
    """``(3, T, size, size)`` float32 from ``(T, H, W, 3)`` uint8 frames (LanguageBind video)."""
    import torch

    arr = np.stack([np.asarray(f.convert("RGB") if isinstance(f, Image.Image) else f) for f in frames])
    x = torch.from_numpy(arr.astype(np.float32)).permute(0, 3, 1, 2) / 255.0  # T C H W
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    x = (x - mean) / std
    x = _center_crop(_resize_short(x, size, "bilinear"), size)
    return x.permute(1, 0, 2, 3).contiguous()


# -- optional face crop and landmarks ---------------------------------------------------------


class FaceCropper:
    """The official crop: MediaPipe face detection, exactly one face, a square of side
    ``(w + h) / 2`` from the box origin (clipped), resized to 256x256. No face (or several):
    the image is returned unchanged, and ``last_ok`` says so."""

    def __init__(self, model_path: str | None = None, min_confidence: float = 0.5) -> None:
        import mediapipe as mp  # optional: pip install 'facebench[face]'

        self._mp = mp
        self.model_path = model_path
        if model_path:
            from mediapipe.tasks import python as mp_python
            from mediapipe.tasks.python import vision

            opts = vision.FaceDetectorOptions(
                base_options=mp_python.BaseOptions(model_asset_path=model_path)
            )
            self._tasks = vision.FaceDetector.create_from_options(opts)
            self._solution = None
        else:
            self._tasks = None
            self._solution = mp.solutions.face_detection.FaceDetection(
                model_selection=0, min_detection_confidence=min_confidence
            )
        self.last_ok = False

    def _box(self, arr: np.ndarray) -> tuple[int, int, int, int] | None:
        h, w = arr.shape[:2]
        if self._tasks is not None:
            res = self._tasks.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=arr))
            if len(res.detections) != 1:
                return None
            b = res.detections[0].bounding_box
            return b.origin_x, b.origin_y, b.width, b.height
        res = self._solution.process(arr)
        if not res.detections or len(res.detections) != 1:
            return None
        rb = res.detections[0].location_data.relative_bounding_box
        return int(rb.xmin * w), int(rb.ymin * h), int(rb.width * w), int(rb.height * h)

    def __call__(self, image: Image.Image) -> Image.Image:
        arr = np.ascontiguousarray(np.asarray(image.convert("RGB")))
        box = self._box(arr)
        self.last_ok = box is not None
        if box is None:
            return image
        x, y, bw, bh = box
        h, w = arr.shape[:2]
        side = (bw + bh) / 2
        x0, y0 = int(max(0, x)), int(max(0, y))
        x1, y1 = int(min(x + side, w - 1)), int(min(y + side, h - 1))
        if x1 <= x0 or y1 <= y0:
            self.last_ok = False
            return image
        crop = Image.fromarray(arr[y0:y1, x0:x1])
        return crop.resize((FACE_SIZE, FACE_SIZE), Image.BILINEAR)


class LandmarkDetector:
    """68-point landmarks from a TorchScript model at a local path.

    The model takes ``(1, 3, 256, 256)`` float RGB in ``[0, 1]`` (the 256x256 face crop) and
    returns ``(68, 2)`` or ``(1, 68, 2)`` ``(x, y)`` pixel coordinates in that crop;
    :func:`~facebench.face_llava.landmarks.landmarks_to_input` turns them into the 136 values
    Face-LLaVA's landmark modules take (divided by 256, ``x0, y0, x1, y1, ...``). Any 68-point
    detector (e.g. FAN from face-alignment) can be exported to this interface.
    """

    def __init__(self, path: str | Path) -> None:
        import torch

        self.path = str(path)
        self.model = torch.jit.load(self.path, map_location="cpu").eval()

    def __call__(self, image: Image.Image) -> list[float]:
        import torch

        from facebench.face_llava.landmarks import landmarks_to_input

        img = image.convert("RGB")
        if img.size != (FACE_SIZE, FACE_SIZE):
            img = img.resize((FACE_SIZE, FACE_SIZE), Image.BILINEAR)
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
        with torch.no_grad():
            pts = self.model(x).reshape(68, 2).float()
        return landmarks_to_input(pts.numpy())
