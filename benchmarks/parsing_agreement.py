"""Agreement of the free-text expression parser with a careful human reader, on a held-out corpus.

    python benchmarks/parsing_agreement.py [--show]

``benchmarks/data/expression_answers.jsonl``: realistic model answers to "What is the facial
expression?" (terse, LLaVA-style, long reasoning, contrast and correction, dominant and
secondary emotions, negation, misspellings, refusals, answers a person cannot settle), each
with the reading of a careful person: a RAF-DB class, ``refusal``, or ``ambiguous``. The corpus
was written apart from tests/parsing/ and is not read by any test: it measures, it does not
specify. A parser agrees when it reads the same class, returns rule ``refusal`` for a refusal,
or returns no class (any other rule) for an ambiguous answer. A **wrong read** is a class that
is not the person's (including a class read from a refusal or an ambiguous answer).

Printed for facebench strict mode, facebench reference mode (the public FABA/EmoLA rule), and
the literal restatement of EmoLA's ``description2emotion`` (tests/parsing/peers.py), whose
crashes (None) count as agreeing with refusal and ambiguous answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from facebench.parsing import (
    load_synonyms,  # noqa: E402
    parse,  # noqa: E402
)
from facebench.types import REFUSAL  # noqa: E402
from tests.parsing.helpers import expression_ctx  # noqa: E402
from tests.parsing.peers import emola_description2emotion  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
#: batch 1 was read while the rules were developed; batch 2 was written after and not tuned on
#: batches 3 and 4 were written blind (by someone who never saw the parser or its word lists);
#: batches 3 to 8 were read, in turn, each after its first (held-out) figure was taken, to
#: improve the rules (batches 3-9 are stress sets: about a fifth hard constructions). Batch 10
#: follows a real log's frequencies instead (five model styles, RAF-DB's class balance, hard
#: constructions 10-15%); it was written blind afterwards and its disagreements are not printed
#: (``--show`` skips a held-out batch), so it stays a held-out measure
CORPORA = {"batch 1": DATA / "expression_answers.jsonl",
           "batch 2": DATA / "expression_answers_batch2.jsonl",
           "batch 3": DATA / "expression_answers_batch3.jsonl",
           "batch 4": DATA / "expression_answers_batch4.jsonl",
           "batch 5": DATA / "expression_answers_batch5.jsonl",
           "batch 6": DATA / "expression_answers_batch6.jsonl",
           "batch 7": DATA / "expression_answers_batch7.jsonl",
           "batch 8": DATA / "expression_answers_batch8.jsonl",
           "batch 9": DATA / "expression_answers_batch9.jsonl",
           "batch 10": DATA / "expression_answers_batch10.jsonl",
           "batch 11": DATA / "expression_answers_batch11.jsonl",
           "batch 12": DATA / "expression_answers_batch12.jsonl",
           "batch 13": DATA / "expression_answers_batch13.jsonl",
           "batch 14": DATA / "expression_answers_batch14.jsonl",
           "batch 15": DATA / "expression_answers_batch15.jsonl",
           "batch 16": DATA / "expression_answers_batch16.jsonl",
           "batch 17": DATA / "expression_answers_batch17.jsonl",
           "batch 18": DATA / "expression_answers_batch18.jsonl",
           "batch 19": DATA / "expression_answers_batch19.jsonl",
           "batch 20": DATA / "expression_answers_batch20.jsonl",
           "batch 21": DATA / "expression_answers_batch21.jsonl",
           "batch 22": DATA / "expression_answers_batch22.jsonl",
           "batch 23": DATA / "expression_answers_batch23.jsonl",
           "batch 24": DATA / "expression_answers_batch24.jsonl",
           "batch 25": DATA / "expression_answers_batch25.jsonl",
           "batch 26": DATA / "expression_answers_batch26.jsonl",
           "batch 27": DATA / "expression_answers_batch27.jsonl",
           "batch 28": DATA / "expression_answers_batch28.jsonl",
           "batch 29": DATA / "expression_answers_batch29.jsonl",
           "batch 30": DATA / "expression_answers_batch30.jsonl",
           "batch 31": DATA / "expression_answers_batch31.jsonl",
           "batch 32": DATA / "expression_answers_batch32.jsonl",
           "batch 33": DATA / "expression_answers_batch33.jsonl",
           "batch 34": DATA / "expression_answers_batch34.jsonl",
           "batch 35": DATA / "expression_answers_batch35.jsonl",
           "batch 36": DATA / "expression_answers_batch36.jsonl",
           "batch 37": DATA / "expression_answers_batch37.jsonl",
           "batch 38": DATA / "expression_answers_batch38.jsonl",
           "batch 39": DATA / "expression_answers_batch39.jsonl",
           "batch 40": DATA / "expression_answers_batch40.jsonl",
           "batch 41": DATA / "expression_answers_batch41.jsonl",
           "batch 42": DATA / "expression_answers_batch42.jsonl",
           "batch 43": DATA / "expression_answers_batch43.jsonl",
           "batch 44": DATA / "expression_answers_batch44.jsonl",
           "batch 45": DATA / "expression_answers_batch45.jsonl",
           "batch 46": DATA / "expression_answers_batch46.jsonl",
           "batch 47": DATA / "expression_answers_batch47.jsonl",
           "batch 48": DATA / "expression_answers_batch48.jsonl",
           "batch 49": DATA / "expression_answers_batch49.jsonl",
           "batch 50": DATA / "expression_answers_batch50.jsonl",
           "batch 51": DATA / "expression_answers_batch51.jsonl",
           "batch 52": DATA / "expression_answers_batch52.jsonl",
           "batch 53": DATA / "expression_answers_batch53.jsonl",
           "batch 54": DATA / "expression_answers_batch54.jsonl",
           "batch 55": DATA / "expression_answers_batch55.jsonl",
           "batch 56": DATA / "expression_answers_batch56.jsonl",
           "batch 57": DATA / "expression_answers_batch57.jsonl",
           "batch 58": DATA / "expression_answers_batch58.jsonl",
           "batch 59": DATA / "expression_answers_batch59.jsonl",
           "batch 60": DATA / "expression_answers_batch60.jsonl",
           "batch 61": DATA / "expression_answers_batch61.jsonl",
           "batch 62": DATA / "expression_answers_batch62.jsonl",
           "batch 63": DATA / "expression_answers_batch63.jsonl",
           "batch 64": DATA / "expression_answers_batch64.jsonl",
           "batch 65": DATA / "expression_answers_batch65.jsonl",
           "batch 66 (held out)": DATA / "expression_answers_batch66.jsonl",
           "batch 67 (held out)": DATA / "expression_answers_batch67.jsonl",
           "batch 68 (held out)": DATA / "expression_answers_batch68.jsonl"}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def judge(human: str, value: str | None, refused: bool, lenient_none: bool = False) -> tuple[bool, bool]:
    """(agrees, wrong read) for one answer."""
    if value is not None:
        return value == human, value != human
    if lenient_none:
        return human in ("refusal", "ambiguous"), False
    return (refused if human == "refusal" else human == "ambiguous" and not refused), False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", action="store_true",
                    help="print every disagreement (never for the held-out batch)")
    ap.add_argument("--batch", action="append", help="only these batches (e.g. --batch 3)")
    args = ap.parse_args()
    for title, path in CORPORA.items():
        if args.batch and title.split()[1] not in args.batch:
            continue
        if not path.exists():
            print(f"== {title}: {path.name} not written yet, skipped")
            continue
        if "held out" in title and not args.batch:
            print(f"== {title}: {path.name} not read (name it with --batch to read it)")
            continue  # each read of a held-out batch spends some of its blindness
        print(f"== {title}: {path.name}")
        report(load(path), args.show and "held out" not in title)
    if args.batch:
        return
    print("== all released batches (held-out ones are read only with --batch)")
    report([r for title, p in CORPORA.items() if p.exists() and "held out" not in title
            for r in load(p)], False)


def report(rows: list[dict], show: bool) -> None:
    strict, ref = expression_ctx(), expression_ctx("reference")
    emola_lists = load_synonyms("reference_emola")
    readers = {
        "facebench strict": lambda t: parse("synonym_class", t, strict),
        "facebench reference": lambda t: parse("synonym_class", t, ref),
    }
    kinds = {}
    for row in rows:
        kinds[row["human"] if row["human"] in ("refusal", "ambiguous") else "class"] = \
            kinds.get(row["human"] if row["human"] in ("refusal", "ambiguous") else "class", 0) + 1
    print(f"corpus: {len(rows)} answers ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))})")
    for name, read in readers.items():
        agree = wrong = 0
        for row in rows:
            r = read(row["answer"])
            ok, bad = judge(row["human"], r.value, r.rule == REFUSAL)
            agree += ok
            wrong += bad
            if show and not ok and name.endswith("strict"):
                print(f"  [{name}] human={row['human']:<10} read={r.value!s:<10} {r.rule:<16} {row['answer']}")
        print(f"{name:<22} strict agreement {agree / len(rows):6.1%}  ({agree}/{len(rows)})  "
              f"wrong reads {wrong}")
    agree = wrong = 0
    for row in rows:
        value = emola_description2emotion(row["answer"], emola_lists)
        ok, bad = judge(row["human"], value, False, lenient_none=True)
        agree += ok
        wrong += bad
    print(f"{'EmoLA rule (literal)':<22} strict agreement {agree / len(rows):6.1%}  "
          f"({agree}/{len(rows)})  wrong reads {wrong}")


if __name__ == "__main__":
    main()
