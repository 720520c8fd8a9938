"""facebench: one harness to score face-perception multimodal LLMs on the face benchmarks."""

__version__ = "0.1.0"
