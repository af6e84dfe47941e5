"""Spelling correction against the course's own vocabulary, before retrieval and the scope guard.

A word is left alone when the course uses it or when it is a common English word (so "price" never becomes "prize");
otherwise it is replaced by the closest word the course uses (edit distance 1, or 2 for longer words), a British or
American spelling by the course's ("generalisation" -> "generalization", "utilization" -> "utilisation"), a
run-together pair by its two course words ("falsepositive" -> "false positive"), a word cut short by the course word
it starts after the word before it ("false neg" -> "false negatives"), shorthand by the word the course writes ("hrs"
-> "hours", "info" -> "information"), and a number typed against its unit as the course writes them ("5ghz" -> "5
ghz", "5c" -> "5°C"). The English word list is the one symspellpy ships (82,765
words with corpus frequencies), read from the installed package: nothing is downloaded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from ..corpus.course import Course
from ..text import FUNCTION_WORDS, SPELLING_VARIANTS, singular_stem, words

# A word in the English list is a real word even if the course never uses it (its entries are words of an English
# word list found in a book corpus, so few misspellings). Checked on the fit splits (evals/calibration/*.jsonl): no
# typo of the search-box split is in the list, while floors on its counts turned real words ("radiographer",
# "locums", "biometry") into course words.
ENGLISH_MIN_COUNT = 1
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*")
# two words typed with one space between them (the pair is read again from its second word: "x ray machine")
_APART = re.compile(r"(?<![\w'-])([A-Za-z0-9]+) (?=([A-Za-z0-9]+)(?![\w'-]))")
# British and American spellings of one word, either way: tried in this order when a word is unknown to the course.
_VARIANTS = ((r"isation", "ization"), (r"ise\b", "ize"), (r"ised\b", "ized"), (r"ising\b", "izing"),
             (r"yse\b", "yze"), (r"our\b", "or"), (r"tre\b", "ter"), (r"ogue\b", "og"), (r"aem", "em"), (r"ae", "e"),
             (r"oe", "e"), (r"ll", "l"), (r"artefact", "artifact"),
             # and the other way, for a course written in British English ("utilization" -> "utilisation")
             (r"ization", "isation"), (r"ize\b", "ise"), (r"ized\b", "ised"), (r"izing\b", "ising"), (r"yze\b", "yse"),
             (r"or\b", "our"), (r"ter\b", "tre"), (r"og\b", "ogue"), (r"artifact", "artefact"))


# Standard English shorthand for a unit or a common word ("hrs", "temp", "info"), read as the word the course writes:
# "how many hrs can food sit out" was refused on the kitchen course (0.11; with "hours" 0.78). Lower case only ("HR" is
# a name), and only when the course does not write the short form itself. Not "min" (minutes or minimum?).
_SHORTHAND = {"hr": ("hour",), "hrs": ("hours", "hour"), "mins": ("minutes", "minute"), "sec": ("second",),
              "secs": ("seconds", "second"), "wk": ("week",), "wks": ("weeks", "week"), "yr": ("year",),
              "yrs": ("years", "year"), "mth": ("month",), "mths": ("months", "month"), "temp": ("temperature",),
              "temps": ("temperatures", "temperature"), "approx": ("approximately", "about"),
              "info": ("information",), "diff": ("difference",), "govt": ("government",), "dept": ("department",),
              "pct": ("percent",), "max": ("maximum",), "lbs": ("pounds", "pound"), "lb": ("pound",)}

# English shorthand the frequency list lacks: counted as a word nobody could fix, "vs" made "2.4 vs 5ghz" read as
# mostly unknown words (another language) and left "5ghz" unsplit, so the scope guard refused it (0.07 against 0.95).
_ENGLISH_SHORTHAND = frozenset({"vs"})

# English contractions typed without their apostrophe, where the bare form is no other word ("whats", not "its",
# "were", "well", "cant", "wont" or "im", which can be one): read as one unknown token, "whats" pulls retrieval away
# from what "what's" and "what is" find.
_CONTRACTIONS = {"whats": "what's", "hows": "how's", "wheres": "where's", "whos": "who's", "thats": "that's",
                 "theres": "there's", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't",
                 "arent": "aren't", "wasnt": "wasn't", "werent": "weren't", "shouldnt": "shouldn't",
                 "wouldnt": "wouldn't", "couldnt": "couldn't", "havent": "haven't", "hasnt": "hasn't",
                 "youre": "you're", "theyre": "they're", "ive": "I've"}

# A number typed against its unit or a name typed against its number ("5ghz", "100mbps", "2.4GHz", "cat6"), where the
# course writes them apart ("5 GHz", "Cat 6"): read as one unknown word, the scope guard took it for a name the course
# lacks and refused "whats the difference between 2.4 and 5ghz" (0.05 against 0.89 for "5 ghz").
_NUMBER_UNIT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([A-Za-z]{2,})(?![\w])")
_NAME_NUMBER = re.compile(r"(?<![\w.])([A-Za-z]{2,})(\d+)(?![\w]|\.\d)")
# A temperature typed without its degree sign ("5c", "165F") in a course that writes "5°C": one letter after a number
# is split only as a degree, and only for a letter the course writes after "°" ("5e", "4k", "510k" stay).
_NUMBER_LETTER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)([A-Za-z])(?![\w])")
_DEGREE = re.compile(r"\d\s?°\s?([A-Za-z])(?![A-Za-z])")

# A word cut short ("neg", "pos", "spec"), completed only from the word before it (MIN_CUT_LETTERS or more letters)
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z'-]*)[^A-Za-z0-9]*$")
MIN_CUT_LETTERS = 3

MIN_VARIANT_LETTERS = 5  # the shortest British spelling the patterns are for: "odour", "tumour", "centre"


def _cased(typed: str, better: str) -> str:
    """The correction with the capital the learner typed at the start of a sentence ("Hrs for cooling?")."""
    return better[:1].upper() + better[1:] if typed[:1].isupper() else better


def english_counts() -> dict[str, int]:
    """Word -> corpus count from symspellpy's packaged English frequency list."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, count = line.partition(" ")
        if count.isdigit():
            counts[word] = int(count)
    return counts


@dataclass(frozen=True)
class Correction:
    text: str
    changes: tuple[tuple[str, str], ...]  # (as typed, as corrected), shown to the learner (not an apostrophe put back)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


class Speller:
    """The corrector of one course: its vocabulary, in a SymSpell index for fast edit-distance lookups."""

    def __init__(self, vocabulary: dict[str, int], degrees: frozenset[str] = frozenset(),
                 pairs: dict[str, dict[str, int]] | None = None):
        from symspellpy import SymSpell

        self.vocabulary = vocabulary
        self.pairs = pairs or {}  # word -> the words the course writes right after it, with counts
        self.degrees = degrees  # the letters the course writes after a degree sign: "c", "f"
        # A hyphenated course word is also found typed without its hyphen ("prefill", "deidentification").
        self._joined = {w.replace("-", ""): w for w in vocabulary if "-" in w}
        self._index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in vocabulary.items():
            if len(word) >= 3:
                self._index.create_dictionary_entry(word.replace("-", ""), count)
        self._english = english_counts()

    def known(self, word: str) -> bool:
        return (word in self.vocabulary or word in _ENGLISH_SHORTHAND
                or self._english.get(word, 0) >= ENGLISH_MIN_COUNT)

    def variant(self, word: str) -> str | None:
        """The course's spelling of a word it writes differently (British/American, a missing hyphen, shorthand)."""
        if word in SPELLING_VARIANTS:
            return SPELLING_VARIANTS[word]
        if word in _SHORTHAND:
            return next((w for w in _SHORTHAND[word] if w in self.vocabulary), None)
        if word in self._joined:
            return self._joined[word]
        if len(word) < MIN_VARIANT_LETTERS:
            return None  # "four" and "our" are words, not British spellings of "for" and "or"
        for pattern, repl in _VARIANTS:
            variant = re.sub(pattern, repl, word)
            if variant != word and variant in self.vocabulary:
                return variant
        return None

    def complete(self, before: str, word: str) -> str | None:
        """The course word a cut-short word stands for after the word before it: "false neg" -> "false negatives",
        when the course writes "false" followed by words that start "neg" and all are one word."""
        if len(word) < MIN_CUT_LETTERS or not word.isalpha() or before in FUNCTION_WORDS:
            return None
        after = self.pairs.get(before, {})
        found = {w: n for w, n in after.items() if w.startswith(word) and len(w) >= len(word) + 2}
        if not found or len({singular_stem(w) for w in found}) > 1:
            return None
        # one word in its forms ("negative" once, "negatives" four times after "false"): the course's usual one
        return max(found, key=lambda w: (found[w], -len(w)))

    def suggest(self, word: str) -> str | None:
        """The course word this unknown word most likely means, or None."""
        from symspellpy import Verbosity

        if len(word) < 5 or not word.isalpha():
            return None  # short words have too many neighbours to guess from
        # Damerau distance: a swapped pair of letters is one edit, so nearly every typo is within 1; 2 only for
        # long words that keep their first three letters ("specifity"), where a second slip is likelier than a
        # different word. A correction keeps the first letter: dropping it changes the word ("unlabeled" ->
        # "labeled", "lunit" -> "unit"), a typo rarely does.
        found = [s for s in self._index.lookup(word, Verbosity.CLOSEST, max_edit_distance=1 if len(word) < 9 else 2,
                                               transfer_casing=False)
                 if s.term[:1] == word[:1] and (s.distance < 2 or s.term[:3] == word[:3])]
        if found:
            best = max(found, key=lambda s: (-s.distance, s.count))
            return self._joined.get(best.term, best.term)
        if len(word) >= 7:  # two course words typed without the space between them
            for cut in range(3, len(word) - 2):
                left, right = word[:cut], word[cut:]
                if left in self.vocabulary and right in self.vocabulary:
                    return f"{left} {right}"
        return None

    def correct(self, text: str) -> Correction:
        """text with each unknown word replaced by its course word; the rest untouched, case kept where possible."""
        changes: list[tuple[str, str]] = []
        unfixable: list[str] = []

        def split(m: re.Match, letters: int) -> str:
            typed = m.group(0)
            if typed.lower() in self.vocabulary or m.group(letters).lower() not in self.vocabulary:
                return typed  # a course word as written ("WPA3"), or letters the course does not write apart
            apart = f"{m.group(1)} {m.group(2)}"
            changes.append((typed, apart))
            return apart

        def degree(m: re.Match) -> str:
            typed = m.group(0)
            if typed.lower() in self.vocabulary or m.group(2).lower() not in self.degrees:
                return typed
            written = f"{m.group(1)}°{m.group(2).upper()}"
            changes.append((typed, written))
            return written

        def join(m: re.Match) -> str:
            typed = m.group(0)
            first, second = m.group(1).lower(), m.group(2).lower()
            hyphenated = f"{first}-{second}"
            if (hyphenated not in self.vocabulary or self.pairs.get(first, {}).get(second, 0)
                    or first in FUNCTION_WORDS or second in FUNCTION_WORDS):
                # not a course compound, one the course also writes apart, or a verb and its particle typed as a
                # verb ("wrung out", "follow up": the hyphenated form is the adjective or the noun)
                return typed
            changes.append((f"{m.group(1)} {m.group(2)}", f"{m.group(1)}-{m.group(2)}"))
            return f"{m.group(1)}-"  # the second word stays where it is (the pattern only looks at it)

        # numbers and units first, so each word is then read on its own ("5ghz" -> "5 ghz": "ghz" is a course word)
        spaced = _NUMBER_LETTER.sub(degree, _NAME_NUMBER.sub(lambda m: split(m, 1),
                                                             _NUMBER_UNIT.sub(lambda m: split(m, 2), text)))
        # a compound the course always hyphenates, typed apart: "cross contamination" -> "cross-contamination"
        spaced = _APART.sub(join, spaced)

        def fix(m: re.Match) -> str:
            typed = m.group(0)
            word = typed.lower()
            if (typed[1:] != typed[1:].lower() or (typed[0].isupper() and m.start() > 0
                                                    and not re.search(r"[.!?]\s*$", spaced[:m.start()]))):
                return typed  # a name or an acronym (Sectra, ImageNet, CTPAs): nothing to correct
            if word in self.vocabulary or "'" in word:
                return typed
            if word in _CONTRACTIONS:  # an apostrophe put back is no correction to show the learner
                return _cased(typed, _CONTRACTIONS[word])
            better = self.variant(word)
            if better is None:
                before = _LAST_WORD.search(spaced, 0, m.start())
                better = self.complete(before.group(1).lower(), word) if before else None
            if better is not None:
                better = _cased(typed, better)
                changes.append((typed, better))
                return better
            if self.known(word):
                return typed
            parts = word.split("-")
            if len(parts) > 1 and all(self.known(p) or not p for p in parts):
                return typed
            better = self.suggest(word)
            if better is None:
                unfixable.append(word)
                return typed
            better = _cased(typed, better)
            changes.append((typed, better))
            return better

        corrected = _TOKEN.sub(fix, spaced)
        typed = [w for w in _TOKEN.findall(spaced) if len(w) >= 3]
        if typed and len(unfixable) * 2 > len(typed):
            return Correction(text, ())  # mostly unknown words: another language or jargon, not typos
        return Correction(corrected, tuple(changes))


def course_vocabulary(course: Course) -> dict[str, int]:
    """Every word the course uses (text, titles, objectives, quiz stems, its abbreviations), with its count."""
    def build() -> dict[str, int]:
        counts: dict[str, int] = {}
        texts = [course.title] + [s.text for s in course.sections] + [s.section_title for s in course.sections]
        texts += [o for c in course.chapters for o in c.objectives] + [q.text for c in course.chapters for q in c.quiz]
        texts += [f"{short} {long}" for short, long in course.synonyms.items()]
        for text in texts:
            for w in words(text, split_hyphens=True) + [w for w in words(text) if "-" in w]:
                counts[w] = counts.get(w, 0) + 1
        return counts

    return course.derived("text.vocabulary", build)


def speller_for(course: Course) -> Speller:
    """The course's corrector (built once per parsed course)."""
    def build() -> Speller:
        degrees = {m.group(1).lower() for s in course.sections for m in _DEGREE.finditer(s.text)}
        pairs: dict[str, dict[str, int]] = {}
        for section in course.sections:
            ws = words(section.text)
            for a, b in zip(ws, ws[1:]):
                after = pairs.setdefault(a, {})
                after[b] = after.get(b, 0) + 1
        return Speller(course_vocabulary(course), frozenset(degrees), pairs)

    return course.derived("tutor.speller", build)
