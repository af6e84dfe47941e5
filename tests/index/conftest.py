"""Index fixtures: the real model's ONNX export, made once per session from the session's torch model."""
from __future__ import annotations

from pathlib import Path

import pytest

from imaging_tutor.config import Settings


@pytest.fixture(scope="session")
def onnx_export(embedder, tmp_path_factory) -> Path:
    """The folder of all-MiniLM-L6-v2's ONNX export (the real exporter, about 5 s), shared read-only."""
    from imaging_tutor.index.onnx_export import ensure_export

    settings = Settings(data_dir=tmp_path_factory.mktemp("onnx-export"))
    return ensure_export(settings, embedder.inner)


@pytest.fixture(scope="session")
def onnx_embedder(onnx_export):
    from imaging_tutor.index.embedding import CachingEmbedder, OnnxEmbedder

    return CachingEmbedder(OnnxEmbedder(onnx_export))
