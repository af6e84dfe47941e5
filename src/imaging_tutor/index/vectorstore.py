"""The vector store behind a small Protocol; the real one is Chroma, embedded on disk or a `chroma run` server."""
from __future__ import annotations

import re
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from ..config import Settings
from ..errors import IndexMissing, ServiceUnavailable

BATCH = 500


class VectorStore(Protocol):
    """What ingest and retrieval need from a vector database."""

    def create(self, name: str) -> None: ...
    def add(self, name: str, ids: Sequence[str], embeddings: np.ndarray, documents: Sequence[str],
            metadatas: Sequence[dict]) -> None: ...
    def query(self, name: str, embedding: np.ndarray, k: int, where: dict | None = None) -> list[tuple[str, float]]: ...
    def get_all(self, name: str, where: dict | None = None) -> dict[str, Any]: ...
    def count(self, name: str) -> int: ...
    def exists(self, name: str) -> bool: ...
    def delete(self, name: str) -> None: ...
    def names(self) -> list[str]: ...
    def heartbeat(self) -> None: ...


class ChromaStore:
    """Chroma collections with embeddings always supplied by us (never Chroma's downloading default)."""

    def __init__(self, settings: Settings):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.remote = bool(settings.chroma_host)
        try:
            if self.remote:
                self._client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                                   settings=chroma_settings)
            else:
                settings.chroma_path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
        except Exception as exc:  # chromadb raises bare exceptions when the server is unreachable
            raise ServiceUnavailable(f"vector store unreachable: {exc}") from exc
        self._cache: dict[str, Any] = {}

    def _collection(self, name: str):
        col = self._cache.get(name)
        if col is None:
            try:
                col = self._client.get_collection(name, embedding_function=None)
            except Exception as exc:
                if _is_connection_error(exc):
                    raise ServiceUnavailable(f"vector store unreachable: {exc}") from exc
                if _is_not_found(exc):
                    raise IndexMissing(f"collection {name} is not in the vector store; run `imaging-tutor ingest`") \
                        from exc
                raise
            self._cache[name] = col
        return col

    def _on_collection(self, name: str, op: Callable[[Any], Any]) -> Any:
        """op(collection), looking the collection up again once if it was recreated under the same name since we
        cached it (a re-ingest back to an earlier version, a restored server): its old id no longer exists."""
        for attempt in (1, 2):
            col = self._collection(name)
            try:
                return op(col)
            except Exception as exc:
                if _is_connection_error(exc):
                    raise ServiceUnavailable(f"vector store unreachable: {exc}") from exc
                if not _is_not_found(exc):
                    raise
                self._cache.pop(name, None)
                if attempt == 2:
                    raise IndexMissing(f"collection {name} is gone from the vector store; run `imaging-tutor "
                                       "ingest`") from exc

    def create(self, name: str) -> None:
        self._cache[name] = self._client.create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})

    def add(self, name, ids, embeddings, documents, metadatas) -> None:
        col = self._collection(name)
        for i in range(0, len(ids), BATCH):
            col.add(ids=list(ids[i:i + BATCH]), embeddings=np.asarray(embeddings[i:i + BATCH], dtype=np.float32),
                    documents=list(documents[i:i + BATCH]), metadatas=list(metadatas[i:i + BATCH]))

    def query(self, name, embedding, k, where=None) -> list[tuple[str, float]]:
        vector = np.asarray(embedding, dtype=np.float32)
        res = self._on_collection(name, lambda col: col.query(query_embeddings=[vector], n_results=k, where=where,
                                                              include=["distances"]))
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

    def get_all(self, name, where=None) -> dict[str, Any]:
        out: dict[str, list] = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        offset = 0
        while True:
            res = self._on_collection(name, lambda col: col.get(
                where=where, include=["embeddings", "documents", "metadatas"], limit=BATCH, offset=offset))
            if not res["ids"]:
                break
            out["ids"] += res["ids"]
            out["embeddings"] += list(res["embeddings"])
            out["documents"] += res["documents"]
            out["metadatas"] += res["metadatas"]
            offset += len(res["ids"])
        return out

    def count(self, name: str) -> int:
        return self._on_collection(name, lambda col: col.count())

    def exists(self, name: str) -> bool:
        return name in self.names()

    def delete(self, name: str) -> None:
        self._cache.pop(name, None)
        try:
            self._client.delete_collection(name)
        except Exception as exc:
            if _is_connection_error(exc):
                raise ServiceUnavailable(f"vector store unreachable: {exc}") from exc
            # already gone: deleting is idempotent

    def names(self) -> list[str]:
        try:
            return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]
        except Exception as exc:
            raise ServiceUnavailable(f"vector store unreachable: {exc}") from exc

    def heartbeat(self) -> None:
        try:
            self._client.heartbeat()
        except Exception as exc:
            raise ServiceUnavailable(f"vector store unreachable: {exc}") from exc


def _is_not_found(exc: Exception) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError) or "does not exist" in str(exc)


def _is_connection_error(exc: Exception) -> bool:
    if _is_not_found(exc):
        return False  # its message carries a UUID, whose digits must not read as an HTTP status
    text = f"{type(exc).__name__} {exc}".lower()
    return (any(w in text for w in ("connect", "timeout", "timed out", "refused", "unreachable"))
            or re.search(r"\b50[234]\b", text) is not None)
