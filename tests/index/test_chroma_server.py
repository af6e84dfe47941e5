"""The scale-out vector store: the same ingest and queries against a real `chroma run` server, chosen by settings."""
from __future__ import annotations

from conftest import CORPUS
from embedders import MemoizingEmbedder, seed_memo_from_index
from imaging_tutor.config import Settings, get_settings
from imaging_tutor.index.ingest import current_collection, ingest


def test_ingest_and_query_through_a_chroma_server(chroma_server, embedder, ingested_template, make_services,
                                                  monkeypatch):
    seed_memo_from_index(make_services(Settings(data_dir=ingested_template, corpus_dir=CORPUS)), CORPUS)
    memo = MemoizingEmbedder(embedder)
    host, port = chroma_server
    monkeypatch.setenv("TUTOR_CHROMA_HOST", host)
    monkeypatch.setenv("TUTOR_CHROMA_PORT", str(port))
    get_settings.cache_clear()
    settings = get_settings()
    services = make_services(settings, embedder=memo)

    store = services.store
    assert store.remote
    store.heartbeat()
    assert not settings.chroma_path.exists()  # nothing embedded on local disk

    first = ingest(services)
    assert first.changed and first.embedded == first.records
    name = current_collection(services.db, "ai-in-medical-imaging")
    assert name == first.collection and name in store.names()
    assert store.count(name) == first.embedded

    second = ingest(services)
    assert not second.changed and second.embedded == 0 and second.collection == name

    for question, ref in [("what is shortcut learning", "5.3"), ("what does PPV depend on", "4.3"),
                          ("what is DICOM metadata", "2.2")]:
        hits = store.query(name, embedder.embed([question])[0], 3, where={"kind": "chunk"})
        assert hits[0][0].split(":")[1] == ref, (question, hits)
    assert not settings.chroma_path.exists()
