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
    return retrieve(question, services.index(), services.store, services.embedder, ranker=services.models.ranker)


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
