"""The default answer writer: the course's own sentences that answer the question, read as one explanation.

The answer leads with the best sentence of the best section (for "what is X?", a sentence that says what X is:
tutor/defining.py), follows with that section's next-best sentences in the course's order, adds at most one
sentence from another section, and never a sentence about the course itself ("In this chapter…"), one that leans
on a sentence left out ("That is why…"), or one of the course's own questions ("Ask: sensitivity for what?") unless
the learner asked what to ask or check. Sentences are scored by a logistic model (tutor/sentence_model.json, fitted
by scripts/fit_sentences.py on the fit splits' evidence quotes: a sentence is a positive when it holds the quote).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..corpus.sentences import COURSE_META as _META, is_learning_objective
from ..quiz.facts import leans_on_neighbours
from ..retrieval.results import Retrieval
from ..text import stem, tokens, words
from .defining import asked_stems, defined_stems, defined_subject, defined_words
from .guard import is_injection

SECTION_POOL = 3
MAX_MAIN = 3  # sentences from the answering section
MAX_OTHER = 1  # from any other section
MAX_LEANING = 3  # sentences a chain may lean back over ("X. That is Y. Similarly, Z. Here is the point: ...")
# Relative to the lead's probability, what a further sentence needs: the same section is the same explanation, another
# section must be nearly as good to earn a place. From scripts/fit_sentences.py's grid (5-fold CV on 1,037 fit
# questions with evidence): 0.80/0.95 puts the evidence in 0.810 of answers with 2.4 sentences on average; 0.70 gave
# 0.824 with 2.7 sentences, 0.90 gave 0.774 with 2.0. The other-section share barely matters (0.90-1.00 alike).
SAME_SECTION_SHARE = 0.80
OTHER_SECTION_SHARE = 0.95
REDUNDANT = 0.85  # cosine between two sentences above which the second repeats the first
DEFINITION_LEAD_SHARE = 0.6  # a sentence defining the asked term leads at this share of the best one's probability

INTENTS = ("definition", "reason", "steps", "example", "comparison", "value", "general")
# "what is …", "what does … mean", "define …", "explain …": a definition asked for in so many words
_ASKS_WHAT = r"^\s*(?:what(?:'s| is| are| does| do)|whats|define|meaning of|explain)\b"
_INTENT = (
    ("example", re.compile(r"\b(?:example|examples|e\.g\.?|for instance|such as|like what|instance|scenario|"
                           r"illustrat\w*|concrete)\b", re.I)),
    ("comparison", re.compile(r"\b(?:difference|differ\w*|vs\.?|versus|compare\w*|same as|similar to|"
                              r"rather than|or)\b.*\b(?:and|or|vs\.?|versus|from|with|to)\b|\bvs\.?\b|\bversus\b|"
                              r"\bdifference\b|\bcompare|"
                              # "wet or dry, which is better?", "which one works best?"
                              r"\bwhich (?:one |of (?:them|the two|these|those) )?(?:is|are|works?) (?:better|best|worse|"
                              r"safer|cheaper|faster|more \w+)\b", re.I)),
    ("reason", re.compile(r"^\s*(?:why|how come)\b|\bwhy\b|\breason|\bcause[sd]?\b|\bmatter", re.I)),
    ("steps", re.compile(r"^\s*how (?:do|can|should|would|to)\b|\bsteps?\b|\bprocess\b|\bhow to\b|\bwhat should\b|"
                         r"\bchecklist\b|\bquestions to ask\b", re.I)),
    ("value", re.compile(r"\bhow (?:many|much|often)\b|\bwhat percent|\bcalculat|\bcompute|\bformula\b|%", re.I)),
    ("definition", re.compile(rf"{_ASKS_WHAT}|^\s*[\w\s-]{{1,30}}\?*\s*$", re.I)),
)
ASKS_WHAT = re.compile(_ASKS_WHAT, re.I)  # asked in so many words; a short phrase alone may be a definition too
_CUES = {
    # "(often called a silent or shadow mode trial)", "a bracket called the hanger": a name given without "is"
    "defines": re.compile(r"\b(?:is|are|means|refers to|called|describes|is when|happens when|"
                          r"is defined as|known as)\b", re.I),
    "reason": re.compile(r"\b(?:because|so that|this is why|that is why|which means|therefore|as a result|"
                         r"matters? because|the reason|leads? to|can cause|causes)\b", re.I),
    "steps": re.compile(r"^(?:first|second|then|next|finally|start|begin|ask|check|make sure|use|set|define|"
                        r"require|document|monitor|track|plan)\b|\bstep\b|:\s*\w", re.I),
    "example": re.compile(r"\b(?:for example|e\.g\.|for instance|such as|imagine|consider|suppose|"
                          r"a common example|classic examples?)\b", re.I),
    "comparison": re.compile(r"\b(?:whereas|while|unlike|rather than|by contrast|in contrast|compared (?:with|to)|"
                             r"versus|vs\.?|instead of|on the other hand)\b", re.I),
    "number": re.compile(r"\d"),
}
# A sentence that opens by pointing back ("This…", "However…"), or whose subject is elided ("Another is…", "The
# other is…": another *what* was in the sentence before), leans on the sentence before it.
# "Here is/are …" presents what follows it ("Here is the crucial point: PPV and NPV depend …"); "Here it can …" means
# "at the step just described" and points back.
_DANGLING = re.compile(r"^(?:this|that|these|those|it|its|they|their|such|both|here(?! (?:is|are)\b|['’]s\b)|he|she|"
                       r"then|also|however|"
                       r"but|and|so|thus|instead|otherwise|likewise|similarly|in (?:that|this) case|"
                       r"(?:another|the other|the others|the rest|one|a second|a third) (?:is|are|was|were)\b)\b|"
                       # A preposition pointing back ("From that, four outcomes are possible.", "On which
                       # population?") or a connective, with its comma, that continues an argument ("In turn, …",
                       # "Therefore, …"; not "Still images …", "In addition to the scan, …"); on six courses the four
                       # sentences this adds all did (and "By this point, you know …" is meta)
                       r"^(?:(?:from|after|before|because of|despite|beyond|besides|with|without|given|for|in|on|at|"
                       r"by|under|over|unlike|apart from|on top of|in addition to|as a result of|in spite of|"
                       r"compared (?:to|with)|along with|as with) (?:this|that|these|those|it|them|which|such)\b|"
                       r"(?:as a result|in addition|in contrast|by contrast|even so|still|yet|therefore|hence|"
                       r"consequently|moreover|furthermore|meanwhile|nevertheless|nonetheless|again|in turn|as such|"
                       r"accordingly|in other words|on the other hand),)|"
                       # "Performance then drops", "Even then, ...": a "then" among the first words continues a story
                       # (not "If X, then Y", nor "clean and then dry"); on five courses every such sentence did
                       r"^(?!(?:if|when|whenever|once|after|before|until)\b)[\w’'-]+(?: [\w’'-]+)? "
                       r"(?<!\band )(?<!\bor )then\b",
                       re.I)
# "In imaging, this can vary …", "For AI, this is …", "When used within scope, it can …": a demonstrative after a
# short opening phrase (not a clause of its own: "If the scan is noisy, this …" says what "this" is), or any pronoun
# after a clause with no subject; on seven courses the eight sentences this adds all did. Apart from _DANGLING, which
# is a feature of the fitted sentence model and stays as it was fitted: this one only decides what a sentence needs
# before it (a lead brings its antecedent; a sentence from another section is left out).
_OPENS_POINTING_BACK = re.compile(r"^(?!(?:if|when|whenever|because|since|as|although|though|while|unless|until|"
                                  r"after|before|once)\b)[\w’'-]+(?: [\w’'-]+){0,3}, (?:this|that|these|those)\b|"
                                  r"^(?:when|if|once|while|after|before|unless|until|though|although)(?: \w+ly)? "
                                  r"(?:\w+(?:ed|en)|set|built|made|done|put|run|kept|left|bought|found|taught|held)\b"
                                  r"[^,]{0,40}, (?:it|they|this|that|these|those)\b", re.I)
# A sentence that points ahead ("Common mistakes start here.", "Ground truth can be set in three ways:") says nothing
# until the sentence after it: it is given with that one (same paragraph) or not at all.
_AHEAD = re.compile(r"(?::|\b(?:as follows|the following|below|(?:starts?|begins?) here))\s*[.:]?$", re.I)
# A sentence whose subject is another section ("Section 1.3 explains this difference … in more detail.", "If that is
# not enough, Section 2.4 explains how extenders and mesh systems can help.") says where the answer is, not what it
# is: the answer follows it there, and never gives it as content. Not a section named inside a sentence about
# something else ("Time-temperature abuse, introduced in section 1.1, happens …").
_POINTS_TO = re.compile(r"(?:^|[,;:]\s+)sections?\s+(?P<ref>\d+\.\d+)\s+(?!is\b|was\b|has\b)[a-z]+s\b", re.I)
INTENT_CUE = {"definition": "defines", "reason": "reason", "steps": "steps", "example": "example",
              "comparison": "comparison", "value": "number"}
FEATURES = ("cosine", "overlap", "section_prior", "in_main", "intent_match", "defines", "first_in_section",
            "length", "meta", "dangling", "example_cue", "number_cue")


def leans_on_previous(sentence: str) -> bool:
    """Whether a sentence points back at the one before it ("That is PPV.", "However, …"), so cannot stand alone."""
    return bool(_DANGLING.match(sentence) or _OPENS_POINTING_BACK.match(sentence))


def intent_of(question: str) -> str:
    """What kind of answer the question wants (course-independent English patterns)."""
    for name, pattern in _INTENT:
        if pattern.search(question):
            return name
    return "general"


@dataclass
class Picked:
    index: int  # into snapshot.sentences
    ref: str
    text: str
    score: float
    dangling: bool = False
    defines_asked: bool = False  # says what the term a "what is X?" question asks about is
    defines_only_asked: bool = False  # and the whole term it defines is asked about ("Drones are …" for "a drone?")


def _probability(p: Picked) -> float:
    """A sentence's score is log-odds; shares of the best sentence's probability compare sentences."""
    return 1 / (1 + np.exp(-p.score))


def _sentence_flags(snap) -> list[dict]:
    """What each sentence's own text shows (cues, meta-text, injection), computed once per snapshot: it never
    depends on the question."""
    if "sentence_flags" not in snap.derived:
        flags = [
            {"injection": is_injection(s.text), "meta": bool(_META.search(s.text)),
             "objective": is_learning_objective(s.text),
             "dangling": bool(_DANGLING.match(s.text)), "leans": leans_on_previous(s.text),
             "length": min(len(s.text.split()), 60) / 60.0,
             "question": s.text.rstrip().endswith("?"), "defined": defined_stems(s.text),
             "subject_stems": frozenset(stem(w, strong=True) for w in defined_words(s.text)),
             **{name: bool(pattern.search(s.text)) for name, pattern in _CUES.items()}}
            for s in snap.sentences]
        for i, f in enumerate(flags):
            f["defined_whole"] = defined_subject(snap.sentences[i].text) or f["defined"]
            f["ahead"] = bool(_AHEAD.search(snap.sentences[i].text.strip()))
            f["announces"] = _next_in_paragraph(snap, i) if f["ahead"] else None
            m = _POINTS_TO.search(snap.sentences[i].text)
            f["points_to"] = (m.group("ref") if m and m.group("ref") in snap.sentences_by_ref
                              and m.group("ref") != snap.sentences[i].ref else None)
            if f["announces"] is not None and (flags[f["announces"]]["meta"] or flags[f["announces"]]["injection"]):
                f["announces"] = None
        snap.derived["sentence_flags"] = flags
    return snap.derived["sentence_flags"]


def _paragraph_topics(snap) -> list[frozenset[str]]:
    """Per sentence (per snapshot), the subject its paragraph's opening sentence defines (defined_subject; empty when
    that sentence defines nothing)."""
    if "paragraph_topics" not in snap.derived:
        out: list[frozenset[str]] = []
        topic, opens = frozenset(), True
        for i, s in enumerate(snap.sentences):
            if opens:
                topic = defined_subject(s.text)
            out.append(topic)
            opens = _next_in_paragraph(snap, i) is None
        snap.derived["paragraph_topics"] = out
    return snap.derived["paragraph_topics"]


def _next_in_paragraph(snap, i: int) -> int | None:
    """The sentence right after sentence i in the same paragraph of its section, if there is one."""
    here, nxt = snap.sentences[i], snap.sentences[i + 1] if i + 1 < len(snap.sentences) else None
    if nxt is None or nxt.ref != here.ref or nxt.position != here.position + 1:
        return None
    text = snap.course.section(here.ref).text
    start = text.find(here.text)
    gap_end = text.find(nxt.text, start + len(here.text)) if start >= 0 else -1
    return i + 1 if gap_end >= 0 and "\n" not in text[start + len(here.text):gap_end] else None


def sentence_features(focus: str, retrieval: Retrieval, focus_vector: np.ndarray,
                      intent: str | None = None) -> list[tuple[int, dict[str, float]]]:
    """(sentence index, features) for every sentence of the top sections."""
    snap = retrieval.snapshot
    top = retrieval.sections[:SECTION_POOL]
    if not top:
        return []
    intent = intent or intent_of(focus)
    cue = INTENT_CUE.get(intent)
    best_score = top[0].score or 1.0
    q_tokens = set(tokens(focus))
    out = []
    flags = _sentence_flags(snap)
    for rank, sec in enumerate(top):
        idxs = snap.sentences_by_ref.get(sec.ref, [])
        for k, i in enumerate(idxs):
            f = flags[i]
            if f["injection"]:
                continue  # an instruction planted in the course text is data, never something we repeat
            s_tokens = snap.sentence_token_sets[i]
            out.append((i, {
                "cosine": float(snap.sentence_vectors[i] @ focus_vector),
                "overlap": len(q_tokens & s_tokens) / len(q_tokens) if q_tokens else 0.0,
                "section_prior": sec.score / best_score,
                "in_main": float(rank == 0),
                "intent_match": float(bool(cue and f[cue])),
                "defines": float(f["defines"] and bool(q_tokens & s_tokens)),
                "first_in_section": float(k == 0),
                "length": f["length"],
                "meta": float(f["meta"]),
                "dangling": float(f["dangling"]),
                "example_cue": float(f["example"]),
                "number_cue": float(f["number"]),
            }))
    return out


def score_sentences(focus: str, retrieval: Retrieval, focus_vector: np.ndarray, model: dict,
                    intent: str | None = None) -> list[Picked]:
    """Every sentence of the top sections with the fitted model's score, best first."""
    snap = retrieval.snapshot
    flags = _sentence_flags(snap)
    # "What is X?" is best answered by a sentence that defines X, not by any sentence with an "is" that mentions X.
    # For other intents the model's best sentence leads: a cue word ("because", "while", "for example") in a
    # sentence nearly as good led less often with the evidence (evals/README.md, "Which sentence leads").
    asked = asked_stems(focus) if (intent or intent_of(focus)) == "definition" else frozenset()
    picked = []
    for i, f in sentence_features(focus, retrieval, focus_vector, intent):
        z = model["intercept"] + sum(w * (f[name] - m) / s for name, w, m, s in
                                     zip(model["features"], model["weights"], model["mean"], model["scale"]))
        whole = flags[i]["defined_whole"]
        picked.append(Picked(i, snap.sentences[i].ref, snap.sentences[i].text, float(z), flags[i]["leans"],
                             bool(asked & flags[i]["defined"]), bool(asked and whole and whole <= asked)))
    picked.sort(key=lambda p: -p.score)
    return picked


def compose(picked: list[Picked], retrieval: Retrieval, *, same_share: float = SAME_SECTION_SHARE,
            other_share: float = OTHER_SECTION_SHARE, max_main: int = MAX_MAIN,
            questions: bool = False, said: frozenset[str] = frozenset(),
            named: frozenset[str] = frozenset(), compared: tuple[str, ...] = (), sides: tuple[str, ...] = (),
            defined: tuple[frozenset[str], ...] = ()) -> list[Picked]:
    """The answer's sentences in reading order: the lead, its section's others in course order, one from elsewhere.

    `questions`: the course's own questions ("Ask: sensitivity for what?") may be used; they explain nothing unless
    the learner asked what to ask or check (intent "steps"), or the answering section has nothing else to say.
    `said`: sentences the conversation's earlier answers gave (the last LOOKBACK turns); a follow-up ("example?", "I don't get it") is
    answered with the section's other sentences while it has any.
    `named`: stems the follow-up newly asks about ("and Hounsfield units?"); the best sentence for the turn, when
    an earlier answer gave it in passing and it names one of them, is given again (only that one).
    `compared`: for a comparison, the strong stems of the distinctive words it asks about; a side the chosen
    sentences never name gets the section's best sentence that names it ("bimetallic thermometer and a
    thermocouple?" was answered about the first alone).
    `sides`: for a comparison, the strong stems of every word it compares; a side no chosen sentence defines gets the
    best sentence of the retrieved sections that does ("the difference between a modem and a router" was answered
    from the router's section alone, which names the modem only in passing).
    `defined`: for "what are X and Y?", each term's heads (defining.heads_of); a term no chosen sentence defines gets
    the section's best sentence that does ("what are greens and browns?" defined greens alone)."""
    if not picked:
        return []
    snap = retrieval.snapshot
    flags = _sentence_flags(snap)
    main_ref = retrieval.sections[0].ref

    def prefer(pool: list[Picked], keep) -> list[Picked]:
        """Only the sentences `keep` accepts, unless that leaves the answering section with none."""
        narrowed = [p for p in pool if keep(p)]
        return narrowed if any(p.ref == main_ref for p in narrowed) else pool

    # meta-text never; a sentence pointing ahead only when the sentence it points to can follow it
    usable = [p for p in picked if not flags[p.index]["meta"] and not (flags[p.index]["ahead"]
                                                                        and flags[p.index]["announces"] is None)]
    if not questions:
        usable = prefer(usable, lambda p: not flags[p.index]["question"])
    if said:
        def names_asked(p: Picked) -> bool:
            return bool(named) and not named.isdisjoint(stem(w) for w in words(p.text))

        # The best sentence for the turn, when it was said in passing and names what is newly asked, is said again.
        best = next((p for p in usable if p.ref == main_ref), None)
        again = best.text if best is not None and best.text in said and names_asked(best) else None
        usable = prefer(usable, lambda p: p.text not in said or p.text == again)
    main = [p for p in usable if p.ref == main_ref]
    if not main:
        return []
    # The best sentence says which section answers ("Section 1.3 explains this difference …"): that one answers, when
    # it was retrieved. A sentence that only points elsewhere is never part of an answer.
    target = flags[main[0].index]["points_to"]
    if target is not None and any(p.ref == target for p in usable):
        main_ref = target
    usable = prefer(usable, lambda p: flags[p.index]["points_to"] is None)
    main = [p for p in usable if p.ref == main_ref]
    lead_p = _probability(main[0])
    if not any(p.defines_asked for p in main):
        # "What is the queen?" is answered by the retrieved section that says what the queen is ("The queen is the
        # only fully developed female …", second), not by the first one, which only uses the word, when its sentence is
        # nearly as good and defines nothing but what is asked ("Hot composting means …" does not answer "compost pile
        # not heating").
        definer = next((p for p in usable if p.defines_only_asked and not p.dangling
                        and _probability(p) >= DEFINITION_LEAD_SHARE * lead_p), None)
        if definer is not None:
            main_ref = definer.ref
            main = [p for p in usable if p.ref == main_ref]
            lead_p = _probability(main[0])
    # A "what is X?" answer leads with the sentence that says what X is, when the section has one nearly as good.
    lead = next((p for p in main if p.defines_asked and _probability(p) >= DEFINITION_LEAD_SHARE * lead_p), main[0])
    chosen = [lead]
    main = [p for p in main if p is not lead and not flags[p.index]["objective"]]
    if lead.defines_asked and not defined:  # "what are X and Y?" asks for the sibling's paragraph too
        # A paragraph that opens by defining another term ("European foulbrood is a different bacterial disease …"
        # after American foulbrood's paragraph) is about that term: its sentences ("Infected larvae look twisted …",
        # "It is usually less severe than American foulbrood …") would read as facts about the asked one.
        asked = defined_subject(lead.text) or flags[lead.index]["defined"]
        topic = _paragraph_topics(snap)
        # ("What approval generally means: …" is about approval still: its subject holds the asked one)
        main = [p for p in main if not topic[p.index] or topic[p.index] <= asked or asked <= topic[p.index]
                or topic[p.index] == topic[lead.index]]
    for p in main:
        if len(chosen) >= max_main:
            break
        if _probability(p) >= same_share * lead_p and not _redundant(p, chosen, snap):
            chosen.append(p)
    for side in compared:  # strong stems: "thermocouple" meets "Thermocouples"
        _cover(chosen, main, snap, lambda p, side=side: side in {stem(w, strong=True)
                                                                 for w in words(p.text, split_hyphens=True)})
    # Each side of a comparison is said what it is, when a retrieved section defines it: by a sentence whose subject
    # is the compared words alone ("Another shortcut is …" defines no shortcut) and that reads without its neighbours
    # (it comes from elsewhere: "Training is where you start shaping that balance, …" does not).
    defining = [p for p in usable if not flags[p.index]["objective"] and not p.dangling
                and not leans_on_neighbours(p.text)] if sides else []
    for side in sides:
        _cover(chosen, defining, snap, lambda p, side=side: side in flags[p.index]["subject_stems"] <= set(sides))
    for heads in defined:
        _cover(chosen, main, snap, lambda p, heads=heads: bool(flags[p.index]["defined"] & heads))
    if questions and (steps := _procedure(lead, snap, flags)):
        # "how do I clean my chain?" when the course answers with a numbered list: the whole list, in order, after
        # the sentence announcing it (it was "5. Wipe …", a fact on lube, then "3. Apply …")
        return steps
    others = [p for p in usable if p.ref != main_ref and not flags[p.index]["objective"]]
    for p in others[:MAX_OTHER]:
        if _probability(p) >= other_share * lead_p and not p.dangling and not _redundant(p, chosen, snap):
            chosen.append(p)
    return _with_antecedents(chosen, snap, flags, said)


def _cover(chosen: list[Picked], main: list[Picked], snap, covers) -> None:
    """Add the section's best sentence that `covers` accepts, unless a chosen one already does (a side of a
    comparison, a term of "what are X and Y?")."""
    if not any(covers(c) for c in chosen):
        extra = next((p for p in main if p not in chosen and covers(p) and not _redundant(p, chosen, snap)), None)
        if extra is not None:
            chosen.append(extra)


def _redundant(p: Picked, chosen: list[Picked], snap) -> bool:
    return max(float(snap.sentence_vectors[p.index] @ snap.sentence_vectors[c.index]) for c in chosen) > REDUNDANT


def _with_antecedents(chosen: list[Picked], snap, flags: list[dict], said: frozenset[str] = frozenset()) -> list[Picked]:
    """Order: the lead first, then the rest of its section in course order, then the other section. A sentence that
    points back comes right after the sentences it leans on ("X. That is Y. Similarly, Z."), or is dropped when one
    of them is not in its section; one that points ahead comes right before the sentence it announces. A sentence
    it leans on that the conversation's last answer gave (`said`) is not given again: the learner has just read it,
    and a follow-up that repeated it opened with the previous answer word for word."""
    lead = chosen[0]
    position = {i: snap.sentences[i].position for i in (p.index for p in chosen)}
    same = sorted([p for p in chosen[1:] if p.ref == lead.ref], key=lambda p: position[p.index])
    other = [p for p in chosen[1:] if p.ref != lead.ref]
    ordered: list[Picked] = []

    def place(group: list[Picked]) -> None:
        """Put the group's sentences into the answer in their course order, each missing one right beside its
        neighbour in the group (before the first one already there, else after the one before it)."""
        def where(q: Picked) -> int | None:
            return next((n for n, o in enumerate(ordered) if o.index == q.index), None)

        at = next((k for k in map(where, group) if k is not None), len(ordered))
        for q in group:
            k = where(q)
            if k is None:
                ordered.insert(at, q)
                at += 1
            else:
                at = max(at, k + 1)

    for p in [lead] + same + other:
        group = _leaning_chain(p, snap, flags)
        if group is None:
            continue  # a sentence it leans on is not in this section: leave it out
        group = [q for q in group if q is p or q.text not in said]
        after = flags[p.index]["announces"]
        if after is not None:
            nxt = snap.sentences[after]
            group.append(Picked(after, nxt.ref, nxt.text, p.score, flags[after]["leans"]))
        place(group)
    return _enumeration_in_order(ordered, snap)


def _enumeration_in_order(ordered: list[Picked], snap) -> list[Picked]:
    """The lead's section in course order when the answer reads an enumeration backwards ("Second, …" before
    "First, …"): the earlier step may have been chosen, or brought in beside the sentence announcing it ("Common
    mistakes start here." before "First, …", after a lead "Second, labeling can be inconsistent …")."""
    ref = ordered[0].ref if ordered else None
    block = [p for p in ordered if p.ref == ref]
    position = {p.index: snap.sentences[p.index].position for p in block}
    backwards = any(0 < _ordinal(later.text) < _ordinal(earlier.text)
                    and position[later.index] < position[earlier.index]
                    for k, earlier in enumerate(block) for later in block[k + 1:])
    if not backwards:
        return ordered
    return sorted(block, key=lambda p: position[p.index]) + [p for p in ordered if p.ref != ref]


_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s")  # a numbered list item ("3. Apply one small drop …")
MAX_PROCEDURE = 12  # sentences: a longer list is not given whole


def _procedure(lead: Picked, snap, flags: list[dict]) -> list[Picked]:
    """The numbered list the lead is a step of, whole and in course order, after the sentence announcing it ("To
    clean and lube a chain:"); [] when the lead is no step or the list is longer than MAX_PROCEDURE sentences."""
    if not _NUMBERED.match(lead.text):
        return []
    paragraphs: list[list[int]] = []  # the section's sentences, paragraph by paragraph
    for i in snap.sentences_by_ref[lead.ref]:
        if paragraphs and _next_in_paragraph(snap, paragraphs[-1][-1]) == i:
            paragraphs[-1].append(i)
        else:
            paragraphs.append([i])
    at = next(k for k, para in enumerate(paragraphs) if lead.index in para)

    def number(k: int) -> int:
        m = _NUMBERED.match(snap.sentences[paragraphs[k][0]].text)
        return int(m.group(1)) if m else 0

    first = last = at
    while first > 0 and number(first - 1) == number(first) - 1 > 0:
        first -= 1
    while last + 1 < len(paragraphs) and number(last + 1) == number(last) + 1:
        last += 1
    run = [i for para in paragraphs[first:last + 1] for i in para]
    intro = paragraphs[first - 1][-1] if first > 0 else None
    if intro is not None and flags[intro]["ahead"] and not flags[intro]["meta"]:
        run.insert(0, intro)
    if len(run) > MAX_PROCEDURE or any(flags[i]["injection"] for i in run):
        return []
    return [Picked(i, snap.sentences[i].ref, snap.sentences[i].text, lead.score, flags[i]["leans"]) for i in run]


_ORDINALS = {"first": 1, "firstly": 1, "second": 2, "secondly": 2, "third": 3, "thirdly": 3, "fourth": 4,
             "fourthly": 4, "fifth": 5, "finally": 9, "lastly": 9}


def _ordinal(sentence: str) -> int:
    """Where a sentence that opens an enumeration step stands in it ("Second, …" 2, "Finally, …" 9); 0 for others."""
    m = re.match(r"\W*([A-Za-z]+)\b", sentence)
    return _ORDINALS.get(m.group(1).lower(), 0) if m else 0


def _leaning_chain(p: Picked, snap, flags: list[dict]) -> list[Picked] | None:
    """p preceded by every sentence it leans on, in course order; None when the chain leaves its section or leans on
    meta-text ("… we will anchor each metric to a workflow. That is what the numbers really mean.") or on a sentence
    that only points to another section ("Section 1.4 covers … Chapter 2 then turns these facts into a plan.")."""
    chain = [p]
    while chain[0].dangling:
        i = chain[0].index - 1
        here, before = snap.sentences[chain[0].index], snap.sentences[i] if i >= 0 else None
        if before is None or before.ref != here.ref or before.position != here.position - 1 \
                or len(chain) > MAX_LEANING or flags[i]["meta"] or flags[i]["injection"] or flags[i]["points_to"]:
            return None
        chain.insert(0, Picked(i, before.ref, before.text, p.score, flags[i]["leans"]))
    return chain
