"""LLM judges: GPT-rated reasoning (Face-LLaVA Table 10) and MM-Vet grading.

Imported only by the ``facebench judge`` command (and the report); the ``openai`` client is
needed only here. See ``client.py`` for the judge itself (an adapter with a role).
"""
