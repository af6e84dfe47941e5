"""The tutor: guard → condense → retrieve → write → verify → Answer. The CLI, API and evals all call answer()."""
from __future__ import annotations

import json
import queue
import re
import threading
import unicodedata
from typing import Iterator

from ..config import Settings
from ..corpus.course import Section
from ..errors import InvalidInput
from ..retrieval.fusion import Retrieval, retrieve
from ..text import expand_acronyms
from . import conversations
from .condense import condense
from .extractive import arrange, score_sentences, select
from .guard import ask_of, decide_scope, is_injection, is_medical_advice, looks_like_words
from .schemas import Answer, AnswerSentence, Citation, Mode, Suggestion
from .verify import write_verified

MEDICAL_ADVICE_TEXT = (
    "I'm a tutor for an educational course, so I can't give medical advice about "
    "your care or anyone else's. Please talk to your doctor or another qualified clinician about your scans, "
    "results and options. If you have urgent or severe symptoms, contact your local emergency services now."
)
OUT_OF_SCOPE_TEXT = "That isn't covered in this course, so I can't answer it from the course material."
INJECTION_TEXT = ("I can only help with questions about this course's content, and I can't change how I work. "
                  "Try asking about a topic from the course.")
SUGGESTION_FLOOR = 0.25  # best sentence cosine above which nearby sections are worth suggesting
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def clean_question(question: str, settings: Settings) -> str:
    """Strip control characters; refuse empty or oversized input with a clear error (never truncate)."""
    if not isinstance(question, str):
        raise InvalidInput("question must be text")
    if len(question) > settings.max_question_chars:
        raise InvalidInput(f"question is {len(question)} characters; the limit is {settings.max_question_chars}")
    q = _CONTROL.sub(" ", unicodedata.normalize("NFC", question))
    q = re.sub(r"[ \t\r\n]+", " ", q).strip()
    if not q:
        raise InvalidInput("question is empty")
    return q


def section_citation(section: Section, quote: str, score: float = 0.0) -> Citation:
    return Citation(ref=section.ref, chapter=section.chapter, section=section.section,
                    chapter_title=section.chapter_title, section_title=section.section_title,
                    quote=quote, score=round(float(score), 4))


def _suggestions(retrieval: Retrieval, n: int = 3) -> list[Suggestion]:
    course = retrieval.snapshot.course
    return [Suggestion(ref=s.ref, section_title=course.section(s.ref).section_title) for s in retrieval.sections[:n]]


def answer(services, question: str, session_id: str | None = None, chapter: int | None = None,
           mode: Mode = "answer", learner_id: str | None = None, on_sentence=None) -> Answer:
    """Answer a learner's question from the course only; every sentence carries its [C.S] marker."""
    settings = services.settings
    q = clean_question(question, settings)
    if mode not in ("answer", "hint"):
        raise InvalidInput("mode must be 'answer' or 'hint'")
    if session_id is not None:  # "quiz me", and replies to an open chat question, go to the quiz (quiz/chat.py)
        from ..quiz.chat import chat_turn

        quizzed = chat_turn(services, q, session_id, learner_id=learner_id, chapter=chapter)
        if quizzed is not None:
            return quizzed
    embedder, db = services.embedder, services.db
    previous: list[str] = []
    if session_id is not None:
        conversations.ensure_session(db, session_id, learner_id)
        previous = [t.resolved_question or t.question for t in conversations.history(db, session_id)
                    if t.status == "answered"]
    snapshot = services.index()
    if chapter is not None:
        snapshot.course.chapter(chapter)  # unknown chapter -> NotFound
    models = services.models

    def find(text: str) -> Retrieval:
        return retrieve(text, snapshot, services.store, embedder, chapter=chapter, ranker=models.ranker)

    query, focus = condense(q, previous)
    query, focus = expand_acronyms(query, snapshot.acronyms), expand_acronyms(focus, snapshot.acronyms)
    retrieval = find(query)

    if is_medical_advice(q):
        result = Answer(status="medical_advice", answer=MEDICAL_ADVICE_TEXT,
                        suggestions=_suggestions(retrieval) if retrieval.sections else [])
    elif is_injection(q) or not looks_like_words(q):
        result = Answer(status="out_of_scope", answer=INJECTION_TEXT if is_injection(q) else OUT_OF_SCOPE_TEXT)
    else:
        scope_query = q if query == q else query
        ask = ask_of(scope_query)
        ask_retrieval = find(ask) if ask != scope_query else None
        decision = decide_scope(scope_query, retrieval, models.guard, ask, ask_retrieval)
        if not decision.in_scope:
            sugg = _suggestions(retrieval) if decision.features["sentence_max"] >= SUGGESTION_FLOOR else []
            text = OUT_OF_SCOPE_TEXT
            if sugg:
                text += " The nearest course sections are: " + "; ".join(
                    f"{s.ref} {s.section_title}" for s in sugg) + "."
            result = Answer(status="out_of_scope", answer=text, suggestions=sugg)
        else:
            focus_vector = embedder.embed([focus])[0] if focus != query else retrieval.query_vector
            if mode == "hint":
                result = _hint(q, focus, retrieval, focus_vector)
            else:
                result = _extractive(focus, retrieval, focus_vector)
            writer = services.writer
            if writer is not None and mode == "answer":
                result = write_verified(writer, q, retrieval, result, services.support_measure(snapshot.course),
                                        on_sentence=on_sentence)
    result.retrieved = retrieval.refs
    result.resolved_question = query
    result.mode = mode
    if session_id is not None:
        result.session_id = session_id
        result.turn_id = conversations.add_turn(db, session_id, q, query, result.status,
                                           json.dumps(result.model_dump(exclude={"turn_id"}), ensure_ascii=False))
    return result


def answer_events(services, question: str, session_id: str | None = None, chapter: int | None = None,
                  mode: Mode = "answer", learner_id: str | None = None) -> Iterator[dict]:
    """Stream an answer: verified sentences as they are ready, then the final Answer (errors raise before any event)."""
    events: queue.Queue = queue.Queue()
    streamed: list[str] = []
    done = object()

    def work() -> None:
        try:
            result = answer(services, question, session_id, chapter, mode, learner_id,
                            on_sentence=lambda s: (streamed.append(s), events.put({"type": "sentence", "text": s})))
            events.put(result)
        except BaseException as exc:  # handed to the consumer, raised there
            events.put(exc)
        events.put(done)

    threading.Thread(target=work, daemon=True).start()
    first = events.get()
    while first is not done:
        if isinstance(first, BaseException):
            raise first
        if isinstance(first, Answer):
            if not streamed:  # extractive, refusal or LLM fallback: the final text, sentence by sentence
                for para in first.answer.split("\n\n"):
                    yield {"type": "sentence", "text": para}
            yield {"type": "answer", "answer": first.contract()}
        else:
            yield first
        first = events.get()


def _extractive(focus: str, retrieval: Retrieval, focus_vector) -> Answer:
    snap = retrieval.snapshot
    course = snap.course
    chosen = select(score_sentences(focus, retrieval, focus_vector), retrieval)
    if not chosen:
        return Answer(status="out_of_scope", answer=OUT_OF_SCOPE_TEXT)
    ordered = arrange(chosen, retrieval.refs, snap)
    main_ref = chosen[0].ref
    main = course.section(main_ref)
    lines = [f"The course covers this in “{main.section_title}”. [{main_ref}]"]
    sentences = [AnswerSentence(text=lines[0], refs=[main_ref])]
    body = []
    for p in ordered:
        body.append(f"{p.text} [{p.ref}]")
        sentences.append(AnswerSentence(text=p.text, refs=[p.ref]))
    # One citation per section, most important first; its quote is the best sentence we used from it.
    citations: list[Citation] = []
    for p in chosen:
        if all(c.ref != p.ref for c in citations):
            citations.append(section_citation(course.section(p.ref), p.text, p.score))
    read_more = f"Read more: [{main_ref}] {main.section_title}"
    text = lines[0] + "\n\n" + " ".join(body) + "\n\n" + read_more
    return Answer(status="answered", answer=text, citations=citations, sentences=sentences,
                  suggestions=[s for s in _suggestions(retrieval, 4) if s.ref not in {c.ref for c in citations}][:2])


_HINT_CUES = (
    (re.compile(r"\b(?:compute|calculate|work out|formula|how many|percent)\b", re.I),
     "Which numbers in the worked example would you compare, and which one goes on the bottom of the fraction?"),
    (re.compile(r"^\s*why\b", re.I), "What could go wrong, and for whom, if this were ignored?"),
    (re.compile(r"^\s*how\b", re.I), "What steps or checks does that section describe, and in what order would you use them?"),
    (re.compile(r"\b(?:difference|differ|vs|versus|compare)\b", re.I),
     "What question does each idea answer, and what kind of mistake does each one protect against?"),
)


def _hint(question: str, focus: str, retrieval: Retrieval, focus_vector) -> Answer:
    """Socratic mode: point to the section and the sentence to look for, ask a guiding question, withhold the answer."""
    snap = retrieval.snapshot
    picked = score_sentences(focus, retrieval, focus_vector)
    if not picked:
        return Answer(status="out_of_scope", answer=OUT_OF_SCOPE_TEXT)
    best = picked[0]
    section = snap.course.section(best.ref)
    opening = " ".join(best.text.split()[:4])
    cue = next((c for pattern, c in _HINT_CUES if pattern.search(question)),
               "How would you put the key idea of that passage in your own words, with one example from the course?")
    pointer = f"Let's work it out: reread “{section.section_title}”. [{best.ref}]"
    look_for = f"Look for the sentence that begins “{opening} …”. [{best.ref}]"
    text = f"{pointer}\n\n{look_for}\n\nGuiding question: {cue}"
    return Answer(status="answered", answer=text,
                  citations=[section_citation(section, opening, best.score)],
                  sentences=[AnswerSentence(text=pointer, refs=[best.ref]), AnswerSentence(text=look_for, refs=[best.ref])])


def new_session(services, learner_id: str | None = None) -> str:
    """A fresh conversation id (evals replay history into one)."""
    return conversations.new_session(services.db, learner_id)
