"""Which words a sentence defines: the slots a definition fills in plain English, so that "what is X?" is answered
with the sentence that says what X is, not with one that merely uses X with an "is" ("X is useful for …").

The slots, none of them tied to a subject: the subject of "X is a/the/about/when/how …", "X means / refers to /
stands for …"; a subject glossed in parentheses or between dashes ("The ROC-AUC (area under the curve) summarizes
…", "generalization—performing well outside …"); the name in "… is called X" / "… known as X"; the noun of a
closing "… is a X."; and "That is X." after the sentence that describes it.
"""
from __future__ import annotations

import re

from ..text import RETRIEVAL_STOPWORDS, singular_stem, words

# A noun phrase of up to five words that runs into no clause of its own ("pathogens that survive cooking are …")
_WORD = r"(?!(?:that|which|who|whose|where|when|if|because|while)\b)[\w’'/-]+"
_NP = rf"[“\"]?{_WORD}(?: {_WORD}){{0,4}}?[”\"]?"
_OPENER = r"^(?:(?:in|for|at|during|within|by) [^,]{1,40}, )?(?:(?:a|an|the) )?"
_SUBJECT = re.compile(
    rf"{_OPENER}(?P<np>{_NP})(?: \((?P<gloss>[^()]{{2,60}})\))?"
    # "is a/the/about/when …" says what the subject is; "is useful/important …" only says something about it
    # (whole words: "are a" is not "are also", "is the" not "is then"; "is anything/anyone who …" still defines)
    r"(?: (?:is|are) (?:(?:a|an|the|one|another|any|anything|anyone|something|someone|about|when|where|how|what|"
    r"whatever|whether|simply|basically|essentially)\b|[“\"])"
    r"| (?:means?|refers? to|stands? for|describes?|(?:is|are) (?:defined|known) as)\b)", re.I)
# A subject the course puts in quotes is the term being introduced, whatever follows "is/are" ('"Browns" are
# materials rich in carbon'), unless a hedge or a "not" follows ('"ground truth" is often not a simple yes/no').
_QUOTED = re.compile(rf"{_OPENER}[“\"](?P<np>{_WORD}(?: {_WORD}){{0,4}})[”\"] (?:is|are) "
                     r"(?!(?:not|often|usually|never|rarely|sometimes|also|always|still|only|just)\b)", re.I)
_GLOSSED = re.compile(rf"{_OPENER}(?P<np>{_NP}) \((?P<gloss>[^()]{{2,60}})\) [a-z]+s\b", re.I)
_DASHED = re.compile(r"(?P<np>\b[\w’'-]+(?: [\w’'-]+)?)—"
                     r"(?P<gloss>(?:where|when|how|what|which|the|a|an|[a-z]+ing)\b)", re.I)
_NAMED = re.compile(r"\b(?:called|known as|termed|named) (?:(?:a|an|the) )?[“\"]?"
                    r"(?P<np>[\w’'-]+(?: [\w’'-]+){0,4}?)[”\"]?(?=[:;,.)]| \(|$)", re.I)
_CLOSING = re.compile(r"\b(?:is|are) (?:a|an) (?P<np>[\w’'-]+(?: [\w’'-]+)?)(?: with\b[^.]*)?\.?$", re.I)
_THAT_IS = re.compile(r"^(?:that|this) is (?P<np>[^.,;:]{2,60})\.?$", re.I)


def _content_words(text: str) -> list[str]:
    """Content words in order, hyphens split ("ROC-AUC" names an "AUC")."""
    return [w for w in words(text, split_hyphens=True) if w not in RETRIEVAL_STOPWORDS and len(w) > 1]


def _stems(text: str) -> list[str]:
    """Content stems in order, a plural meeting its singular ("drones")."""
    return [singular_stem(w) for w in _content_words(text)]


def _heads(phrase: str | None) -> set[str]:
    """The head of a noun phrase (its last content word) and of any gloss in parentheses: "a foodborne-illness
    outbreak" names an outbreak, not an illness; "positive predictive value (PPV)" names a value and a PPV."""
    if not phrase:
        return set()
    parts = [re.sub(r"\([^()]*\)", " ", phrase), *re.findall(r"\(([^()]*)\)", phrase)]
    return {stems[-1] for part in parts if (stems := _stems(part))}


def defined_stems(sentence: str) -> frozenset[str]:
    """Heads of what the sentence defines (its term and any gloss given with it); empty when it defines nothing."""
    text = sentence.strip()
    out: set[str] = set()
    for pattern in (_SUBJECT, _GLOSSED, _THAT_IS, _QUOTED):
        m = pattern.match(text)
        if m:
            out |= _heads(m.group("np")) | _heads(m.groupdict().get("gloss"))
    for pattern in (_DASHED, _NAMED):
        for m in pattern.finditer(text):
            out |= _heads(m.group("np"))
    m = _CLOSING.search(text)
    if m:
        out |= _heads(m.group("np"))
    return frozenset(out)


def heads_of(phrase: str) -> frozenset[str]:
    """The heads defined_stems would give a sentence defining this phrase ("positive predictive value" -> value)."""
    return frozenset(_heads(phrase))


def defined_words(sentence: str) -> tuple[str, ...]:
    """The content words of the subject a sentence defines, as written; empty when it is no "X is a/the …" or
    '"X" is …' definition."""
    text = sentence.strip()
    m = _SUBJECT.match(text) or _QUOTED.match(text)
    return tuple(_content_words(m.group("np"))) if m else ()


def defined_subject(sentence: str) -> frozenset[str]:
    """Every content stem of the subject a sentence defines ("European foulbrood is a …" -> european, foulbrood).
    defined_stems keeps heads only, which siblings share."""
    return frozenset(singular_stem(w) for w in defined_words(sentence))


def asked_stems(question: str) -> frozenset[str]:
    """The question's content stems, compared with each sentence's defined_stems (computed once per question)."""
    return frozenset(_stems(question))
