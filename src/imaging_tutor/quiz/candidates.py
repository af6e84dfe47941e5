"""Turn mined facts into candidate items of every type; validation and selection happen elsewhere."""
from __future__ import annotations

import re

from ..corpus.course import Course, Section
from .facts import Fact, mine_course, standalone
from .ids import item_id, rng_for
from .schema import ItemCitation, QuizItem
from .terms import Term, Terms, course_terms, generic_stems
from .text import STOPWORDS, content_stems, stem, support, words

BLANK = "_____"
TF_PREFIX = "True or false? "
CLOZE_PREFIX = "Fill in the blank with a term from the course: "
# A pair is swapped inside statements only when the course's glossary marks its swap as reversing any claim
# (Term.swap_in_statements); otherwise only inside the term's own definition, where the swap is unambiguous
# ("An algorithm is the trained result…" is plainly false).
_DIRECTIONAL = re.compile(r"\b(?:means?|emphasi[sz]es|emphasize|about|reduces?|increases?|catch(?:es)?|miss(?:es|ed)?|"
                          r"high(?:er)?|low(?:er)?|depends?|fewer|crucial|achieved|flags?|is \d+%|prioritize)\b",
                          re.IGNORECASE)
_CUE_WINDOW = 4  # the cue must sit this close (in words) to the swapped term, so the swap flips *its* claim
# Words too vague to be a key term of an answer.
_UNINFORMATIVE = frozenset(stem(w) for w in """actually potentially never itself after before right similar simple alone
often many much leaves says given sometimes multiple start starts something thing things whether almost every each
within without across common important another other those these their there because especially like it's
happens well sees""".split())


def _section(course: Course, ref: str) -> Section:
    return course.section(ref)


def _citation(section: Section, quote: str) -> ItemCitation:
    return ItemCitation(ref=section.ref, section_title=section.section_title, quote=quote, chapter=section.chapter,
                    chapter_title=section.chapter_title)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text and text[0].islower() else text


def blank_out(text: str, term: Term) -> tuple[str, list[str]]:
    """text with every spelling of term replaced by a blank, and the spellings removed."""
    surfaces = [m.group(0) for m in term.regex.finditer(text)]
    return term.regex.sub(BLANK, text), surfaces


def accepted_answers(term: Term, surfaces: list[str]) -> list[str]:
    out: list[str] = []
    for s in [term.name, *surfaces, *( [term.abbr] if term.abbr else [])]:
        s = re.sub(r"\s*\([^)]*\)$", "", s).strip()
        if s and s.lower() not in (o.lower() for o in out):
            out.append(s)
    return out


def _article(prefix: str, word: str) -> str:
    """Fix 'a'/'an' at the end of prefix for the word that follows."""
    m = re.search(r"\b([Aa])n? $", prefix)
    if not m:
        return prefix
    an = word[:1].lower() in "aeiou" or word.isupper() and word[:1] in "AEFHILMNORSX"
    art = ("A" if m.group(1) == "A" else "a") + ("n" if an else "")
    return prefix[: m.start()] + art + " "


def partner_surface(surface: str, term: Term, partner: Term) -> str:
    """How partner is spelled where term was spelled `surface` (keeping plural, capitals, abbreviation)."""
    a, b = term.name.split(), partner.name.split()
    out = surface
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1:
        x, y = next((x, y) for x, y in zip(a, b) if x != y)
        out = re.sub(re.escape(x), lambda m: y.capitalize() if m.group(0)[0].isupper() else y, out, flags=re.IGNORECASE)
    else:
        plural = surface.lower().endswith("s") and not term.name.endswith("s")
        out = partner.name + ("s" if plural else "")
        if surface[:1].isupper():
            out = _cap(out)
    if term.abbr and partner.abbr:
        out = out.replace(term.abbr, partner.abbr)
    return out


def swap_terms(sentence: str, term: Term, partner: Term) -> str | None:
    """sentence with term replaced by its contrasting partner, or None when both already appear."""
    if partner.regex.search(sentence) or not term.regex.search(sentence):
        return None
    out, pos = "", 0
    for m in term.regex.finditer(sentence):
        new = partner_surface(m.group(0), term, partner)
        out = _article(out + sentence[pos:m.start()], new) + new
        pos = m.end()
    return out + sentence[pos:]


def distractor_terms(term: Term, quote: str, k: int, seed: str, terms: Terms) -> list[Term]:
    """k other terms of the same family (the partner first), none named in the quote; neighbours fill gaps."""
    def ok(t: Term) -> bool:
        return (t.name != term.name and t.distractor and not t.regex.search(quote)
                and not term.regex.fullmatch(t.name) and not terms.confusable(t.name, term.name))

    rng = rng_for(seed, "distractors")
    by_name = terms.by_name
    same = [t for t in terms.all if t.family == term.family and ok(t) and t.name != term.partner]
    rng.shuffle(same)
    picked = [by_name[term.partner]] if term.partner and ok(by_name[term.partner]) else []
    picked += same
    for fam in terms.neighbours.get(term.family, ()):
        more = [t for t in terms.all if t.family == fam and ok(t) and t not in picked]
        rng.shuffle(more)
        picked += more
    return picked[:k]


def _gloss_option(fact: Fact) -> str:
    """A definition as an option: 'happens when X' reads 'When X'; a plural verb phrase gets its subject back."""
    g = (fact.gloss or "").strip()
    g = re.sub(r"^happens when ", "when ", g)
    g = re.sub(r"^(aim to|function like) ", r"tools that \1 ", g)
    return _cap(g)


def _key_terms(gloss: str, term: Term, generic: frozenset[str], limit: int = 4) -> list[str]:
    """The gloss's leading informative content words: a definition's head carries its meaning."""
    own = content_stems(term.name)
    seen: dict[str, str] = {}
    for w in words(gloss):
        s = stem(w)
        if w in STOPWORDS or s in own or s in generic or s in _UNINFORMATIVE or len(w) < 4 or s in seen:
            continue
        seen[s] = w
    return list(seen.values())[:limit]


def _item(course: Course, fact: Fact, type_: str, kind: str, prompt: str, answer: str, options: list[str],
          difficulty: str, variant: str = "", **extra) -> QuizItem:
    section = _section(course, fact.ref)
    iid = item_id(course.version, fact.ref, type_, kind, variant or fact.term, fact.quote)
    if options and type_ == "mcq":
        options = list(options)
        rng_for(iid, "options").shuffle(options)
    concept = fact.term if kind != "true_statement" and kind != "swap" else ""
    return QuizItem(id=iid, type=type_, prompt=prompt, options=options, answer=answer, explanation=fact.quote,
                    citation=_citation(section, fact.quote), difficulty=difficulty, source_hash=fact.source_hash,
                    kind=kind, origin="generated", concept=concept, **extra)


def items_for_fact(course: Course, fact: Fact, gloss_pool: list[Fact]) -> list[QuizItem]:
    """Every candidate item one fact supports."""
    terms = course_terms(course)
    term = terms.by_name[fact.term]
    out: list[QuizItem] = []
    if not term.core:
        return out
    if fact.kind in ("definition", "example"):
        blanked, surfaces = blank_out(fact.quote, term)
        accepted = accepted_answers(term, surfaces)
        if len(fact.quote.split()) <= 60 and BLANK in blanked:
            out.append(_item(course, fact, "cloze", "cloze", CLOZE_PREFIX + f"“{blanked}”", term.name, [], "medium",
                             accepted=accepted))
            others = distractor_terms(term, fact.quote, 3, fact.source_hash + term.name, terms)
            out.append(_item(course, fact, "mcq", "definition_to_term",
                             f"Which term completes this passage from the course? “{blanked}”",
                             term.label, [term.label, *(t.label for t in others)], "medium"))
        if fact.example:
            example = re.sub(r"^It may\b", "An AI tool may", fact.example)
            others = distractor_terms(term, fact.quote, 3, fact.source_hash + term.name + "scenario", terms)
            out.append(_item(course, fact, "mcq", "scenario",
                             f"Which term from the course fits this example: “{example}”?",
                             term.label, [term.label, *(t.label for t in others)], "hard"))
    if fact.kind == "definition" and fact.gloss:
        answer = _gloss_option(fact)
        pool = [g for g in gloss_pool if g.term != term.name and g.gloss and not term.regex.search(g.gloss)
                and g.quote != fact.quote and support(g.gloss, fact.quote, terms.synonyms) < 0.5
                and not terms.confusable(g.term, term.name)]
        fam = {t.name: t.family for t in terms.all}
        order = [term.family, *terms.neighbours.get(term.family, ())]
        rng = rng_for(fact.source_hash, term.name, "glosses")
        picked: list[Fact] = []
        for f_ in order:
            group = [g for g in pool if fam[g.term] == f_ and g.term not in {p.term for p in picked}]
            group.sort(key=lambda g: (g.term != term.partner, g.ref, g.term))
            head, rest = group[:1] if term.partner and group and group[0].term == term.partner else [], \
                group[1:] if term.partner and group and group[0].term == term.partner else group
            rng.shuffle(rest)
            for g in head + rest:
                if g.term not in {p.term for p in picked}:
                    picked.append(g)
        if len(picked) >= 3:
            out.append(_item(course, fact, "mcq", "term_to_definition",
                             f"Which description matches “{term.label}” as the course defines it?",
                             answer, [answer, *(_gloss_option(g) for g in picked[:3])], "easy"))
        key_terms = _key_terms(fact.gloss, term, generic_stems(course))
        if key_terms:
            out.append(_item(course, fact, "short", "short_definition",
                             f"In your own words: what does the course mean by “{term.label}”?",
                             answer, [], "hard", key_terms=key_terms))
    return out


def tf_items(course: Course, facts: list[Fact]) -> list[QuizItem]:
    """True statements quoted from one section, and false ones made by swapping a contrasting pair."""
    by_name = course_terms(course).by_name
    out: list[QuizItem] = []
    seen_true: set[str] = set()
    for fact in facts:
        if fact.pattern in ("enum", "that-is") or not standalone(fact.quote):
            continue
        term = by_name[fact.term]
        if fact.quote not in seen_true and term.core:
            seen_true.add(fact.quote)
            out.append(_item(course, fact, "tf", "true_statement", TF_PREFIX + fact.quote, "True", ["True", "False"],
                             "easy", variant="true"))
        if not term.partner:
            continue
        if fact.kind == "statement" and (not term.swap_in_statements or not _cue_near(fact.quote, term)):
            continue
        swapped = swap_terms(fact.quote, term, by_name[term.partner])
        if swapped and swapped != fact.quote:
            out.append(_item(course, fact, "tf", "swap", TF_PREFIX + swapped, "False", ["True", "False"], "medium",
                             variant=f"swap:{term.name}"))
    return out


def _cue_near(sentence: str, term: Term) -> bool:
    """A directional word (high, reduces, emphasizes, …) within a few words of the term."""
    for m in term.regex.finditer(sentence):
        before = sentence[: m.start()].split()[-_CUE_WINDOW:]
        after = sentence[m.end():].split()[:_CUE_WINDOW]
        if _DIRECTIONAL.search(" ".join(before + after)):
            return True
    return False


def _build_candidates(course: Course, ref: str) -> list[QuizItem]:
    mined = mine_course(course)
    gloss_pool = [f for fs in mined.values() for f in fs if f.kind == "definition" and f.gloss]
    facts = mined[ref]
    items: list[QuizItem] = []
    for fact in facts:
        items.extend(items_for_fact(course, fact, gloss_pool))
    items.extend(tf_items(course, facts))
    uniq: dict[str, QuizItem] = {}
    for it in items:
        uniq.setdefault(it.id, it)
    return list(uniq.values())


def section_candidates(course: Course, ref: str) -> list[QuizItem]:
    """All candidate items for one section (built once per parsed course; callers get copies)."""
    built = course.derived(f"quiz.candidates:{ref}", lambda: _build_candidates(course, ref))
    return [it.model_copy(deep=True) for it in built]
