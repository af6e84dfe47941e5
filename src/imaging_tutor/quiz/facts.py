"""Candidate facts mined from the course text: key-term definitions and quotable statements.

The terms come from the course's own data (quiz.terms). Which sentence defines a term is found in the course at
runtime by definitional patterns ("X is …", "X means …", "This is called X: …", "X happens when …", "X—…—", …), so
a changed course yields changed facts and never a stale sentence.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from ..corpus.course import Course, Section
from ..corpus.sentences import is_about_the_course, is_learning_objective, split_sentences
from ..text import FUNCTION_WORDS
from .terms import Term, Terms, course_terms


@dataclass(frozen=True)
class Fact:
    """A quotable passage of one section about one term.

    kind is "definition" (the passage defines the term; `gloss` is the definition in the course's words),
    "example" (the passage gives an instance of the term: `example`), or "statement" (a standalone claim).
    """

    term: str
    ref: str
    start: int
    end: int
    quote: str
    kind: str
    pattern: str
    gloss: str | None = None
    example: str | None = None

    @property
    def source_hash(self) -> str:
        return hashlib.sha256(self.quote.encode("utf-8")).hexdigest()[:16]


_LEAD = r"(?:(?:In|For|With) [^,]{1,40}, )?"
_ART = r"(?:(?:A|An|The) )?"
_PAREN = r"(?: \([^)]*\))?"
_END = r"[.!?]?[”\"]?$"


@lru_cache(maxsize=4096)
def _patterns(term: Term) -> list[tuple[str, str, re.Pattern]]:
    """(name, kind, regex) definitional patterns for one term, strongest first; each has a `gloss` or `example` group."""
    T = rf"(?P<term>(?i:{term.pattern}))"
    raw = [
        ("is", "definition", rf"^{_LEAD}{_ART}{T}{_PAREN} (?:is|are) (?:usually |often )?"
                             rf"(?P<gloss>(?:(?:a|an|the|what|about|how)\b|“).+?){_END}"),
        ("quoted-is", "definition", rf"^[“\"]{T}[”\"] (?:is|are) (?P<gloss>(?:[a-z]+ ){{0,2}}[a-z]+ (?:rich in|made of|that|which|"
                                    rf"who|where|used|with|for|of|from|in) .+?){_END}"),
        ("means", "definition", rf"^{_LEAD}{_ART}{T}{_PAREN} (?:usually |often )?(?:means|refers to) (?P<gloss>.+?){_END}"),
        ("happens-when", "definition", rf"^{_LEAD}{_ART}{T}{_PAREN} (?P<gloss>happens when .+?){_END}"),
        ("called-colon", "definition", rf"^(?:This|It) is called {T}: (?P<gloss>.+?){_END}"),
        ("subject-called-colon", "definition", rf"\b(?:is|are) called {T}: (?P<gloss>.+?){_END}"),
        ("subject-called", "definition", rf"^(?!(?:This|These|That|Those|It|They)\b)(?P<gloss>[A-Z][^,;:()]{{5,80}}?) "
                                         rf"(?:is|are) (?:called|known as) {T}(?=[;,.]|{_END})"),
        ("called", "definition", rf"(?P<gloss>\b(?:a|an) [^,()]{{3,60}}?) called (?:the |a |an )?{T}{_END}"),
        ("called-paren", "definition", rf"(?P<gloss>\b(?:a|an) [^,()]{{3,40}}?) \(often called (?:a |an |the )?{T}\)"
                                       rf" (?P<gloss2>where [^,]+)"),
        ("dash", "definition", rf"{T}—(?P<gloss>(?:where|how|performing|when|what)\b[^—]+?)(?:—|{_END})"),
        ("quote-is", "definition", rf"“(?P<gloss>[^”]+)” is {T}{_END}"),
        ("that-is", "definition", rf"^That is {T}{_END}"),
        ("enum", "definition", rf"\(\d\) {T}—(?P<gloss>[^(,]+?)(?: \((?:e\.g\.,|for example,) (?P<example>[^)]+)\))?(?=, and|;|{_END})"),
        ("during", "definition", rf"^During {T}, (?P<gloss>.+?){_END}"),
        ("verb", "definition", rf"^{_ART}{T}{_PAREN} (?P<gloss>(?:plots|summarizes|converts|aim to|function like) .+?){_END}"),
        ("paren-gloss", "definition", rf"[“]?{T}[”]?(?: errors)? \((?P<gloss>(?:how|not|stopping|where|what)\b[^)]+)\)"),
        # The course names error outcomes in parentheses after their plain-words meaning: "misses (false negatives)".
        *([("appositive", "definition", rf"(?P<gloss>\b(?:false )?\w+) \({T}\)")] if term.family == "outcome" else []),
        ("alias-where", "definition", rf"“{T},?” where (?P<gloss>[^.]+)"),
        # Passages that define a term without a detachable gloss still anchor cloze and true/false items.
        ("each", "definition", rf"\beach (?:tiny \w+ is an? {T}\b|(?i:{term.pattern}) has )"),
        ("format", "definition", rf"\bin {T} format\b"),
        ("expressed-in", "definition", rf"\bexpressed in {T}"),
        ("is-colon", "example", rf"(?:is|risk is|mode is) {T}: (?P<example>.+?){_END}"),
        ("this-is", "example", rf"^(?P<example>.+?)—this is {T}(?: in practice)?{_END}"),
    ]
    return [(name, kind, re.compile(rx, re.IGNORECASE if name in ("paren-gloss", "appositive", "dash", "enum") else 0))
            for name, kind, rx in raw]


_EARLY_PRONOUN = re.compile(r"^(?:\S+ ){0,2}(?:it|they|this|these|those|he|she)\b", re.IGNORECASE)
_ANAPHORIC_START = re.compile(r"^(?:This|That|These|Those|It|They|Here|Another|Such|Both|Each|Then|But|And|So|Or|"
                              r"Finally|Second|Third|Also|Similarly|However|Instead)\b")
_EXAMPLE_TAIL = re.compile(r"(?: \((?:e\.g\.,|for example,) [^)]*\)|—such as .*)$")


def _clean_gloss(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    if text.count("“") > text.count("”"):
        text += "”"
    return text


def _own_gloss(term: Term, gloss: str) -> str | None:
    """A gloss that names its own term would give the answer away: trim a trailing aside that does, else drop it."""
    trimmed = re.sub(r"\s*\([^()]*\)$", "", gloss)
    if term.regex.search(trimmed) is None:
        return trimmed if term.regex.search(gloss) else gloss
    return None


def _sentences(section: Section) -> list[tuple[int, int, str]]:
    return [(a, b, section.text[a:b]) for a, b in split_sentences(section.text)]


# Sentences about the course itself (corpus.sentences.is_about_the_course) or addressed to the learner ("You'll …",
# "You can …", "We …") and learning objectives state no fact; instructions ("Require…") are not statements; and a
# sentence leaning on its neighbours ("amplify both", "that balance") cannot be judged alone.
_TO_THE_LEARNER = re.compile(r"^(?:You[’']ll|You will|You can|We )\b")
_IMPERATIVE = frozenset("""keep require clarify include convert ask run define decide treat track set confirm review request
add go use start think imagine consider verify ensure look focus remember check insist prepare build document""".split())
_LEANS_ON_CONTEXT = re.compile(r"\b(?:these|those)\b|\bboth\b(?! \w+(?:[ -]\w+)? and)|\bthat (?:balance|difference|variability|"
                               r"question|journey|pattern)\b|^\S+ then\b|\bmight say\b|^The (?:best|same|deployed|details) ",
                               re.IGNORECASE)
# "this" standing for what came before the sentence, not before a noun: "should map this to local law", "do this,
# then …". After a clause of its own sentence ("…—this is bias in practice", "…, and this is the honey …") it points
# at that clause; before a colon it points ahead ("works like this: …").
_BARE_THIS = re.compile(r"\bthis(?= (?:to|into|onto|with|for|against|from|in|on|as|at|by|is|was|means|can|will|may|"
                        r"should|would|does|did|has|had)\b|[.,;!?”\"]|$)", re.IGNORECASE)
_CLAUSE_BEFORE = re.compile(r"[—;:]|, (?:and|but|so|which|while|because)\b")


def _bare_this(sentence: str) -> bool:
    m = _BARE_THIS.search(sentence)
    return m is not None and not _CLAUSE_BEFORE.search(sentence[:m.start()])


# An imperative names no subject: its verb comes first and takes an object ("find the cause", "scrub it with a
# brush", "Remove the covers …"), where a statement's subject is followed by its verb ("sensitivity is 90%").
# Not "that": after a noun it opens a relative clause ("Brood that includes eggs … is a sign …").
OBJECT_START = frozenset("a an the each every it them this these those your their its his her any all both some no up "
                         "out off down back".split())
# Words that open a statement before a noun phrase without being a verb: prepositions and subordinators ("Because the
# microbes …", "Inside the home, …", "Whatever the method, …"), and "almost"/"not" ("Not every site …").
_OPENS_PHRASE = frozenset("""because before after during inside outside whatever whichever whenever almost not until
unless although though since despite without within throughout across behind beyond near below above around against
along toward towards upon whether once every per via""".split())


def opens_with_bare_verb(clause: str) -> bool:
    """Whether a clause opens with a word that is no grammar word, preposition, subordinator, adverb, plural or
    gerund, followed by the start of its object: an instruction whose verb no list names."""
    head = clause.lower().strip("“\"").split()[:2]
    if len(head) < 2:
        return False
    first, second = head
    return (first.isalpha() and first not in FUNCTION_WORDS | _OPENS_PHRASE
            and not first.endswith(("ly", "s", "ing")) and second in OBJECT_START)


def _imperative(sentence: str) -> bool:
    """Starts, or continues after a comma or colon, with a bare instruction verb ("…, ask what it exploits"), or opens
    with a verb followed by the start of its object ("Remove the covers …")."""
    heads = [sentence, *re.split(r"[,:;] ", sentence)[1:]]
    return (any(h.split()[0].lower().strip("“\"") in _IMPERATIVE for h in heads if h.split())
            or opens_with_bare_verb(sentence))


def leans_on_neighbours(sentence: str) -> bool:
    """Whether a sentence points back at what came before it ("This is why …", "For AI, this …", "those tools")."""
    return bool(_ANAPHORIC_START.match(sentence) or _EARLY_PRONOUN.match(sentence)
                or _LEANS_ON_CONTEXT.search(sentence) or _bare_this(sentence))


# A pointer to another part of the course by number ("Section 2.4 explains how extenders … can help", "as section 1.3
# explains", "Chapter 1 described …"): the learner would judge where the course says something, not what it says.
_CROSS_REFERENCE = re.compile(r"\b(?:sections?|chapters?) \d+(?:\.\d+)?\b", re.I)


def points_elsewhere(sentence: str) -> bool:
    """Whether a sentence names another section or chapter by number: no quiz item is made of it."""
    return bool(_CROSS_REFERENCE.search(sentence))


def standalone(sentence: str) -> bool:
    """A sentence a learner can judge without its neighbours: a claim, no anaphora, no question, sensible length."""
    n = len(sentence.split())
    return (6 <= n <= 45 and not leans_on_neighbours(sentence)
            and "?" not in sentence and not sentence.rstrip().endswith(":") and sentence[0].isupper()
            and not _TO_THE_LEARNER.match(sentence) and not is_about_the_course(sentence)
            and not points_elsewhere(sentence)
            and not is_learning_objective(sentence) and not _imperative(sentence))


def mine_section(section: Section, terms: Terms) -> list[Fact]:
    """All facts one section supports, in text order."""
    facts: list[Fact] = []
    sents = _sentences(section)
    for i, (a, b, sent) in enumerate(sents):
        if points_elsewhere(sent):
            continue  # "Temperature refers to the danger zone described in section 3.2, …" defines by pointing
        found_in_sentence: set[str] = set()
        for term in terms.all:
            if not term.regex.search(sent):
                continue
            for name, kind, rx in _patterns(term):
                m = rx.search(sent)
                if not m:
                    continue
                if name == "that-is":
                    if i == 0:
                        continue
                    pa, _pb, prev = sents[i - 1]
                    gloss = prev.split(": ", 1)[-1] if ": " in prev else prev
                    facts.append(Fact(term.name, section.ref, pa, b, section.text[pa:b], kind, name,
                                      gloss=gloss.strip().strip("“”\"")))
                    found_in_sentence.add(term.name)
                    break
                if name == "enum":
                    qa, qb = a + m.start(), a + m.end()
                    facts.append(Fact(term.name, section.ref, qa, qb, section.text[qa:qb], kind, name,
                                      gloss=_clean_gloss(m.group("gloss")), example=m.group("example")))
                    found_in_sentence.add(term.name)
                    break
                gloss = m.groupdict().get("gloss")
                if gloss and m.groupdict().get("gloss2"):
                    gloss = f"{gloss} {m.group('gloss2')}"
                if gloss is not None:
                    gloss = _own_gloss(term, _clean_gloss(_EXAMPLE_TAIL.sub("", gloss)))
                example = m.groupdict().get("example")
                if example is None and kind == "definition":
                    ex = re.search(r"\((?:e\.g\.,|for example,) (?P<ex>[^)]+)\)|—such as (?P<ex2>[^—]+?)(?:—|[.]$)", sent)
                    if ex:
                        example = ex.group("ex") or ex.group("ex2")
                facts.append(Fact(term.name, section.ref, a, b, sent, kind, name,
                                  gloss=gloss, example=example.strip().rstrip(".") if example else None))
                found_in_sentence.add(term.name)
                break
        # A standalone sentence naming core terms is still a quotable statement for true/false items.
        if standalone(sent):
            named = [t.name for t in terms.all if t.core and t.regex.search(sent)]
            for name in named:
                if name not in found_in_sentence:
                    facts.append(Fact(name, section.ref, a, b, sent, "statement", "mentions"))
    return _drop_nested(facts, terms)


def _drop_nested(facts: list[Fact], terms: Terms) -> list[Fact]:
    """A term whose only match lies inside a longer term ('bias' in 'automation bias') is not about that term."""
    out = []
    for f in facts:
        t = terms.by_name[f.term]
        spans = [m.span() for m in t.regex.finditer(f.quote)]
        longer = [o for o in terms.all if o.name != t.name and len(o.name) > len(t.name) and o.regex.search(f.quote)]
        inside = all(any(ms <= s and e <= me for ms, me in (m.span() for o in longer for m in o.regex.finditer(f.quote)))
                     for s, e in spans)
        if spans and not (longer and inside):
            out.append(f)
    return out


def course_fingerprint(course: Course) -> str:
    """Identifies a course's content (Course holds a dict, so it cannot key a cache itself)."""
    h = hashlib.sha256(f"{course.id}\x1f{course.version}".encode())
    for s in course.sections:
        h.update(s.content_hash.encode())
    return h.hexdigest()


def mine_course(course: Course) -> dict[str, list[Fact]]:
    """Facts per section ref, for every section of the course (computed once per parsed course)."""
    terms = course_terms(course)
    return course.derived("quiz.facts", lambda: {s.ref: mine_section(s, terms) for s in course.sections})


def definitions(course: Course) -> list[Fact]:
    """Every definition fact in course order (a term may be defined in several sections)."""
    return [f for facts in mine_course(course).values() for f in facts if f.kind == "definition"]
