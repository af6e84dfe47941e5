"""The ONNX embedder reproduces the torch model: same vectors (cosine >= 0.9999), same token counts, same eval
numbers; the export is keyed by the model's fingerprint and published whole or not at all."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import CORPUS, ROOT
from embedders import _MEMO, seed_memo_from_index
from imaging_tutor.config import Settings
from imaging_tutor.corpus.chunking import chunk_course, section_sentences
from imaging_tutor.corpus.course import load_course
from imaging_tutor.index.embedding import OnnxEmbedder
from imaging_tutor.index.onnx_export import META_FILE, export_dir, find_export, model_fingerprint

MIN_COSINE = 0.9999
CALIBRATION = ROOT / "evals" / "calibration"
# Inputs no question file has: empty, blank, one character, non-Latin scripts, symbols, longer than the window.
ODD_QUERIES = ["", " ", "?", "x", "MRI", "CT vs. MRI — which?", "Qu'est-ce que la sensibilité ?", "什么是过拟合",
               "Что такое дрейф данных?", "🙂 is AI safe??", "AUC=0.93, PPV 12%, n=1,000", "a" * 600,
               "why " * 400]


def varied_queries(n: int = 200) -> list[str]:
    """n learner questions taken in turn from every labelled calibration file (answerable, out of scope,
    medical, typos, near misses, workplace scenarios, follow-ups), odd inputs included."""
    files = sorted(CALIBRATION.glob("*.jsonl"))
    columns = [[json.loads(line)["question"] for line in f.read_text().splitlines() if line.strip()] for f in files]
    picked = dict.fromkeys(ODD_QUERIES)
    row = 0
    while len(picked) < n:
        picked.update(dict.fromkeys(col[row * 7 % len(col)] for col in columns if row < len(col)))
        row += 1
    return list(picked)[:n]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_same_vectors_on_the_course_sentences(onnx_embedder, ingested_template, make_services):
    """Every sentence and section title of the course against the vectors the torch model stored at ingest."""
    course = load_course(CORPUS)
    seed_memo_from_index(make_services(Settings(data_dir=ingested_template, corpus_dir=CORPUS)), CORPUS)
    texts = [s.text for sec in course.sections for s in section_sentences(course, sec)]
    texts += [sec.section_title for sec in course.sections]
    assert len(texts) > 500
    got, want = onnx_embedder.inner.embed(texts), np.stack([_MEMO[t] for t in texts])
    assert got.shape == want.shape == (len(texts), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    worst = cosines(got, want).min()
    assert worst >= MIN_COSINE, worst


def test_same_vectors_on_200_varied_queries(embedder, onnx_embedder):
    queries = varied_queries(200)
    assert len(queries) == 200
    got, want = onnx_embedder.inner.embed(queries), embedder.inner.embed(queries)
    worst = cosines(got, want).min()
    assert worst >= MIN_COSINE, (worst, queries[int(np.argmin(cosines(got, want)))])
    # one at a time (how a chat request embeds) gives the same vectors as in a padded batch
    for i in (0, 7, 11, 120):
        assert float(onnx_embedder.inner.embed([queries[i]])[0] @ got[i]) >= 0.99999


def test_the_batch_size_changes_no_vector(onnx_export):
    """The batch size is a speed choice only: padding is masked, so batches of any size give the same bits."""
    queries = varied_queries(200)
    sizes = {}
    for size in (1, OnnxEmbedder.batch_size, 64):
        runtime = OnnxEmbedder(onnx_export)
        runtime.batch_size = size
        sizes[size] = runtime.embed(queries)
    assert all(np.array_equal(vectors, sizes[1]) for vectors in sizes.values())


def test_same_token_counts(embedder, onnx_embedder):
    """Chunking counts tokens with the serving embedder too: the counts, and so the chunks, must not change."""
    course = load_course(CORPUS)
    texts = [sec.text for sec in course.sections] + varied_queries(60)
    assert [onnx_embedder.count_tokens(t) for t in texts] == [embedder.count_tokens(t) for t in texts]
    assert chunk_course(course, onnx_embedder.count_tokens) == chunk_course(course, embedder.count_tokens)


def test_eval_gate_numbers_identical(embedder, onnx_embedder, tutor_settings, make_services):
    """`imaging-tutor eval evals/sets/grounding.jsonl` scores every question the same with either embedder."""
    from imaging_tutor.evals.runner import run_eval

    reports = {name: run_eval(ROOT / "evals" / "sets" / "grounding.jsonl",
                              make_services(tutor_settings, embedder=model), store=False).to_dict()
               for name, model in (("torch", embedder), ("onnx", onnx_embedder))}
    numbers = {name: {k: v for k, v in r["metrics"].items() if "latency" not in k} for name, r in reports.items()}
    assert numbers["onnx"] == numbers["torch"]
    rows = {name: [{k: v for k, v in row.items() if "latency" not in k} for row in r["rows"]]
            for name, r in reports.items()}
    assert rows["onnx"] == rows["torch"]
    assert reports["onnx"]["gate"]["passed"] == reports["torch"]["gate"]["passed"]


def test_services_choose_the_runtime_by_setting(onnx_export, tmp_path, make_services):
    """auto: the export when there is one for this model; onnx: the same; torch is only built when asked for."""
    onnx_dir = onnx_export.parent
    for choice in ("auto", "onnx"):
        services = make_services(Settings(data_dir=tmp_path, corpus_dir=CORPUS, onnx_dir=onnx_dir, embedder=choice),
                                 embedder=None)
        assert services.embedder.backend == "onnx"
        assert services.embedder.inner.export_dir == onnx_export
    empty = Settings(data_dir=tmp_path, corpus_dir=CORPUS, onnx_dir=tmp_path / "none")
    assert find_export(empty) is None  # so auto falls back to torch (built in test_cold_ask_* in a subprocess)


def test_export_is_keyed_by_the_model_fingerprint(tmp_path):
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "config.json").write_text('{"hidden_size": 384}')
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    first = model_fingerprint(model)
    assert model_fingerprint(model) == first  # stable
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    assert model_fingerprint(model) != first  # any file of the model changes it
    settings = Settings(data_dir=tmp_path / "data", embedding_model_path=model)
    assert export_dir(settings).parent == tmp_path / "data" / "onnx"
    assert export_dir(settings).name.endswith(model_fingerprint(model)[:16])


def test_a_half_written_export_is_not_used(onnx_export, tmp_path):
    """Only a folder with its metadata written last counts; the exporter renames a finished folder into place."""
    settings = Settings(data_dir=tmp_path / "data")
    target = export_dir(settings)
    assert target.name == onnx_export.name  # same packaged model, same key, wherever the data dir is
    target.mkdir(parents=True)
    for name in ("model.onnx", "tokenizer.json"):
        shutil.copy(onnx_export / name, target / name)
    assert find_export(settings) is None
    shutil.copy(onnx_export / META_FILE, target / META_FILE)
    assert find_export(settings) == target
    assert OnnxEmbedder(target).embed(["what is drift?"]).shape == (1, 384)


def test_prefetch_embeds_side_by_side_and_keeps_the_vectors(onnx_export):
    """A turn's texts embedded at once on the pool's threads, each as its own batch of one: bit-identical to
    embedding them one after another, and a later embed() of any of them is answered from the cache."""
    import threading

    from imaging_tutor.index.embedding import CachingEmbedder

    class SpiedOnnx(OnnxEmbedder):  # the real runtime, recording which thread ran each batch
        def __init__(self, path):
            super().__init__(path)
            self.calls: list[tuple[str, int]] = []

        def embed(self, texts):
            self.calls.append((threading.current_thread().name, len(texts)))
            return super().embed(texts)

    texts = varied_queries(200)[20:26]
    one_by_one = np.stack([OnnxEmbedder(onnx_export).embed([t])[0] for t in texts])
    spied = SpiedOnnx(onnx_export)
    cached = CachingEmbedder(spied)
    cached.prefetch(texts + texts[:2])
    assert len(spied.calls) == len(texts) and {n for _, n in spied.calls} == {1}
    assert all(name.startswith("embed") for name, _ in spied.calls)  # the pool's threads, not the caller's
    assert np.array_equal(cached.embed(texts), one_by_one)
    assert len(spied.calls) == len(texts)  # all from the cache


def test_prefetch_leaves_a_runtime_that_is_not_thread_safe_alone(embedder):
    """The torch model is not marked concurrent: prefetch embeds nothing and embed() works as before."""
    from imaging_tutor.index.embedding import CachingEmbedder

    cached = CachingEmbedder(embedder.inner)
    cached.prefetch(["what is drift?", "what is PPV?"])
    assert cached._cache == {}
    assert cached.embed(["what is drift?"]).shape == (1, 384)
