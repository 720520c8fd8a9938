"""Multiple choice with per-question options, averaged up a tree of abilities (Face-Human-Bench).

Questions are formed as in :mod:`facebench.tasks.kinds.options_mcq` (the options shown cyclically
rotated with ``kind_options.rotate``). Each question belongs to a leaf, the sample meta's
``subset`` (``<task type>-<image version>``, e.g. ``face_age_basic_5-cropped``), and
``kind_options.hierarchy`` places the leaves in a tree ``{ability: {sub-ability: [leaf, ...]}}``.
As the public ``code/evaluation/score.py`` computes it (lxq1000/Face-Human-Bench):

- per leaf: ``acc = correct / total`` and ``clean_acc = correct / (total - refusals)``, a refusal
  being an answer that matches no option (``X``; here: an unparseable answer);
- a sub-ability's score is the unweighted mean over its leaves, an ability's the mean over its
  sub-abilities, the overall score the mean over the abilities (both numbers alike).

Metrics: ``accuracy`` and ``clean_accuracy`` (the overall means), ``accuracy_<ability>`` and
``clean_accuracy_<ability>``, ``per_sub_ability`` and ``per_subset`` mappings (with counts),
``refusal_rate``. Error rows are no answers and are left out. A leaf with no answered question
(or, for ``clean_accuracy``, only refusals, where the script divides by zero) is ``None`` and is
left out of its parent's mean, and so on up. A sample whose leaf is not in the tree is refused
when the requests are built. The floor is the chance level averaged up the same tree.

Bootstrap rows (:mod:`facebench.metrics.headline`, a mean over folds of a mean over keys): the
fold is the ability, and each leaf is repeated as as many keys as make every sub-ability weigh
the same within its ability (``m / leaves`` copies, ``m`` the least common multiple of its
sub-abilities' leaf counts), so the rows give exactly the mean of means of means whenever
every leaf has an answer (``clean_accuracy`` has no rows: its denominators are not fixed).
"""

from __future__ import annotations

import math
from typing import Any

from facebench.errors import ConfigError
from facebench.tasks.kinds.options_mcq import OptionsMCQKind, slug
from facebench.types import Prediction, Sample


def _mean(values) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


class HierarchicalMCQKind(OptionsMCQKind):
    @staticmethod
    def tree(task) -> dict[str, dict[str, list[str]]]:
        tree = task.config.kind_options.get("hierarchy")
        if not isinstance(tree, dict) or not tree:
            raise ConfigError(f"task {task.name}: kind_options.hierarchy must map abilities to sub-abilities to leaves")
        return tree

    def items(self, task, sample: Sample, style):
        leaves = {leaf for subs in self.tree(task).values() for ls in subs.values() for leaf in ls}
        subset = sample.meta.get("subset")
        if subset not in leaves:
            raise ConfigError(
                f"task {task.name}: sample {sample.id} belongs to {subset!r}, which is not a leaf "
                "of kind_options.hierarchy; add it there in a copy of the task YAML"
            )
        return super().items(task, sample, style)

    def _averaged(self, task, leaf_scores: dict[str, float | None]) -> dict[str, Any]:
        abilities: dict[str, float | None] = {}
        subs: dict[str, float | None] = {}
        for ability, children in self.tree(task).items():
            for sub, leaves in children.items():
                subs[f"{ability}/{sub}"] = _mean(leaf_scores.get(leaf) for leaf in leaves)
            abilities[ability] = _mean(subs[f"{ability}/{sub}"] for sub in children)
        return {"overall": _mean(abilities.values()), "abilities": abilities, "subs": subs}

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        answers = self.answered(predictions)
        per_subset: dict[str, dict[str, Any]] = {}
        for leaf in sorted({str(p.meta.get("subset")) for p in predictions}):
            mine = [p for p in answers if p.meta.get("subset") == leaf]
            correct = sum(self.hit(p) for p in mine)
            refused = sum(1 for p in mine if not p.valid)
            per_subset[leaf] = {
                "accuracy": correct / len(mine) if mine else None,
                "clean_accuracy": correct / (len(mine) - refused) if len(mine) > refused else None,
                "n_answered": len(mine),
                "n_refused": refused,
            }
        acc = self._averaged(task, {k: v["accuracy"] for k, v in per_subset.items()})
        clean = self._averaged(task, {k: v["clean_accuracy"] for k, v in per_subset.items()})
        out: dict[str, Any] = {"accuracy": acc["overall"], "clean_accuracy": clean["overall"]}
        for ability in acc["abilities"]:
            out[f"accuracy_{slug(ability)}"] = acc["abilities"][ability]
            out[f"clean_accuracy_{slug(ability)}"] = clean["abilities"][ability]
        out["per_sub_ability"] = {
            k: {"accuracy": acc["subs"][k], "clean_accuracy": clean["subs"][k]} for k in acc["subs"]
        }
        out["per_subset"] = per_subset
        refusals = sum(1 for p in answers if not p.valid)
        out["refusal_rate"] = refusals / len(answers) if answers else None
        out["format_valid_rate"] = 1 - out["refusal_rate"] if answers else None
        out["n_answered"] = len(answers)
        return out

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        if metric != "accuracy":
            return None
        copies: dict[str, tuple[str, int]] = {}  # leaf -> (ability, number of keys)
        for ability, children in self.tree(task).items():
            m = math.lcm(*(len(leaves) for leaves in children.values() if leaves))
            for leaves in children.values():
                for leaf in leaves:
                    copies[leaf] = (ability, m // len(leaves))
        rows = []
        for p in self.answered(predictions):
            ability, n = copies[str(p.meta.get("subset"))]
            hit = self.hit(p)
            rows.extend((p.sample_id, ability, f"{p.meta['subset']}#{j}", hit, 1.0) for j in range(n))
        return rows

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        if not predictions:
            return {}
        leaves: dict[str, list[float]] = {}
        for p in predictions:
            leaves.setdefault(str(p.meta.get("subset")), []).append(self.chance(p))
        chance = self._averaged(task, {k: sum(v) / len(v) for k, v in leaves.items()})
        out: dict[str, Any] = {"accuracy": chance["overall"]}
        out.update({f"accuracy_{slug(a)}": v for a, v in chance["abilities"].items() if v is not None})
        return out
