"""Video-level prediction by majority vote over chunk predictions (FF++ protocol).

Face-LLaVA cuts each FaceForensics++ test video into 3-second chunks and predicts the video
as the majority over its chunks. Rules:

* unparseable chunks (``None``) abstain - a chunk that could not be read has no opinion;
* the video's prediction is the value with strictly the most votes;
* a tie, or a video with no readable chunk, is **invalid** (``None``): choosing among tied
  classes (e.g. "fake" because 80% of FF++ is fake) would be a guess. Invalid videos count
  as wrong in accuracy.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence


def majority_vote(chunk_preds: Sequence[Hashable | None]) -> Hashable | None:
    """The strict-majority-of-plurality value among valid chunks; ``None`` on a tie/no vote."""
    top = Counter(p for p in chunk_preds if p is not None).most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


def video_votes(
    video_ids: Sequence[Hashable], chunk_preds: Sequence[Hashable | None]
) -> dict[Hashable, Hashable | None]:
    """Majority vote per video, videos in first-seen order."""
    if len(video_ids) != len(chunk_preds):
        raise ValueError("video_ids and chunk_preds differ in length")
    chunks: dict[Hashable, list[Hashable | None]] = defaultdict(list)
    for v, p in zip(video_ids, chunk_preds):
        chunks[v].append(p)
    return {v: majority_vote(ps) for v, ps in chunks.items()}
