"""'Quiz me' in a conversation: one question on the sections just discussed, the learner's reply graded in the chat
with cited feedback, counted in progress and the review queue like any quiz answer.

Each question is a one-item quiz session (source "chat") linked to the conversation, so grading, attempts, progress
and review are the quiz's own. While a question is open, the next message is the reply — except "hint" (the next step
of the hint ladder), "skip" or "I don't know" (close it and show the answer), a new "quiz me", or a question of its
own that is not an answer (it closes the quiz question and goes to the tutor).
"""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from ..corpus.sentences import sentences
from ..errors import InvalidInput
from ..storage.models import QuizAttempt, QuizChatLink, QuizSession, utcnow
from ..text import FUNCTION_WORDS, RETRIEVAL_STOPWORDS, words
from ..tutor import conversations
from ..tutor.hints import hint_request, wants_answer
from ..tutor.schemas import Answer, Citation
from .grading import is_empty
from .hints import hint as hint_step
from .ids import rng_for
from .practice import check_learner, submit
from .schema import QuizItem
from .terms import course_terms

QUIZ_ME = re.compile(r"^\s*(?:ok(?:ay)?[,!.]?\s+)?(?:please\s+)?(?:quiz|test|question)\s+me\b(?:\s+(?:on|about)\s+"
                     r"(?P<topic>.+?))?(?:\s+please)?\s*[.!?]*\s*$", re.IGNORECASE)
_HINT = re.compile(r"^\s*(?:(?:a|another|one more|next)\s+)?(?:hint|clue|help)(?:\s+please)?\s*[.!?]*\s*$", re.I)
# "skip", and the ways a learner says they do not know: the answer is shown and the item counts as missed (before,
# "dont know" to a choice question got "the response must be one of the item's options"). Asking for the answer
# itself ("just tell me", "I give up") is read as hint mode reads it (tutor/hints.wants_answer).
_SKIP = re.compile(r"^\s*(?:(?:ok(?:ay)?|sorry|hmm+|um+|erm)[,.!\s]+)*(?:skip|pass|stop|cancel|no idea|no clue|idk|"
                   r"not sure|(?:i\s+)?(?:really\s+)?(?:do\s*n'?t|dont|do not) know|i have no idea|"
                   r"(?:i\s+)?(?:ca\s*n'?t|cant|cannot) remember)\s*[.!?]*\s*$", re.I)
# Right after a chat question was graded or skipped, "next", "another one", "one more question": the next question
# (before, "next" was refused as not covered and "another one" answered with course sentences on "another"). Not
# "again" (the last reply repeated, tutor/recap.py) nor "more" / "go on" (more of the topic).
_NEXT = re.compile(r"^\s*(?:(?:ok(?:ay)?|cool|great|nice|thanks|right|good|lol|yay|alright|sure)[,!.]?\s+)*"
                   r"(?:(?:give me|gimme|ask me|hit me with|can i (?:have|get)|could i (?:have|get)|let'?s (?:do|have)|"
                   r"i(?:'d| would) like)\s+)?"
                   r"(?:(?:the\s+)?next(?:\s+(?:one|question|q))?|another(?:\s+(?:one|question|q))?|one\s+more(?:\s+question)?|"
                   r"more\s+questions|(?:a\s+)?new\s+question|keep\s+(?:them\s+)?(?:going|coming)|"
                   r"quiz\s+me\s+again(?:\s+with\s+(?:a\s+)?(?:new|another|different)\s+(?:one|question))?)"
                   r"(?:\s+(?:please|pls|plz))?\s*[.!?]*\s*$", re.I)
TYPES = ("mcq", "tf", "cloze", "short", "numeric")
RECENT_TURNS = 4  # the sections cited in this many recent answers are "just discussed"


# The item kinds a learner can ask for by name ("a true/false on drift", "a fill in the blank"): the product's own
# names for its item types, the same on every course.
_ASKED_TYPE = (
    ("tf", re.compile(r"\btrue\s*(?:/|or|-)\s*false\b|\bt\s*/\s*f\b", re.I)),
    ("mcq", re.compile(r"\bmultiple[-\s]*choice\b|\bmcqs?\b", re.I)),
    ("cloze", re.compile(r"\bfill[-\s]*in[-\s]*(?:the[-\s]*)?blanks?\b|\bcloze\b|\bgap[-\s]*fill", re.I)),
    ("short", re.compile(r"\bshort[-\s]*answer\b|\bopen[-\s]*(?:ended\s*)?question\b|\bin my own words\b", re.I)),
    ("numeric", re.compile(r"\bcalculation\b|\bnumbers?\s+question\b|\bnumeric(?:al)?\b|\bcompute\b"
                           r"|\bmaths?\s+question", re.I)),
)


def asked_types(message: str) -> tuple[str, ...]:
    """The item types a request names ("give me a true or false" -> ("tf",)); every type when it names none."""
    named = tuple(t for t, pattern in _ASKED_TYPE if pattern.search(message or ""))
    return named or TYPES


def is_quiz_request(message: str) -> bool:
    return bool(QUIZ_ME.match(message or ""))


def _close(db, link_id: str) -> None:
    with db.scope() as s:
        row = s.get(QuizChatLink, link_id)
        if row is not None:
            row.open = False


def _item_of(db, quiz_session_id: str) -> QuizItem:
    with db.scope() as s:
        row = s.get(QuizSession, quiz_session_id)
        return QuizItem.model_validate(json.loads(row.items_json)[0])


def discussed_refs(db, chat_session_id: str) -> list[str]:
    """Sections cited by the conversation's recent answers, most recent first."""
    refs: list[str] = []
    for turn in reversed(conversations.history(db, chat_session_id, limit=RECENT_TURNS * 2)):
        if turn.status != "answered":
            continue
        try:
            answer = json.loads(turn.answer_json)
        except ValueError:
            continue
        if answer.get("quiz"):
            continue
        for c in answer.get("citations") or []:
            if c.get("ref") and c["ref"] not in refs:
                refs.append(c["ref"])
    return refs


# A section number, not a quantity: "4.3", never "2.5%" or "2.5 percent".
_PLACE = re.compile(r"\b(?:(?:chapter|ch\.?)\s*(?P<chapter>\d{1,3})|(?:section\s*)?(?P<ref>\d{1,3}\.\d{1,3}))\b"
                    r"(?!\s*(?:%|percent\b|per cent\b|pc\b))", re.I)


def _topic_refs(course, topic: str) -> list[str]:
    """Sections whose title or key terms match the topic words the learner named ('quiz me on drift'), or the
    chapter or section it names ('quiz me on chapter 5', 'quiz me on 4.3'). Of two terms named in the same words,
    the longer one counts ("automation bias" names "bias" too, and is about a section that "bias" is not)."""
    place = _PLACE.search(topic)
    if place and place.group("ref") and course.has_ref(place.group("ref")):
        return [place.group("ref")]
    if place and place.group("chapter"):
        number = int(place.group("chapter"))  # its teaching sections first, the introduction last
        return sorted((s.ref for s in course.sections if s.chapter == number), key=lambda r: r.endswith(".0"))
    if not names_a_subject(topic):  # "that", "what we just covered": the sections just discussed
        return []
    terms = course_terms(course)
    spans = {t: [m.span() for m in t.regex.finditer(topic)] for t in terms.all}
    named = [(t, sp) for t, sp in spans.items() if sp]
    hit = [t for t, sp in named
           if not any(u is not t and all(any(a <= x and y <= b and (b - a) > (y - x) for a, b in su) for x, y in sp)
                      for u, su in named)]
    # A section about the term comes first: one whose title names it, or with a sentence that opens with it ("Automation
    # bias happens when …"); then those that use it most.
    out = []
    for s in course.sections:
        if any(t.regex.search(s.text) for t in hit) or topic.lower() in s.section_title.lower():
            about = any(t.regex.search(s.section_title) or any(t.regex.match(x) for x in sentences(s.text)) for t in hit)
            out.append((not about, -sum(len(t.regex.findall(s.text)) for t in hit), s.ref))
    return [r for *_, r in sorted(out, key=lambda x: x[:2])][:3]


# Words that point at the conversation rather than name a subject ("quiz me on what we just covered"): English.
_CONVERSATION_WORDS = frozenset("""cover covered covering discuss discussed discussing talk talked talking said say
saying told mention mentioned explained read gone done did learned learnt studied asked went topic topics
subject subjects last previous above earlier before today now so far stuff everything anything something lesson
conversation chat it them this that these those same again""".split())
# Words that say what kind of quiz, not what about ("three hard questions", "a tricky one").
_SHAPE_WORDS = frozenset("""quiz quizzes test tests hard harder easy easier tricky quick short long multiple choice
true false numeric number numbers free text cloze blank blanks practice three four five six ten few couple
""".split())


def names_a_subject(topic: str) -> bool:
    """Whether the words after "quiz me on" name a subject of their own, not the conversation ("what we just
    covered", "that") nor a quiz's shape ("a hard one", "three questions")."""
    ignore = FUNCTION_WORDS | RETRIEVAL_STOPWORDS | _CONVERSATION_WORDS | _SHAPE_WORDS
    return any(w not in ignore and not w.isdigit() for w in words(topic))


def _asked_before(db, chat_session_id: str) -> set[str]:
    with db.scope() as s:
        rows = s.execute(select(QuizSession.items_json).join(QuizChatLink,
                                                             QuizChatLink.quiz_session_id == QuizSession.id)
                         .where(QuizChatLink.chat_session_id == chat_session_id)).all()
    return {json.loads(r[0])[0]["id"] for r in rows}


def pick_item(services, refs: list[str], avoid: set[str], seed: str, types: tuple[str, ...] = TYPES
              ) -> QuizItem | None:
    """A valid item on these sections, preferring ones that make the learner use the idea (apply, understand); of
    the `types` asked for when these sections have one, else of any type."""
    from .generator import candidates, resolve_sections
    from .stats import retired_ids
    from .validate import check_items

    course = services.course()
    sections = resolve_sections(course, refs=[r for r in refs if course.has_ref(r)])
    if not sections:
        return None
    pool = candidates(course, sections, TYPES, services.embedder, retired_ids(services.db, course.id))
    valid = [it for it in check_items(pool, course).valid if it.id not in avoid] or check_items(pool, course).valid
    valid = [it for it in valid if it.type in types] or valid
    if not valid:
        return None
    rng = rng_for(seed, "chat-quiz")
    rank = {"apply": 0, "understand": 1, "recall": 2}
    first_ref = sections[0].ref if refs and refs[0] == sections[0].ref else refs[0]
    rng.shuffle(valid)
    valid.sort(key=lambda it: (it.citation.ref != first_ref, rank.get(it.level, 3)))
    return valid[0]


def _question_text(item: QuizItem) -> str:
    lines = [f"Quiz question on [{item.citation.ref}] {item.citation.section_title}: {item.prompt}"]
    for k, o in enumerate(item.options if item.type == "mcq" else []):
        lines.append(f"{chr(65 + k)}. {o}")
    how = {"mcq": "Reply with a letter or the option", "tf": "Reply true or false", "cloze": "Reply with the missing term",
           "numeric": "Reply with a number" + (" (in %)" if item.numeric and item.numeric.unit == "%" else ""),
           "short": "Reply in your own words"}[item.type]
    lines.append(f"{how} — or say “hint” for a step towards it, or “skip”.")
    return "\n\n".join([lines[0], "\n".join(lines[1:-1]), lines[-1]] if len(lines) > 2 else lines)


def _citation(course, ref: str, quote: str) -> Citation:
    return Citation.of(course.section(ref), quote)


def _store(services, session_id: str, learner_id: str, message: str, answer: Answer) -> Answer:
    answer.session_id = session_id
    answer.resolved_question = message
    answer.turn_id = conversations.add_turn(services.db, session_id, message, message, answer.status,
                                            json.dumps(answer.model_dump(exclude={"turn_id"}), ensure_ascii=False),
                                            learner_id=learner_id, course_id=services.course().id)
    return answer


def start(services, session_id: str, learner_id: str, *, message: str = "Quiz me", topic: str | None = None,
          named: bool = True, refs_first: list[str] | None = None) -> Answer:
    """Ask one question on the sections just discussed (or the topic named) and keep it open for the reply.
    `named`: the topic is what the learner asked to be quizzed on ("quiz me on X", the button's field), so one the
    course lacks is said to be missing; a request in other words passes its whole message, which may name none."""
    learner_id = check_learner(learner_id)
    db = services.db
    link = conversations.session_state(db, session_id, learner_id, course_id=services.course().id, limit=0).open_quiz
    if link is not None:
        _close(db, link.quiz_session_id)
    course = services.course()
    refs = _topic_refs(course, topic) if topic else []
    missing = topic if named and topic and not refs and names_a_subject(topic) else None  # "… the capital of France"
    refs = refs or list(dict.fromkeys([*(refs_first or []), *discussed_refs(db, session_id)]))
    if not refs:
        text = ("Ask me about a topic first (or say “quiz me on …” with a topic), and I'll quiz you on the sections "
                "we discussed.")
        if missing:
            text = (f"I found no section of this course on “{missing.strip()}”, so I have no question on it. Say "
                    f"“quiz me on …” with a topic from the course, or ask me about one first.")
        return _store(services, session_id, learner_id, message, Answer(status="answered", answer=text,
                                                            quiz={"state": "needs_topic"}))
    item = pick_item(services, refs, _asked_before(db, session_id), f"{session_id}:{utcnow().isoformat()}",
                     asked_types(message))
    if item is None:
        return _store(services, session_id, learner_id, message, Answer(
            status="answered", answer="I have no question ready for those sections yet; try another topic.",
            quiz={"state": "needs_topic"}))
    from .practice import create_session

    view = create_session(db, learner_id, "chat", [item], course_id=course.id)
    with db.scope() as s:
        s.add(QuizChatLink(quiz_session_id=view, chat_session_id=session_id, open=True, hints=0,
                           created_at=utcnow()))
    public = item.public().model_dump()
    lead = (f"I found no section of this course on “{missing.strip()}”, so here is a question on what we discussed."
            "\n\n" if missing else "")
    answer = Answer(status="answered", answer=lead + _question_text(item),
                    quiz={"state": "asked", "quiz_session_id": view, "item": public})
    return _store(services, session_id, learner_id, message, answer)


def reply(services, session_id: str, learner_id: str, message: str, link: QuizChatLink | None) -> Answer | None:
    """Grade a reply to the open question `link` (or give a hint, or skip); None when nothing is open or the message
    is a question of its own for the tutor."""
    db = services.db
    if link is None:
        return None
    item = _item_of(db, link.quiz_session_id)
    course = services.course()
    terms = course_terms(course)
    base = {"quiz_session_id": link.quiz_session_id, "item": item.public().model_dump()}
    if _HINT.match(message) or hint_request(message) == "":  # "hint", "can I get a hint?"
        with db.scope() as s:
            row = s.get(QuizChatLink, link.quiz_session_id)
            row.hints = min(4, row.hints + 1)
            step = row.hints
        h = hint_step(item, step, course, terms)
        answer = Answer(status="answered", answer=f"Hint {h.step} of {h.of}: {h.text}",
                        citations=[_citation(course, item.citation.ref, item.citation.quote)] if h.last else [],
                        quiz={"state": "hint", "hint": h.model_dump(), **base})
        return _store(services, session_id, learner_id, message, answer)
    if skips(message) or is_empty(message):
        _close(db, link.quiz_session_id)
        answer = Answer(status="answered",
                        answer=f"Skipped. The answer: {item.answer}. The course says: “{item.citation.quote}” "
                               f"[{item.citation.ref}]",
                        citations=[_citation(course, item.citation.ref, item.citation.quote)],
                        quiz={"state": "skipped", **base})
        return _store(services, session_id, learner_id, message, answer)
    with db.scope() as s:
        hints_used = s.get(QuizChatLink, link.quiz_session_id).hints
    try:
        result = submit(services, link.quiz_session_id, item.id, message, learner_id=learner_id,
                        revealed=hints_used >= 4)
    except InvalidInput as exc:
        if message.rstrip().endswith("?"):
            _close(db, link.quiz_session_id)
            return None  # a question of its own: the tutor answers it
        letters = ", ".join(chr(65 + k) for k in range(len(item.options)))
        said = (f"Pick one of the options: reply with its letter ({letters}) or its text"
                if item.type == "mcq" and item.options else str(exc))
        answer = Answer(status="answered", answer=retry_text(said), quiz={"state": "asked", **base})
        return _store(services, session_id, learner_id, message, answer)
    _close(db, link.quiz_session_id)
    verdict = {"correct": "Correct.", "partial": "Partly right.", "incorrect": "Not quite."}.get(result.verdict,
                                                                                                "Not quite.")
    answer = Answer(status="answered", answer=f"{verdict} {result.feedback}",
                    citations=[_citation(course, item.citation.ref, item.citation.quote)],
                    quiz={"state": "graded", "verdict": result.verdict, "correct": result.correct,
                          "score": result.score, "answer": result.answer, "solution": result.solution, **base})
    return _store(services, session_id, learner_id, message, answer)


def skips(message: str) -> bool:
    """The learner passes on the open question ("skip", "I don't know") or asks for its answer ("just tell me")."""
    return bool(_SKIP.match(message.replace("’", "'"))) or wants_answer(message)


def retry_text(error: str) -> str:
    """A reply the question cannot take, said as a sentence to the learner, with the ways on."""
    return f"{error[:1].upper()}{error[1:].rstrip('.')}. Or say “hint” for a step towards it, or “skip”."


def next_question_refs(message: str, last_turn) -> list[str] | None:
    """When a message asks for another chat question right after one was graded or skipped (`last_turn`: the
    conversation's last stored turn, or None), the section that question was on (first in line for the next one);
    None when it does not."""
    if last_turn is None or not _NEXT.match(message):
        return None
    try:
        quiz = json.loads(last_turn.answer_json or "{}").get("quiz") or {}
    except (ValueError, AttributeError):
        return None
    if quiz.get("state") not in ("graded", "skipped"):
        return None
    ref = (quiz.get("item") or {}).get("ref")
    return [ref] if isinstance(ref, str) and ref else []


def chat_turn(services, message: str, session_id: str, open_quiz: QuizChatLink | None, learner_id: str | None = None,
              chapter: int | None = None, requested: bool = False) -> Answer | None:
    """The tutor's hook: a 'quiz me' request or a reply to the open chat question (read with the session:
    conversations.session_state) becomes a quiz turn; anything else (None) goes on to the tutor.

    `requested`: the quiz-request model read the message as a request in other words ("give me a practice
    question"); it starts a quiz only when no question is open (then the message is a reply, as before), on the
    course terms the message names, else on the sections just discussed."""
    if learner_id is None:
        return None  # progress and review belong to a learner
    m = QUIZ_ME.match(message)
    if m:
        return start(services, session_id, learner_id, message=message, topic=m.group("topic"))
    if requested and open_quiz is None:
        return start(services, session_id, learner_id, message=message, topic=message, named=False)
    return reply(services, session_id, learner_id, message, open_quiz)


def graded_in_chat(db, learner_id: str) -> int:
    """How many chat quiz answers a learner has (they count in progress like any other)."""
    with db.scope() as s:
        return len(s.scalars(select(QuizAttempt.id).join(QuizSession, QuizSession.id == QuizAttempt.session_id)
                             .where(QuizSession.source == "chat", QuizAttempt.learner_id == learner_id)).all())
