"""Batched chat generation with the model's own chat template (left padding), used for
self-generated retain targets and EU's self-generated forget text."""

from __future__ import annotations

from typing import Sequence

import torch

from .data import chat_prompt


@torch.no_grad()
def generate_chat(model, tokenizer, conversations: Sequence[list[dict[str, str]]], max_new_tokens: int = 64,
                  batch_size: int = 16, do_sample: bool = False, temperature: float = 1.0, top_p: float = 1.0,
                  seed: int | None = None, progress: bool = False) -> list[str]:
    """Answers (decoded, special tokens stripped) to each conversation, in order."""
    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    device = next(model.parameters()).device
    if do_sample and seed is not None:
        torch.manual_seed(seed)
    # Sort by length so that batches pad little; restore the order at the end.
    texts = [chat_prompt(tokenizer, c) for c in conversations]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    results: dict[int, str] = {}
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    it = batches
    if progress:
        from tqdm import tqdm

        it = tqdm(batches, desc="generate", unit="batch")
    try:
        for idx in it:
            enc = tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
            enc = {k: v.to(device) for k, v in enc.items()}
            kwargs = dict(max_new_tokens=max_new_tokens, do_sample=do_sample, pad_token_id=tokenizer.pad_token_id)
            if do_sample:
                kwargs.update(temperature=temperature, top_p=top_p)
            else:
                kwargs.update(temperature=None, top_p=None, top_k=None)
            seqs = model.generate(**enc, **kwargs)
            new = seqs[:, enc["input_ids"].shape[1]:]
            for i, row in zip(idx, new):
                results[i] = tokenizer.decode(row, skip_special_tokens=True).strip()
    finally:
        tokenizer.padding_side = side
        if was_training:
            model.train()
    out = [results[i] for i in range(len(texts))]
    return out
