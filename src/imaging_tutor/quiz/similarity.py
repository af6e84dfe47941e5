"""Embeddings for quiz work (near-duplicate items, free-text grading) through the services' embedder."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def embed_texts(texts: Sequence[str], embedder) -> np.ndarray:
    """Unit vectors for texts (the services' embedder remembers repeated prompts and keys)."""
    return np.asarray(embedder.embed(list(texts)), dtype=np.float32).reshape(len(texts), -1) if texts \
        else np.zeros((0, embedder.dim), dtype=np.float32)
