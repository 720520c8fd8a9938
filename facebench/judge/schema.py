"""Names shared by the judge protocols, the tables and the report (no heavy imports here, so
the leaderboard and the report can read judge results without the ``openai`` client)."""

from __future__ import annotations

#: the three reasoning criteria (Face-LLaVA Fig. 17), in the order the prompt numbers them
CRITERIA = ("media_consistency", "label_consistency", "completeness")
#: the key of each criterion in the judge's reply ``{"rating": {"1": .., "2": .., "3": ..}}``
#: (Fig. 8's output format; reasoning rubrics version 2 and later)
REPLY_KEYS = {"media_consistency": "1", "label_consistency": "2", "completeness": "3"}
#: Face-LLaVA Table 10 column groups by task type, in the paper's order; "All" is their mean
TASK_TYPE_ORDER = ("expression", "action_units", "attributes", "age", "deepfake")
#: Face-LLaVA Table 10 column groups, for display
CRITERION_TITLES = {
    "media_consistency": "Reason-Video Consistency",
    "label_consistency": "Reason-GT Consistency",
    "completeness": "Reasoning Completeness",
}
#: MM-Vet capabilities
CAPABILITIES = ("rec", "ocr", "know", "gen", "spat", "math")
#: Face-MLLM Table 5 column order
TABLE5_ORDER = ("ocr", "math", "spat", "rec", "know", "gen")
