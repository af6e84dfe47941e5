"""The embedding model exported to ONNX once, into the data dir, so serving processes embed without torch.

The export is keyed by the model's fingerprint (a hash of every file of the model folder and of the export format),
so a different or updated model gets its own export and a stale one is never used. Exporting needs torch and the
`onnx` package; finding and using an export needs neither. Nothing is downloaded: the model comes from its package.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .embedding import MODEL_NAME, default_model_path

if TYPE_CHECKING:
    from ..config import Settings
    from .embedding import SentenceTransformerEmbedder

log = logging.getLogger("imaging_tutor.onnx")

# Bump when the exported graph, the metadata or the embedder's use of them changes: old exports are then ignored.
EXPORT_FORMAT = 1
META_FILE = "embedder.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# An export is published only when it reproduces the torch model this closely on every check text.
MIN_CHECK_COSINE = 0.9999
CHECK_TEXTS = ["What is sensitivity?", "x", "Why would a model that reads chest X-rays fail in another hospital? " * 3,
               "A very long passage. " * 120]  # the last one is longer than the model's window: truncation must agree


class ExportUnsupported(RuntimeError):
    """The model is not one this exporter can reproduce exactly (not BERT-like with mean pooling)."""


def model_fingerprint(model_path: Path) -> str:
    """sha256 over the model folder's files (names and bytes) and the export format: about 60 ms for MiniLM."""
    digest = hashlib.sha256(f"onnx-export-format:{EXPORT_FORMAT}\n".encode())
    for path in sorted(p for p in Path(model_path).rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(model_path).as_posix()}\n{path.stat().st_size}\n".encode())
        with open(path, "rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()


def export_dir(settings: "Settings", model_path: Path | None = None) -> Path:
    """Where the export of this settings' model lives (whether or not it exists yet)."""
    path = Path(model_path or settings.embedding_model_path or default_model_path())
    return settings.onnx_path / f"{MODEL_NAME}-{model_fingerprint(path)[:16]}"


def find_export(settings: "Settings") -> Path | None:
    """The finished export for this settings' model, or None (a half-written one is never visible)."""
    folder = export_dir(settings)
    return folder if (folder / META_FILE).is_file() and (folder / MODEL_FILE).is_file() else None


def ensure_export(settings: "Settings", model: "SentenceTransformerEmbedder | None" = None) -> Path:
    """The export for this settings' model, exporting it first when missing (loads torch only then)."""
    found = find_export(settings)
    if found is not None:
        return found
    from .embedding import SentenceTransformerEmbedder

    model = model or SentenceTransformerEmbedder(settings.embedding_model_path)
    return export(model, export_dir(settings, model.model_path))


def export(model: "SentenceTransformerEmbedder", dest: Path) -> Path:
    """Trace the model's transformer to ONNX, check it against the torch model, then publish it at dest atomically.

    Mean pooling and normalisation stay outside the graph (the embedder does them in numpy, as sentence-transformers
    does in torch); the graph returns the last hidden state for every token.
    """
    import numpy as np
    import torch

    st = model.model
    modules = list(st)
    pooling = modules[1].get_config_dict() if len(modules) > 1 and hasattr(modules[1], "get_config_dict") else {}
    mode = pooling.get("pooling_mode") or ("mean" if pooling.get("pooling_mode_mean_tokens") else None)
    if len(modules) != 3 or type(modules[2]).__name__ != "Normalize" or mode != "mean" \
            or not pooling.get("include_prompt", True):
        raise ExportUnsupported(f"only transformer + mean pooling + normalize models are exported, not {modules}")
    backend = getattr(st.tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ExportUnsupported("the model's tokenizer has no `tokenizers` backend")
    from transformers import AutoModel

    # Eager attention traces to plain ONNX ops; the padded example keeps the attention mask inside the graph.
    hf = AutoModel.from_pretrained(str(model.model_path), local_files_only=True, attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=dest.parent))
    try:
        ids = torch.tensor([[101, 2054, 2003, 1037, 3231, 102], [101, 2054, 102, 0, 0, 0]])
        mask = (ids != 0).long()
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about python-side shape checks that hold for any input
            torch.onnx.export(LastHiddenState(hf), (ids, mask, torch.zeros_like(ids)), str(tmp / MODEL_FILE),
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["last_hidden_state"],
                              dynamic_axes={name: {0: "batch", 1: "tokens"} for name in
                                            ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
                              opset_version=17, dynamo=False)
        backend.save(str(tmp / TOKENIZER_FILE))
        pad_token = st.tokenizer.pad_token or "[PAD]"
        meta = {"model": model.name, "fingerprint": dest.name, "format": EXPORT_FORMAT, "dim": model.dim,
                "max_seq_length": model.max_tokens, "do_lower_case": bool(getattr(modules[0], "do_lower_case", False)),
                "pad_token": pad_token, "pad_id": int(st.tokenizer.pad_token_id or 0),
                "pooling": "mean", "normalize": True, "torch": torch.__version__}
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")

        from .embedding import OnnxEmbedder

        got, want = OnnxEmbedder(tmp).embed(CHECK_TEXTS), model.embed(CHECK_TEXTS)
        worst = float(np.min(np.sum(got * want, axis=1)))
        if worst < MIN_CHECK_COSINE:
            raise ExportUnsupported(f"the ONNX export disagrees with the torch model (cosine {worst:.6f})")
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide the export from API workers running as another user
        try:
            os.replace(tmp, dest)  # atomic: readers see no export or a whole one
        except OSError:
            if not (dest / META_FILE).is_file():  # not a concurrent exporter that finished first
                raise
        log.info("exported %s to ONNX at %s (check cosine %.6f)", model.name, dest, worst)
        return dest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
