"""Quizzes: staff generate, save, review/edit, list, delete and export; learners take quiz sessions and review."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Query, Response, status
from starlette.concurrency import run_in_threadpool

from ... import quiz
from ...errors import NotFound
from ...quiz.schema import ITEM_TYPES
from ..auth import Principal
from ..deps import (LEARNER_ID_PATTERN, CourseIdDep, LearnerDep, PrincipalDep, QuizAnswerRateLimit, ServicesDep,
                    StaffDep)
from ...quiz.hints import HintStep
from ...quiz.stats import ItemStats
from ...tutor.schemas import Answer
from .. import examples
from ..schemas import AnswerIn, ChatQuizIn, QuizSave, QuizSessionCreate, QuizSpecIn, RegenerateIn, RetireIn

router = APIRouter(tags=["quizzes"])
QuizId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
ItemId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
SessionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


# -- staff: generate, bank, edit, export ---------------------------------------------------------------------

def _generate(spec: QuizSpecIn, services) -> quiz.Quiz:
    return quiz.generate_for(services, chapters=spec.chapters, refs=spec.refs, count=spec.count,
                             types=spec.types or list(ITEM_TYPES), seed=spec.seed, title=spec.title or "",
                             levels=spec.levels)


@router.post("/quizzes/generate", response_model=quiz.Quiz, summary="Generate a practice quiz (not saved)",
             description="Items come with answer keys, verbatim explanations and citations, for staff review. "
                         "The same spec and seed always give the same quiz; save it with POST /quizzes.")
def generate_quiz(spec: QuizSpecIn, services: ServicesDep, _staff: StaffDep) -> quiz.Quiz:
    return _generate(spec, services)


@router.post("/quizzes", response_model=quiz.QuizSummary, status_code=status.HTTP_201_CREATED,
             summary="Save a generated quiz to the bank")
def save_quiz(body: QuizSave, services: ServicesDep, _staff: StaffDep) -> quiz.QuizSummary:
    return quiz.save_reviewed(services.db, _generate(body, services), body.title, body.exclude)


@router.get("/quizzes", response_model=list[quiz.QuizSummary], summary="Saved quizzes, newest first")
def list_quizzes(services: ServicesDep, course_id: CourseIdDep, _staff: StaffDep) -> list[quiz.QuizSummary]:
    return quiz.list_quizzes(services.db, course_id)


def _course_quiz(quiz_id: str, services, course_id: str) -> quiz.Quiz:
    """A saved quiz of this course (another course's quiz is unknown here, so it is never edited against the
    wrong course text)."""
    return quiz.get_quiz(services.db, quiz_id, course_id=course_id)


@router.get("/quizzes/items/stats", response_model=list[ItemStats], summary="How items behave with learners",
            description="Per item: answers, share correct, discrimination, the difficulty learners' answers show, a "
                        "flag when it misbehaves, and whether staff retired it.")
def item_statistics(services: ServicesDep, _staff: StaffDep) -> list[ItemStats]:
    from ...quiz.stats import item_stats

    return item_stats(services.db, services.course().id)


@router.post("/quizzes/items/{item_id}/retire", response_model=ItemStats, summary="Retire (or restore) an item",
             description="A retired item is never drawn into a generated quiz again.")
def retire_item(item_id: ItemId, body: RetireIn, services: ServicesDep, _staff: StaffDep) -> ItemStats:
    from ...quiz.stats import retire_item as retire

    return retire(services.db, services.course().id, item_id, body.reason, body.retired)


@router.get("/quizzes/{quiz_id}", response_model=quiz.Quiz, summary="A saved quiz with its answer keys",
            description="Also `course` (every chapter quiz of the course) and `course-N` (chapter N's quiz).")
def get_quiz(quiz_id: QuizId, services: ServicesDep, _staff: StaffDep) -> quiz.Quiz:
    from ...quiz.library import load_any_quiz
    from ...quiz.stats import observed_difficulty

    found = load_any_quiz(services, quiz_id)
    return found.model_copy(update={"items": observed_difficulty(services.db, services.course().id, found.items)})


@router.delete("/quizzes/{quiz_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a saved quiz")
def delete_quiz(quiz_id: QuizId, services: ServicesDep, course_id: CourseIdDep, _staff: StaffDep) -> Response:
    _course_quiz(quiz_id, services, course_id)
    quiz.delete_quiz(services.db, quiz_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/quizzes/{quiz_id}/items/{item_id}", response_model=quiz.QuizItem, summary="Edit a saved item",
              description="The edited item is validated like a generated one: its explanation must stay a "
                          "verbatim quote of the cited section and support the answer.")
def edit_item(quiz_id: QuizId, item_id: ItemId, changes: quiz.ItemEdit, services: ServicesDep,
              course_id: CourseIdDep, _staff: StaffDep) -> quiz.QuizItem:
    _course_quiz(quiz_id, services, course_id)
    return quiz.update_item(services.db, quiz_id, item_id, changes, course=services.course(),
                            embedder=services.embedder)


@router.delete("/quizzes/{quiz_id}/items/{item_id}", response_model=quiz.Quiz, summary="Remove an item")
def delete_item(quiz_id: QuizId, item_id: ItemId, services: ServicesDep, course_id: CourseIdDep,
                _staff: StaffDep) -> quiz.Quiz:
    _course_quiz(quiz_id, services, course_id)
    return quiz.delete_item(services.db, quiz_id, item_id)


@router.post("/quizzes/{quiz_id}/items/{item_id}/regenerate", response_model=quiz.QuizItem,
             summary="Replace an item by another from the same section")
def regenerate_item(quiz_id: QuizId, item_id: ItemId, body: RegenerateIn, services: ServicesDep,
                    course_id: CourseIdDep, _staff: StaffDep) -> quiz.QuizItem:
    _course_quiz(quiz_id, services, course_id)
    return quiz.regenerate_item(services.db, quiz_id, item_id, seed=body.seed, course=services.course(),
                                embedder=services.embedder)


_MEDIA = {"gift": "text/plain; charset=utf-8", "qti": "application/zip", "json": "application/json",
          "md": "text/markdown; charset=utf-8"}


@router.get("/quizzes/{quiz_id}/export", summary="Export a saved quiz",
            response_class=Response,
            responses={200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()},
                             "description": "GIFT (Moodle), QTI 1.2 zip (Canvas), JSON, or Markdown with key"}})
def export_quiz(quiz_id: QuizId, services: ServicesDep, course_id: CourseIdDep, _staff: StaffDep,
                format: Annotated[Literal["gift", "qti", "json", "md"], Query()] = "gift") -> Response:
    from ...quiz.library import load_any_quiz

    name, data = quiz.export_quiz(load_any_quiz(services, quiz_id), format)
    return Response(data, media_type=_MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- learners: sessions, progress, review --------------------------------------------------------------------

def _own_quiz_session(session_id: str, principal: Principal, services) -> quiz.SessionView:
    view = quiz.get_session(services.db, session_id, course_id=services.course().id)  # another course's: unknown
    if not principal.is_staff and view.learner_id != principal.learner_id:
        raise NotFound(f"unknown quiz session {session_id!r}")  # someone else's session is not revealed
    return view


@router.post("/quiz-sessions", response_model=quiz.SessionView, status_code=status.HTTP_201_CREATED,
             responses={201: {"content": {"application/json": {"example": examples.QUIZ_SESSION_RESPONSE}}}},
             summary="Start a quiz session", description="Items are shown one at a time without their answers.")
def start_quiz_session(body: Annotated[QuizSessionCreate, Body(openapi_examples=examples.QUIZ_SESSION_REQUEST)],
                       services: ServicesDep, principal: LearnerDep) -> quiz.SessionView:
    return quiz.start_session(services, principal.learner_id, mode=body.mode, chapter=body.chapter,
                              quiz_id=body.quiz_id, count=body.count, types=body.types, free_text=body.free_text)


@router.get("/quiz-sessions/{session_id}", response_model=quiz.SessionView, summary="A quiz session's state")
def get_quiz_session(session_id: SessionId, services: ServicesDep, principal: PrincipalDep) -> quiz.SessionView:
    return _own_quiz_session(session_id, principal, services)


@router.get("/quiz-sessions/{session_id}/next", response_model=quiz.ItemView | None,
            summary="The next unanswered item (null when the session is complete)")
def next_quiz_item(session_id: SessionId, services: ServicesDep, principal: PrincipalDep) -> quiz.ItemView | None:
    return _own_quiz_session(session_id, principal, services).next


@router.post("/quiz-sessions/{session_id}/answers", response_model=quiz.SubmitResult,
             dependencies=[QuizAnswerRateLimit],
             responses={200: {"content": {"application/json": {"example": examples.QUIZ_ANSWER_RESPONSE}}}},
             summary="Answer an item", description="Graded once: {correct, score, feedback, citation, next}. "
                                                   "A second answer to the same item is 409.")
async def answer_item(session_id: SessionId,
                      body: Annotated[AnswerIn, Body(openapi_examples=examples.QUIZ_ANSWER_REQUEST)],
                      services: ServicesDep, principal: LearnerDep) -> quiz.SubmitResult:
    # One hop to the thread pool (a plain `def` route makes a second one to check the result); submit checks that the
    # session is this learner's and this course's in the read it needs anyway.
    def answer() -> quiz.SubmitResult:
        return quiz.submit(services, session_id, body.item_id, body.response, learner_id=principal.learner_id,
                           course_id=services.course().id)

    return await run_in_threadpool(answer)


@router.post("/quiz-sessions/{session_id}/items/{item_id}/hint", response_model=HintStep,
             summary="The next step of an item's hint ladder",
             description="One step per request: the section, the idea to look for, the key sentence with a gap, then "
                         "the answer with its citation (an item answered after the last step comes back for review).")
def item_hint(session_id: SessionId, item_id: ItemId, services: ServicesDep, principal: PrincipalDep) -> HintStep:
    _own_quiz_session(session_id, principal, services)
    return quiz.practice.take_hint(services, session_id, item_id)


@router.post("/chat-quizzes", response_model=Answer, status_code=status.HTTP_201_CREATED,
             summary="Quiz me: one question on the sections this conversation just discussed",
             description="The same as sending “quiz me” to POST /chat. Reply through POST /chat in the same "
                         "conversation (or “hint”, “skip”); the graded reply counts in progress and review.")
def start_chat_quiz(body: ChatQuizIn, services: ServicesDep, principal: LearnerDep) -> Answer:
    from ...api.access import claimable_session
    from ...quiz.chat import start

    claimable_session(services.db, principal, body.session_id, services.course().id)
    return start(services, body.session_id, principal.learner_id, topic=body.topic)


def _learner_for(principal: Principal, learner_id: str | None) -> str:
    if learner_id is not None and learner_id != principal.learner_id and not principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only staff may read another learner's progress")
    who = learner_id or principal.learner_id
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send a learner bearer token (or, as staff, ?learner_id=…)",
                            headers={"WWW-Authenticate": "Bearer"})
    return who


@router.get("/progress", response_model=list[quiz.SectionProgress], summary="Quiz progress per section")
def get_progress(services: ServicesDep, principal: PrincipalDep,
                 chapter: Annotated[int | None, Query(ge=1, le=999)] = None,
                 learner_id: Annotated[str | None, Query(pattern=LEARNER_ID_PATTERN)] = None
                 ) -> list[quiz.SectionProgress]:
    return quiz.progress(services.db, services.course(), _learner_for(principal, learner_id), chapter=chapter)


@router.get("/review", response_model=list[quiz.ReviewItem], summary="Items due for review, most overdue first")
def get_review_queue(services: ServicesDep, course_id: CourseIdDep, principal: PrincipalDep,
                     limit: Annotated[int, Query(ge=1, le=100)] = 20,
                     learner_id: Annotated[str | None, Query(pattern=LEARNER_ID_PATTERN)] = None
                     ) -> list[quiz.ReviewItem]:
    return quiz.review_queue(services.db, _learner_for(principal, learner_id), limit=limit, course_id=course_id)
