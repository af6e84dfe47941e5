"""POST /chat and POST /chat/stream: the tutor's answer, whole or as server-sent events."""
from __future__ import annotations

import itertools
import json
import re
import uuid
from typing import Annotated, Iterator

from fastapi import APIRouter, Body, HTTPException, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...tutor import pipeline as tutor
from ...tutor.conversations import validate_session_id
from ...tutor.schemas import Answer
from ..deps import ChatRateLimit, PrincipalDep, ServicesDep
from .. import examples
from ..schemas import ChatRequest

ChatBody = Annotated[ChatRequest, Body(openapi_examples=examples.CHAT_REQUEST)]

router = APIRouter(tags=["chat"], dependencies=[ChatRateLimit])


def _session_for(body: ChatRequest, services, principal) -> str | None:
    """The conversation to answer in: the learner's given one or a new id (created with its first turn, so a
    question that fails leaves nothing behind); none for staff and callers without an identity. Whether the given
    one is this learner's (of this course) is checked by tutor.answer, in the same read as its last turns."""
    tutor.clean_question(body.message, services.settings)
    if body.chapter is not None:
        services.course().chapter(body.chapter)
    session_id = body.session_id
    if session_id is not None:
        if principal.is_staff:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                "staff and maintainer tokens cannot post into a learner's conversation")
        if principal.learner_id is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                                "conversations belong to a learner: send a learner bearer token to use session_id",
                                headers={"WWW-Authenticate": "Bearer"})
        validate_session_id(session_id)
    elif principal.learner_id is not None:
        session_id = uuid.uuid4().hex
    return session_id


def _ask(body: ChatRequest, services, principal) -> Answer:
    return tutor.answer(services, body.message, session_id=_session_for(body, services, principal),
                        chapter=body.chapter, mode=body.mode, learner_id=principal.learner_id)


@router.post("/chat", response_model=Answer, summary="Ask the tutor",
             responses={200: {"content": {"application/json": {"example": examples.CHAT_RESPONSE}}}},
             description="Answer from the course only; every sentence carries a [C.S] citation marker. A learner "
                         "without session_id starts a new conversation (its id is in the answer).")
async def chat(body: ChatBody, services: ServicesDep, principal: PrincipalDep) -> Answer:
    # An `async def` route that sends the answer's work to the thread pool itself: FastAPI then checks the
    # returned Answer on the event loop, where a plain `def` route would hop to the pool a second time for it.
    return await run_in_threadpool(_ask, body, services, principal)


def sse(event: str, data) -> str:
    """One server-sent event; the JSON payload has no raw newlines, so one data line suffices."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


def finished_answer_events(result: Answer) -> Iterator[str]:
    """Each sentence of a finished answer, then the full Answer (the extractive writer has no tokens to stream)."""
    pieces = [(s.text, s.refs) for s in result.sentences] or [(result.answer, [])]
    for i, (text, refs) in enumerate(pieces):
        yield sse("sentence", _sentence(i, text, refs))
    yield sse("answer", result.model_dump(mode="json"))


def _sentence(index: int, text: str, refs: list[str]) -> dict:
    markers = " ".join(f"[{r}]" for r in refs if f"[{r}]" not in text)
    return {"index": index, "text": text, "refs": refs, "marked": f"{text} {markers}" if markers else text}


_MARKER = re.compile(r"\[(\d+\.\d+)\]")


def writer_events(events: Iterator[dict]) -> Iterator[str]:
    """The LLM writer's verified sentences as they come (tutor.answer_events), then the full Answer."""
    for i, event in enumerate(events):
        if event.get("type") == "sentence":
            yield sse("sentence", _sentence(i, event["text"], _MARKER.findall(event["text"])))
        elif event.get("type") == "answer":
            yield sse("answer", event["answer"])


@router.post("/chat/stream", summary="Ask the tutor, streamed",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {"example": examples.CHAT_STREAM}},
                              "description": "events `sentence` {index, text, refs, marked} …, then `answer` "
                                             "(the Answer)"}})
def chat_stream(body: ChatBody, services: ServicesDep, principal: PrincipalDep) -> StreamingResponse:
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if services.writer is not None and body.mode == "answer":
        session_id = _session_for(body, services, principal)
        events = tutor.answer_events(services, body.message, session_id=session_id, chapter=body.chapter,
                                     mode=body.mode, learner_id=principal.learner_id)
        # Pull the first event here: bad input raises now and gets a 4xx instead of a broken stream.
        first = next(events)
        return StreamingResponse(writer_events(itertools.chain([first], events)), media_type="text/event-stream",
                                 headers=headers)
    # The extractive writer and hints are instant: answer first, then send the sentences.
    result = _ask(body, services, principal)
    return StreamingResponse(finished_answer_events(result), media_type="text/event-stream", headers=headers)
