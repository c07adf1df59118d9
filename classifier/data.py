"""Conversations: loading the JSONL data and cutting a conversation into the pieces that are scored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence, Union

from .normalize import decoded_variants, normalize

Message = dict[str, Any]
ConversationLike = Union[str, Sequence[Message]]

FORGET = "forget"
RETAIN = "retain"


@dataclass(frozen=True)
class Example:
    """One conversation of the data set."""

    id: str
    messages: list[Message]
    label: str  # "forget" | "retain"
    kind: str
    split: str  # "train" | "test"
    group: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def y(self) -> int:
        return 1 if self.label == FORGET else 0


def _content_text(content: Any) -> str:
    """Message content as text: a string, or OpenAI content parts ([{"type": "text", "text": ...}])."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    if isinstance(content, dict) and isinstance(content.get("text"), str):
        return content["text"]
    return str(content)


def as_messages(conversation: ConversationLike) -> list[Message]:
    """Accept a plain prompt string (one user message) or a list of chat messages."""
    if isinstance(conversation, str):
        return [{"role": "user", "content": conversation}]
    if isinstance(conversation, dict):  # a single message
        return [conversation]
    return list(conversation)


def split_pieces(conversation: ConversationLike, *, leetspeak: bool = True,
                 decode: bool = True) -> tuple[list[str], list[str], str]:
    """(message pieces, decoded-payload pieces, whole-conversation piece), all normalised."""
    texts = [_content_text(m.get("content")) if isinstance(m, dict) else str(m) for m in as_messages(conversation)]
    texts = [t for t in texts if t.strip()]
    messages = [normalize(t, leetspeak=leetspeak) for t in texts]
    decoded: list[str] = []
    if decode:
        decoded = [normalize(v, leetspeak=leetspeak) for t in texts for v in decoded_variants(t)]
    whole = normalize("\n".join(texts), leetspeak=leetspeak) if len(texts) > 1 else (messages[0] if messages else "")
    return messages, decoded, whole


def conversation_pieces(conversation: ConversationLike, *, leetspeak: bool = True, decode: bool = True) -> list[str]:
    """The normalised texts that are scored for one conversation.

    Every message (system, user, assistant, tool: a topic can be set up in any of them) is one piece, the
    plain text of any encoded payload (reversed, ROT13, base64, hex: ``normalize.decoded_variants``) is one
    more, and the whole conversation - the contents only, chat template stripped, joined by newlines - is
    the last. The conversation's score is the maximum forget probability over its pieces: a forget topic
    set up in the system prompt or in an earlier turn makes the whole-conversation piece (and the set-up
    message itself) score high even when the last question alone is innocuous, while a single message stays
    sensitive on its own in a long conversation. Duplicates (a one-message conversation's whole text is
    that message) and empty pieces are dropped; the order is stable and the whole text comes last.
    """
    messages, decoded, whole = split_pieces(conversation, leetspeak=leetspeak, decode=decode)
    pieces = [p for p in dict.fromkeys(messages + decoded) if p and p != whole]
    pieces.append(whole)
    return pieces


def load_jsonl(path: Path, *, expected_label: str | None = None) -> list[Example]:
    """Read one data file; raises ValueError with the line number on a malformed line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                messages = row["messages"]
                if not isinstance(messages, list) or not messages:
                    raise ValueError("messages must be a non-empty list")
                label = row.get("label", expected_label)
                if label not in (FORGET, RETAIN):
                    raise ValueError(f"label must be forget|retain, got {label!r}")
                ex = Example(
                    id=str(row.get("id", f"{path.stem}-{lineno}")),
                    messages=messages,
                    label=label,
                    kind=str(row.get("kind", "unknown")),
                    split=str(row.get("split", "train")),
                    group=str(row.get("group") or row.get("id") or f"{path.stem}-{lineno}"),
                    extra={k: v for k, v in row.items()
                           if k not in ("id", "messages", "label", "kind", "split", "group")},
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: malformed example: {exc}") from exc
            out.append(ex)
    return out


def load_examples(forget: Path, retain: Path) -> list[Example]:
    return load_jsonl(forget, expected_label=FORGET) + load_jsonl(retain, expected_label=RETAIN)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def select(examples: Iterable[Example], split: str | None) -> list[Example]:
    return [e for e in examples if split is None or split == "all" or e.split == split]
