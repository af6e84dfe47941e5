"""Words, for every part that compares text: folding, tokens, stopword sets, stemming, acronyms.

Retrieval, the scope guard, the verifier's support measure, quiz grading and the evals all use this module. Where
they need different behaviour it is a named parameter or a named set, with the reason beside it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Mapping

_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "−": "-", "×": "x", "\u00a0": " "})
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_WORD_NO_HYPHEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")

# Grammar words: they carry no topic. The verifier and the grader compare claims and answers with these removed.
FUNCTION_WORDS = frozenset("""
a an the and or but nor if then else so as of in on at to for from by with into onto over under about than via per
that this these those there here it its it's is are was were be been being am do does did doing has have had having
will would can could should may might must shall i me my mine you your yours he him his she her we us our they them
their what which who whom whose when where why how all any both each few more most other some such only own same too
very just also even still yet often usually like e.g i.e etc one two up out off again further once while between among
""".split())
NEGATIONS = frozenset({"not", "no", "never", "cannot", "can't", "don't", "doesn't", "isn't", "aren't", "won't",
                       "without", "nor", "neither", "none", "didn't", "wasn't", "shouldn't", "mustn't"})

# Retrieval drops, besides grammar words, the words learners use to *ask* ("explain", "difference", "calculate",
# "example", "thanks"): they appear in questions, not in the course's answers, so matching on them only adds noise.
# Kept exactly as the fusion weights and the ranker were fitted with.
RETRIEVAL_STOPWORDS = frozenset("""
a an the and or but if then else of to in on at by for with without from into onto over under about as is are was
were be been being am do does did doing have has had having it its it's this that these those there here what which
who whom whose when where why how i me my mine we us our you your yours he him his she her they them their
can could should would may might must will shall not no nor so than too very just also only more most much many
some any each every all both few other such own same s t don doesn didn isn aren wasn weren won wouldn shouldn
tell explain please describe mean means meaning define definition course chapter section like get got one two
really thing things kind sort way ways use used using does did let lets give show
calculate calculated calculating compute computed computing calc figure example examples difference differences
differ important matter matters happen happens work works good bad better best worse main key basic basics simple
idea ideas concept concepts point purpose role goal actually exactly basically pls plz thanks thank hi hello hey
want wanna need know understand understanding question questions answer answers learn learning
""".split())

# Spellings of one word, whatever the course: the stemmer maps each to one form.
SPELLING_VARIANTS = {"xray": "x-ray", "x-rays": "x-ray"}


def fold(text: str, *, dashes: str = " ") -> str:
    """Lower case, NFKC, typographic quotes made plain, whitespace collapsed, em and en dashes replaced by `dashes`.

    A dash between words separates them ("early—before"), so words see a space; comparing character runs with a
    quoted passage (the verifier) keeps it as "-", since a quote keeps the course's punctuation."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).lower().replace("—", dashes).replace("–", dashes)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str, *, split_hyphens: bool = False) -> list[str]:
    """The words of text, folded. split_hyphens: free-text answers hyphenate at will ('de-identified' /
    'de identified'), so grading splits them; retrieval keeps 'false-positive' as one word, as the course writes it."""
    return (_WORD_NO_HYPHEN if split_hyphens else _WORD).findall(fold(text))


_LIGHT = (("ies", "y"), ("sses", "ss"), ("ness", ""), ("ments", "ment"), ("ings", ""), ("ing", ""), ("edly", ""),
          ("ed", ""), ("ly", ""), ("es", ""), ("s", ""))
_STRONG = (("izations", "iz"), ("ization", "iz"), ("ational", "ate"), ("ations", "ate"), ("ation", "ate"),
           ("ements", ""), ("ement", ""), ("ments", ""), ("ment", ""), ("nesses", ""), ("ness", ""), ("ings", ""),
           ("ing", ""), ("ies", "y"), ("ied", "y"), ("edly", ""), ("ed", ""), ("ions", ""), ("ion", ""),
           ("ers", ""), ("er", ""), ("ly", ""), ("sses", "ss"), ("es", ""), ("s", ""))


@lru_cache(maxsize=50_000)
def stem(word: str, *, strong: bool = False) -> str:
    """A light suffix stripper ('labels'/'label', 'flagged'/'flag'). strong also conflates derivations
    ('detection'/'detect', 'reader'/'read'): the grader wants a learner's own wording to meet the key, while
    retrieval would lose distinctions the course makes."""
    w = SPELLING_VARIANTS.get(word, word.replace("’", "'"))
    if strong:
        w = w.replace("'s", "")
        if len(w) <= 3 or w.isdigit():
            return w
        for suffix, repl in _STRONG:
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                if suffix == "s" and w.endswith(("ss", "us", "is")):
                    continue
                w = w[: -len(suffix)] + repl
                break
        if w.endswith("e") and len(w) > 4:
            w = w[:-1]
        if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "ls":
            w = w[:-1]
        return w
    for suffix, repl in _LIGHT:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss" if suffix == "s" else "\0"):
            w = w[: -len(suffix)] + repl
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # flagg -> flag
    return w


# "-es" is a plural ending after x, ch, sh, zz ("boxes", "churches", "quizzes"); elsewhere the e is mostly the word's
# own ("drones", "hives", "cases", "values").
_ES_PLURAL = ("xes", "ches", "shes", "zzes", "sses", "ies")


@lru_cache(maxsize=50_000)
def singular_stem(word: str) -> str:
    """stem(), with a plural of a word ending in e meeting its singular ("drones"/"drone": stem gives "dron"/"drone").
    stem() itself is left as it is: the fitted models' features (ranker, guard, answer sentences, verifier) were
    computed with it, and changing it moved answers both ways without a refit (evals/README.md)."""
    if word.endswith("es") and not word.endswith(_ES_PLURAL) and len(word) > 4:
        word = word[:-1]
    return stem(word)


def tokens(text: str) -> list[str]:
    """Content-word stems for retrieval and the scope guard (grammar and asking words dropped)."""
    return [stem(w) for w in words(text) if w not in RETRIEVAL_STOPWORDS and len(w) > 1 or w.isdigit()]


def content_words(text: str) -> set[str]:
    """Stems of the words that carry a claim's content: grammar words and negations removed."""
    return {stem(w) for w in words(text) if w not in FUNCTION_WORDS and w not in NEGATIONS}


def is_negated(text: str) -> bool:
    """True when text contains a negation word (or an n't contraction)."""
    folded = fold(text)
    return bool(set(_WORD.findall(folded)) & NEGATIONS) or "n't" in folded


def expand_synonyms(text_words: list[str], synonyms: Mapping[str, str]) -> list[str]:
    """Words with each abbreviation the course spells out replaced by its long form ('ppv' -> 'positive ...')."""
    out: list[str] = []
    for w in text_words:
        out.extend(synonyms[w].split() if w in synonyms else [w])
    return out


_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
# An acronym first, its long form after: "X stands for …", "X, which stands for …", "X, short for …", "X (“…”)".
_ACRONYM_FIRST = re.compile(r"\b([A-Z][A-Z]{1,6}s?)(?:,? (?:which |that )?(?:stands|is short) for|,? short for|"
                            r" \((?=[\"“]))\s*[\"“]?([^\"”.;:()]{3,100})")


def _initials_fit(acronym: str, phrase: list[str]) -> bool:
    """'TAT' fits 'turnaround time': first letter opens the phrase, the rest follow in order, the last word is used."""
    letters = acronym.lower().rstrip("s") if len(acronym) > 2 and acronym.endswith("s") else acronym.lower()
    if not phrase or phrase[0][0] != letters[0]:
        return False
    joined, pos = "".join(phrase), 1
    last_word = len(joined) - len(phrase[-1])
    for i, ch in enumerate(letters[1:], start=2):
        pos = joined.find(ch, max(pos, last_word) if i == len(letters) else pos) + 1
        if not pos:
            return False
    return len(phrase) == 1 or pos > last_word


def find_acronyms(text: str) -> dict[str, str]:
    """Acronyms the text defines inline, 'turnaround time (TAT)' -> {'tat': 'turnaround time'}, or spells out after
    them: 'PSI, which stands for pounds per square inch', 'FIFO, short for "first in, first out"', 'FEFO ("first
    expired, first out")'."""
    found: dict[str, str] = {}

    def note(acronym: str, phrases) -> None:
        """Keep the first (shortest) candidate phrase the acronym's letters fit."""
        for phrase in phrases:
            if _initials_fit(acronym, phrase):
                found.setdefault(acronym.lower(), " ".join(phrase))
                return

    for m in _ACRONYM.finditer(text):
        acronym = m.group(1)
        before = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*", text[max(0, m.start() - 80):m.start()])]
        note(acronym, (before[-k:] for k in range(1, min(len(acronym), 6, len(before)) + 1)))
    for m in _ACRONYM_FIRST.finditer(text):
        acronym, after = m.group(1), [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*", m.group(2))]
        # The long form may run two words longer than the acronym: "and", "of" sit inside it.
        note(acronym, (after[:k] for k in range(1, min(len(acronym) + 2, 8, len(after)) + 1)))
    return found


def expand_acronyms(question: str, acronyms: dict[str, str]) -> str:
    """Append the long form of any course-defined acronym the question uses and does not already spell out."""
    q_lower = question.lower()
    extra = [long for short, long in acronyms.items()
             if re.search(rf"\b{re.escape(short)}s?\b", q_lower) and long not in q_lower]
    return f"{question} ({'; '.join(extra)})" if extra else question
