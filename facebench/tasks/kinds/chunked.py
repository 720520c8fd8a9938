"""Video classification by chunks: one question per fixed-length chunk, majority vote per video.

The FaceForensics++ protocol of Face-LLaVA (App. F.3): "we chunk the test videos into a
constant duration of three seconds and compute the prediction of a video as the majority voted
prediction over its constituent chunks".

- Items: the video's duration is read from its header when requests are built (no pixels
  are decoded; :func:`facebench.media.frames.probe`); chunk ``k`` covers seconds
  ``[k*s, (k+1)*s)`` with ``s = kind_options.chunk_seconds`` (default 3). A last, shorter
  chunk is kept when it lasts at least ``min_tail_seconds`` (default 1), else dropped; a video
  shorter than one chunk is one chunk. Each chunk's media is the reference
  ``<video>#start=S&end=E``: the adapter samples ``num_frames`` frames inside it. Keys are
  ``<sample id>/c<k>``; ``chunk``, ``chunk_start``, ``chunk_end`` go into the request meta.
  A video whose header cannot be read gets one item for the whole file, so the preflight
  check turns it into an error row naming the file.
- Score per chunk: 1 when the chunk's parsed class is the video's label.
- Video prediction: :func:`facebench.metrics.majority_vote` over the chunks' parsed classes:
  unreadable chunks abstain; a tie, or no readable chunk, leaves the video undecided, which
  counts as wrong (choosing among tied classes, e.g. "fake" because FF++ is 80% fake, would
  be a guess). Error chunks (the model call failed) are not answers: they do not vote, and a
  video none of whose chunks was answered is itself an error row, left out of every metric
  rather than counted undecided.
- Metrics over videos: those of ``classification`` (``accuracy``...), plus
  ``accuracy_by_<group_key>`` when ``kind_options.group_key`` is set (FF++: per method, real
  included; ``None`` for a group with no answered video), ``chunk_accuracy``, ``decided_rate``
  (share of answered videos with a strict majority), ``n_videos`` (all videos) and
  ``n_answered`` (videos with an answered chunk); ``chunk_accuracy`` and ``format_valid_rate``
  are over the answered chunks (the answers a parser could read).
- Floor: every chunk answered with the majority *video* label (FF++ c40 test: 0.80).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from facebench import metrics as M
from facebench.media.refs import segment_ref
from facebench.tasks.kinds.classification import ClassificationKind
from facebench.types import Prediction


class ChunkedClassificationKind(ClassificationKind):
    def items(self, task, sample, style) -> list:
        from facebench.media import MediaError
        from facebench.media.frames import chunk_spans, probe
        from facebench.tasks.task import Item

        opts = task.config.kind_options
        seconds = float(opts.get("chunk_seconds", 3.0))
        min_tail = float(opts.get("min_tail_seconds", 1.0))
        video = sample.media[0]
        try:
            spans = chunk_spans(probe(video).duration, seconds, min_tail)
        except MediaError:
            spans = []
        if not spans:  # unreadable: one item on the whole file; preflight names the fault
            return [Item(key=f"{sample.id}/c0", target=sample.target, variables={"chunk": 0}, media=(video,))]
        return [
            Item(
                key=f"{sample.id}/c{k}",
                target=sample.target,
                variables={"chunk": k, "chunk_start": start, "chunk_end": end},
                media=(segment_ref(video, start, end),),
            )
            for k, (start, end) in enumerate(spans)
        ]

    @staticmethod
    def videos(predictions: list[Prediction]) -> list[Prediction]:
        """One prediction per video (first-seen order): the majority vote of its chunks."""
        by_video: dict[str, list[Prediction]] = {}
        for p in predictions:
            by_video.setdefault(p.sample_id, []).append(p)
        out = []
        for video, chunks in by_video.items():
            answers = [c for c in chunks if c.error is None]
            vote = M.majority_vote([c.parsed if c.valid else None for c in answers])
            first = chunks[0]
            error = None if answers else f"no chunk of {len(chunks)} answered: {first.error}"
            out.append(
                Prediction(
                    id=video,
                    sample_id=video,
                    response="",
                    parsed=vote,
                    rule=f"majority of {len(chunks)} chunks",
                    target=first.target,
                    score=None if error else float(vote is not None and vote == first.target),
                    error=error,
                    meta=first.meta,
                )
            )
        return out

    def _metrics(self, task, predictions: list[Prediction], labels: list[str]) -> dict[str, Any]:
        videos = self.videos(predictions)
        out = super()._metrics(task, videos, labels)  # over the answered videos
        decided = self.answered(videos)
        y_true = [v.target for v in decided]
        y_pred = [v.parsed for v in decided]
        group_key = task.config.kind_options.get("group_key")
        if group_key:
            groups_of = [str(v.meta.get(group_key)) for v in decided]
            per_group = M.grouped_accuracy(groups_of, y_true, y_pred)
            groups = dict.fromkeys(str(v.meta.get(group_key)) for v in videos)
            out[f"accuracy_by_{group_key}"] = {g: per_group.get(g) for g in groups}
        chunks = self.answered(predictions)
        chunk_pred = [p.parsed if p.valid else None for p in chunks]
        out["chunk_accuracy"] = M.accuracy([p.target for p in chunks], chunk_pred)
        out["decided_rate"] = M.format_valid_rate(y_pred)
        out["format_valid_rate"] = M.format_valid_rate(chunk_pred)
        out["n_videos"] = len(videos)
        return out

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        return super().headline_rows(task, self.videos(predictions), metric)

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        videos = self.videos(predictions)
        if not videos:
            return {}
        majority, _ = Counter(v.target for v in videos).most_common(1)[0]
        constant = [
            Prediction(p.id, p.sample_id, "", majority, "floor", p.target, None, None, p.meta)
            for p in predictions
        ]
        floor = self.aggregate(task, constant)
        for key in ("format_valid_rate", "decided_rate", "n_videos", "chunk_accuracy",
                    "n_answered"):
            floor.pop(key, None)
        return {k: v for k, v in floor.items() if isinstance(v, (int, float))}
