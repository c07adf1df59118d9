"""Configuration of an unlearning job: one pydantic model per method, shared training fields here.

Precedence (lowest first): the method's defaults (documented in its module) < `--config YAML` < CLI flags
(`--max-steps`, `--seed`, `--lora`). Unknown keys are refused, so a typo in a YAML file fails loudly.
The resolved config is written as YAML beside the output (`OUT/unlearn_config.yaml`) and in the work dir.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field


class UnlearnConfig(BaseModel):
    """Fields shared by every method. Method modules subclass this and change defaults / add loss weights."""

    model_config = ConfigDict(extra="forbid")

    method: str = "base"

    # --- data -------------------------------------------------------------------------------------------
    max_length: int = Field(256, description="Tokens per training sequence (prompt + answer), right-truncated.")
    label_scope: Literal["answer", "all"] = Field(
        "answer", description="Which tokens carry the loss: the answer only (prompt masked) or the whole text.")
    retain_targets: Literal["self", "reference"] = Field(
        "self",
        description="Retain answers used as targets: 'self' = the starting model's own greedy answers to the "
                    "retain train questions (keeps its behaviour; cached in the work dir), 'reference' = the "
                    "rows' reference answers (rows with an empty answer are skipped).")
    retain_gen_max_new_tokens: int = Field(64, description="Length of the generated 'self' retain answers.")
    max_forget: Optional[int] = Field(None, description="Use at most this many forget train rows.")
    max_retain: Optional[int] = Field(None, description="Use at most this many retain train rows.")
    split: str = Field("train", description="Rows of this split are trained on ('test' rows are held out).")
    eval_rows: int = Field(
        64, description="metrics.json gets the mean answer NLL of this many forget/retain test rows before "
                        "and after the job (0: skip).")

    # --- optimisation ------------------------------------------------------------------------------------
    learning_rate: float = Field(1e-5, description="Learning rate for a full fine-tune.")
    lora_learning_rate: float = Field(1e-4, description="Learning rate when --lora is given.")
    max_steps: int = Field(60, description="Optimizer steps.")
    per_device_batch_size: int = Field(4, description="Examples per stream (forget/retain/...) per device.")
    gradient_accumulation_steps: int = 1
    weight_decay: float = 0.0
    warmup_steps: int = 0
    lr_scheduler_type: str = "linear"
    max_grad_norm: float = 1.0
    optim: str = "adamw_torch"
    bf16: bool = False
    gradient_checkpointing: bool = False

    # --- checkpoints / logging --------------------------------------------------------------------------
    save_steps: int = Field(20, description="Checkpoint every N steps (model + optimizer + RNG states).")
    save_total_limit: int = 2
    logging_steps: int = 5
    keep_checkpoints: bool = Field(False, description="Keep OUT.work/checkpoints after a successful run.")
    seed: int = 0

    # --- LoRA (peft); merged into the weights before saving ---------------------------------------------
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    lora_target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "v_proj"])

    # --- optional early stop on retain perplexity (DI's authors stop at 1.03x) ---------------------------
    stop_ppl_ratio: Optional[float] = Field(
        None, description="Stop when retain-text perplexity exceeds this multiple of its starting value.")
    ppl_check_steps: int = 10
    ppl_texts: int = 32

    def effective_lr(self) -> float:
        return self.lora_learning_rate if self.lora else self.learning_rate

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def load_yaml(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of config keys")
    return data


def resolve_config(config_cls: type[UnlearnConfig], yaml_path: str | Path | None = None,
                   **overrides: Any) -> UnlearnConfig:
    """Defaults < YAML file < explicit overrides (None values are ignored)."""
    values = load_yaml(yaml_path)
    # A YAML written by a previous run names its method; it must match.
    method = values.pop("method", None)
    default_method = config_cls.model_fields["method"].default
    if method is not None and method != default_method:
        raise ValueError(f"config file is for method {method!r}, not {default_method!r}")
    values.update({k: v for k, v in overrides.items() if v is not None})
    return config_cls(**values)
