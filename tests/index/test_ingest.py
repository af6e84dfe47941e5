"""Ingest into real embedded Chroma + SQLite: idempotent, incremental by content, atomic when interrupted."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import CORPUS
from embedders import MemoizingEmbedder, seed_memo_from_index
from imaging_tutor.corpus.chunking import chunk_section, section_sentences
from imaging_tutor.config import Settings, get_settings
from imaging_tutor.corpus.course import CourseFormatError, load_course
from imaging_tutor.index.ingest import active_state, current_collection, ingest
from imaging_tutor.index.vectorstore import ChromaStore

COURSE_ID = "ai-in-medical-imaging"
EDITED_REF = "3.4"
NEW_PARAGRAPHS = [
    "Automation can also mean letting software fill the hanging protocol, so each radiologist opens a study "
    "with the series arranged the way they prefer. Nobody needs a diagnosis from the model for that.",
    "Another example is routing: a rules engine sends knee MRIs to the musculoskeletal list and head CTs to "
    "neuroradiology. Mistakes here delay reads but rarely harm a patient directly.",
]


@pytest.fixture
def memo(embedder, ingested_template, make_services):
    """The real model, memoized and pre-filled with the vectors of the session's shared real ingest."""
    seed_memo_from_index(make_services(Settings(data_dir=ingested_template, corpus_dir=CORPUS)), CORPUS)
    return MemoizingEmbedder(embedder)


@pytest.fixture
def services(make_services, memo):
    """Services for this test's own empty data dir, embedding with the memoized real model."""
    return make_services(embedder=memo)


class StoreFailingMidWrite:
    """The real vector store, except that while `failing` is set, add() writes half of the records and then
    raises, as a store that goes away in the middle of a write would."""

    def __init__(self, real):
        self.real = real
        self.failing = False

    def add(self, name, ids, embeddings, documents, metadatas):
        if not self.failing:
            return self.real.add(name, ids, embeddings, documents, metadatas)
        half = len(ids) // 2
        self.real.add(name, ids[:half], embeddings[:half], documents[:half], metadatas[:half])
        raise ConnectionError("vector store went away mid-write")

    def __getattr__(self, attr):  # every other operation goes to the real store
        return getattr(self.real, attr)


def write_corpus(dest: Path, transform=None) -> Path:
    """A copy of the real corpus folder, with course.md passed through transform."""
    shutil.copytree(CORPUS, dest)
    if transform:
        path = dest / "course.md"
        path.write_text(transform(path.read_text(encoding="utf-8")), encoding="utf-8")
    return dest


def rewrite_section(text: str, ref: str = EDITED_REF, paragraphs=NEW_PARAGRAPHS) -> str:
    """Replace every paragraph of one section with new text (so all its sentences and chunks change)."""
    old = load_course(CORPUS).section(ref).paragraphs
    head, sep, rest = text.partition(f"## {ref} ")
    title_line, _, rest = rest.partition("\n")
    nxt = rest.find("\n## ")
    body = rest[:nxt]
    assert all(p in body for p in old)
    new_body = "\n\n" + "\n\n".join(paragraphs) + "\n"
    return head + sep + title_line + "\n" + new_body + rest[nxt:]


def section_record_count(corpus: Path, ref: str, embedder) -> int:
    course = load_course(corpus)
    sec = course.section(ref)
    return len(chunk_section(course, sec, embedder.count_tokens)) + len(section_sentences(course, sec))


def top_refs(services, embedder, question: str, k: int = 3, collection: str | None = None) -> list[str]:
    name = collection or current_collection(services.db, COURSE_ID)
    hits = services.store.query(name, embedder.embed([question])[0], k, where={"kind": "chunk"})
    return [i.split(":")[1] for i, _ in hits]


def test_first_ingest_embeds_everything_and_second_is_a_no_op(memo, services):
    first = ingest(services)
    assert first.changed and first.reused == 0
    assert first.embedded == first.records == len(memo.requested)
    assert first.titles == 42 and first.questions >= 200 and first.stale_questions == []
    assert (first.chapters, first.sections) == (6, 42)
    store = services.store
    assert current_collection(services.db, COURSE_ID) == first.collection
    assert store.count(first.collection) == first.embedded
    assert len(store.get_all(first.collection, where={"kind": "chunk"})["ids"]) == first.chunks

    memo.requested.clear()
    second = ingest(services)
    assert not second.changed and second.embedded == 0 and second.reused == first.embedded
    assert second.collection == first.collection == current_collection(services.db, COURSE_ID)
    assert memo.requested == []
    assert store.count(first.collection) == first.embedded


def test_editing_one_section_re_embeds_only_that_section(memo, services, tmp_path):
    before = ingest(services)
    edited = write_corpus(tmp_path / "edited", rewrite_section)
    memo.requested.clear()

    after = ingest(services, str(edited))

    expected = section_record_count(edited, EDITED_REF, memo)
    assert after.changed and after.embedded == expected == len(memo.requested)
    assert after.reused == after.records - expected
    sec_course = load_course(edited)
    sec = sec_course.section(EDITED_REF)
    wanted = [c.embed_text for c in chunk_section(sec_course, sec, memo.count_tokens)]
    wanted += [s.text for s in section_sentences(sec_course, sec)]
    assert sorted(memo.requested) == sorted(wanted)  # exactly that section's chunks and sentences
    # The bank's questions about the rewritten section quote text that is gone: set aside and reported.
    assert after.stale_questions and all(f"section {EDITED_REF}" in s for s in after.stale_questions)
    assert after.questions == before.questions - len(after.stale_questions)
    # The pointer switched; the old collection is kept as the previous one for readers that still hold it.
    state = active_state(services.db, COURSE_ID)
    assert state.collection == after.collection != before.collection
    assert state.previous_collection == before.collection
    store = services.store
    # The active collection serves the new text: its own chunk comes back as the nearest neighbour.
    new_chunk = chunk_section(sec_course, sec, memo.count_tokens)[0]
    (hit_id, score), = store.query(after.collection, memo.embed([new_chunk.embed_text])[0], 1, where={"kind": "chunk"})
    assert hit_id == new_chunk.id and score > 0.999
    (_, old_score), = store.query(before.collection, memo.embed([new_chunk.embed_text])[0], 1, where={"kind": "chunk"})
    assert old_score < 0.95
    assert store.count(after.collection) == after.records
    old_docs = store.get_all(before.collection, where={"ref": EDITED_REF})["documents"]
    new_docs = store.get_all(after.collection, where={"ref": EDITED_REF})["documents"]
    assert not any("knee MRIs" in d for d in old_docs) and any("knee MRIs" in d for d in new_docs)


def test_interrupted_store_write_leaves_previous_index_serving(memo, make_services, tmp_path):
    store = StoreFailingMidWrite(ChromaStore(get_settings()))
    services = make_services(embedder=memo, store=store)
    before = ingest(services)

    store.failing = True
    edited = write_corpus(tmp_path / "edited", rewrite_section)
    with pytest.raises(ConnectionError):
        ingest(services, str(edited))

    assert current_collection(services.db, COURSE_ID) == before.collection
    assert active_state(services.db, COURSE_ID).fingerprint
    assert store.count(before.collection) == before.records
    assert top_refs(services, memo, "what does PPV depend on")[0] == "4.3"

    store.failing = False  # the store is back: a retry completes and switches
    retry = ingest(services, str(edited))
    assert retry.changed and current_collection(services.db, COURSE_ID) == retry.collection != before.collection
    assert store.count(retry.collection) == retry.records


def test_interrupted_embedding_leaves_previous_index_serving(embedder, memo, services, make_services, tmp_path):
    before = ingest(services)
    # Change every paragraph so the model needs several batches, and fail on the second.
    def prefix_paragraphs(text: str) -> str:
        for sec in load_course(CORPUS).sections:
            for p in sec.paragraphs:
                text = text.replace(f"\n{p}\n", f"\nIn short: {p}\n", 1)
        return text

    edited = write_corpus(tmp_path / "edited", prefix_paragraphs)
    failing = MemoizingEmbedder(embedder, fail_on_call=2)
    with pytest.raises(RuntimeError, match="interrupted"):
        ingest(make_services(embedder=failing, store=services.store, database=services.db), str(edited))
    assert failing.calls == 2 and len(failing.requested) == 64
    assert current_collection(services.db, COURSE_ID) == before.collection
    assert services.store.count(before.collection) == before.records
    assert top_refs(services, memo, "what is shortcut learning")[0] == "5.3"


def test_malformed_course_is_refused_and_old_index_keeps_serving(memo, services, tmp_path):
    before = ingest(services)
    broken = write_corpus(tmp_path / "broken", lambda t: t.replace("## 4.3 PPV", "## 4.2 PPV", 1))
    line = (broken / "course.md").read_text(encoding="utf-8").splitlines().index("## 4.2 PPV, NPV and prevalence") + 1
    memo.requested.clear()
    with pytest.raises(CourseFormatError, match=f"course.md:{line}: duplicate section ref 4.2"):
        ingest(services, str(broken))
    assert memo.requested == []
    assert current_collection(services.db, COURSE_ID) == before.collection
    assert top_refs(services, memo, "what does PPV depend on")[0] == "4.3"


@pytest.mark.parametrize("question, ref", [
    ("what is shortcut learning", "5.3"),
    ("what does PPV depend on", "4.3"),
    ("what is DICOM metadata", "2.2"),
    ("what is a confusion matrix", "4.1"),
    ("what is automation bias", "5.5"),
    ("how do ROC curves and AUC work", "4.4"),
])
def test_plain_queries_find_the_expected_section(tutor_services, embedder, question, ref):
    refs = top_refs(tutor_services, embedder, question)
    assert refs[0] == ref, refs


def test_the_snapshot_keeps_each_sentences_tokens_in_sentence_order(tutor_services):
    """The guard and the answer writer read sentence tokens from the snapshot instead of re-tokenising per answer."""
    from imaging_tutor.text import tokens

    snap = tutor_services.index()
    assert len(snap.sentence_token_sets) == len(snap.sentences) > 0
    assert all(cached == frozenset(tokens(s.text)) for cached, s in zip(snap.sentence_token_sets, snap.sentences))
