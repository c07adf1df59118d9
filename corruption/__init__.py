"""ECO corruption core: corruption functions, the corruption artifact, prompt -> corrupted embeddings."""

from .functions import CORRUPTIONS, corrupt
from .prompt import (
    CorruptedPrompt,
    corrupt_chat,
    corrupt_text,
    decode_prompt_embeds,
    derive_seed,
    encode_prompt_embeds,
    render_chat,
    select_positions,
    tokenize_prompt,
)
from .spec import CorruptionSpec

__all__ = [
    "CORRUPTIONS",
    "corrupt",
    "CorruptionSpec",
    "CorruptedPrompt",
    "corrupt_chat",
    "corrupt_text",
    "render_chat",
    "derive_seed",
    "encode_prompt_embeds",
    "decode_prompt_embeds",
    "select_positions",
    "tokenize_prompt",
]
