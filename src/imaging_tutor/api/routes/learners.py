"""Learner identities: the API issues anonymous ones (random id, signed token, resume code), restores one from its
resume code, says who a token belongs to; staff can issue a token for a named learner id."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from ...errors import NotFound
from ..auth import learner_from_resume_code, learner_token, new_anonymous_learner, resume_code
from ..deps import NewLearnerRateLimit, PrincipalDep, StaffDep
from ..schemas import LearnerIdentity, LearnerTokenIn, ResumeIn, WhoAmI

router = APIRouter(tags=["learners"])


def _tokens(request: Request):
    tokens = request.app.state.tokens.get()
    if tokens.learner_secret is None:  # only when tokens.json is unreadable and settings give no secret
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "learner identities are not configured")
    return tokens


@router.post("/learners", response_model=LearnerIdentity, status_code=status.HTTP_201_CREATED,
             dependencies=[NewLearnerRateLimit], summary="Become a new anonymous learner",
             description="A random learner id, the bearer token that proves it (send it as `Authorization: Bearer "
                         "…` on every learner route) and a resume code to get the same identity back later. "
                         "Keep both private: whoever has them acts as this learner.")
def new_learner(request: Request) -> dict:
    tokens = _tokens(request)
    learner_id, code = new_anonymous_learner(tokens)
    return {"learner_id": learner_id, "token": learner_token(tokens, learner_id), "resume_code": code}


@router.post("/learners/resume", response_model=LearnerIdentity, dependencies=[NewLearnerRateLimit],
             summary="Get an anonymous identity back from its resume code")
def resume(body: ResumeIn, request: Request) -> dict:
    tokens = _tokens(request)
    learner_id = learner_from_resume_code(tokens, body.resume_code)
    if learner_id is None:
        raise NotFound("unknown resume code")
    return {"learner_id": learner_id, "token": learner_token(tokens, learner_id),
            "resume_code": resume_code(tokens, learner_id)}


@router.get("/learners/me", response_model=WhoAmI, summary="Who the credentials sent belong to")
def who_am_i(principal: PrincipalDep) -> dict:
    return {"role": principal.role, "learner_id": principal.learner_id, "via": principal.via}


@router.post("/learner-tokens", response_model=LearnerIdentity, summary="Issue a learner token (staff)",
             description="A signed token for a named learner id (for example one an operator migrates from an "
                         "older install). It grants that learner's rights only.")
def issue_learner_token(body: LearnerTokenIn, request: Request, _staff: StaffDep) -> dict:
    tokens = _tokens(request)
    return {"learner_id": body.learner_id, "token": learner_token(tokens, body.learner_id),
            "resume_code": resume_code(tokens, body.learner_id)}
