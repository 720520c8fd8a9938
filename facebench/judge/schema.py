"""Names shared by the judge protocols, the tables and the report (no heavy imports here, so
the leaderboard and the report can read judge results without the ``openai`` client)."""

from __future__ import annotations

#: the three reasoning criteria (Face-LLaVA Fig. 17), as keys of the judge's JSON reply
CRITERIA = ("media_consistency", "label_consistency", "completeness")
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
