"""Key terms mined from the course text itself: what the course defines, names or abbreviates.

Sources, strongest first: definitional sentences ("X is a …", "X means …", "… is called X", "X, a …"), acronyms the
text defines inline ("turnaround time (TAT)"), and section titles ("Greens and browns: the carbon-to-nitrogen
ratio"). Siblings — terms defined in the same section or the same list — are one family, so they lend each other
wrong options; two siblings that differ in one word ("hot composting" / "cold composting", "aerobic" / "anaerobic
decomposition") are contrasting partners, swapped only inside their own definitions (where the swap is verifiable).
Nothing here knows any course's words: a new course folder gets its terms the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..corpus.course import Course
from ..corpus.sentences import split_sentences
from ..text import find_acronyms

# Heads that are never terms: pronouns, determiners and words that open ordinary sentences.
_NOT_HEAD = frozenset("""
this that these those it its they them there here each every one ones some many most more much few all both either
neither another other others such which what who whom whose when where why how the a an your our their his her my we
you i he she us part goal key point result reason answer problem question idea step aim way rule lesson outcome
example purpose role job task end main first second third next last same difference trick catch important practice
reality today people something nothing everything anything someone everyone thing things kind type sort area
if common useful simple typical good bad practical important major big small classic frequent beginner helpful safe
real new old basic general specific final whole usual clear quick easy hard true false better best worse worst
""".split())
_GENERIC_TITLE = frozenset({"introduction", "overview", "summary", "conclusion", "basics", "practice", "examples",
                            "review", "recap", "next steps", "key vocabulary", "common mistakes", "what it means"})
_NP = r"[A-Za-z][A-Za-z0-9'’-]*(?: [A-Za-z][A-Za-z0-9'’-]*){0,3}"
# "X is a/an/the …", "X are …", "X means …", "X refers to …", "X describes …"
_DEF_HEAD = re.compile(rf"^(?:(?:In|For|At) [^,]{{1,40}}, )?(?:(?:A|An|The) )?[“\"]?(?P<term>{_NP})[”\"]?"
                       rf"(?: \((?P<abbr>[A-Z][A-Za-z:]{{1,8}})\))? "
                       rf"(?P<verb>is|are|means|refers to|describes|is defined as) "
                       rf"(?P<gloss>(?:the|a|an|when|how|what|any|one|materials?|organisms?|tools?|[a-z]+ing)\b.+)$")
_CALLED = re.compile(rf"\b(?:is|are) (?:called|known as|termed) (?:the |a |an )?[“\"]?(?P<term>{_NP}?)[”\"]?"
                     rf"(?=[:;,.)]| \(|$)")
_ALSO_CALLED = re.compile(rf"\b(?:also|often) (?:called|known as) (?:the |a |an )?[“\"]?(?P<term>{_NP}?)[”\"]?(?=[:;,.)]|$)")
_QUOTED_GROUP = re.compile(r"[“\"](?P<term>[A-Z]?[a-z][a-z -]{1,30})[”\"] (?:are|is) (?P<gloss>.+)$")
# "X is the main challenge", "X is a major source of risk", "X is the classic example": a gloss that opens by ranking
# X says how much it matters, not what it is ("a larva is a small white grub" still defines).
_RANKING = frozenset("main major key crucial critical important classic common central primary chief principal "
                     "biggest greatest leading".split())
# "Paying down balances is the reliable choice", "X is the best way to …": a gloss that opens by judging X says
# which to prefer, not what it is.
_JUDGING = frozenset("reliable best better worst safest safer simplest easiest cheapest fastest quickest right wrong "
                     "smart wise sensible preferred recommended ideal good bad great useful helpful surest".split())
_VERB_WORDS = frozenset("""is are was were be been being has have had do does did can could should would may might will
shall must not no makes make made uses use used gets get got takes take took keeps keep kept works work""".split())


@dataclass(frozen=True)
class MinedTerm:
    """A term the course defines or names, where it first does, and how it was found."""

    name: str
    ref: str
    source: str  # definition | called | acronym | title
    abbr: str | None = None
    family: str = ""

    @property
    def pattern(self) -> str:
        return term_pattern(self.name, self.abbr)


def term_pattern(name: str, abbr: str | None = None) -> str:
    """A regex for a term's spellings: any case, hyphen or space between words, plural or singular last word."""
    parts = re.split(r"[ -]+", name.strip())
    last = parts[-1]
    if re.fullmatch(r"[A-Z0-9]{2,}s?", last):
        stem_last, tail = re.escape(last.rstrip("s")), "s?"
    elif last.lower().endswith("ies") and len(last) > 4:
        stem_last, tail = re.escape(last[:-3]), "(?:y|ies)"
    elif last.lower().endswith("y") and len(last) > 3 and last[-2].lower() not in "aeiou":
        stem_last, tail = re.escape(last[:-1]), "(?:y|ies)"
    elif last.lower().endswith(("ses", "xes", "ches", "shes")):
        stem_last, tail = re.escape(last[:-2]), "(?:es)?"
    elif last.lower().endswith("s") and not last.lower().endswith(("ss", "us", "is")) and len(last) > 3:
        stem_last, tail = re.escape(last[:-1]), "s?"
    elif last.lower().endswith(("s", "x", "ch", "sh")):
        stem_last, tail = re.escape(last), "(?:es)?"
    else:
        stem_last, tail = re.escape(last), "s?"
    body = "[ -]".join([*(re.escape(p) for p in parts[:-1]), stem_last + tail])
    pattern = body + (rf"(?: \({re.escape(abbr)}\))?|{re.escape(abbr)}" if abbr else "")
    return pattern


def _clean(term: str, abbr: str | None = None) -> str | None:
    """A plausible term: 1–4 words, no verbs, not a pronoun or an ordinary sentence opener; lower case unless a name."""
    term = term.strip(" “”\"'’,:;.")
    term = re.sub(r"^(?:the|a|an) ", "", term, flags=re.IGNORECASE)
    words = term.split()
    if not words or len(words) > 4 or len(term) < 3:
        return None
    low = [w.lower() for w in words]
    if low[0] in _NOT_HEAD or any(w in _VERB_WORDS for w in low) or low[-1] in _NOT_HEAD:
        return None
    if any(ch.isdigit() for ch in term) and not re.fullmatch(r"[A-Z0-9:-]+", term):
        return None
    joiners = ("and", "or", "with", "for", "the") + (() if abbr else ("of",))
    hedges = ("usually", "often", "always", "never", "also", "well", "means")
    if any(w in joiners or w in hedges or (w.endswith("ly") and len(w) > 4) for w in low[1:]):
        return None
    # Keep acronyms and proper names as written; common nouns in lower case. A name's first word stays as written
    # when a later word is capitalised ('Internet Protocol', 'Wi-Fi Protected Setup'), or when it has a capital
    # inside it ('Wi-Fi').
    name = any(w[:1].isupper() for w in words[1:]) or bool(re.search(r"[A-Z]", words[0][1:]))
    out = " ".join(w if (w.isupper() and len(w) > 1) or (i and w[:1].isupper()) or (i == 0 and name) else w.lower()
                   for i, w in enumerate(words))
    return out


def _title_terms(title: str) -> list[str]:
    """Noun phrases of a section title: 'Greens and browns: the carbon-to-nitrogen ratio' -> three phrases."""
    out = []
    for part in re.split(r"\s*(?::|,|;|\band\b|\bor\b|\bvs\.?|&|—|–|\bversus\b)\s*", title):
        part = re.sub(r"^(?:the|a|an|what|why|how|when|where|which)\b\s*", "", part.strip(), flags=re.IGNORECASE)
        part = re.sub(r"[“”\"?!.()]", "", part).strip()
        if part and part.lower() not in _GENERIC_TITLE:
            term = _clean(part)
            if term and len(term.split()) <= 3:
                out.append(term)
    return out


def mine_terms(course: Course) -> list[MinedTerm]:
    """Every term the course text defines, abbreviates or titles a section with, in course order, one per name."""
    found: dict[str, MinedTerm] = {}
    acronyms = find_acronyms("\n".join(s.text for s in course.sections))

    def add(name: str | None, ref: str, source: str, abbr: str | None = None) -> None:
        if not name:
            return
        key = name.lower()
        same = next((k for k, t in found.items()
                     if re.fullmatch(rf"(?:{t.pattern})", name, re.IGNORECASE)
                     or re.fullmatch(rf"(?:{term_pattern(name)})", t.name, re.IGNORECASE)), None)
        if same is not None and same != key:
            return
        if key in found:
            if abbr and not found[key].abbr:
                found[key] = MinedTerm(found[key].name, found[key].ref, found[key].source, abbr, found[key].family)
            return
        if abbr is None:
            abbr = next((a.upper() for a, long in acronyms.items() if long == key and len(a) <= 8), None)
        found[key] = MinedTerm(name, ref, source, abbr, family=ref)

    for section in course.sections:
        text = section.text
        for a, b in split_sentences(text):
            sent = text[a:b].rstrip(".")
            m = _DEF_HEAD.match(sent)
            if m and not _mentions_verb_before(m.group("term")) and not _ranks(m.group("gloss")):
                add(_clean(m.group("term"), m.group("abbr")), section.ref, "definition", m.group("abbr"))
            for rx in (_CALLED, _ALSO_CALLED):
                for m2 in rx.finditer(sent):
                    add(_clean(m2.group("term")), section.ref, "called")
            m3 = _QUOTED_GROUP.match(sent)
            if m3:
                add(_clean(m3.group("term")), section.ref, "definition")
        for short, long in acronyms.items():
            if re.search(rf"\({re.escape(short)}\)", text, re.IGNORECASE):
                name = _clean(long, short)
                if name and re.search(re.escape(long), text, re.IGNORECASE):
                    add(name, section.ref, "acronym", abbr=re.search(rf"\(({re.escape(short)})\)", text,
                                                                     re.IGNORECASE).group(1))
        if section.section:  # a chapter's introduction has a generic title
            for term in _title_terms(section.section_title):
                if re.search(term_pattern(term), text, re.IGNORECASE):
                    add(term, section.ref, "title")
    return [t for t in found.values() if _occurs(course, t)]


# A clause inside a subject ("A period when many plants are flowering … is called a nectar flow"): the phrase before
# the verb is no term.
_CLAUSE_WORDS = frozenset("when where which who whom whose that if because while whenever although though".split())


def _ranks(gloss: str) -> bool:
    head = gloss.split()[:2]
    return len(head) == 2 and head[0].lower() in ("a", "an", "the") and head[1].lower() in _RANKING | _JUDGING


def _mentions_verb_before(term: str) -> bool:
    return any(w.lower() in _VERB_WORDS or w.lower() in _CLAUSE_WORDS for w in term.split())


def _occurs(course: Course, term: MinedTerm) -> bool:
    """Keep a term only if the course uses it at least once as a whole word (a quizzable span exists)."""
    rx = re.compile(rf"(?<![\w-])(?:{term.pattern})(?![\w-])", re.IGNORECASE)
    return any(rx.search(s.text) for s in course.sections)


def partners(terms: list[MinedTerm]) -> dict[str, str]:
    """Contrasting pairs among siblings: same section, same length, one differing word ('hot'/'cold composting'),
    or a word and its negative prefix ('aerobic'/'anaerobic')."""
    out: dict[str, str] = {}
    by_ref: dict[str, list[MinedTerm]] = {}
    for t in terms:
        by_ref.setdefault(t.ref, []).append(t)
    for group in by_ref.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.name in out or b.name in out:
                    continue
                wa, wb = a.name.lower().split(), b.name.lower().split()
                if len(wa) != len(wb):
                    continue
                diff = [(x, y) for x, y in zip(wa, wb) if x != y]
                if len(diff) != 1:
                    continue
                x, y = diff[0]
                if len(wa) > 1 and wa[-1] != wb[-1]:
                    continue  # 'ensemble member' / 'ensemble forecast': different things, not opposites
                if len(wa) > 1 or x in ("an" + y, "un" + y, "non" + y, "in" + y) or y in ("an" + x, "un" + x, "non" + x,
                                                                                          "in" + x):
                    out[a.name], out[b.name] = b.name, a.name
    return out
