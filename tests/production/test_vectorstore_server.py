"""The Chroma server as several API workers see it: a collection recreated under the same name by someone else
(another host's ingest, a restored server) is found again; one that is gone is a 503, never a 500."""
from __future__ import annotations

import uuid

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from imaging_tutor.config import Settings
from imaging_tutor.errors import IndexMissing
from imaging_tutor.index.vectorstore import ChromaStore

pytestmark = pytest.mark.slow  # uses the `chroma run` server


def _vectors(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_recreated_collection_is_looked_up_again_and_a_missing_one_is_503(chroma_server, tmp_path):
    host, port = chroma_server
    worker = ChromaStore(Settings(data_dir=tmp_path, chroma_host=host, chroma_port=port))  # one API worker's view
    other = chromadb.HttpClient(host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False))
    name = f"probe-{uuid.uuid4().hex[:8]}"
    ids = [f"r{i}" for i in range(5)]
    vecs = _vectors(5, 1)
    worker.create(name)
    worker.add(name, ids, vecs, [f"doc {i}" for i in ids], [{"kind": "chunk"} for _ in ids])
    assert worker.query(name, vecs[2], 1)[0][0] == "r2"  # the worker now holds the collection's id

    other.delete_collection(name)  # someone else rebuilds it under the same name
    col = other.create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    col.add(ids=ids, embeddings=vecs[::-1].copy(), documents=[f"doc {i}" for i in ids])
    assert worker.query(name, vecs[0], 1)[0][0] == "r4"
    assert worker.count(name) == 5 and len(worker.get_all(name)["ids"]) == 5

    other.delete_collection(name)
    with pytest.raises(IndexMissing, match="ingest"):
        worker.query(name, vecs[0], 1)
    with pytest.raises(IndexMissing):
        worker.count(name)


def test_a_missing_collection_is_never_mistaken_for_an_outage():
    """Chroma's not-found message carries a UUID; digits like '…4503…' inside it are not an HTTP 503."""
    from chromadb.errors import NotFoundError

    from imaging_tutor.index.vectorstore import _is_connection_error

    assert not _is_connection_error(NotFoundError("Collection [bcc96714-8953-48f8-9e1d-450379b3b9ce] does not exist."))
    assert _is_connection_error(Exception("HTTP 503 Service Unavailable"))
    assert _is_connection_error(ConnectionError("Connection refused"))
