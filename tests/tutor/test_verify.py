"""verify: sentence-level checks of LLM output, batch and streamed, against the real index and support measure."""
from __future__ import annotations

from imaging_tutor.retrieval.fusion import retrieve
from imaging_tutor.tutor.schemas import Answer
from imaging_tutor.tutor.verify import verify_text, write_verified

SUPPORTED = "This is called shortcut learning: the AI finds an easy-to-predict signal that correlates with the label."
OUTPUT = (f"{SUPPORTED} [5.3] Shortcut learning was invented in 2031 by vendors [9.9]. "
          "Radiologists never need to check AI output at all [5.3].\nAnother claim about cats [5.3].")


class FakeStreamingWriter:
    """Stands in for the LLM: replays a fixed text in small chunks, like a token stream."""

    name = "llm:fake"

    def __init__(self, text: str, step: int = 3):
        self.text, self.step = text, step

    def write(self, question, passages):
        return self.text

    def stream(self, question, passages):
        for i in range(0, len(self.text), self.step):
            yield self.text[i:i + self.step]


def ranked(services, question: str):
    """The retrieval the tutor does for a question: fused, then reordered by the packaged ranker."""
    return retrieve(question, services.index(), services.embedder, ranker=services.models.ranker)


def test_batch_verify_keeps_supported_and_drops_invented_and_unsupported(tutor_services):
    r = ranked(tutor_services, "what is shortcut learning?")
    kept, dropped = verify_text(OUTPUT, r.refs, r, tutor_services.support_measure(r.snapshot.course))
    assert [k[0] for k in kept] == [SUPPORTED] and kept[0][1] == ["5.3"]
    assert len(dropped) == 3 and any("2031" in d for d in dropped) and any("cats" in d for d in dropped)


def test_streaming_emits_each_verified_sentence_once_and_matches_the_final_answer(tutor_services):
    r = ranked(tutor_services, "what is shortcut learning?")
    measure = tutor_services.support_measure(r.snapshot.course)
    fallback = Answer(status="answered", answer="extractive")
    streamed: list[str] = []
    final = write_verified(FakeStreamingWriter(OUTPUT), "q", r, fallback, measure, on_sentence=streamed.append)
    batch = write_verified(FakeStreamingWriter(OUTPUT), "q", r, fallback, measure)
    assert final.writer == "llm:fake" and final.model_dump() == batch.model_dump()
    assert streamed == [f"{SUPPORTED} [5.3]"]
    assert [s.text for s in final.sentences] == [SUPPORTED]
    assert len(final.dropped_sentences) == 3
    assert final.citations[0].quote in r.snapshot.course.section("5.3").text


def test_nothing_supported_falls_back_to_the_extractive_answer(tutor_services):
    r = ranked(tutor_services, "what is shortcut learning?")
    fallback = Answer(status="answered", answer="extractive")
    out = write_verified(FakeStreamingWriter("Cats are great [5.3]. The moon is cheese [1.1]."), "q", r, fallback,
                         tutor_services.support_measure(r.snapshot.course))
    assert out is fallback and len(out.dropped_sentences) == 2


# ---- the support measure's checks, on claims written for these tests from the course text --------------------------
import logging  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from imaging_tutor.corpus.course import load_course  # noqa: E402
from imaging_tutor.tutor.claims import stem  # noqa: E402
from imaging_tutor.tutor.support import SupportMeasure  # noqa: E402

FIXTURE_COURSES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "courses").iterdir())


@pytest.fixture(scope="module")
def course():
    from conftest import CORPUS

    return load_course(CORPUS)


@pytest.fixture(scope="module")
def measure(course, embedder):
    return SupportMeasure(course, embedder)


def ref_of(course, text: str) -> str:
    return next(s.ref for s in course.sections if text in s.text)


@pytest.mark.parametrize("faithful, unfaithful, why", [
    # a sibling term the course lists beside it, in the passage's place
    ("Specificity is about false alarms, that is, false positives.",
     "Sensitivity is about false alarms, that is, false positives.", "swapped term"),
    # a number that differs from the one the passage gives in the same place
    ("If the AI flags 9 of the 10 bleeds, its sensitivity is 90%.",
     "If the AI flags 9 of the 10 bleeds, its sensitivity is 80%.", "number"),
    # a quantifier made stronger
    ("Most imaging AI tools live or die by workflow.", "All imaging AI tools live or die by workflow.", "quantifier"),
    # a word reversed without any "not"
    ("Even a strong model can fail to deliver value if results arrive late.",
     "Even a strong model can fail to deliver value if results arrive early.", "swapped term"),
    # two terms that trade places: each takes the other's role
    ("Teams choose operating points based on clinical risk: missing an intracranial hemorrhage is far more serious "
     "than flagging a few extra scans.",
     "Teams choose operating points based on clinical risk: flagging a few extra scans is far more serious than "
     "missing an intracranial hemorrhage.", "swapped term"),
])
def test_checks_reject_a_changed_claim_and_keep_the_faithful_one(course, measure, faithful, unfaithful, why):
    ref = ref_of(course, faithful.split(",")[0].split(" by ")[0][:30])
    assert measure.score(faithful, ref).supported, measure.score(faithful, ref)
    bad = measure.score(unfaithful, ref)
    assert not bad.supported and bad.reason.startswith(why), bad


def test_polarity_by_meaning_not_by_the_word_not(course, measure):
    ref = ref_of(course, "Think of imaging AI as a specialized tool, not a general clinician.")
    assert measure.score("Imaging AI is best thought of as a specialized tool rather than a general clinician.", ref).supported
    assert measure.score("Think of imaging AI as a specialized tool instead of a general clinician.", ref).supported
    flipped = measure.score("Think of imaging AI as a general clinician rather than a specialized tool.", ref)
    assert not flipped.supported


def _swap_claims(course_dir: Path, embedder, limit: int = 3):
    """For a course: sentences of its own, and the same sentences with one term swapped for a mined sibling."""
    course = load_course(course_dir)
    m = SupportMeasure(course, embedder)
    surface: dict[str, str] = {}
    for s in course.sections:
        for w in re.findall(r"[A-Za-z]+", s.text):
            surface.setdefault(stem(w.lower()), w.lower())
    out = []
    for s in course.sections:
        for sentence in re.split(r"(?<=[.!?])\s+", s.text):
            words = re.findall(r"[A-Za-z]+", sentence)
            stems = {stem(w.lower()) for w in words}
            for w in words:
                sibs = [b for b in sorted(m.siblings.strong.get(stem(w.lower()), ())) if b not in stems and b in surface]
                if sibs and len(words) >= 8:
                    swapped = re.sub(rf"\b{w}\b", surface[sibs[0]], sentence, count=1)
                    out.append((m, s.ref, sentence, swapped))
                    break
            if len(out) >= limit:
                return out
    return out


@pytest.mark.parametrize("course_dir", FIXTURE_COURSES, ids=lambda p: p.name)
def test_siblings_are_mined_from_any_course(course_dir, embedder):
    """Nothing is listed by hand: each test course yields its own siblings, and a swap of one is caught."""
    claims = _swap_claims(course_dir, embedder)
    assert claims, f"no sibling terms mined from {course_dir.name}"
    for m, ref, original, swapped in claims:
        assert m.score(original, ref).supported, (original, m.score(original, ref))
        got = m.score(swapped, ref)
        assert not got.supported, (swapped, got)


def test_a_sentence_leaning_on_a_dropped_one_is_dropped_and_kinds_are_logged(tutor_services, caplog):
    r = ranked(tutor_services, "what is shortcut learning?")
    text = (f"{SUPPORTED} [5.3] Shortcut learning was first described in 2031 [5.3]. "
            "This is why every radiologist must retrain each model by hand [5.3].")
    with caplog.at_level(logging.INFO, logger="imaging_tutor.tutor.verify"):
        out = write_verified(FakeStreamingWriter(text), "q", r, Answer(status="answered", answer="extractive"),
                             tutor_services.support_measure(r.snapshot.course))
    assert [s.text for s in out.sentences] == [SUPPORTED] and len(out.dropped_sentences) == 2
    record = next(rec for rec in caplog.records if rec.name == "imaging_tutor.tutor.verify")
    assert record.drop_kinds == {"changed_number": 1, "dangling": 1}


def test_terms_defined_side_by_side_are_siblings():
    """"A watch means …" and "A warning means …" in one section define two terms of the same kind (the term is the
    words before the first defining verb, not "watch means conditions")."""
    from imaging_tutor.tutor.claims import stem
    from imaging_tutor.tutor.siblings import mine

    found = mine([("3.3", "A watch means conditions are right for a storm. A warning means the storm is here.")], {})
    assert found.are(stem("warning"), stem("watch"))


@pytest.mark.parametrize("course_name, faithful, unfaithful", [
    # opposites no hand list here has: WordNet's ("clear" / "cloudy", "raw" / "cooked")
    ("reading-weather-forecasts", "Clouds at night act like a blanket and keep lows higher, which is why clear, calm "
     "nights are the coldest.", "Clouds at night act like a blanket and keep lows higher, which is why cloudy, calm "
     "nights are the coldest."),
    ("kitchen-food-safety", "Cross-contamination means pathogens have moved from one food or surface to another, such "
     "as raw chicken juice dripping onto a salad.", "Cross-contamination means pathogens have moved from one food or "
     "surface to another, such as cooked chicken juice dripping onto a salad."),
])
def test_an_english_opposite_from_wordnet_is_a_swapped_term(course_name, faithful, unfaithful, embedder):
    course = load_course(next(p for p in FIXTURE_COURSES if p.name == course_name))
    m = SupportMeasure(course, embedder)
    ref = ref_of(course, faithful[:40])
    assert m.score(faithful, ref).supported, m.score(faithful, ref)
    bad = m.score(unfaithful, ref)
    assert not bad.supported and bad.reason.startswith("swapped term"), bad
