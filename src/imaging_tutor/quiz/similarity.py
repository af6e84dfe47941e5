"""Embeddings for quiz work (near-duplicate items, free-text grading), with a per-process cache of vectors."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

_CACHE: "OrderedDict[tuple[str, str], np.ndarray]" = OrderedDict()
_CACHE_MAX = 20_000
_lock = threading.Lock()


def default_embedder():
    from ..config import get_settings
    from ..index.embedding import get_embedder

    path = get_settings().embedding_model_path
    # get_embedder() and get_embedder(None) are different lru_cache keys; call it as everyone else does.
    return get_embedder(path) if path else get_embedder()


def embed_texts(texts: Sequence[str], embedder=None) -> np.ndarray:
    """Unit vectors for texts; repeated texts (item prompts, answer keys) are embedded once per process."""
    embedder = embedder or default_embedder()
    name = getattr(embedder, "name", type(embedder).__name__)
    with _lock:
        missing = list(dict.fromkeys(t for t in texts if (name, t) not in _CACHE))
    if missing:
        vecs = embedder.embed(missing)
        with _lock:
            for t, v in zip(missing, vecs):
                _CACHE[(name, t)] = np.asarray(v, dtype=np.float32)
            while len(_CACHE) > _CACHE_MAX:
                _CACHE.popitem(last=False)
    with _lock:
        out = [_CACHE.get((name, t)) for t in texts]
    if any(v is None for v in out):  # evicted meanwhile: embed directly
        return np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    return np.stack(out) if out else np.zeros((0, 384), dtype=np.float32)
