"""Public parsers restated from their published rules, as oracles for tests and peers for
benchmarks/bench_parsing.py (one copy, so the test and the benchmark compare the same thing)."""

from __future__ import annotations

import re

# --- a literal restatement of EmoLA's description2emotion (lists and loops as published) ----

def emola_description2emotion(description: str, lists: dict[str, tuple[str, ...]]) -> str | None:
    """EmoLA's ``description2emotion`` (emollava/eval/eval_FABA.py): its lists, loops and
    defects as published; None where the script would raise (no end mark)."""
    negative_words = ["not", "no", "isn't ", "nothing", "cannot", "won't", "shouldn't", "neither", "nor"]
    sentences = re.split(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?)\s", description)
    positive = " ".join(s for s in sentences if not any(w in s.lower() for w in negative_words))
    if positive == "":
        positive = description
    emotions = ["happiness", "sadness", "surprise", "anger", "neutral", "disgust", "fear"]
    m = re.match(r"^(.*?)[.!?]", positive)
    if m is None:
        return None
    first, remaining = m.group(1), re.sub(r"^(.*?)[.!?]", "", positive)
    for word in re.findall(r"\b\w+\b", first.lower()):
        for emo in emotions:
            if word in lists[emo]:
                return emo
    counts = {emo: 0 for emo in emotions}
    for word in re.findall(r"\b\w+\b", remaining.lower()):
        for emo in emotions:
            if word in lists[emo]:
                counts[emo] += 1
    return max(counts, key=lambda k: counts[k])
