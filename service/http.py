"""Thin HTTP helpers shared by the routers: body parsing, auth, answers."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ValidationError

from ecoguard.service.protocol import OpenAIError

if TYPE_CHECKING:
    from ecoguard.service.state import GatewayState

M = TypeVar("M", bound=BaseModel)


def state_of(request: Request) -> "GatewayState":
    return request.app.state.gateway


async def parse_body(request: Request, model: type[M]) -> M:
    """Read, size-check, decode and validate a JSON body; every failure is an OpenAI-shaped 4xx."""
    settings = state_of(request).settings
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise OpenAIError(413, f"request body over {settings.max_body_bytes} bytes", code="request_too_large")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > settings.max_body_bytes:
            raise OpenAIError(413, f"request body over {settings.max_body_bytes} bytes", code="request_too_large")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OpenAIError(400, f"request body is not valid UTF-8 (byte {exc.start})", code="invalid_utf8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OpenAIError(400, f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                          code="invalid_json") from None
    if not isinstance(data, dict):
        raise OpenAIError(400, "request body must be a JSON object", code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


def validation_error(exc: ValidationError) -> OpenAIError:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = first["type"]
    if kind == "extra_forbidden":
        message = f"unknown field '{loc}'"
    elif kind == "missing":
        message = f"missing required field '{loc}'"
    else:
        message = f"invalid '{loc}': {first['msg']}" if loc else first["msg"]
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return OpenAIError(400, message, param=loc or None, code=kind)


def _key_ok(given: str | None, keys: list[Any]) -> bool:
    return given is not None and any(secrets.compare_digest(given, k.get_secret_value()) for k in keys)


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def require_api_key(request: Request) -> None:
    """Model routes: open when no key is configured; else any API key (or the admin key)."""
    settings = state_of(request).settings
    keys = list(settings.api_keys) + ([settings.admin_key] if settings.admin_key else [])
    if not settings.api_keys:
        return
    token = bearer(request)
    if token is None:
        raise OpenAIError(401, "missing API key: send 'Authorization: Bearer <key>'", code="missing_api_key")
    if not _key_ok(token, keys):
        raise OpenAIError(401, "invalid API key", code="invalid_api_key")


async def require_admin(request: Request) -> None:
    """Operator routes: the admin key when one is set; refused when only API keys are set; open otherwise."""
    settings = state_of(request).settings
    if settings.admin_key is None:
        if settings.api_keys:
            raise OpenAIError(403, "this route needs the admin key, and none is configured (ECOGUARD_ADMIN_KEY)",
                              code="admin_disabled")
        return
    token = bearer(request)
    if token is None:
        raise OpenAIError(401, "missing admin key: send 'Authorization: Bearer <admin key>'", code="missing_api_key")
    if not _key_ok(token, [settings.admin_key]):
        raise OpenAIError(403, "this route needs the admin key", code="forbidden")


def answer(result: dict[str, Any] | AsyncIterator[str], headers: dict[str, str] | None = None):
    if isinstance(result, dict):
        return JSONResponse(result, headers=headers)
    return StreamingResponse(result, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})})
