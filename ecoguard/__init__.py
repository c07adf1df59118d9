"""ecoguard: inference-time unlearning (ECO, embedding-corrupted prompts) behind an OpenAI-compatible API."""

__version__ = "0.1.0"
