from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ecoguard.service.completion.protocol import CompletionRequest
from ecoguard.service.completion.serving import ServingCompletion
from ecoguard.service.guard_check.serving import decision_headers
from ecoguard.service.http import answer, parse_body, require_api_key, state_of

router = APIRouter()


@router.post("/v1/completions", dependencies=[Depends(require_api_key)])
async def create_completion(raw_request: Request):
    request = await parse_body(raw_request, CompletionRequest)
    state = state_of(raw_request)
    result, decision = await ServingCompletion(state).create(request)
    return answer(result, decision_headers(state, decision))
