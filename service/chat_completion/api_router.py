from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ecoguard.service.chat_completion.protocol import ChatCompletionRequest
from ecoguard.service.chat_completion.serving import ServingChat
from ecoguard.service.http import answer, parse_body, require_api_key, state_of
from ecoguard.service.guard_check.serving import decision_headers

router = APIRouter()


@router.post("/v1/chat/completions", dependencies=[Depends(require_api_key)])
async def create_chat_completion(raw_request: Request):
    request = await parse_body(raw_request, ChatCompletionRequest)
    state = state_of(raw_request)
    result, decision = await ServingChat(state).create(request)
    return answer(result, decision_headers(state, decision))
