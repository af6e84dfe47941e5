"""Scenario items built on the course's own examples and advice: what should the team do, what follows, which term
names this example, which term answers this question. The situation, the example and the advice are the course's
own sentences; wrong options are the course's advice for other situations (or other terms), closest in meaning first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..corpus.course import Course, Section
from ..corpus.sentences import split_sentences
from .distractors import pick_terms, rank_texts
from .facts import OBJECT_START, opens_with_bare_verb, points_elsewhere
from .ids import digest, item_id, rng_for
from .schema import ItemCitation, QuizItem
from .terms import Terms
from .text import support

_LEAD = r"(?:(?:Practically|In practice|Practical (?:outcome|takeaway|steps|judgment[^:,]{0,30})|A practical outcome|" \
        r"For beginners|In short|Finally|Also|Then|Second|First)[:,]?\s+)?"
_OPENING = re.compile(rf"^{_LEAD}(?P<word>(?:[Ii]f|[Ww]hen|[Ww]henever|[Bb]efore|[Aa]fter|[Oo]nce|[Uu]ntil|[Ww]hile) )")
# The first comma after a condition can belong inside it: an aside ("such as …", "(e.g., …)", "— open, draining
# or oozing —") or a list ("from one hospital, one scanner vendor, …"). The condition then runs on to a later comma.
_ASIDE = re.compile(r"^(?:such as|e\.g\.|i\.e\.|for example|for instance|including)\b", re.IGNORECASE)
_LISTED = re.compile(r"^(?:a|an|the|one|or|and)\b(?:\W*\w+){0,3}?,", re.IGNORECASE)
_ACTION_VERBS = frozenset("""ask run check verify insist require define set track compare audit review confirm log limit
route escalate pause re-validate revalidate use keep add include document monitor measure record report test train
stop avoid call contact follow store label discard wash clean replace tighten inflate adjust cover cool heat turn mix
chop water move build start wait choose plan treat look make consider remember watch get give take focus be
map write tell prefer inspect lower raise tune""".split())
_SHOULD = re.compile(r"^(?:\S+ ){0,6}?(?:should|must|need to|needs to|ought to|has to|have to)\b")
# "…, it is usually because …": a reason, not what follows from the situation.
_REASON = re.compile(r"^(?:it|this|that)(?:'s| is| was)(?: \w+)? because\b", re.IGNORECASE)
# Advice with its situation at the end: "Escalate immediately if you observe …", "re-validate after … changes".
_TRAILING = re.compile(rf"^{_LEAD}(?P<main>[A-Z“][^;:]{{8,160}}?) (?P<cond>(?:if|when|whenever|before|after|once) "
                       r"[^;]{6,160})$")
# A consequence with its situation at the end, possibly after a colon: "…: a model trained on one protocol may struggle
# on another if the intensity patterns shift". The modal says what can follow; without one, "X happens when Y" defines.
_AFTER_COLON = re.compile(r"^[^:;]{8,200}: (?P<clause>[a-z“][^:;]+)$")
_MODAL = re.compile(r"\b(?:may|can|could|might)\b")
# "… conditions that … could become dangerous if …": the modal belongs to a relative clause, not to what follows.
_RELATIVE_MODAL = re.compile(r"\b(?:that|which|who|whose|where)\b.*\b(?:may|can|could|might)\b", re.IGNORECASE)
# "… if people are careless, such as dense fog …": the aside names the main clause's object, so the split is wrong.
_ASIDE_INSIDE = re.compile(r",\s+(?:such as|e\.g\.|for example|for instance|including|like)\b", re.IGNORECASE)
_POINTING = re.compile(r"^(?:it|they|this|that|these|those|there|he|she|we)\b", re.IGNORECASE)


# A trailing condition is one clause: a reason ("… if you can, because …") or a second instruction ("… after each
# turn, and stop as soon as …") after it makes the condition and the advice split at the wrong place.
_RUN_ON = re.compile(r",\s+(?:and|but|then|so)\s+(?P<rest>.+)$")
_BECAUSE = re.compile(r"\b(?:because|since)\b", re.IGNORECASE)


def _one_trailing_clause(cond: str, main: str) -> bool:
    """Whether a trailing-condition sentence is advice followed by one condition, with nothing after it."""
    if _BECAUSE.search(cond) or _BECAUSE.search(main):
        return False
    more = _RUN_ON.search(cond)
    return not (more and _imperative(more.group("rest")))


@dataclass(frozen=True)
class Advice:
    ref: str
    sentence: str
    cond: str
    main: str
    action: bool


def _imperative(clause: str) -> bool:
    """Whether a clause gives an instruction: a known action verb first, or a verb followed by the start of its
    object (facts.opens_with_bare_verb)."""
    words = clause.lower().strip("“").split()[:2]
    if len(words) == 2 and words[0] == "do" and (words[1] == "not" or words[1] in OBJECT_START):
        return True  # "…, do the review together", "…, do not refreeze it": "do" opening a main clause instructs
    return bool(words) and words[0] in _ACTION_VERBS or opens_with_bare_verb(clause)


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")") and text.count("—") % 2 == 0 and text.count("“") == text.count("”")


def _leading(sent: str) -> tuple[str, str] | None:
    """'If/When/Before … , …' split into its condition and its main clause, at the first comma that closes the
    condition (not one inside an aside or a list); None when the sentence has no such split."""
    m = _OPENING.match(sent)
    if not m:
        return None
    start = m.start("word")
    # The comma may sit inside a closing quote: 'If the intended use is “triage,” it may …'.
    for comma in re.finditer(r",([”\"]?) ", sent[m.end():]):
        cond = sent[start:m.end() + comma.start()] + comma.group(1)
        main = sent[m.end() + comma.end():]
        if len(cond) - len(m.group("word")) < 6 or len(cond) > 170 or re.search(r"[;:]", cond):
            return None  # "If so, …" is no situation; past 170 characters or a clause break, none is found
        if not _balanced(cond) or _ASIDE.match(main) or _LISTED.match(main):
            continue
        if len(cond.split()) <= 2 and re.match(r"[^,(]{0,60}\b(?:and|or)\b[^,(]*,", main):
            continue  # "Once melons, tomatoes and leafy greens are cut, …": the comma is the list's
        return (cond, main) if re.match(r"[a-z]", main) and len(main) > 12 and not _BECAUSE.match(main) else None
    return None


def _trailing_consequence(sent: str) -> tuple[str, str] | None:
    """(condition, consequence) of "<subject> may/can … if/when …", alone or after a colon; None when the subject
    points back, the condition is concessive ("even if") or either part is more than one plain clause (an aside, a
    list or a second clause could cut the sentence at the wrong place)."""
    body = sent.rstrip(".")
    after = _AFTER_COLON.match(body)
    clause = after.group("clause") if after else body
    m = _TRAILING.match(clause[:1].upper() + clause[1:])
    if not m:
        return None
    main, cond = clause[m.start("main"):m.end("main")], m.group("cond")
    if (not _MODAL.search(main) or _POINTING.match(main) or re.search(r"\b(?:even|only|except|especially)$", main)
            or re.search(r"[,;:(—]", main) or not _balanced(cond) or len(cond.split()) < 3
            or _RELATIVE_MODAL.search(main) or _ASIDE_INSIDE.search(cond)
            or not _one_trailing_clause(cond, main) or len(main.split()) < 4):
        return None
    return cond, main


def _strip(text: str) -> str:
    """Without its closing full stop, also one inside a closing quote ('… “looks right.”' -> '… “looks right”')."""
    return re.sub(r"\.(?=[”\"’']*$)", "", text.strip().rstrip(".")).strip()


def conditionals(course: Course) -> list[Advice]:
    """Every 'If/When/Before … , …' sentence of the course, split into situation and what follows."""
    def build() -> list[Advice]:
        out = []
        for s in course.sections:
            for a, b in split_sentences(s.text):
                sent = s.text[a:b]
                if "?" in sent or len(sent.split()) > 60 or points_elsewhere(sent):
                    continue
                split = _leading(sent)
                trailing = split is None and (m := _TRAILING.match(sent.rstrip("."))) is not None
                if trailing:
                    split = m.group("cond"), m.group("main")
                    trailing_action = _imperative(split[1]) or bool(_SHOULD.match(split[1]))
                    if not trailing_action or re.search(r"\bto \w+$", split[1]):
                        split = trailing = None  # not advice; it may still state what follows (below)
                stated = split is None and (split := _trailing_consequence(sent)) is not None
                if split is None:
                    continue
                cond, main = split[0], _strip(split[1])
                if re.search(r"\b(?:they|them|it|this|that|these|those|its|their)\b", cond.split(" ", 1)[-1],
                             re.IGNORECASE):
                    continue  # "if they do not match": the situation leans on the sentence before
                if _REASON.match(main):
                    continue
                action = not stated and (_imperative(main) or bool(_SHOULD.match(main)))
                if trailing and not _one_trailing_clause(cond, main):
                    continue
                if re.match(r"(?:these|those|they|there|this|that)\b", main, re.IGNORECASE) and not action:
                    continue  # "…, this is why", "If a tool is cleared for X, that does not …": "this"/"that" stand
                    # for the situation or a sentence before, so the outcome alone reads as nothing ("it" names the
                    # situation's subject, which the options give: kept)
                if not action and (re.match(r"(?:before|until|while)\b", cond, re.IGNORECASE)
                                   or re.match(r"(?:after|once)\b", cond, re.IGNORECASE) and not _MODAL.search(main)):
                    continue  # a time, not a cause: "Before buying bees, a beginner needs …", "After the larval
                    # stage, the workers cover the cell …" (a step of a sequence; "After an upgrade, X may …" stays)
                out.append(Advice(s.ref, sent, _strip(cond), main, action))
        return out

    return course.derived("quiz.conditionals", build)


def _cite(section: Section, quote: str) -> ItemCitation:
    return ItemCitation(ref=section.ref, section_title=section.section_title, quote=quote, chapter=section.chapter,
                        chapter_title=section.chapter_title)


def _option(text: str) -> str:
    return text[:1].upper() + text[1:]


def advice_items(course: Course, section: Section, terms: Terms, embedder=None) -> list[QuizItem]:
    """'What does the course recommend if …?', 'What can happen if …?' and, back from an outcome to its situation,
    'Which situation can lead to this: …?' (all apply: each takes the course's reasoning to a case)."""
    everything = conditionals(course)
    out = []
    for adv in (a for a in everything if a.ref == section.ref):
        if not adv.action:
            out.extend(_cause_item(course, section, adv, everything, terms, embedder))
        same_kind = [o for o in everything if o.action == adv.action and o.main != adv.main
                     and support(o.main, adv.sentence, terms.synonyms) < 0.5
                     and support(adv.main, o.sentence, terms.synonyms) < 0.5]
        # Same chapter first, then the rest of the course; within each, closest in meaning to the right answer.
        chapter = section.chapter
        near = rank_texts(adv.main, [o.main for o in same_kind if course.section(o.ref).chapter == chapter], embedder)
        far = rank_texts(adv.main, [o.main for o in same_kind if course.section(o.ref).chapter != chapter], embedder)
        wrong = list(dict.fromkeys([*near, *far]))[:3]
        if len(wrong) < 3:
            continue
        cond = adv.cond[:1].lower() + adv.cond[1:]
        if adv.action:
            prompt = f"What does the course recommend {cond}?"
            kind, level = "situation_action", "apply"
        else:
            # Predicting what follows in a concrete situation applies the course's reasoning to a case.
            prompt = f"According to the course, what can happen {cond}?"
            kind, level = "consequence", "apply"
        answer = _option(adv.main)
        options = [answer, *(_option(w) for w in wrong)]
        iid = item_id(course.version, section.ref, "mcq", kind, adv.cond, adv.sentence)
        rng_for(iid, "options").shuffle(options)
        out.append(QuizItem(id=iid, type="mcq", prompt=prompt, options=options, answer=answer,
                            explanation=adv.sentence, citation=_cite(section, adv.sentence),
                            difficulty="hard" if adv.action else "medium", source_hash=digest(adv.sentence),
                            kind=kind, origin="generated", level=level))
    return out


def _lower_first(text: str) -> str:
    """'A model …' → 'a model …', but 'AI can …' and '“Who …' keep their first letters."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _cause_item(course: Course, section: Section, adv: Advice, everything: list[Advice], terms: Terms,
                embedder=None) -> list[QuizItem]:
    """'Which situation can lead to this: <outcome>?' with the course's other situations as wrong options; a
    situation whose own sentence also supports the outcome (or that this sentence supports) is never one of them.
    It shares its passage with the forward question, so a quiz holds both only when nothing else is left. The
    outcome must be one plain clause: quoted in the question, "…; when they diverge, …" would bring a second one."""
    if re.search(r"[;:]", adv.main) or len(adv.main.split()) > 25:
        return []
    others = [o for o in everything if o.cond.lower() != adv.cond.lower() and o.main != adv.main
              and support(o.cond, adv.sentence, terms.synonyms) < 0.5
              and support(adv.main, o.sentence, terms.synonyms) < 0.5]
    near = rank_texts(adv.cond, [o.cond for o in others if course.section(o.ref).chapter == section.chapter], embedder)
    far = rank_texts(adv.cond, [o.cond for o in others if course.section(o.ref).chapter != section.chapter], embedder)
    answer = _option(adv.cond)
    wrong = [w for w in dict.fromkeys(_option(c) for c in [*near, *far]) if w.lower() != answer.lower()][:3]
    if len(wrong) < 3:
        return []
    options = [answer, *wrong]
    iid = item_id(course.version, section.ref, "mcq", "cause", adv.cond, adv.sentence)
    rng_for(iid, "options").shuffle(options)
    prompt = f"According to the course, which situation can lead to this: {_lower_first(adv.main)}?"
    return [QuizItem(id=iid, type="mcq", prompt=prompt, options=options, answer=answer, explanation=adv.sentence,
                     citation=_cite(section, adv.sentence), difficulty="medium",
                     source_hash=digest(adv.sentence), kind="cause", origin="generated", level="apply")]


_FRAMES = r"Imagine|Consider|Say|Suppose|Picture"  # a verb that frames a case, not one that instructs
_EXAMPLE = re.compile(rf"^(?:For example|For instance|{_FRAMES})\b[:,]?\s*(?P<body>.+)$")
_FRAMING = re.compile(rf"^(?:{_FRAMES})\b[:,]?\s*", re.IGNORECASE)


def example_items(course: Course, section: Section, terms: Terms, defined: dict[str, int], embedder=None) -> list[QuizItem]:
    """'Which term names what this example shows?': an example sentence of the section that does not name the term
    the section defined just before it (within three sentences); the quote spans both sentences."""
    spans = split_sentences(section.text)
    sents = [section.text[a:b] for a, b in spans]
    out = []
    for i, sent in enumerate(sents):
        m = _EXAMPLE.match(sent)
        if not m or "?" in sent or len(sent.split()) > 55 or _imperative(_FRAMING.sub("", m.group("body"))):
            continue  # "For example, include a one-click feedback option …" is advice, not an instance of a term
            # ("For example, suppose your car needs …" frames one)
        term = None
        for j in range(i - 1, max(-1, i - 4), -1):
            named = [t for t in terms.all if t.core and t.regex.search(sents[j]) and defined.get(t.name) == j]
            if named:
                term = max(named, key=lambda t: len(t.name))
                start = j
                break
        if term is None or term.regex.search(sent):
            continue
        quote = section.text[spans[start][0]:spans[i][1]]
        prompt_text = f"Which term from the course names what this example shows? “{sent}”"
        wrong = pick_terms(course, terms, term, section.chapter, 3, avoid_text=quote + " " + sent, embedder=embedder,
                           rng=rng_for(section.ref, term.name, "example"))
        if len(wrong) < 3:
            continue
        options = [term.label, *(w.label for w in wrong)]
        iid = item_id(course.version, section.ref, "mcq", "example_to_term", term.name, quote)
        rng_for(iid, "options").shuffle(options)
        out.append(QuizItem(id=iid, type="mcq", prompt=prompt_text, options=options, answer=term.label,
                            explanation=quote, citation=_cite(section, quote), difficulty="hard",
                            source_hash=digest(quote, "example"), kind="scenario", origin="generated",
                            concept=term.name, level="apply"))
    return out


_QUESTION = re.compile(r"[“\"](?P<q>[^”\"]{12,160}\?)[”\"]")


def question_items(course: Course, section: Section, terms: Terms, embedder=None) -> list[QuizItem]:
    """'A colleague asks “…?” Which term answers that question?': a question the course quotes and then names the
    measure or idea that answers it (in the same sentence or the next one)."""
    spans = split_sentences(section.text)
    sents = [section.text[a:b] for a, b in spans]
    out = []
    for i, sent in enumerate(sents):
        for m in _QUESTION.finditer(sent):
            rest = sent[: m.start()] + sent[m.end():]
            candidates = [(t, i) for t in terms.all if t.core and t.regex.search(rest)]
            if not candidates and i + 1 < len(sents) and len(sents[i + 1].split()) <= 12:
                candidates = [(t, i + 1) for t in terms.all if t.core and t.regex.search(sents[i + 1])]
            if len(candidates) != 1:
                continue  # the answer must be unambiguous
            term, end = candidates[0]
            question = m.group("q")
            if term.regex.search(question):
                continue
            quote = section.text[spans[i][0]:spans[end][1]]
            wrong = pick_terms(course, terms, term, section.chapter, 3, avoid_text=quote, embedder=embedder,
                               rng=rng_for(section.ref, term.name, "question"))
            if len(wrong) < 3:
                continue
            options = [term.label, *(w.label for w in wrong)]
            iid = item_id(course.version, section.ref, "mcq", "question_to_term", term.name, quote + question)
            rng_for(iid, "options").shuffle(options)
            out.append(QuizItem(id=iid, type="mcq",
                                prompt=f"A colleague asks: “{question}” Which term from the course answers that "
                                       "question?",
                                options=options, answer=term.label, explanation=quote, citation=_cite(section, quote),
                                difficulty="medium", source_hash=digest(quote, question), kind="question_to_term",
                                origin="generated", concept=term.name, level="apply"))
    return out


# "Common data quality risks include motion blur (patient movement during CT/MRI), metal artifacts (orthopedic
# hardware streaking), …" and "(1) commission—accepting …, and (2) omission—failing …": lists whose members each come
# with a description. The members are siblings; a description is a case to classify.
_LIST_ITEM = re.compile(r"(?:^|[,;:]\s+|\band\s+|\(\d\)\s+|\bincludes?\s+|\bsuch as\s+)(?:\(\d\)\s+)?(?P<name>[A-Za-z][\w/-]*(?: [\w/-]+){0,3}?)"
                        r"(?: \((?P<paren>[^()]{8,90})\)|—(?P<dash>[^—,;(]{8,90}))")
_CATEGORY = re.compile(r"(?P<cat>(?:[A-Za-z-]+ ){0,3}[A-Za-z-]+) (?:include|includes|appears? in (?:two|three|four) forms|"
                       r"(?:are|is) (?:grouped|described) as)\b[:]?", re.IGNORECASE)


def _singular(phrase: str) -> str:
    words_ = phrase.split()
    last = words_[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return " ".join([*words_[:-1], last])


_AND_OR = r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+"
COMMAS = r",\s*(?:and\s+|or\s+)?"


def top_level_split(text: str, separator: str = _AND_OR) -> list[str]:
    """Split a list at `separator` (by default ', ', ' and ', ' or ') outside brackets and quotes."""
    parts, depth, cur = [], 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        depth += ch in "(“["
        depth -= ch in ")”]"
        if depth == 0:
            m = re.match(separator, text[i:])
            if m:
                parts.append(cur)
                cur = ""
                i += m.end()
                continue
        cur += ch
        i += 1
    return [p.strip() for p in [*parts, cur] if p.strip()]


def list_members(sentence: str) -> list[tuple[str, str]]:
    """(name, description) of the members of a list in one sentence: described ones carry their description,
    undescribed siblings of the same list come with '' (they serve as wrong options)."""
    described = _described_members(sentence)
    if len(described) < 2:
        return described if len(described) >= 3 else []
    start = sentence.find(described[0][0])
    # Undescribed members before the first described one: "…three groups: training, validation (…), and testing (…)".
    names = {n.lower() for n, _ in described}
    before = []
    for piece in reversed(re.split(r",\s+", sentence[:start].rstrip(", "))[-3:]):
        piece = piece.split(": ")[-1].strip()
        if not piece or len(piece.split()) > 3 or not piece[0].isalpha():
            break
        before.append((piece, ""))
        if ": " in sentence[:start] and sentence[:start].rstrip(", ").endswith(piece) is False:
            break
    tail = sentence[start:]
    last = described[-1]
    end_marker = tail.find(last[1]) + len(last[1]) + 1 if last[1] in tail else len(tail)
    def plausible(name: str) -> bool:
        if name.lower() in ("the", "a", "an", "and", "or", "both", "each") or not re.search(r"[A-Za-z]{3,}", name):
            return False
        return not re.search(r"^(?:in|on|at|for|with|by|from|to|as|of)\b|\b(?:include|includes|example|examples|"
                             r"such|practice|is|are)\b", name, re.IGNORECASE)

    before = [b for b in before if plausible(b[0])]
    out = list(described) + [b for b in before if b[0].lower() not in names]
    names |= {b[0].lower() for b in before}
    for part in top_level_split(tail[:end_marker]):
        bare = re.sub(r"\s*(?:\([^()]*\)|—.*)$", "", part).strip(" .")
        bare = re.sub(r"^(?:and|or|the|a|an)\s+", "", bare, flags=re.I)
        if bare and bare.lower() not in names and 1 <= len(bare.split()) <= 4 and bare[0].isalpha() and plausible(bare):
            out.append((bare, ""))
            names.add(bare.lower())
    # The list's last member may come undescribed after the described ones: "…, structured outcomes (e.g., …), and
    # human annotations such as boxes or segmentation masks." Its name ends where an aside or the sentence begins.
    last_member = re.match(r"^,?\s+(?:and|or)\s+(?:the\s+|a\s+|an\s+)?(?P<name>[A-Za-z][\w/-]*(?: [\w/-]+){0,3}?)"
                           r"(?=\s+(?:such as|e\.g\.|including|like)\b|\s*[(—,;:.]|$)", tail[end_marker:])
    if last_member:
        bare = last_member.group("name")
        if bare.lower() not in names and plausible(bare):
            out.append((bare, ""))
    return out


def _described_members(sentence: str) -> list[tuple[str, str]]:
    out = []
    for m in _LIST_ITEM.finditer(sentence):
        name = re.sub(r"^(?:and|or|the|a|an|include|includes|such as)\s+", "", m.group("name").strip(), flags=re.I)
        name = re.sub(r"^.*\b(?:includes?|such as|into|are|is)\s+", "", name)
        desc = (m.group("paren") or m.group("dash") or "").strip()
        if len(desc.split()) < 2 or (desc.count(",") >= 2 and max(len(x.split()) for x in desc.split(",")) <= 2):
            continue  # "(radiology, ED, IT, vendors)" lists, it does not describe
        if re.match(r"(?:e\.g\.|for example|i\.e\.|see|such as)", desc, re.I) or len(name) < 3:
            desc = re.sub(r"^(?:e\.g\.,?|for example,?)\s*", "", desc, flags=re.I)
        if desc and name.lower() not in ("e.g", "eg") and len(name.split()) <= 4:
            out.append((name, desc))
    names = [n.lower() for n, _ in out]
    return out if len(out) >= 2 and len(set(names)) == len(names) else []


def list_items(course: Course, section: Section, embedder=None) -> list[QuizItem]:
    """'Which of the <category> the course lists fits this description?' with the list's other members as options."""
    out = []
    for a, b in split_sentences(section.text):
        sent = section.text[a:b]
        members = list_members(sent)
        if len(members) < 3:
            continue
        cat = _CATEGORY.search(sent)
        category = _singular(cat.group("cat").lower()) if cat else "item"
        category = re.sub(r"^(?:common|classic|other|the|typical|main)\s+", "", category)
        members = [(n, d) for n, d in members if n.strip(" .,;:")]
        names = [n for n, _ in members]
        for name, desc in members:
            if not desc:
                continue
            if name.lower() in desc.lower() or any(o.lower() in desc.lower() for o in names if o != name):
                continue  # the description would give an option away
            wrong = [n for n in names if n != name]
            if len(wrong) < 3:
                # Two-member lists (the course's "(1) …, (2) …") borrow nothing: a true/false-like pair is too easy.
                if len(wrong) < 1:
                    continue
            options = [name, *wrong[:3]]
            if len(options) < 3:
                continue
            prompt = f"Which {category} from the course's list fits this description: “{desc}”?"
            iid = item_id(course.version, section.ref, "mcq", "list_case", name, sent)
            rng_for(iid, "options").shuffle(options)
            out.append(QuizItem(id=iid, type="mcq", prompt=prompt, options=options, answer=name, explanation=sent,
                                citation=_cite(section, sent), difficulty="medium", source_hash=digest(sent, name),
                                kind="list_case", origin="generated", concept="", level="apply"))
    return out
