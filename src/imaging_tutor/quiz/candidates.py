"""Turn mined facts into candidate items of every type and level; validation and selection happen elsewhere.

recall: cloze, definition-to-term, term-to-definition, true/false; understand: explain in your own words, what follows;
apply: scenarios on the course's own examples and advice, and computed problems (quiz.computed).
"""
from __future__ import annotations

import re

from ..corpus.course import Course, Section
from ..corpus.sentences import split_sentences
from . import computed, example_lists, headings, scenarios, statements
from .distractors import pick_terms, rank_texts
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
    """Capitalise the first letter only ('MRI' stays 'MRI', never 'Mri' as str.capitalize() would make it)."""
    return text[:1].upper() + text[1:] if text and text[0].islower() else text


def blank_out(text: str, term: Term) -> tuple[str, list[str]]:
    """text with every spelling of term replaced by a blank, and the spellings removed."""
    surfaces = [m.group(0) for m in term.regex.finditer(text)]
    return term.regex.sub(BLANK, text), surfaces


def as_written(surface: str, term: Term, opens_sentence: bool = True) -> str:
    """A spelling of `term` as found in a sentence, as the course writes the term itself: a bracketed expansion or
    acronym after it left off ('Safety Data Sheet (SDS)'), and a capital the sentence gave it dropped ('Spores are …'
    is the course's 'spores'; a capital inside a sentence is the course's own: 'spores of American foulbrood'). A
    cloze shows this as its key ('labels', 'GHz', not the name 'label', 'gigahertz'); a swap spells its partner from
    these."""
    form = re.sub(r"\s*\([^)]*\)$", "", surface).strip() or term.name
    if (opens_sentence and form[:1].isupper() and not term.name[:1].isupper()
            and not re.search(r"[A-Z]", form.split()[0][1:])):  # "GHz", "PoP", "DNA" keep their capitals
        form = form[:1].lower() + form[1:]
    return form


# What comes right before a sentence's first word: an end mark or a colon and a space, or a line break; then any
# opening quotes or brackets.
_SENTENCE_BEFORE = re.compile(r"(?:[.!?:]\s+|\n)[“\"‘(]*$")


def _opens_sentence(text: str, at: int) -> bool:
    """Whether text[at:] starts a sentence (its first word's capital may be the sentence's, not the word's). Only the
    few characters before `at` are read: term_forms asks this of every match in the whole course."""
    before = text[max(0, at - 8):at]
    return bool(_SENTENCE_BEFORE.search(before if at > 8 else "\n" + before))


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


# Verbs whose form shows the subject's number; a subject right before one must keep its number when swapped.
_SINGULAR_VERBS = frozenset("is was has does".split())
_PLURAL_VERBS = frozenset("are were have do".split())


def looks_plural(phrase: str) -> bool:
    """Whether a noun phrase reads as plural by its last word ('search errors', 'CTs'; not 'bias', 'status')."""
    last = (phrase.split() or [""])[-1]
    if re.fullmatch(r"[A-Z0-9]{2,}s", last):
        return True
    low = last.lower()
    return low.endswith("s") and not low.endswith(("ss", "us", "is", "ics", "ias")) and not last.isupper()


def number_shown(sentence: str, start: int, end: int) -> str | None:
    """'singular' or 'plural' when the words around sentence[start:end] show its number ('A …', '… is', '… are',
    or a sentence-opening subject before a verb in -s: 'Automation bias happens'); None when nothing shows it."""
    before = sentence[:start]
    if re.search(r"\b(?:a|an)\s+$", before, re.IGNORECASE):
        return "singular"
    after = re.sub(r"^\s*\([^)]*\)", "", sentence[end:])  # an aside after the term: "AUC (area under the curve)"
    nxt = re.match(r"\s*([A-Za-z]+)\b", after)
    word = nxt.group(1).lower() if nxt else ""
    if word in _SINGULAR_VERBS:
        return "singular"
    if word in _PLURAL_VERBS:
        return "plural"
    opens = re.fullmatch(r"\s*[\"“‘']?(?:(?:a|an|the)\s+)?", before, re.IGNORECASE)
    if opens and word.endswith("s") and not word.endswith("ss") and word not in ("as", "this", "thus", "its"):
        return "singular"
    return None


def term_forms(course: Course) -> dict[str, list[str]]:
    """Each term's spellings as the course writes them, most used first (computed once per parsed course)."""
    def build() -> dict[str, list[str]]:
        text = "\n".join(s.text for s in course.sections)
        out: dict[str, list[str]] = {}
        for t in course_terms(course).all:
            counts: dict[str, int] = {}
            for m in t.regex.finditer(text):
                form = as_written(m.group(0), t, _opens_sentence(text, m.start()))
                counts[form] = counts.get(form, 0) + 1
            out[t.name] = sorted(counts, key=lambda f: -counts[f])
        return out

    return course.derived("quiz.term_forms", build)


def partner_surface(surface: str, term: Term, partner: Term, forms: list[str] | None = None,
                    number: str | None = None, opens: bool = False) -> str | None:
    """How partner is spelled where term was spelled `surface`: its plural or singular as the course writes it
    (`forms`), in the number the sentence shows (`number`), capitalised only when it opens the sentence (`opens`).
    None when the course never writes the partner in the number the sentence needs ('regulatory statuss' is no word).
    """
    a, b = term.name.split(), partner.name.split()
    if len(a) == len(b) > 1 and sum(x != y for x, y in zip(a, b)) == 1:
        # 'hot composting' -> 'cold composting': the differing word changes, the rest keeps its number and case
        x, y = next((x, y) for x, y in zip(a, b) if x != y)
        out = re.sub(re.escape(x), lambda m: _cap(y) if m.group(0)[0].isupper() else y, surface,
                     flags=re.IGNORECASE)
    else:
        options = (forms or []) + [partner.name]  # the course's usual spelling first
        if number is not None:
            options = [f for f in options if ("plural" if looks_plural(f) else "singular") == number]
            if not options:
                return None
        out = options[0]
        if opens:
            out = _cap(out)
    if term.abbr and partner.abbr:
        out = out.replace(term.abbr, partner.abbr)
    return out


def _words_end(longer: str, shorter: str) -> bool:
    """Whether `shorter`'s words end `longer` ('axles' ends 'thru-axles'; 'compost' does not end 'composting')."""
    a, b = re.split(r"[\s-]+", longer.lower()), re.split(r"[\s-]+", shorter.lower())
    return len(b) <= len(a) and a[len(a) - len(b):] == b


def swap_terms(sentence: str, term: Term, partner: Term, forms: list[str] | None = None) -> str | None:
    """sentence with term replaced by its contrasting partner, or None when both already appear or the partner
    cannot take the number the sentence gives the term."""
    if partner.regex.search(sentence) or not term.regex.search(sentence):
        return None
    out, pos = "", 0
    for m in term.regex.finditer(sentence):
        opens = re.fullmatch(r"\s*[\"“‘']?", sentence[:m.start()]) is not None
        new = partner_surface(m.group(0), term, partner, forms, number_shown(sentence, m.start(), m.end()), opens)
        if new is None or _words_end(m.group(0), new):  # 'thru-axles' -> 'axles' changes no claim
            return None
        out = _article(out + sentence[pos:m.start()], new) + new
        pos = m.end()
    return out + sentence[pos:]


def distractor_terms(course: Course, term: Term, quote: str, k: int, seed: str, terms: Terms, chapter: int,
                     embedder=None, prompt: str = "") -> list[Term]:
    """k other terms of the same kind and chapter, closest in meaning, none named in the quote or the prompt."""
    return pick_terms(course, terms, term, chapter, k, avoid_text=f"{quote} {prompt}", embedder=embedder,
                      rng=rng_for(seed, "distractors"))


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


_LEVEL = {"cloze": "recall", "definition_to_term": "recall", "term_to_definition": "recall", "true_statement": "recall",
          "swap": "recall", "number_change": "recall", "negation": "recall", "short_definition": "understand",
          "scenario": "apply"}


def _item(course: Course, fact: Fact, type_: str, kind: str, prompt: str, answer: str, options: list[str],
          difficulty: str, variant: str = "", **extra) -> QuizItem:
    section = _section(course, fact.ref)
    iid = item_id(course.version, fact.ref, type_, kind, variant or fact.term, fact.quote)
    if options and type_ == "mcq":
        options = list(options)
        rng_for(iid, "options").shuffle(options)
    concept = fact.term if type_ != "tf" else ""
    return QuizItem(id=iid, type=type_, prompt=prompt, options=options, answer=answer, explanation=fact.quote,
                    citation=_citation(section, fact.quote), difficulty=difficulty, source_hash=fact.source_hash,
                    kind=kind, origin="generated", concept=concept, level=_LEVEL.get(kind, "recall"), **extra)


def items_for_fact(course: Course, fact: Fact, gloss_pool: list[Fact], embedder=None) -> list[QuizItem]:
    """Every candidate item one fact supports."""
    terms = course_terms(course)
    term = terms.by_name[fact.term]
    chapter = _section(course, fact.ref).chapter
    out: list[QuizItem] = []
    if not term.core:
        return out
    if fact.kind in ("definition", "example", "statement"):
        blanked, surfaces = blank_out(fact.quote, term)
        accepted = accepted_answers(term, surfaces)
        if len(fact.quote.split()) <= 60 and BLANK in blanked and (fact.kind != "statement" or standalone(fact.quote)):
            out.append(_item(course, fact, "cloze", "cloze", CLOZE_PREFIX + f"“{blanked}”",
                             as_written(surfaces[0], term, _opens_sentence(fact.quote, fact.quote.find(surfaces[0]))),
                             [], "medium", accepted=accepted))
            if fact.kind != "statement":
                prompt = f"Which term completes this passage from the course? “{blanked}”"
                others = distractor_terms(course, term, fact.quote, 3, fact.source_hash + term.name, terms, chapter,
                                          embedder, prompt)
                out.append(_item(course, fact, "mcq", "definition_to_term", prompt,
                                 term.label, [term.label, *(t.label for t in others)], "medium"))
        if fact.example:
            example = fact.example
            prompt = f"Which term from the course fits this example: “{example}”?"
            others = distractor_terms(course, term, fact.quote, 3, fact.source_hash + term.name + "scenario", terms,
                                      chapter, embedder, prompt)
            out.append(_item(course, fact, "mcq", "scenario", prompt,
                             term.label, [term.label, *(t.label for t in others)], "hard"))
    if fact.kind == "definition" and fact.gloss:
        answer = _gloss_option(fact)
        pool = [g for g in gloss_pool if g.term != term.name and g.gloss and not term.regex.search(g.gloss)
                and g.quote != fact.quote and support(g.gloss, fact.quote, terms.synonyms) < 0.5
                and not terms.confusable(g.term, term.name)]
        # Wrong definitions: other terms' glosses, of the same kind first (partner, family, this chapter), then the
        # rest of the course; within each tier the closest in meaning to the right definition.
        fam = {t.name: t.family for t in terms.all}
        neighbours = set(terms.neighbours.get(term.family, ()))

        def tier(g: Fact) -> int:
            return (0 if g.term == term.partner else 1 if fam[g.term] == term.family else
                    2 if _section(course, g.ref).chapter == chapter else 3 if fam[g.term] in neighbours else 4)

        by_term: dict[str, Fact] = {}
        for g in sorted(pool, key=lambda g: (tier(g), g.ref)):
            by_term.setdefault(g.term, g)
        ranked = rank_texts(answer, [_gloss_option(g) for g in by_term.values()], embedder, too_close=0.85)
        glosses = {_gloss_option(g): g for g in by_term.values()}
        ordered = sorted((glosses[r] for r in ranked), key=tier)
        picked: list[Fact] = []
        for g in ordered:
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


def _defined_differently(course: Course, sibling: str, statement: str) -> bool:
    """The sibling has its own definition in the course, and the swapped statement is not it."""
    syn = course_terms(course).synonyms
    own = [f for f in definitions_of(course, sibling) if f.gloss]
    return bool(own) and all(support(statement, f.quote, syn) < 0.9 for f in own)


def _never_said(course: Course, sibling: Term, statement: str) -> bool:
    """The course names the sibling somewhere, and no sentence naming it says (most of) the swapped statement."""
    syn = course_terms(course).synonyms
    said = [s.text[a:b] for s in course.sections for a, b in split_sentences(s.text)
            if sibling.regex.search(s.text[a:b])]
    return bool(said) and all(support(statement, x, syn) < 0.7 for x in said)


def definitions_of(course: Course, term: str) -> list[Fact]:
    return [f for fs in mine_course(course).values() for f in fs if f.kind == "definition" and f.term == term]


def tf_items(course: Course, facts: list[Fact]) -> list[QuizItem]:
    """True statements quoted from one section, and false ones made by verified edits: a term swapped for a sibling
    of the same kind, a number changed, a negation added to a sentence without one."""
    terms = course_terms(course)
    by_name = terms.by_name
    forms = term_forms(course)
    out: list[QuizItem] = []
    seen: set[str] = set()
    for fact in facts:
        if fact.pattern in ("enum", "that-is") or not standalone(fact.quote):
            continue
        term = by_name[fact.term]
        first = fact.quote not in seen
        seen.add(fact.quote)
        if first and term.core:
            out.append(_item(course, fact, "tf", "true_statement", TF_PREFIX + fact.quote, "True", ["True", "False"],
                             "easy", variant="true"))
        if first:
            rng = rng_for(fact.source_hash, "number")
            changed = statements.change_number(fact.quote, rng)
            if changed:
                out.append(_item(course, fact, "tf", "number_change", TF_PREFIX + changed[0], "False",
                                 ["True", "False"], "medium", variant=f"number:{changed[1]}->{changed[2]}"))
            negated = statements.negate(fact.quote)
            if negated:
                out.append(_item(course, fact, "tf", "negation", TF_PREFIX + negated, "False", ["True", "False"],
                                 "medium", variant="negation"))
        swaps = [by_name[term.partner]] if term.partner else []
        if fact.kind == "definition" and fact.gloss:
            # Inside a term's own definition any sibling with a different definition of its own makes it false.
            swaps += [t for t in terms.all if t.family == term.family and t.name != term.name and t.core
                      and t not in swaps and len(t.name.split()) == len(term.name.split())]
        # A statement that opens with the term and says what it is or does ("Hot composting kills most weed seeds
        # …") is about that term: a sibling the course defined in the same section, swapped in, makes a claim the
        # course never makes about the sibling — checked against every sentence naming it. Glossary families are
        # broader than "the same kind" (a model and DICOM share one), so only their partners are swapped, and only
        # where the glossary says the swap reverses a claim.
        subject = bool(re.match(rf"^(?:(?:A|An|The) )?(?:{term.pattern}) (?:is|are|was|were|means|refers|describes|"
                                rf"measures|happens|kills|needs|uses|makes|reduces|increases|requires|produces|"
                                rf"breaks|works|takes|gives|can|does|has|have)\b", fact.quote, re.IGNORECASE))
        if fact.kind == "statement" and subject and term.family.startswith("section:"):
            swaps += [t for t in terms.all if t.family == term.family and t.name != term.name and t.core
                      and t not in swaps]
        for partner in swaps:
            if terms.confusable(term.name, partner.name):
                continue  # either is right ('swarm' for 'swarming'): the swapped statement is not false
            sibling_swap = partner.name != term.partner
            if fact.kind == "statement" and not sibling_swap and (not term.swap_in_statements
                                                                  or not _cue_near(fact.quote, term)):
                continue
            if fact.kind == "statement" and sibling_swap and not (subject and term.family.startswith("section:")):
                continue
            swapped = swap_terms(fact.quote, term, partner, forms.get(partner.name))
            if not swapped or swapped == fact.quote:
                continue
            if sibling_swap and fact.kind == "definition" and not _defined_differently(course, partner.name, swapped):
                continue
            if sibling_swap and fact.kind == "statement" and not _never_said(course, partner, swapped):
                continue
            out.append(_item(course, fact, "tf", "swap", TF_PREFIX + swapped, "False", ["True", "False"], "medium",
                             variant=f"swap:{term.name}->{partner.name}"))
    return out


def plain_statement_items(course: Course, section: Section, covered: set[str]) -> list[QuizItem]:
    """True/false items on the section's other standalone claims (no key term needed): the claim itself, and a
    false version with a number changed or a negation added, when either edit is safe."""
    out: list[QuizItem] = []
    for a, b in split_sentences(section.text):
        sent = section.text[a:b]
        if sent in covered or not standalone(sent) or len(sent.split()) < 8:
            continue
        fact = Fact("", section.ref, a, b, sent, "statement", "plain")
        out.append(_item(course, fact, "tf", "true_statement", TF_PREFIX + sent, "True", ["True", "False"], "easy",
                         variant="true"))
        changed = statements.change_number(sent, rng_for(fact.source_hash, "number"))
        if changed:
            out.append(_item(course, fact, "tf", "number_change", TF_PREFIX + changed[0], "False", ["True", "False"],
                             "medium", variant=f"number:{changed[1]}->{changed[2]}"))
        negated = statements.negate(sent)
        if negated:
            out.append(_item(course, fact, "tf", "negation", TF_PREFIX + negated, "False", ["True", "False"],
                             "medium", variant="negation"))
    return out


def _cue_near(sentence: str, term: Term) -> bool:
    """A directional word (high, reduces, emphasizes, …) within a few words of the term."""
    for m in term.regex.finditer(sentence):
        before = sentence[: m.start()].split()[-_CUE_WINDOW:]
        after = sentence[m.end():].split()[:_CUE_WINDOW]
        if _DIRECTIONAL.search(" ".join(before + after)):
            return True
    return False


def _build_candidates(course: Course, ref: str, embedder=None) -> list[QuizItem]:
    mined = mine_course(course)
    gloss_pool = [f for fs in mined.values() for f in fs if f.kind == "definition" and f.gloss]
    facts = mined[ref]
    section = course.section(ref)
    terms = course_terms(course)
    items: list[QuizItem] = []
    for fact in facts:
        items.extend(items_for_fact(course, fact, gloss_pool, embedder))
    items.extend(tf_items(course, facts))
    items.extend(plain_statement_items(course, section, {f.quote for f in facts}))
    items.extend(scenarios.advice_items(course, section, terms, embedder))
    spans = split_sentences(section.text)
    defined = {}
    for f in facts:
        if f.kind == "definition":
            idx = next((i for i, (a, b) in enumerate(spans) if a <= f.start < b), None)
            if idx is not None:
                defined.setdefault(f.term, idx)
    items.extend(scenarios.example_items(course, section, terms, defined, embedder))
    items.extend(scenarios.question_items(course, section, terms, embedder))
    items.extend(scenarios.list_items(course, section, embedder))
    items.extend(headings.heading_items(course, section))
    items.extend(example_lists.example_section_items(course, section))
    items.extend(computed.section_problems(course, section))
    uniq: dict[str, QuizItem] = {}
    for it in items:
        uniq.setdefault(it.id, it)
    return list(uniq.values())


def section_candidates(course: Course, ref: str, embedder=None) -> list[QuizItem]:
    """All candidate items for one section (built once per parsed course and model; callers get copies)."""
    key = f"quiz.candidates:{ref}:{getattr(embedder, 'name', None) if embedder is not None else '-'}"
    built = course.derived(key, lambda: _build_candidates(course, ref, embedder))
    return [it.model_copy(deep=True) for it in built]
