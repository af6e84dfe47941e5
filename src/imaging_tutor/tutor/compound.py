"""Several questions in one message: "what is a reader study? also what is automation bias?".

The whole message is answered as before; each of its questions is then read on its own, so the one the answer missed
is answered too (or said to be outside the course), never silently dropped. What a message tells before its questions
("We're a small clinic. Is cloud hosting secure? And what does …?") is not read with each of them: it would steer
each one to the passage the situation matches (measured on evals/calibration/compound.jsonl, the fit half).
"""
from __future__ import annotations

import re

MAX_PARTS = 4  # more questions than this in one message: answered as one, as before
_FRAME = (r"(?:what|what's|whats|how|why|when|where|who|which|is|are|does|do|did|can|could|should|would|will|was|"
          r"were|has|have|define|explain|describe|tell me|give me)")
_ASKS = re.compile(rf"^{_FRAME}\b", re.I)  # a part that is itself a question, not a fragment ("Every quarter?")
_POINTER = re.compile(r"\b(?:it|its|it's|they|them|their|theirs|this|that|these|those|he|she|him|her)\b", re.I)
# what comes before a further question: "and", "also", "btw", "one more thing -"
_LEAD = re.compile(r"^(?:(?:and|also|plus|oh|btw|by the way|one more thing|another thing|one more|lastly|finally)\b"
                   r"[\s,:;-]*)+", re.I)
# "…? also what is X?", "what is PPV and what is NPV?": a second question frame inside one sentence
_JOIN = re.compile(r"(?:[,;]\s*|\s+)(?:and\s+)?(?:also|btw|by the way),?\s+(?=" + _FRAME + r"\b)"
                   r"|[,;]?\s+and\s+(?=(?:what|what's|how|why|when|where|who|which)\s+(?:is|are|does|do|about|'s)\b)",
                   re.I)
_NUMBERED = re.compile(r"(?:^|\s)\(?\d{1,2}[).:]\s+")  # "1) what is … 2) how does …"
# "define sensitivity, specificity and AUC", "what are PPV, NPV and AUC?": a list of short terms
_LIST = re.compile(r"^(?:(?:can|could) you\s+|please\s+)?(?P<frame>define|explain|what (?:is|are)|what's)\s+"
                   r"(?P<items>[^?]+?)\s*\??$", re.I)
_ITEM_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", re.I)
_NOT_A_LIST = re.compile(r"\b(?:difference|differences|between|versus|vs|compare|relationship|trade-?off)\b", re.I)
_GRAMMAR = re.compile(r"^(?:the|a|an|of|in|on|for|to|with|by|from|is|are|it|they|this|that|these|those)$", re.I)


def parts_of(message: str) -> list[str]:
    """The questions a message asks, each as a question of its own; [] when it asks one, or tells something between
    or after its questions."""
    out: list[str] = []
    for piece in _pieces(message.strip()):
        for part in _JOIN.split(piece):
            part = _LEAD.sub("", part.strip()).strip()
            if part:
                out.append(part if part.endswith("?") else part + "?")
    if len(out) == 1:
        out = _listed(out[0])
    if not 2 <= len(out) <= MAX_PARTS or not all(_ASKS.match(p) and len(p.split()) >= 2 for p in out):
        return []
    return out


def _pieces(text: str) -> list[str]:
    """The questions after what the message tells first, numbered ones apart; none when a statement follows a
    question ("what is PPV? We use it daily.")."""
    sentences = [p.strip() for p in re.split(r"(?<=[.?!])\s+|(?<=\?)(?=[A-Za-z])", text) if p.strip()]
    first = next((i for i, p in enumerate(sentences) if p.endswith("?") or _NUMBERED.match(p)
                  or (i == len(sentences) - 1 and _ASKS.match(_LEAD.sub("", p)))), None)
    if first is None:
        return []
    asked = sentences[first:]
    if any(not p.endswith("?") and not _NUMBERED.search(p) for p in asked[:-1]):
        return []
    pieces = [q.strip() for p in asked for q in _NUMBERED.split(p) if q.strip()]
    if pieces and _NUMBERED.search(" ".join(asked)) and pieces[0].endswith(":"):
        pieces = pieces[1:]  # "Questions: 1) … 2) …" announces them, it asks nothing
    return pieces


def points_back(part: str) -> bool:
    """Whether a question leans on another by a pronoun ("… and why is it dangerous?", "how does consent for that
    work?"): read with the question before it, never alone."""
    return bool(_POINTER.search(part))


def _listed(question: str) -> list[str]:
    """ "define A, B and C" as one question per term (two terms only with define/explain: "what is X and Y" may be
    one thing); a comparison ("difference between A and B") is one question."""
    m = _LIST.match(question)
    if not m or _NOT_A_LIST.search(question):
        return []
    items = [i.strip(" .") for i in _ITEM_SPLIT.split(m["items"]) if i.strip(" .")]
    frame = m["frame"].lower()
    least = 2 if frame in ("define", "explain") else 3
    if len(items) < least or any(len(i.split()) > 3 or _GRAMMAR.match(i) for i in items):
        return []
    return [f"what is {item}?" for item in items]
