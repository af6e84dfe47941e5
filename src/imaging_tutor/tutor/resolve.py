"""Resolve a turn against the conversation: does it stand alone, continue the last topic, or return to an earlier one?

A conversation keeps, per answered turn, its topic (the course words it was about) and the section its answer cited
first. A new turn is scored by a small logistic model (fitted by scripts/fit_followup.py on the conversation fit
split, never on evals/sets/) over cues any course shares: pronouns and connectives, how many course words the turn
brings, how confidently it retrieves on its own, and how close it is to the previous question. A continuation is
retrieved with the topic's words added (never the whole earlier text, so topics never nest); a return picks the
earlier turn whose topic the turn names.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from ..text import FUNCTION_WORDS, RETRIEVAL_STOPWORDS, stem, words
from .guard import message_sentences

# (and the possessive that stands for a noun: "how do i find mine?" after "what is an IP address?")
_PRONOUN = re.compile(r"\b(?:it|its|it's|they|them|their|this|that|these|those|he|she|him|her|one|ones|there|such|"
                      r"mine|yours|ours|theirs|hers)\b", re.I)
# "which" with no noun of its own asks to choose among things said before ("which is riskier?", "so which works
# better?"); "which chapter covers drift?" names what it chooses among. Generic English, as the pronouns are.
_ELLIPTIC_WHICH = re.compile(r"\bwhich (?:is|are|was|were|would|will|should|could|can|matters?|works?|seems?|do|does|"
                             r"did)\b", re.I)
# An adverb that ends a turn by pointing back at what was said: "what should we do instead?", "who does then?", "can
# care pathways cause it too?". Every such turn of the conversation and workplace follow-up sets leans on the one
# before (13 of 13 in their fit halves).
_ENDING_POINTER = re.compile(r"\b(?:then|too|instead|as well|either)\W*$", re.I)
_CONNECTIVE = re.compile(r"^\s*(?:and|but|so|also|or|then|plus|what about|how about|what if|same|ok(?:ay)?,? (?:so|and|but)"
                         r"|and what|and how|and why|is that|are those|isn't that|wouldn't that|doesn't that)\b", re.I)
# Saying outright that a new subject starts; the retrieval of the turn alone then decides.
_SWITCH = re.compile(r"\b(?:different|unrelated|another|new|separate|other) (?:question|topic|thing|subject|q)\b|"
                     r"\b(?:changing|change of|switching) (?:the )?(?:subjects?|topics?|gears)\b|\bon a different note\b|"
                     r"\bbtw\b|\bby the way\b|^\W*(?:(?:ok(?:ay)?|so|right)\W+)?unrelated\b", re.I)
# A message's opening words up to the first break ("Unrelated:", "switching gears —", "new q.", "unrelated, but", "by
# the way,"): when they say a new subject starts, they frame the question and are none of it.
_OPENING = re.compile(r"^\W*(?P<opening>[^:;,.?!—–]{1,40}?)(?:\s*[:;,.!—–]\s*|\s+-\s+|\s+(?=but\b))(?:but\b\s*)?")
MAX_OPENING_WORDS = 6
_RETURN_OPENING = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|right|and)\W+)*(?:(?:(?:go|going|get|getting|come|coming)\s+)?back|"
                             r"return(?:ing)?)\s+to\s+", re.I)
MAX_TOPIC_WORDS = 4
# A topic word must be distinctive in this course: used in at most this share of its sections ("drift" yes, "model",
# "help" or "different" no). Chosen on the conversation fit split: 0.25 kept the words a reader would call the topic.
TOPIC_MAX_SECTION_SHARE = 0.25
NEIGHBOUR_MAX_SECTION_SHARE = 0.6
LOOKBACK = 5  # earlier answered turns a "return" can go back to


@dataclass(frozen=True)
class PastTurn:
    """What the conversation remembers of one answered turn."""

    question: str
    topic: str  # the distinctive course words it was about, e.g. "shortcut learning"
    main_ref: str | None  # the section its answer cited first
    refs: tuple[str, ...] = ()
    subject: str = ""  # the question that opened its topic (itself, when it stood alone)
    said: tuple[str, ...] = ()  # the sentences its answer gave (a follow-up explains further, not again)
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)  # its question's embedding, if stored


@dataclass
class Resolution:
    """How a turn was understood."""

    kind: str  # "standalone" | "continue" | "return"
    query: str  # what retrieval and the scope guard see
    focus: str  # what is asked now (the turn, corrected)
    topic: str  # the topic this turn is about (its own words, or the one it continues)
    subject: str = ""  # the question that opened the topic (carried along, never nested)
    context: PastTurn | None = None
    probability: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    own_topic: str = ""  # the distinctive words the turn itself brings ("" for "why?", "example?")

    @property
    def understood_as(self) -> str:
        """How the turn was understood, to show the learner: the turn and the question it follows on from, which is
        what retrieval reads with it ("why? (about: What is shortcut learning?)"); the topic's words are a fallback."""
        if self.context is None:
            return self.focus
        about = self.subject or self.topic
        if words(about) == words(self.focus):
            return self.focus  # the same question asked again: "(about: itself)" tells the learner nothing
        return f"{self.focus} (about: {shown_subject(about)})"


def shown_subject(subject: str) -> str:
    """A subject as "(about: …)" shows it: at most 80 characters, and a long opening message by what it asked.

    A long message sets out a situation, then asks ("ED consultant, busy department. … Why does it flag so many?"):
    its asking sentence says what a follow-up is about, where its first words name a role."""
    if len(subject) > 80:
        asks = [p for p in message_sentences(subject) if p.endswith("?") and len(words(p)) > 2]
        subject = asks[-1] if asks else subject
    return subject if len(subject) <= 80 else subject[:77].rsplit(" ", 1)[0] + "…"


# The kind of example asked for ("a real example", "a concrete one", "a simple analogy"): English that qualifies the
# request, not a subject. A course that writes "real" or "concrete" made "can you give a real example?" a question
# about them, answered from wherever they occur instead of from the topic it followed.
_KIND_OF_EXAMPLE = (r"\b(?:real(?:[- ](?:world|life))?|concrete|specific|practical|simple|typical|actual|everyday|"
                    r"worked|quick|good)(?= (?:examples?|analog(?:y|ies)|cases?|scenarios?)\b)")
# The measure asked for after "how" ("how long?", "how far apart?", "how hot does it get?"): a course that writes
# "long" made "how long?" after a question a new question about "long", read alone and refused.
_HOW_MEASURE = (r"(?<=\bhow )(?:long|far|big|high|low|old|soon|fast|slow|hot|cold|warm|large|small|heavy|deep|wide|"
                r"tall|early|late|strong|close)\b")
# A measure judged by what it should be ("what's a good number?", "a healthy level?", "the ideal amount"): a course
# that writes "number" made "what's a good number?" after "what is credit utilisation?" a new question about numbers.
_GOOD_MEASURE = (r"\b(?:good|normal|healthy|safe|typical|ideal|reasonable|acceptable|recommended|sensible|right|"
                 r"decent|realistic|usual|average)[ -](?:numbers?|amounts?|levels?|values?|figures?|percent(?:age)?s?|"
                 r"ranges?|scores?|ratios?|rates?|sizes?|targets?|limits?|thresholds?)\b")
# Words that only ask, beyond retrieval's asking words ("example", "difference"): for an example ("for instance", as
# "for example") or for a judgement of whatever was being discussed ("pros and cons?", "any downsides?"). They name
# no subject, whether or not the course writes them: a course that writes "instance" once made "for instance?" a
# question about instances, and "pros and cons?" read as two words the course lacks was a new subject, refused.
# (Not in RETRIEVAL_STOPWORDS: the fusion weights and the ranker were fitted with that set.)
_ASKING_ONLY = re.compile(r"\bfor instance\b|\b(?:pros|cons|upsides?|downsides?|drawbacks?|(?:dis)?advantages?|"
                          r"trade-?offs?)\b|" + _KIND_OF_EXAMPLE + "|" + _HOW_MEASURE + "|" +
                          _GOOD_MEASURE, re.I)


def without_asking_words(text: str) -> str:
    """The text without the words that only ask (_ASKING_ONLY), for finding what it is about."""
    return _ASKING_ONLY.sub(" ", text)


def topic_of(text: str, section_share: dict[str, float]) -> str:
    """The distinctive course words a question is about, in its own order: 'what is shortcut learning?' ->
    'shortcut learning'. `section_share`: stem -> share of the course's sections that use it.

    A word is distinctive when few sections use it (TOPIC_MAX_SECTION_SHARE); a course word right next to a
    distinctive one joins it ("shortcut" + "learning"); a question with no distinctive word keeps its rarest one."""
    ws = [w for w in words(without_asking_words(text)) if len(w) > 1 and not w.isdigit()]
    share = [section_share.get(stem(w)) if w not in RETRIEVAL_STOPWORDS and w not in FUNCTION_WORDS else None
             for w in ws]
    keep = [s is not None and s <= TOPIC_MAX_SECTION_SHARE for s in share]
    for i, s in enumerate(share):
        near = (i > 0 and keep[i - 1]) or (i + 1 < len(ws) and keep[i + 1])
        if s is not None and not keep[i] and near and s <= NEIGHBOUR_MAX_SECTION_SHARE:
            keep[i] = True
    if not any(keep):
        known = [(s, i) for i, s in enumerate(share) if s is not None and s <= NEIGHBOUR_MAX_SECTION_SHARE]
        if known:
            keep[min(known)[1]] = True
    return " ".join(list(dict.fromkeys(w for w, k in zip(ws, keep) if k))[:MAX_TOPIC_WORDS])


_SPAN = re.compile(r"[A-Za-z0-9]+(?:[-'\u2019][A-Za-z0-9]+)*")
_NAME = re.compile(r"[A-Z0-9][A-Za-z0-9-]*[A-Z]|[A-Z]{2,}")  # "FDA", "DICOM", "X-ray", "3D": a name, not a word


def _course_word(w: str) -> bool:
    return w not in RETRIEVAL_STOPWORDS and w not in FUNCTION_WORDS and len(w) > 1 and not w.isdigit()


def mentioned_phrase(text: str, section_text: str, section_share: dict[str, float]) -> str:
    """The question's own words, in its own spelling, for what a section only touches ('' when there are none).

    A term both write side by side (the longest run of adjacent question words the section also has adjacent), else
    a name the learner wrote in capitals that the section uses; either must hold a distinctive course word. Never
    words the learner did not write together ("run silent trial"), nor a lone everyday word ("normally")."""
    seq = [stem(w) for w in words(section_text) if _course_word(w)]
    pairs = set(zip(seq, seq[1:]))
    used = set(seq)
    found: list[tuple[str, str]] = []  # (as written, stem) of each question word; ("", "") for a grammar word
    for m in _SPAN.finditer(unicodedata.normalize("NFKC", text)):
        w = words(m.group(0))
        found.append((m.group(0), stem(w[0])) if len(w) == 1 and _course_word(w[0]) else ("", ""))

    def distinctive(stems: list[str]) -> bool:
        return any(section_share.get(x, 1.0) <= TOPIC_MAX_SECTION_SHARE for x in stems)

    best: list[tuple[str, str]] = []
    for i in range(len(found)):
        j = i
        while j + 1 < len(found) and found[j + 1][1] and (found[j][1], found[j + 1][1]) in pairs:
            j += 1
        run = found[i:j + 1]
        if j > i and len(run) > len(best) and distinctive([x for _, x in run]):
            best = run
    if not best:
        best = [(orig, x) for k, (orig, x) in enumerate(found) if x in used and _NAME.fullmatch(orig)
                and (k > 0 or orig.isupper()) and distinctive([x])][:1]
    return " ".join(orig for orig, _ in best[:MAX_TOPIC_WORDS])


def section_shares(snapshot) -> dict[str, float]:
    """stem -> share of the course's sections whose text uses it (built once per snapshot)."""
    sections = snapshot.section_tokens
    counts: dict[str, int] = {}
    for toks in sections.values():
        for s in toks:
            counts[s] = counts.get(s, 0) + 1
    n = max(1, len(sections))
    return {s: c / n for s, c in counts.items()}


MAIN_SUBJECT_SENTENCES = 3  # "in passing": named in at most two of a section's sentences and not in its title


def is_main_subject(phrase: str, title: str, sentences: list[str], section_share: dict[str, float]) -> bool:
    """Whether a section is about what a refusal would say it only mentions: its title names the phrase's
    distinctive words, or three of its sentences do. "Why would anyone pick the other one?" after "debt snowball vs
    avalanche" was refused with "the course mentions debt snowball only in passing, in 3.3 “Avalanche and snowball
    methods”"."""
    want = {x for x in (stem(w) for w in words(phrase) if _course_word(w))
            if section_share.get(x, 1.0) <= TOPIC_MAX_SECTION_SHARE}
    if not want:
        return False
    if want <= {stem(w) for w in words(title)}:
        return True
    return sum(want <= {stem(w) for w in words(s)} for s in sentences) >= MAIN_SUBJECT_SENTENCES


def _stems(text: str) -> set[str]:
    return {stem(w) for w in text.split()}


def pick_context(turn_topic: str, past: list[PastTurn]) -> tuple[PastTurn, int]:
    """The earlier turn the turn leans on: the one whose topic it names (a return), else the last one."""
    mine = _stems(turn_topic)
    best, best_at, best_overlap = past[-1], 1, 0
    for back, earlier in enumerate(reversed(past[-LOOKBACK:]), start=1):
        overlap = len(mine & _stems(earlier.topic))
        if overlap > best_overlap:
            best, best_at, best_overlap = earlier, back, overlap
    return best, best_at


def foreign_words(text: str, section_share: dict[str, float], rare=None) -> list[str]:
    """The turn's rare content words that no section of the course uses: 'what is backpropagation?' brings a subject
    of its own (one the course lacks), 'can you give an example?' brings none. `rare(word)`: whether a word is
    uncommon in English (the embedding model's vocabulary splits it into pieces), so 'whichever' or 'mentioned',
    which a course may simply not use, do not count, nor do contractions ("isn't"); None counts every word the course
    lacks."""
    return [w for w in dict.fromkeys(words(without_asking_words(text)))
            if len(w) > 2 and not any(c.isdigit() or c in "'’" for c in w)
            and w not in RETRIEVAL_STOPWORDS and w not in FUNCTION_WORDS and stem(w) not in section_share
            and (rare is None or rare(w))]


def dangling_pronoun(turn: str) -> str | None:
    """The pronoun a turn points back with when every other word of it only asks ("how does it work?", "why does
    that matter?", "what are they?"); else None. Asked with no conversation before it, such a turn has nothing to
    mean, and "not covered in this course" would be false. A turn with any word of its own names something: "is it
    legal to cycle on the pavement?" ("it" points ahead), "what does it do to sensitivity?"."""
    ws = words(turn)
    m = _PRONOUN.search(" ".join(ws[:6]))
    if m is None or any(w.replace("’", "'").split("'")[0] not in FUNCTION_WORDS | RETRIEVAL_STOPWORDS
                        and not _PRONOUN.fullmatch(w) for w in ws):
        return None
    return m.group(0).lower()


_POINTER = re.compile(r"(?:it|its|it's|they|them|their|this|that|these|those|one|ones)", re.I)


# What can only point back at something said before: not "one" ("what is one way to spot drift?"), and not an "it"
# that only stands in for a clause after it ("is it true that …", "is it possible for a model to …", "it's worth
# checking whether …", "does it matter which scanner …"; but "how does it compare to CT?" points back).
_BACK_POINTER = re.compile(r"(?:it|its|it's|it’s|they|them|their|this|that|these|those)", re.I)
_CLAUSE_IT = re.compile(r"(?:\b(?:is|was|isn't|wasn't|would|will) it|\bit(?:'s|’s| is| was| would be| will be))"
                        r"(?:\s+[\w'’-]+){1,4}?\s+(?:to|that|if|whether)\b|\bit\s+(?:matters?|depends?)\b", re.I)
# Content words a turn that only points back brings at most: the most any pointing turn of the after-refusal fit
# half brings (evals/acts/after_refusal_fit.jsonl: "is it safe for kidney patients", "who pays them, the hospital or
# the vendor?"); a longer turn says enough to be read on its own.
MAX_POINTING_WORDS = 3


def points_back_at_last(turn: str, own_topic: str, named: set[str]) -> bool:
    """Whether a short turn asks about whatever was said last: a word that can only point back comes before any word
    that names its own subject — the course terms it names (`named`, their words) and the topic words of an opening
    phrase set off before a break ("and contrast timing, does that change it?") — and it brings at most
    MAX_POINTING_WORDS content words: "is it used in radiology?", "who regulates it?", "what are the main risks
    with that?". Unlike points_back_first, a course word that is no term ("risks", "accurate") names nothing."""
    if goes_back(turn) or _CLAUSE_IT.search(turn):
        return False
    if sum(_course_word(w) for w in words(turn)) > MAX_POINTING_WORDS:
        return False
    subject = set(named)
    m = _OPENING.match(turn)
    if m and not any(_BACK_POINTER.fullmatch(w) for w in words(m.group("opening"))):
        subject |= set(own_topic.split()) & set(words(m.group("opening")))
    return _pointer_before(turn, subject, _BACK_POINTER)


def _pointer_before(turn: str, subject: set[str], pointer: re.Pattern) -> bool:
    """Whether a word `pointer` matches comes before any word of `subject`."""
    for w in words(turn):
        if w in subject:
            return False
        if pointer.fullmatch(w):
            return True
    return False


def newly_named(own_topic: str, earlier: list[PastTurn]) -> frozenset[str]:
    """Stems of the words a follow-up names that the conversation's earlier questions did not: "and data rights?"
    after "what should I ask a vendor?" names "data rights"; "more about drift" after "what is drift?" nothing."""
    before = {stem(w) for turn in earlier for w in words(f"{turn.question} {turn.topic} {turn.subject}")}
    return frozenset({stem(w) for w in own_topic.split()} - before)


def points_back_first(turn: str, own_topic: str) -> bool:
    """Whether a word that points back comes before any word of the turn's own subject: "is it safe?", "can you
    explain it step by step?" point at something said before; in "what is PPV and why does it change?" or "back to
    drift: how do you monitor it?" the turn names what "it" is first."""
    return _pointer_before(turn, set(own_topic.split()), _POINTER)


def turn_features(turn: str, turn_topic: str, last: PastTurn, alone_top: list[str], alone_sentence_max: float,
                  sim_prev: float, n_foreign: int = 0) -> dict[str, float]:
    """Cues that a turn leans on the conversation; all mean the same on any course."""
    ws = words(turn)
    head = " ".join(ws[:6])
    known = turn_topic.split()
    overlap = len(_stems(turn_topic) & _stems(last.topic)) / len(known) if known else 0.0
    return {
        # (a pronoun that ends a turn naming nothing of its own points back however long the turn: "what do i do
        # if i find it?"; in "what is Bayes' theorem and who came up with it?" it is the turn's own subject)
        "pronoun": float(bool(_PRONOUN.search(head) or _ELLIPTIC_WHICH.search(head)
                              or (ws and _PRONOUN.fullmatch(ws[-1]) and not n_foreign)
                              or _ENDING_POINTER.search(turn))),
        "connective": float(bool(_CONNECTIVE.search(turn))),
        "n_known": float(min(len(known), 6)),
        "no_known": float(not known),
        "n_words": float(min(len(ws), 25)),
        "switch_cue": float(bool(_SWITCH.search(turn))),
        "alone_sentence_max": alone_sentence_max,
        "prev_in_alone_top3": float(last.main_ref is not None and last.main_ref in alone_top[:3]),
        "sim_prev": sim_prev,
        "overlap_prev_topic": overlap,
        "n_foreign": float(min(n_foreign, MAX_FOREIGN)),
    }


FEATURES = ("pronoun", "connective", "n_known", "no_known", "n_words", "switch_cue", "alone_sentence_max",
            "prev_in_alone_top3", "sim_prev", "overlap_prev_topic", "n_foreign")
MAX_FOREIGN = 3


def without_switch_opening(turn: str) -> str:
    """The turn without an opening that only announces a new subject: "Unrelated: what's a silent trial?" asks
    "what's a silent trial?". Read with it, "unrelated" counted as the question's subject, one the course lacks, and
    the scope guard refused what it answers alone. An opening that names a subject ("back to drift, …") stays."""
    m = _OPENING.match(turn)
    if m is None or len(words(m.group("opening"))) > MAX_OPENING_WORDS or not _SWITCH.search(m.group("opening")):
        return turn
    rest = turn[m.end():].strip()
    return rest if len(words(rest)) >= 2 else turn


def goes_back(turn: str) -> bool:
    """Whether a turn opens by saying it goes back to something said before ("ok, going back to X, …")."""
    return _RETURN_OPENING.match(turn) is not None


def without_going_back(turn: str) -> str:
    """The turn without the words that say it goes back ("ok, going back to the cost thing, is it …?" reads "the
    cost thing, is it …?"): "going", a word the course never uses, counted as the question's subject and the scope
    guard refused; what it goes back to stays."""
    r = _RETURN_OPENING.match(turn)
    if r is None:
        return turn
    rest = turn[r.end():].strip()
    return rest if len(words(rest)) >= 3 else turn


# A closing phrase that names the course as the source of what is asked ("give me an example from the course",
# "… according to this course"): every question here is asked of the course, so it names no subject of the turn's.
_FROM_THE_COURSE = re.compile(r"\s*,?\s*\b(?:from|in|according to|based on) (?:the|this) (?:course|material)\W*$", re.I)


def without_course_source(turn: str) -> str:
    """The turn without a closing phrase that names the course as its source, when words are left to ask."""
    rest = _FROM_THE_COURSE.sub("", turn)
    return rest if rest != turn and len(words(rest)) >= 2 else turn


def asked_in(turn: str) -> str:
    """What retrieval and the scope guard read of a turn: without an opening that only announces a new subject or
    says it goes back, nor a closing "from the course". read_turn retrieves the turn alone with it and resolve()
    queries with it, so the two agree."""
    return without_course_source(without_going_back(without_switch_opening(turn)))


def follow_up_probability(features: dict[str, float], model: dict) -> float:
    z = model["intercept"] + sum(w * (features[f] - m) / s for f, w, m, s in
                                 zip(model["features"], model["weights"], model["mean"], model["scale"]))
    return 1.0 / (1.0 + math.exp(-z))


def resolve(turn: str, past: list[PastTurn], section_share: dict[str, float], model: dict | None, *,
            alone_top: list[str], alone_sentence_max: float, turn_vector: np.ndarray | None = None,
            prev_vector: np.ndarray | None = None, rare=None) -> Resolution:
    """Decide how the turn relates to the conversation and what to retrieve for it."""
    own_topic = topic_of(turn, section_share)
    shown, asked = without_switch_opening(turn), asked_in(turn)
    if not past:
        return Resolution("standalone", asked, shown, own_topic, shown)
    context, back = pick_context(own_topic, past)
    sim_prev = float(turn_vector @ prev_vector) if turn_vector is not None and prev_vector is not None else 0.0
    feats = turn_features(without_course_source(turn), own_topic, past[-1], alone_top, alone_sentence_max, sim_prev,
                          len(foreign_words(turn, section_share, rare)))
    if model is None:
        return Resolution("standalone", asked, shown, own_topic, shown, None, 0.0, feats)
    p = follow_up_probability(feats, model)
    if p < model.get("threshold", 0.5):
        return Resolution("standalone", asked, shown, own_topic, shown, None, p, feats)
    return lean(turn, own_topic, context, back, p, feats)


def lean(turn: str, own_topic: str, context: PastTurn, back: int = 1, p: float = 0.0,
         feats: dict[str, float] | None = None) -> Resolution:
    """The turn read with the earlier turn it leans on (`back` answered turns ago: 1 continues, more returns)."""
    kind = "return" if back > 1 else "continue"
    # The context is the question that opened the topic (a follow-up of a follow-up still leans on it), with the
    # new distinctive words of the turn before it: "and specificity?" after "what is sensitivity?".
    subject = context.subject or context.question
    query = f"{turn} ({subject})"
    merged = " ".join(list(dict.fromkeys((own_topic + " " + context.topic).split()))[:MAX_TOPIC_WORDS])
    return Resolution(kind, query, turn, merged or context.topic, subject, context, p, feats or {}, own_topic)


def past_turns(rows, vector_model: str | None = None) -> list[PastTurn]:
    """The conversation's answered turns as the resolver needs them (from stored turns, oldest first); a turn's
    stored question vector comes along when `vector_model` made it. Chat-quiz turns ("quiz me", a hint, "skip", the
    learner's reply and its grade) are not questions about a topic: a follow-up after them leans on the question
    before them, not on "skip"."""
    out: list[PastTurn] = []
    for row in rows:
        if row.status != "answered":
            continue
        try:
            data = json.loads(row.answer_json or "{}")
        except ValueError:
            data = {}
        if data.get("quiz"):
            continue
        refs = tuple(c.get("ref") for c in data.get("citations") or [] if isinstance(c, dict) and c.get("ref"))
        said = tuple(str(x.get("text")) for x in data.get("sentences") or [] if isinstance(x, dict) and x.get("text"))
        stored = getattr(row, "question_vector", None)
        vector = (np.frombuffer(stored, dtype=np.float32) if stored and vector_model
                  and getattr(row, "vector_model", "") == vector_model else None)
        out.append(PastTurn(row.question, str(data.get("topic") or ""), refs[0] if refs else None, refs,
                            str(data.get("subject") or row.question), said, vector))
    return out
