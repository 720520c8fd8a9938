"""Scoring kinds: how a task turns samples into questions and answers into metrics.

A kind is chosen by name in the task YAML (``kind: classification``). Tasks share kinds; a
new benchmark rarely needs a new one. Third-party kinds register under the
``facebench.kinds`` entry-point group.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from facebench.errors import ConfigError
from facebench.tasks.kinds.base import TaskKind

#: built-in kinds, imported only when used
BUILTIN_KINDS = {
    "classification": "facebench.tasks.kinds.classification:ClassificationKind",
    "multilabel": "facebench.tasks.kinds.multilabel:MultiLabelKind",
    "chunked": "facebench.tasks.kinds.chunked:ChunkedClassificationKind",
    "regression": "facebench.tasks.kinds.regression:RegressionKind",
    "multi_question": "facebench.tasks.kinds.multi_question:MultiQuestionKind",
    "grouped_classification": "facebench.tasks.kinds.grouped_classification:GroupedClassificationKind",
    "judged": "facebench.tasks.kinds.judged:JudgedKind",
    "options_mcq": "facebench.tasks.kinds.options_mcq:OptionsMCQKind",
    "hierarchical_mcq": "facebench.tasks.kinds.hierarchical_mcq:HierarchicalMCQKind",
}


def get_kind(name: str) -> TaskKind:
    spec = BUILTIN_KINDS.get(name)
    if spec is None:
        for ep in entry_points(group="facebench.kinds"):
            if ep.name == name:
                return ep.load()()
        raise ConfigError(f"unknown task kind {name!r}; known: {', '.join(sorted(BUILTIN_KINDS))}")
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()
