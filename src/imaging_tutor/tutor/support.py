"""The verifier's support measure: does the cited section back this answer sentence?

Every LLM sentence reaches a learner only if this measure says its cited section supports it. It works in three steps:

1. Settled without the model: an unknown ref or empty sentence is unsupported; a number the section never uses is
   unsupported; a pointer naming the section's title ("Read more: <title>") and a quote are supported (a near-quote,
   one changed word away, goes through the checks of step 2 first: "Bias is the gradual..." for "Drift is ...").
2. Checks against the passage the claim leans on (best blend of content-word coverage and MiniLM cosine among the
   section's sentences and adjacent pairs; word-by-word checks use the one sentence it restates, if any):
   - contrastive terms (imaging_tutor.tutor.siblings, mined from the course text, nothing listed by hand): a claim
     word whose sibling stands in the passage in its place, a name or list term in another's slot, two names that
     trade roles, a sentence opening borrowed from another sentence of the section;
   - opposites of general English and prefix swaps (over-/under-, in-/de-) in the place of the passage's word;
   - numbers must be in the passage, and in the same place (not "two outcomes" where it says "four outcomes");
   - quantifiers and modal strength count as content: a claim may weaken ("may" for "does"), never strengthen
     ("always" for "often", "will" for "can", "all" for "most"), nor add an exclusive "only";
   - polarity by negation scope, not by the word "not": "rather than X", "instead of X", "no longer" align with
     "not X"; a shared word asserted on one side and negated on the other is a flip.
3. A learned decision over what is left (logistic regression over cosine to the passage, to the restated sentence
   and to the passage read without its asides in parentheses, coverage of the claim and of its weakest clause, so
   a faithful clause cannot carry an invented one, and how many of its substituted words the section never uses),
   fitted and cross-validated on evals/verifier/fit.jsonl by imaging_tutor.evals.support_labels.fit_decision.

Measured (`imaging-tutor eval evals/verifier/eval.jsonl`, 318 held-out labelled claims never used for fitting):
precision of "supported" 0.86, recall 0.77 (the old similarity measure: 0.54 and 0.70); on another course's 160
held-out claims (evals/verifier/courses/kitchen-food-safety/eval.jsonl) only 0.71 / 0.69; per kind in
evals/README.md. What it still misses: reversals that are no pair of opposite words (claims.py's list and WordNet's
antonyms: "matter less than" for "matter as much as"), swapped terms the course never lists or defines side by side,
roles that move between sentences ("IT leads validation" where "they" did), a dropped hedge ("increases" for "can
increase").
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import Iterable, Protocol, Sequence

import numpy as np

from ..corpus.course import Course
from ..corpus.sentences import sentences as split_text
from ..text import content_words, fold
from . import claims as cl
from .siblings import Siblings, mine, mine_names

MARKER = re.compile(r"\[(\d+)\.(\d+)\]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ASIDE = re.compile(r"\s*\([^()]*\)")

VERBATIM = 0.92        # a common run covering this share of the claim: the sentence quotes the passage
LOCAL_OVERLAP = 0.6    # a claim sharing this share of its words with one sentence restates that sentence ...
RESTATES = 0.8         # ... and one sharing this share restates it closely (numbers and opposites are read there)
POINTER_EXTRA_WORDS = 3  # "The course covers this in <title>" names its section; more words make it a claim


# The learned decision over the signals of SupportMeasure.signals, for claims no check has settled. Fitted by
# imaging_tutor.evals.support_labels.fit_decision (L2 0.1) on evals/verifier/fit.jsonl, never on eval.jsonl; the
# threshold maximises F0.5 (precision weighs double) on 5-fold out-of-fold probabilities. Cross-validated on the
# 311 fit claims: precision 0.97, recall 0.88. Features were chosen by that cross-validation alone ("plain_cosine",
# the best passage read without its asides, added 2026-12-03: recall 0.877 -> 0.884 at the same precision).
DECISION_WEIGHTS = {"novel_swaps": 2.4793, "cosine": 2.924, "local_cosine": 2.5604, "cover_wide": 0.5901,
                    "clause_wide": 4.2022, "clause_section": 0.515, "plain_cosine": 2.3968}
DECISION_BIAS = -8.7242
DECISION_THRESHOLD = 0.81


def probability(signals: dict, weights: dict, bias: float) -> float:
    """Logistic score of a claim's signals."""
    z = bias + sum(weights[k] * float(signals.get(k, 0.0)) for k in weights)
    return float(1.0 / (1.0 + np.exp(-z)))


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Support:
    """How one sentence relates to one cited section."""

    supported: bool
    ref: str
    lexical: float
    cosine: float
    passage: str
    reason: str
    signals: dict = field(default_factory=dict, compare=False)  # what the learned decision weighs

    def as_dict(self) -> dict:
        return {"supported": self.supported, "ref": self.ref, "lexical": round(self.lexical, 3),
                "cosine": round(self.cosine, 3), "passage": self.passage, "reason": self.reason}


def strip_markers(text: str) -> str:
    """The sentence without its [C.S] citation markers."""
    return re.sub(r"\s+([.!?,;:])", r"\1", re.sub(r"\s+", " ", MARKER.sub("", text))).strip()


def coverage(claim: str, passage: str) -> float:
    """Share of the claim's content words that occur in the passage."""
    words = content_words(claim)
    if not words:
        return 0.0
    return len(words & content_words(passage)) / len(words)


@lru_cache(maxsize=50_000)
def common_run(claim: str, passage: str) -> float:
    """Longest common substring, as a share of the claim's length (1.0 = the claim is quoted verbatim)."""
    a, b = fold(claim, dashes="-"), fold(passage, dashes="-")
    if not a:
        return 0.0
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size / len(a)


class SupportMeasure:
    """Scores answer sentences against the sections they cite; section passages are embedded once and cached."""

    def __init__(self, course: Course, embedder: Embedder, *, verbatim: float = VERBATIM):
        self.course = course
        self.embedder = embedder
        self.verbatim = verbatim
        self._texts: dict[str, list[str]] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._plain: dict[str, np.ndarray] = {}  # the same texts with their asides in parentheses left out
        self._numbers: dict[str, set[str]] = {}
        self._claims: dict[str, np.ndarray] = {}
        self._analyses: dict[str, cl.Analysis] = {}
        self._section_words: dict[str, set[str]] = {}
        self._n_sentences: dict[str, int] = {}

    @property
    def siblings(self) -> Siblings:
        """The course's sibling terms, mined once per course."""
        def build() -> Siblings:
            found = mine(((s.ref, s.text) for s in self.course.sections), self.course.synonyms)
            mine_names((s.text for s in self.course.sections), (s.section_title for s in self.course.sections),
                       self.course.synonyms, found, ((s.ref, s.text) for s in self.course.sections))
            return found

        return self.course.derived("support.siblings", build)

    def analysis(self, text: str) -> cl.Analysis:
        if text not in self._analyses:
            self._analyses[text] = cl.analyse(text, self.course.synonyms)
        return self._analyses[text]

    def section_words(self, ref: str) -> set[str]:
        """Content stems of the section and its title (acronyms spelled out)."""
        if ref not in self._section_words:
            sec = self.course.section(ref)
            self._section_words[ref] = set(self.analysis(f"{sec.section_title}. {sec.text}").content)
        return self._section_words[ref]

    def prepare(self, pairs: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Embed, in two batches, whatever scoring these (sentence, refs) pairs will need.

        Quotes, pointers and invented numbers are settled without the model, so an extractive answer costs
        almost nothing; only undecided sentences and the sections they cite are embedded.
        """
        claims: list[str] = []
        refs: list[str] = []
        for sentence, cited in pairs:
            for ref in cited:
                if self.course.has_ref(ref) and self._settle(strip_markers(sentence), ref) is None:
                    claims.append(strip_markers(sentence))
                    refs.append(ref)
        todo = list(dict.fromkeys(c for c in claims if c not in self._claims))
        if todo:
            self._claims.update(zip(todo, self.embedder.embed(todo)))
        self._embed_sections(refs)

    def _claim_vector(self, claim: str) -> np.ndarray:
        if claim not in self._claims:
            self._claims[claim] = self.embedder.embed([claim])[0]
        return self._claims[claim]

    def texts(self, ref: str) -> list[str]:
        """The section's sentences, its adjacent-sentence pairs (a claim may merge two) and its title."""
        if ref not in self._texts:
            sec = self.course.section(ref)
            sents = [re.sub(r"\s+", " ", s) for s in split_text(sec.text)]
            self._texts[ref] = sents + [f"{a} {b}" for a, b in zip(sents, sents[1:])] + [sec.section_title]
            self._n_sentences[ref] = len(sents)
            # "three-dimensional" gives a "3D" claim its 3: numbers the section writes as words count too
            spelled = {cl.NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", sec.text.lower()) if w in cl.NUMBER_WORDS}
            self._numbers[ref] = set(_NUMBER.findall(sec.text)) | {n for n in spelled if n.isdigit()}
        return self._texts[ref]

    def _section_vectors(self, ref: str) -> np.ndarray:
        if ref not in self._vectors:
            self._embed_sections([ref])
        return self._vectors[ref]

    def _embed_sections(self, refs: list[str]) -> None:
        todo = [r for r in dict.fromkeys(refs) if r not in self._vectors and self.course.has_ref(r)]
        if not todo:
            return
        # One batch for every section needed: the model is far faster on a batch than on many small calls.
        plain = {ref: [_ASIDE.sub("", t) for t in self.texts(ref)] for ref in todo}
        wanted = list(dict.fromkeys([*(t for ref in todo for t in self.texts(ref)),
                                     *(t for ref in todo for t in plain[ref])]))
        vectors = dict(zip(wanted, self.embedder.embed(wanted)))
        for ref in todo:
            self._vectors[ref] = np.stack([vectors[t] for t in self.texts(ref)])
            self._plain[ref] = np.stack([vectors[t] for t in plain[ref]])

    def score(self, sentence: str, ref: str) -> Support:
        """Support of one sentence by one section (an unknown ref is never support)."""
        found = self.features(sentence, ref)
        return found if found.reason else self.decide(found)

    def _settle(self, claim: str, ref: str) -> Support | None:
        """The verdicts that need no model: unknown ref, empty sentence, pointer, quote, invented number."""
        if not self.course.has_ref(ref):
            return Support(False, ref, 0.0, 0.0, "", "unknown ref")
        if not claim:
            return Support(False, ref, 0.0, 0.0, "", "empty sentence")
        texts = self.texts(ref)
        missing = set(_NUMBER.findall(claim)) - self._numbers[ref]
        runs = [common_run(claim, t) for t in texts]
        best = int(np.argmax(runs))
        if missing:
            return Support(False, ref, runs[best], 0.0, texts[best], f"number not in section: {', '.join(sorted(missing))}")
        if self._names_section(claim, ref):
            return Support(True, ref, 1.0, 1.0, self.course.section(ref).section_title, "points to the section")
        if runs[best] >= self.verbatim:
            if fold(claim, dashes="-") in fold(texts[best], dashes="-"):
                return Support(True, ref, runs[best], 1.0, texts[best], "quoted")
            # nearly a quote: one changed word ("Bias is the gradual ..." for "Drift is ...") may reverse it
            veto = self.contradiction(claim, *self.local_passages(claim, ref, texts[best]), ref=ref)
            if veto:
                return Support(False, ref, runs[best], 1.0, texts[best], veto)
            return Support(True, ref, runs[best], 1.0, texts[best], "quoted")
        return None

    def features(self, sentence: str, ref: str) -> Support:
        """Similarity to the best passage; settled here (non-empty reason) when a check or a quote decides."""
        claim = strip_markers(sentence)
        settled = self._settle(claim, ref)
        if settled is not None:
            return settled
        texts = self.texts(ref)
        lexical = [max(coverage(claim, t), common_run(claim, t)) for t in texts]
        cosines = self._section_vectors(ref) @ self._claim_vector(claim)
        # The passage the claim leans on: the best blend of both signals.
        best = int(np.argmax(np.asarray(lexical) + cosines))
        lex, cos, passage = float(lexical[best]), float(cosines[best]), texts[best]
        local, wide = self.local_passages(claim, ref, passage)
        veto = self.contradiction(claim, local, wide, ref)
        if veto:
            return Support(False, ref, lex, cos, passage, veto)
        local_cos = float(cosines[texts.index(local)]) if local in texts else cos
        return Support(False, ref, lex, cos, passage, "", self.signals(claim, ref, local, wide, lex, cos, local_cos))

    def signals(self, claim: str, ref: str, local: str, wide: str, lex: float, cos: float, local_cos: float) -> dict:
        """What the learned decision weighs: similarity, and how much of the claim (and of its weakest clause) the
        passage and the section contain. A faithful clause cannot carry an invented one: the weakest clause counts."""
        c = self.analysis(claim)
        words = set(c.content)
        wide_words, section = set(self.analysis(wide).content), self.section_words(ref)

        def share(part: Iterable[str], pool: set[str]) -> float:
            part = set(part)
            return len(part & pool) / len(part) if part else 1.0

        clauses = [cl_ for cl_ in c.clauses() if len(set(cl_)) >= 2] or [c.content]
        # words put in the place of the passage's own words, which the section never uses: a reworded claim has
        # some, a reversed one ("darkness" for "brightness") has them where it restates the passage most closely
        swaps = [a for a, b in cl.replacements(c, self.analysis(local)) if len(a) <= 2 and len(b) <= 2]
        novel_swaps = sum(1 for a in swaps if set(a) - section)
        self._section_vectors(ref)  # embeds the section's texts, and the same without their asides
        # the best passage read without its asides: a summary of a list drops the details in parentheses
        plain_cos = max(cos, float((self._plain[ref] @ self._claim_vector(claim)).max()))
        return {"lexical": lex, "cosine": cos, "local_cosine": local_cos, "plain_cosine": plain_cos,
                "cover_local": share(words, set(self.analysis(local).content)),
                "cover_wide": share(words, wide_words), "cover_section": share(words, section),
                "clause_wide": min(share(x, wide_words) for x in clauses),
                "clause_section": min(share(x, section) for x in clauses),
                "novel": min(len(words - section), 4) / 4, "novel_swaps": min(novel_swaps, 3) / 3}

    def local_passages(self, claim: str, ref: str, passage: str) -> tuple[str, str]:
        """(local, wide): the one sentence the claim restates when it restates one, else the passage; and the
        passage widened by that sentence. Word-by-word checks compare with the local one, presence checks with
        the wide one, so a merge of two sentences is not read against half of itself."""
        sents = self.texts(ref)[: self._n_sentences[ref]]
        c = set(self.analysis(claim).content)
        if not c or not sents:
            return passage, passage
        overlap = [len(c & set(self.analysis(t).content)) / len(c) for t in sents]
        i = int(np.argmax(overlap))
        local = sents[i] if overlap[i] >= LOCAL_OVERLAP or passage in sents else passage
        wide = passage if local in passage else f"{passage} {local}"
        return local, wide

    def contradiction(self, claim: str, local: str, wide: str | None = None, ref: str = "") -> str:
        """Why the claim misstates the passage it leans on ('' when nothing does): a number, a sibling term, an
        opposite word, a stronger quantifier or a flipped polarity."""
        wide = wide or local
        c, p, w = self.analysis(claim), self.analysis(local), self.analysis(wide)
        numbers = cl.number_change(c, w)
        if not numbers and len(set(c.content) & set(p.content)) >= RESTATES * len(set(c.content)):
            numbers = cl.number_change(c, p)  # a restated sentence keeps its own numbers, not its neighbour's
        if numbers:
            return f"number not in the passage: {', '.join(sorted(numbers))}"
        swap = self.swapped(c, p, w, ref)
        if swap:
            return f"swapped term: '{swap[0]}' where the passage says '{swap[1]}'"
        quantifier = cl.quantifier_change(c, p)
        if quantifier:
            return f"quantifier: {quantifier}"
        if cl.polarity_flipped(c, p):
            return "polarity differs from the passage"
        return ""

    def swapped(self, c: cl.Analysis, p: cl.Analysis, w: cl.Analysis, ref: str = "") -> tuple[str, str] | None:
        """A claim word whose sibling term or opposite stands in the passage in its place."""
        sib = self.siblings
        cw, pw = set(c.content), set(w.content)
        def reversed_(a: str, q: str) -> bool:
            # "not safe" restates "unsafe": an opposite under exactly one negation is a rewording
            return cl.opposite(a, q) and (a in c.negated) == (q in w.negated)

        # a sibling anywhere in the passage; an opposite only in the aligned slot (paraphrases move words around)
        for a in sorted(cw - pw):
            for q in sorted(pw - cw):
                if sib.are(a, q, strong=True):
                    return a, q
        for a_words, p_words in cl.replacements(c, p):
            for a in a_words:
                for q in p_words:
                    if a != q and (sib.are(a, q) or reversed_(a, q) or (a in sib.named and q in sib.named)):
                        return a, q
            # one term of the course put in the place of another ("shortcut learning" for "distribution shift")
            if len(a_words) >= 2 and len(p_words) >= 2 and not set(a_words) & set(p_words) \
                    and tuple(a_words) in sib.terms and tuple(p_words) in sib.terms:
                return " ".join(a_words), " ".join(p_words)
        subject = self.subject_swap(c, p, ref)
        if subject:
            return subject
        roles = cl.role_swaps(c, p, sib.named) or cl.exchanged(c, p)
        if roles:
            return roles
        c_seq, w_seq, p_seq = (f" {' '.join(x.content)} " for x in (c, w, p))
        # a concept of the course (defined, named "called X", or an acronym's long form) where the passage has another
        topic = set(self.analysis(self.course.section(ref).section_title).content) if ref else set()
        mine_ = [x for x in sorted(sib.concepts) if f" {' '.join(x)} " in c_seq and f" {' '.join(x)} " not in w_seq
                 and not set(x) <= topic]
        if mine_:
            theirs = [x for x in sorted(sib.concepts)
                      if f" {' '.join(x)} " in p_seq and f" {' '.join(x)} " not in c_seq]
            for a in mine_:
                for b in theirs:
                    if not set(a) & set(b) and not set(a) & set(p.content):
                        return " ".join(a), " ".join(b)
        for phrase, others in sib.phrases.items():
            text = f" {' '.join(phrase)} "
            if text in c_seq and text not in w_seq:
                for other in sorted(others):
                    o = f" {' '.join(other)} "
                    if o in p_seq and o not in c_seq:
                        return text.strip(), o.strip()
        return None

    def subject_swap(self, c: cl.Analysis, p: cl.Analysis, ref: str) -> tuple[str, str] | None:
        """The claim opens the way another sentence of the section opens, where its passage opens with its own
        subject ("IT and imaging informatics review ..." for "Compliance and privacy officers review ...")."""
        ops = SequenceMatcher(None, c.content, p.content, autojunk=False).get_opcodes()
        if not ops or ops[0][0] != "replace" or ops[0][1] != 0 or ops[0][3] != 0:
            return None
        a, b = tuple(c.content[ops[0][1]:ops[0][2]]), tuple(p.content[ops[0][3]:ops[0][4]])
        if set(a) & set(b) or len(a) > cl.SWAP_SPAN + 1 or len(b) > cl.SWAP_SPAN + 1:
            return None
        if set(a) <= set(self.analysis(self.course.section(ref).section_title).content):
            return None  # the claim names the section's topic where the passage says "this pattern"
        if any(o[:len(a)] == a and o[:len(b)] != b for o in self.siblings.openings.get(ref, ())):
            return " ".join(a), " ".join(b)
        return None

    def decide(self, f: Support, model: tuple[dict, float, float] | None = None) -> Support:
        """The learned decision over an undecided record's signals (logistic; weights fitted on labelled claims)."""
        weights, bias, threshold = model or (DECISION_WEIGHTS, DECISION_BIAS, DECISION_THRESHOLD)
        p = probability(f.signals, weights, bias)
        if p >= threshold:
            return replace(f, supported=True, reason=f"supported (p={p:.2f})")
        return replace(f, supported=False, reason=f"too far from every passage (p={p:.2f})")

    def _names_section(self, claim: str, ref: str) -> bool:
        """A pointer such as "Read more: <title>": names the cited section and claims little else."""
        title = self.course.section(ref).section_title
        return fold(title, dashes="-") in fold(claim, dashes="-") and len(content_words(claim) - content_words(title)) <= POINTER_EXTRA_WORDS

    def score_any(self, sentence: str, refs: Iterable[str]) -> Support:
        """Best support among the sentence's cited refs (supported if any one of them supports it)."""
        results = [self.score(sentence, r) for r in refs]
        if not results:
            return Support(False, "", 0.0, 0.0, "", "no citation")
        return max(results, key=lambda s: (s.supported, s.lexical + s.cosine))
