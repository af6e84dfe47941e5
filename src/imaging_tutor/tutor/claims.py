"""What a claim says, word by word: content, numbers, quantifiers, polarity, clauses; and how it differs from a passage.

The support measure (imaging_tutor.tutor.support) first finds the passage of the cited section a claim leans on, then
asks this module what changed between the two: a term swapped for its sibling, a number or quantifier that differs,
a flipped polarity, a clause the passage does not contain. Nothing here names a course's words: sibling terms are
mined from the course text (imaging_tutor.tutor.siblings); what is listed here is English itself (quantifiers,
modals, negation, a few opposite pairs and prefixes), the same for every course.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from ..text import FUNCTION_WORDS, fold
from ..text import stem as _stem


# Read as the verb's -ing form, which the stemmer cuts to the verb ("segment" alone would lose its "-ment").
_DERIVED = ((re.compile(r"ifications?$"), "ifying"), (re.compile(r"(?<=nt)ations?$"), "ing"))


def stem(word: str) -> str:
    """The strong stem: 'increases' and 'increase', 'detection' and 'detect' meet (claims are compared by meaning);
    so do 'classification' and 'classifying', 'segmentation' and 'segmenting' (a noun made from a verb)."""
    for pattern, repl in _DERIVED:
        if len(word) > 9 and pattern.search(word):
            word = pattern.sub(repl, word)
            break
    return _stem(word, strong=True)


# Strength of a quantifier or modal, on one scale from "rarely" to "always": a claim may weaken what its passage says
# ("may" for "does"), never strengthen it ("always" for "often", "most" for "many", "will" for "can", "guarantees"
# for "helps"). Exclusive words ("only", "solely") must come from the passage.
RARE, POSSIBLE, FREQUENT, MAJORITY, NEARLY, UNIVERSAL = 1, 2, 3, 4, 5, 6
QUANTIFIERS: dict[str, int] = {
    **dict.fromkeys("rarely seldom few occasionally hardly".split(), RARE),
    **dict.fromkeys("may might can could sometimes some possibly potentially perhaps help helps helped helping "
                    "contribute contributes".split(), POSSIBLE),
    **dict.fromkeys("many several often frequently likely probably tend tends".split(), FREQUENT),
    **dict.fromkeys("most mostly usually generally typically largely mainly commonly normally will would "
                    "majority".split(), MAJORITY),
    **dict.fromkeys("all every everyone everything always never none nothing nobody entirely completely fully "
                    "totally guarantee guarantees guaranteed guaranteeing certainly definitely invariably "
                    "automatically eliminate eliminates eliminated eliminating any whenever impossible ensure "
                    "ensures ensured equally perfect perfectly".split(), UNIVERSAL),
}
EXCLUSIVE = frozenset({"only", "solely", "sole", "single", "alone"})
MODALS = frozenset({"may", "might", "can", "could", "will", "would"})
# "nearly all", "almost always": a majority, not everything.
_NEARLY = frozenset({"nearly", "almost", "virtually", "practically"})
# Degree: "slightly more" and "far more" say different things, whichever way the change goes.
DEGREE_LOW = frozenset("slightly somewhat marginally little modestly barely".split())
DEGREE_HIGH = frozenset("far much greatly dramatically substantially significantly vastly considerably hugely "
                        "massively".split())

_BEFORE_SUPERLATIVE = frozenset({"the", "is", "are", "was", "were", "be", "been", "being"})
_ADJECTIVE_ENDINGS = ("ble", "ive", "ful", "al", "ous", "ent", "ant", "ic", "ing", "ed", "est", "ly", "ary", "ate")
# Comparatives carry direction ("more experience" / "less experience"): they are content, unlike other grammar words.
COMPARATIVES = frozenset({"more", "less", "fewer", "least"})

# Negation by meaning: "not X", "rather than X", "instead of X", "no longer X", "far from X", "fail to X".
NEGATORS = frozenset({"not", "no", "never", "cannot", "without", "nor", "neither", "none", "nothing", "nobody"})
_NEG_PHRASES = [(re.compile(r"\bnot only\b"), " also "),  # "not only X but also Y" asserts X
                *((re.compile(p), " not ") for p in (r"\brather than\b", r"\binstead of\b", r"\bno longer\b",
                                                      r"\bfar from\b", r"\bfail(?:s|ed|ing)? to\b",
                                                      r"\bunable to\b", r"\bfall(?:s|ing)? short of(?: being)?\b",
                                                      r"\bfell short of(?: being)?\b", r"\black(?:s|ed|ing)?\b"))]
# A negation reaches to the end of its clause ("not X but Y": Y is asserted), a comma, or NEGATION_REACH content words.
_SCOPE_END = frozenset({"but", "however", "while", "whereas", "although", "though", "yet"})

NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "hundred": "100",
                "thousand": "1000", "million": "1000000", "billion": "1000000000", "half": "0.5", "twice": "2x",
                "double": "2x", "triple": "3x", "dozen": "12", "dozens": "12s", "hundreds": "100s",
                "thousands": "1000s", "once": "1x", "first": "1st", "second": "2nd", "third": "3rd"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ONCE_AS_COUNT = frozenset({"a", "an", "per", "every", "each", "or", "more", "daily", "weekly", "monthly", "yearly"})

# Opposites of general English (direction, size, time, evaluation). A claim that puts one where its passage has
# the other is reversed, whatever the course. Sibling terms of the course itself are mined, not listed.
_OPPOSITES = """
increase decrease; increase reduce; increase lower; increase cut; raise lower; raise reduce; rise fall; rise drop;
rising falling; grow shrink; expand shrink; expand narrow; gain lose; gain loss; add remove; add subtract;
more less; more fewer; higher lower; high low; larger smaller; large small; big small; huge tiny; long short;
longer shorter; wide narrow; broad narrow; deep shallow; heavy light; thick thin; full empty; many few;
early late; earlier later; before after; first last; start end; begin end; begin finish; start stop; open close;
open closed; past future; old new; older newer; ancient modern; fast slow; faster slower; quick slow;
quickly slowly; sudden gradual; suddenly gradually; immediate delayed; sooner later; often rarely;
easy hard; easy difficult; easier harder; simple complex; simpler complex; cheap costly; cheap expensive;
inexpensive expensive; better worse; improve worsen; improve degrade; improve deteriorate; improve impair;
best worst; good bad; strong weak; stronger weaker; safe unsafe; safe dangerous; safer riskier; secure insecure;
success failure; succeed fail; pass fail; win lose; accept reject; approve reject; allow forbid; allow prevent;
allow block; enable prevent; enable disable; include exclude; inclusion exclusion; inside outside; internal external;
inner outer; up down; top bottom; upper lower; above below; over under; front back; optimistic pessimistic; inflate deflate; overestimate underestimate; overcall undercall; overtreat undertreat;
maximum minimum; maximize minimize; most least; rare common; rarely frequently; rare frequent; unusual typical;
unusual usual; subtle obvious; subtle large; subtle gross; subtle overt; light dark; bright dark; brightness darkness;
white black; hot cold; warm cool; warm cold; wet dry; positive negative; true false; correct incorrect; right wrong;
accurate inaccurate; precise imprecise; reliable unreliable; reliable misleading; valid invalid; consistent
inconsistent; stable unstable; robust fragile; robust brittle; visible hidden; visible invisible; explicit implicit;
clear unclear; clear vague; specific general; specific vague; specialized general; narrow general; single multiple;
one multiple; one several; one many; individual collective; busy quiet; peak quiet; peak low; present absent;
presence absence; local global; local central; public private; input output; upstream downstream; prospective
retrospective; prospectively retrospectively; sensitive insensitive; underperform outperform; overlook notice;
seconds hours; seconds minutes; minutes hours; days years; hours days;
important minor; major minor; important unimportant; important trivial; relevant irrelevant; necessary unnecessary;
essential optional; required optional; mandatory optional; always never; all none; everything nothing;
everyone nobody; agree disagree; agreement disagreement; same different; similar different; identical different;
match differ; random systematic; manual automatic; manually automatically; active passive; actively passively;
benefit harm; help hurt; helpful harmful; beneficial harmful; useful useless; protect expose; confirm refute; support contradict; strengthen weaken; encourage discourage; trust distrust; trust mistrust; certain uncertain; certainty uncertainty; known unknown; expected unexpected;
likely unlikely; possible impossible; able unable; capable incapable; complete incomplete; sufficient insufficient;
adequate inadequate; appropriate inappropriate; available unavailable; acceptable unacceptable; normal abnormal;
healthy diseased; benign malignant; acute chronic; mild severe; junior senior;
novice expert; beginner expert; beginner advanced; basic advanced; create eliminate; build destroy;
connect disconnect; attach detach; enter exit; import export; send receive; buy sell; lend borrow;
push pull; raise drop; speed slow; accelerate slow; accelerate delay; shorten lengthen; shorten extend;
prioritize deprioritize; urgent routine; emergency routine; strict lenient; strict loose; tight loose; tighten loosen;
narrower broader; narrower wider; fewer more; lowest highest; smallest largest; earliest latest; worst best;
continuous intermittent; temporary permanent; initial final; primary secondary; direct indirect; formal informal;
objective subjective; qualitative quantitative; dependent independent; expand contract; simplify complicate;
increase diminish; boost reduce; amplify reduce; amplify dampen; heighten lessen; rise decline; grow decline;
improve decline; good poor; better poorer; excellent poor; strong poor; effective ineffective; efficient inefficient;
fair biased; balanced imbalanced; balanced skewed; representative unrepresentative; diverse homogeneous;
previous next; prior subsequent; manual automated; human automated; online offline; static dynamic; fixed adjustable;
fixed variable; constant variable; uniform variable; structured unstructured; clear confusing; allowed prohibited;
permitted prohibited; mandatory voluntary; enough insufficient; excess shortage; abundant scarce; soft hard;
full partial; complete partial; whole partial; moderate severe; aggressive conservative; frequent infrequent;
confident uncertain; overconfident underconfident; overuse underuse; overestimate underestimate; overdiagnose
underdiagnose; more fewer; maximal minimal; higher reduced; increased reduced; increasing reducing;
lengthen reduce; faster delayed; accelerate postpone; sooner delayed; trusted distrusted; reliable unpredictable;
predictable unpredictable; accountable unaccountable; transparent opaque; visible opaque; narrow wide; close distant;
near far; simple sophisticated; weaker stronger; lighter heavier; cheaper costlier
"""
def _forms(word: str) -> set[str]:
    """Stems of a word's inflected forms: the stemmer cuts 'succeed' and 'succeeds' differently."""
    base = word[:-1] if word.endswith("e") else word
    return {stem(f) for f in (word, word + "s", word + "es", base + "ed", base + "ing", word + "ly")}


def _opposites(text: str) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for pair in text.replace("\n", " ").split(";"):
        words = pair.split()
        if len(words) != 2:
            continue
        a, b = _forms(words[0]), _forms(words[1])
        for x in a:
            table.setdefault(x, set()).update(b - a)
        for y in b:
            table.setdefault(y, set()).update(a - b)
    return table


OPPOSITES = _opposites(_OPPOSITES)


@lru_cache(maxsize=1)
def wordnet_opposites() -> dict[str, set[str]]:
    """WordNet 3.0's direct antonyms (tutor/antonyms.txt, written by scripts/build_antonyms.py): English opposites
    by meaning beyond the list above ("clear" / "cloudy", "raw" / "cooked"). Read on first use (about 60 ms)."""
    text = Path(__file__).with_name("antonyms.txt").read_text(encoding="utf-8")
    return _opposites(";".join(line for line in text.splitlines() if line and not line.startswith("#")))


_PREFIX_PAIRS = (("over", "under"), ("in", "de"), ("pro", "retro"), ("inter", "intra"), ("pre", "post"),
                 ("hyper", "hypo"), ("up", "down"), ("max", "min"), ("in", "ex"), ("out", "under"))
_NEGATIVE_PREFIXES = ("un", "in", "im", "il", "ir", "non", "dis", "mis")


def opposite(a: str, b: str) -> bool:
    """True when two word stems mean opposite things: listed English opposites (the list above and WordNet's) or a
    prefix swap (over-/under-)."""
    if a == b:
        return False
    if b in OPPOSITES.get(a, ()) or b in wordnet_opposites().get(a, ()):
        return True
    for x, y in _PREFIX_PAIRS:
        for p, q in ((x, y), (y, x)):
            if a.startswith(p) and b.startswith(q) and len(a) - len(p) >= 3 and a[len(p):] == b[len(q):]:
                return True
    for neg in _NEGATIVE_PREFIXES:
        if (a == neg + b or b == neg + a) and min(len(a), len(b)) >= 4:
            return True
    return False


@dataclass(frozen=True)
class Token:
    """One meaningful word of a claim or passage."""

    stem: str
    kind: str          # "content" | "number" | "quant" | "degree" | "neg"
    level: int = 0     # quantifier strength (POSSIBLE, MAJORITY, UNIVERSAL)
    negated: bool = False
    clause: int = 0


@dataclass
class Analysis:
    """A text reduced to what a comparison needs."""

    tokens: list[Token] = field(default_factory=list)
    restricted: bool = False  # says "just" or "merely", which an "only" may restate

    @property
    def content(self) -> list[str]:
        return [t.stem for t in self.tokens if t.kind == "content"]

    @property
    def negated(self) -> set[str]:
        return {t.stem for t in self.tokens if t.kind == "content" and t.negated}

    @property
    def numbers(self) -> set[str]:
        return {t.stem for t in self.tokens if t.kind == "number"}

    def marked_gaps(self) -> set[int]:
        """Content positions k with a negation, quantifier or exclusive word between content words k-1 and k:
        "the annotation, not the pathology" and "prospectively or only retrospectively" are no plain list."""
        out: set[int] = set()
        k, marked = 0, False
        for t in self.tokens:
            if t.kind == "content":
                if marked and k:
                    out.add(k)
                k, marked = k + 1, False
            elif t.kind in ("neg", "exclusive", "quant", "degree"):
                marked = True
        return out

    def clauses(self) -> list[list[str]]:
        """Content stems by clause."""
        out: dict[int, list[str]] = {}
        for t in self.tokens:
            if t.kind in ("content", "number"):
                out.setdefault(t.clause, []).append(t.stem)
        return list(out.values())


_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:st|nd|rd|th|x|%)?(?![a-z0-9])|[a-z0-9]+(?:'[a-z]+)?|[,;:()\[\].!?\u2014]")
_CLAUSE_BREAK = frozenset({";", ":", ".", "!", "?", "\u2014"})
_ASIDE = frozenset({"(", ")"})  # an aside stays inside its clause (and inside a negation's scope)
NEGATION_REACH = 3  # a negation covers at most this many content words: "does not match X, shifting Y" negates X
# A comma followed by one of these starts a new clause; otherwise a comma separates list items.
_CLAUSE_OPENERS = frozenset({"and", "but", "so", "which", "because", "while", "whereas", "though", "although",
                             "meaning", "where", "since", "as", "then", "yet", "or", "with"})


_CAPS_FUNCTION_WORD = re.compile(r"\b(" + "|".join(w.upper() for w in sorted(FUNCTION_WORDS) if w.isalpha()
                                                 and len(w) > 1) + r")\b")


def _prepare(text: str, synonyms: Mapping[str, str]) -> list[str]:
    # "IT" (the department) is a name, not the pronoun: keep capitalised grammar words apart
    text = _CAPS_FUNCTION_WORD.sub(lambda m: m.group(1).lower() + "caps", text)
    t = fold(text, dashes=" \u2014 ")
    t = re.sub(r"\b(over|under|non|pre|post|anti|multi|hyper|hypo|sub|super|inter|intra)-(?=[a-z])", r"\1", t)
    t = t.replace("-", " ").replace("/", " or ")
    t = re.sub(r"\bcan't\b", "cannot", t).replace("won't", "will not")
    t = re.sub(r"n't\b", " not", t)
    t = re.sub(r"(\d)\s*[x×]\s*(\d)", r"\1 by \2", t)
    t = re.sub(r"\b(\d)d\b", r"\1 dimensional", t)  # "3D" is "three-dimensional"
    for pattern, repl in _NEG_PHRASES:
        t = pattern.sub(repl, t)
    out: list[str] = []
    for w in _TOKEN.findall(t):
        if w in synonyms and len(synonyms[w].split()) > 1:
            out.extend(synonyms[w].split())
        else:
            out.append(w)
    return out


def analyse(text: str, synonyms: Mapping[str, str] | None = None) -> Analysis:
    """Tokens with their kind, quantifier level, negation (by scope) and clause number."""
    words = _prepare(text, synonyms or {})
    tokens: list[Token] = []
    clause, negated, reach = 0, False, 0
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in _CLAUSE_BREAK or (w == "," and nxt in _CLAUSE_OPENERS):
            clause += 1
            negated = False
            continue
        if w in _ASIDE:
            continue
        if w == ",":
            negated = False  # "not X, Y" is rare; "rather than X, the model Y" is common
            continue
        if w in _SCOPE_END:
            negated = False
            clause += 1
            continue
        if w in NEGATORS:
            negated, reach = True, NEGATION_REACH
            hedged = i > 0 and QUANTIFIERS.get(words[i - 1], 0) in (RARE, POSSIBLE, FREQUENT)
            tokens.append(Token("hedged" if hedged else "plain", "neg", 0, True, clause))
            if w == "never":
                tokens.append(Token("never", "quant", UNIVERSAL, negated, clause))
            if w in ("none", "nothing", "nobody"):
                tokens.append(Token(w, "quant", UNIVERSAL, negated, clause))
            continue
        if w == "most" and (i and words[i - 1] in _BEFORE_SUPERLATIVE or nxt.endswith(_ADJECTIVE_ENDINGS)):
            # "the most reliable", "is most tangible": a superlative, not a quantifier; its direction is content
            # ("the least dangerous" for "the most dangerous"), as a comparative's is
            tokens.append(Token("most", "content", 0, negated, clause))
            continue
        if w in QUANTIFIERS:
            level = QUANTIFIERS[w]
            if level == UNIVERSAL and i and words[i - 1] in _NEARLY:
                level = NEARLY
            if w == "any" and nxt in ("particular", "given", "specific"):
                continue  # "any particular spot" is "a given spot", not every spot
            if w == "any" and not negated:  # "not any" is a plain negation; "any one of" claims a choice
                tokens.append(Token(w, "quant", level, negated, clause))
            elif w != "any":
                tokens.append(Token(w, "quant", level, negated, clause))
            continue
        if w in EXCLUSIVE:
            tokens.append(Token(w, "exclusive", 0, negated, clause))
            continue
        if w in DEGREE_LOW or w in DEGREE_HIGH:
            if nxt in ("more", "less", "fewer", "better", "worse", "higher", "lower", "larger", "smaller") or \
                    w in ("slightly", "dramatically", "greatly", "substantially", "significantly", "considerably"):
                tokens.append(Token("low" if w in DEGREE_LOW else "high", "degree", 0, negated, clause))
            continue
        if w in NUMBER_WORDS and not (w == "second" and nxt in ("reader", "opinion", "look")) \
                and not (w == "once" and nxt not in _ONCE_AS_COUNT):  # "once the air cools": a conjunction
            tokens.append(Token(NUMBER_WORDS[w], "number", 0, negated, clause))
            continue
        if w[0].isdigit():  # "90%", "3rd" ("3D" was spelled out as "3 dimensional" by _prepare)
            tokens.append(Token(_NUMBER.match(w).group(0), "number", 0, negated, clause))
            continue
        if w == "one" and nxt and (nxt == "other" or (nxt.isalpha() and nxt not in FUNCTION_WORDS)) \
                and (not i or words[i - 1] not in ("the", "no", "any", "each", "every")):
            tokens.append(Token("one", "content", 0, negated, clause))  # "at one institution": a quantity
            continue
        if w in COMPARATIVES:
            tokens.append(Token(w, "content", 0, negated, clause))
            continue
        if w in FUNCTION_WORDS or len(w) < 2 or w in _NEARLY:
            continue
        tokens.append(Token(stem(w), "content", 0, negated, clause))
        if negated:
            reach -= 1
            negated = reach > 0
    return Analysis(tokens, bool({"just", "merely"} & set(words)))


# ---- differences between a claim and its passage ---------------------------------------------------------------

def strongest(tokens: Iterable[Token]) -> int:
    return max((t.level for t in tokens if t.kind == "quant"), default=0)


def quantifier_change(claim: Analysis, passage: Analysis) -> str:
    """A quantifier, modal or degree the claim strengthens or changes relative to its passage ('' if none)."""
    c_quants = [t for t in claim.tokens if t.kind == "quant"]
    p_quants = [t for t in passage.tokens if t.kind == "quant"]
    p_words = {t.stem for t in p_quants}
    p_level = strongest(p_quants)
    for t in c_quants:
        if t.stem in p_words:
            continue
        if t.stem.endswith("ly") and t.stem[:-2] in passage.content:
            continue  # "generally" restates "in a general sense", "usually" "as usual"
        if t.stem in ("never", "nothing", "none", "nobody") and _plain_negation(passage):
            continue  # "never has to" restates "does not require", "says nothing about X" "does not mean X"
        if t.level >= NEARLY and p_level < t.level:
            return f"'{t.stem}' where the passage says {_say(p_quants)}"
        if t.level >= FREQUENT and 0 < p_level < t.level:
            return f"'{t.stem}' where the passage says {_say(p_quants)}"
    # A modal verb is compared with the passage's modals, whatever its other quantifiers say: "it will
    # underperform" is not "it may underperform", even where "mostly" stands in the same sentence.
    p_modal = max((t.level for t in p_quants if t.stem in MODALS), default=0)
    for t in c_quants:
        if t.stem in MODALS and t.stem not in p_words and 0 < p_modal < t.level and not t.negated:
            return f"'{t.stem}' where the passage says {_say([q for q in p_quants if q.stem in MODALS])}"
    p_exclusive = {t.stem for t in passage.tokens if t.kind == "exclusive"}
    if passage.restricted:  # "just a few minutes", "merely a tool": the passage restricts it in other words
        p_exclusive.add("only")
    for t in claim.tokens:
        if t.kind == "exclusive" and t.stem not in p_exclusive and not (t.stem == "single" and "one" in passage.content):
            return f"'{t.stem}' where the passage does not restrict it"
    c_deg = {t.stem for t in claim.tokens if t.kind == "degree"}
    p_deg = {t.stem for t in passage.tokens if t.kind == "degree"}
    if c_deg and p_deg and c_deg != p_deg:
        return "degree differs ('slightly' / 'far')"
    return ""


def _plain_negation(passage: Analysis) -> bool:
    """The passage negates something outright ('does not', not 'may not'): 'never' restates it."""
    negations = [t.stem for t in passage.tokens if t.kind == "neg"]
    return "plain" in negations and "hedged" not in negations


def _say(tokens: list[Token]) -> str:
    return "'" + "', '".join(dict.fromkeys(t.stem for t in tokens)) + "'" if tokens else "no such word"


def number_change(claim: Analysis, passage: Analysis) -> set[str]:
    """Numbers of the claim the passage lacks, or that the passage gives a different number in the same place
    ('two outcomes' where the passage has 'two labels' and 'four outcomes'), or in another order ('within four
    hours, then two hours' for 'within two hours, then four hours')."""
    changed = claim.numbers - passage.numbers
    p_near = _number_neighbours(passage)
    c_near = _number_neighbours(claim)
    for word in dict.fromkeys(w for _, w in c_near):
        others = [n for n, w in p_near if w == word]
        if not others:
            continue
        at = 0
        for number in (n for n, w in c_near if w == word):
            if number not in others:
                changed.add(number)
            elif number in others[at:]:
                at = others.index(number, at) + 1
            else:
                changed.add(number)  # the passage has it before a number the claim put first
    return changed


def _number_neighbours(a: Analysis) -> list[tuple[str, str]]:
    """Each number with the content word right after it ('4 outcomes'), in reading order, at every place the number
    stands; every number of a run counts ('72/90 normals', '18 of 90 normal scans': both are about the normals)."""
    out: list[tuple[str, str]] = []
    toks = a.tokens
    for i, t in enumerate(toks):
        if t.kind != "number":
            continue
        j = i + 1
        while j < len(toks) and toks[j].kind == "number" and toks[j].clause == t.clause:
            j += 1
        if j < len(toks) and toks[j].kind == "content" and toks[j].clause == t.clause:
            out.append((t.stem, toks[j].stem))
    return out


def polarity_conflicts(claim: Analysis, passage: Analysis) -> tuple[int, int]:
    """(conflicts, agreements): shared words negated in one text and asserted in the other, or negated in both."""
    def sides(a: Analysis) -> tuple[set[str], set[str]]:
        neg = {t.stem for t in a.tokens if t.kind == "content" and t.negated}
        pos = {t.stem for t in a.tokens if t.kind == "content" and not t.negated}
        return neg - pos, pos - neg

    c_neg, c_pos = sides(claim)
    p_neg, p_pos = sides(passage)
    conflicts = len(c_neg & p_pos) + len(c_pos & p_neg)
    return conflicts, len(c_neg & p_neg)


POLARITY_CONFLICTS = 2  # one shared word in another polarity is often a rewording ("no privacy risk" / "risk assessment")


def polarity_flipped(claim: Analysis, passage: Analysis) -> bool:
    """The claim asserts what the passage negates (or the reverse), by negation scope, not by the word 'not'."""
    conflicts, agreements = polarity_conflicts(claim, passage)
    return conflicts >= POLARITY_CONFLICTS and conflicts > 2 * agreements


SWAP_SPAN = 3  # a swap replaces a term of at most this many words by another


def replacements(claim: Analysis, passage: Analysis) -> list[tuple[list[str], list[str]]]:
    """Short aligned (claim words, passage words) that differ, from a word alignment of the two content sequences."""
    a, b = claim.content, passage.content
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # a long replaced stretch is a rewording; only its first words stand in the same slot
    return [(a[i1:min(i2, i1 + SWAP_SPAN)], b[j1:min(j2, j1 + SWAP_SPAN)]) for tag, i1, i2, j1, j2 in ops
            if tag == "replace"]


def role_swaps(claim: Analysis, passage: Analysis, names: set[str]) -> tuple[str, str] | None:
    """Two names both texts use, in opposite order and apart ("PACS via HL7 ... via DICOM" for "PACS via DICOM ...
    via HL7"): each has taken the other's role. Names next to each other are a list, which may be reordered."""
    def places(a: Analysis) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, w in enumerate(a.content):
            if w in names:
                out.setdefault(w, i)
        return out

    c, p = places(claim), places(passage)
    shared = [w for w in c if w in p]
    for x in shared:
        for y in shared:
            if c[x] + 2 < c[y] and p[y] + 2 < p[x]:
                return x, y
    return None


COPIED = 0.8  # an exchange is read in a claim that, put back, copies this share of its words in the passage's order


def exchanged(claim: Analysis, passage: Analysis, span: int = SWAP_SPAN + 1,
              min_gain: int = 2) -> tuple[str, str] | None:
    """Two runs of the passage (up to `span` words) that trade places in the claim, each taking the other's role
    ("flagging extra scans is worse than missing a bleed" for the reverse): put back, they restore `min_gain`
    aligned words and the claim copies the passage. A moved clause ("Unless X, Y" for "Y unless X") is no near
    copy; runs side by side are a list (unless a "not" or "only" stands between them); runs that carry their negation or flip a comparative along restate it."""
    c, p = claim.content, passage.content
    runs = _runs(c, p, span)
    base = _matched(c, p)
    marked, p_marked = claim.marked_gaps(), passage.marked_gaps()
    best: tuple[int, int, int, int, int] | None = None  # gain, claim start and length of each run
    for (i, la), pi in runs.items():
        for (j, lb), pj in runs.items():
            # apart in the claim (a word between them, or a "not" / "only"), in the other order in the passage
            around = i + la == j and j in marked
            if not ((i + la < j or around) and (pj + lb < pi or (pj + lb == pi and pi in p_marked))):
                continue
            back = c[:i] + c[j:j + lb] + c[i + la:j] + c[i:i + la] + c[j + lb:]
            after = _matched(back, p)
            gain = after - base
            # two words traded around a "not" or "only" put back restore one aligned word, and reverse the claim
            if gain >= (1 if around else min_gain) and after >= COPIED * len(c) and (best is None or gain > best[0]):
                best = (gain, i, la, j, lb)
    if best is None:
        return None
    _, i, la, j, lb = best
    moved = set(c[i:i + la]) | set(c[j:j + lb])
    if moved & claim.negated and moved & claim.negated == moved & passage.negated:
        return None
    back = c[:i] + c[j:j + lb] + c[i + la:j] + c[i:i + la] + c[j + lb:]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, back, p, autojunk=False).get_opcodes():
        if tag == "replace" and any(opposite(a, q) or {a, q} <= COMPARATIVES for a in back[i1:i2] for q in p[j1:j2]):
            return None
    return " ".join(c[i:i + la]), " ".join(c[j:j + lb])


def _runs(c: list[str], p: list[str], span: int) -> dict[tuple[int, int], int]:
    """Runs of the claim (start, length) found once, contiguous, in the passage: where they stand there."""
    out: dict[tuple[int, int], int] = {}
    for n in range(1, span + 1):
        for i in range(len(c) - n + 1):
            run = c[i:i + n]
            at = [k for k in range(len(p) - n + 1) if p[k:k + n] == run]
            if len(at) == 1:
                out[(i, n)] = at[0]
    return out


def _matched(a: list[str], b: list[str]) -> int:
    return sum(size for *_, size in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
