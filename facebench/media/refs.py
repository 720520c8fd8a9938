"""Media references: a plain path, or a path plus a fragment naming a part of a video.

A :class:`~facebench.types.Part` carries one string. Some benchmarks need less than a whole
file: DISFA annotates single frames of long ``.avi`` videos, and the FaceForensics++ protocol
asks about 3-second chunks of each video. Rather than decoding those into image files when the
dataset is loaded (hours of work and gigabytes for DISFA, and the rule is that decoding happens
lazily in the worker that feeds the adapter), the loader writes a *reference*::

    /data/DISFA/Videos_LeftCamera/LeftVideoSN001_comp.avi#frame=123     one frame (0-based)
    /data/FF++/.../videos/953_974.mp4#start=3&end=6                    seconds [3, 6)
    /data/RAF-DB/basic/Image/aligned/test_0001_aligned.jpg#crop=face    face-cropped (any media)
    /data/DFEW/Clip/clip_224x224/00001.mp4#crop=face-llava&sampling=floor

The fragment is ``#`` followed by ``key=value`` pairs joined by ``&``; keys are ``frame``,
``start``, ``end``, ``crop`` (``face``: facebench's crop geometry, ``face-llava``: the official
Face-LLaVA tools/crop_face.py geometry; :mod:`facebench.media.face_crop`) and ``sampling``
(which frames a video shows: absent = ``linspace(0, n-1, k)`` rounded, ``floor`` =
``linspace(0, n-1, k, dtype=int)``, the official Face-LLaVA rule; see
:func:`facebench.media.files.frame_indices`). A ``#`` whose tail is not such a fragment is part
of the file name, so every existing path keeps its meaning. Because the reference is the media
string itself, it is part of the request fingerprint: a different frame, chunk or crop is a
different cached request, with no extra bookkeeping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_KEYS = r"(?:frame|start|end|crop|sampling)"
_FRAGMENT = re.compile(rf"^(?:{_KEYS}=[^&#=]+)(?:&{_KEYS}=[^&#=]+)*$")
#: crop modes a reference may ask for
CROP_MODES = ("face", "face-llava")
#: frame-index rules a reference may ask for (the default, ``round``, is never written)
SAMPLING_RULES = ("round", "floor")


class RefError(ValueError):
    """A reference whose fragment is malformed (e.g. ``#frame=-1`` or ``#start=3&end=2``)."""


@dataclass(frozen=True)
class MediaRef:
    """A parsed reference. ``frame`` and ``start``/``end`` exclude each other."""

    path: str
    frame: int | None = None
    start: float | None = None
    end: float | None = None
    crop: str | None = None
    #: frame-index rule of a video; None = ``round``
    sampling: str | None = None

    @property
    def is_plain(self) -> bool:
        return (self.frame is None and self.start is None and self.crop is None
                and self.sampling is None)

    @property
    def frame_rule(self) -> str:
        return self.sampling or "round"

    @property
    def is_segment(self) -> bool:
        return self.start is not None

    def with_crop(self, mode: str | None) -> MediaRef:
        if mode is not None and mode not in CROP_MODES:
            raise RefError(f"unknown crop mode {mode!r}; known: {', '.join(CROP_MODES)}")
        return replace(self, crop=mode)

    def without_crop(self) -> MediaRef:
        return replace(self, crop=None)

    def with_sampling(self, rule: str | None) -> MediaRef:
        if rule is not None and rule not in SAMPLING_RULES:
            known = ", ".join(SAMPLING_RULES)
            raise RefError(f"unknown frame sampling rule {rule!r}; known: {known}")
        return replace(self, sampling=None if rule == "round" else rule)

    def __str__(self) -> str:
        pairs = []
        if self.frame is not None:
            pairs.append(f"frame={self.frame}")
        if self.start is not None:
            pairs.append(f"start={_num(self.start)}")
            pairs.append(f"end={_num(self.end)}")
        if self.crop is not None:
            pairs.append(f"crop={self.crop}")
        if self.sampling is not None:
            pairs.append(f"sampling={self.sampling}")
        return self.path + ("#" + "&".join(pairs) if pairs else "")


def _num(x: float | None) -> str:
    """Seconds written without float noise (``3`` not ``3.0``; ``1.5``), so keys are stable."""
    assert x is not None
    return f"{x:.3f}".rstrip("0").rstrip(".")


def parse_ref(value: str) -> MediaRef:
    """Split a media string into path and fragment; a string with no fragment is a plain path."""
    path, sep, fragment = value.rpartition("#")
    if not sep or not _FRAGMENT.match(fragment):
        return MediaRef(value)
    fields = dict(pair.split("=", 1) for pair in fragment.split("&"))
    try:
        frame = int(fields["frame"]) if "frame" in fields else None
        start = float(fields["start"]) if "start" in fields else None
        end = float(fields["end"]) if "end" in fields else None
    except ValueError as exc:
        raise RefError(f"bad media reference {value!r}: {exc}") from exc
    crop = fields.get("crop")
    if frame is not None and frame < 0:
        raise RefError(f"bad media reference {value!r}: frame must be >= 0")
    if (start is None) != (end is None):
        raise RefError(f"bad media reference {value!r}: start and end go together")
    if start is not None and (start < 0 or end is None or end <= start):
        raise RefError(f"bad media reference {value!r}: need 0 <= start < end")
    if frame is not None and start is not None:
        raise RefError(f"bad media reference {value!r}: frame excludes start/end")
    if crop is not None and crop not in CROP_MODES:
        raise RefError(f"bad media reference {value!r}: unknown crop {crop!r}")
    sampling = fields.get("sampling")
    if sampling is not None and sampling not in SAMPLING_RULES:
        raise RefError(f"bad media reference {value!r}: unknown sampling {sampling!r}")
    return MediaRef(path, frame, start, end, crop, None if sampling == "round" else sampling)


def is_ref(value: str) -> bool:
    """True when the string carries a fragment (so a plain-path reader must not open it)."""
    return not parse_ref(value).is_plain


def frame_ref(video: str, index: int) -> str:
    """Reference to one frame of a video, ``index`` 0-based in decoding order."""
    return str(MediaRef(str(video), frame=int(index)))


def segment_ref(video: str, start: float, end: float) -> str:
    """Reference to the seconds ``[start, end)`` of a video."""
    return str(MediaRef(str(video), start=float(start), end=float(end)))


def with_crop(value: str, mode: str | None = "face") -> str:
    """The same media with a crop step added (``mode=None`` removes it)."""
    return str(parse_ref(value).with_crop(mode))


def with_sampling(value: str, rule: str | None) -> str:
    """The same video with a frame-index rule (``round`` or None: the default, not written)."""
    return str(parse_ref(value).with_sampling(rule))
