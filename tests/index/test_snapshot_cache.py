"""A host's copy of the served collection: the snapshot built from it is the one built from the store, ingest
writes it, a cold `ask` then never imports chromadb, and an unusable copy costs a store read, never a wrong answer."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from imaging_tutor.index import snapshot_cache
from imaging_tutor.index.ingest import current_collection
from imaging_tutor.index.snapshot import build_snapshot

from conftest import CORPUS
from production.servers import server_env


@pytest.fixture
def served(make_services, tutor_settings):
    services = make_services(tutor_settings)
    course = services.course()
    return services, course, current_collection(services.db, course.id)


def _same_snapshot(a, b) -> None:
    assert a.chunks == b.chunks and a.sentences == b.sentences
    assert a.sentences_by_ref == b.sentences_by_ref and a.stale_refs == b.stale_refs
    assert a.question_texts == b.question_texts and a.question_refs == b.question_refs
    for name in ("sentence_vectors", "chunk_vectors", "question_vectors", "background_vectors", "pseudo_vectors"):
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), name
        if left is not None:
            assert left.dtype == right.dtype and np.array_equal(left, right), name
    assert a.title_vectors.keys() == b.title_vectors.keys()
    assert all(np.array_equal(a.title_vectors[k], b.title_vectors[k]) for k in a.title_vectors)


def test_the_snapshot_from_the_copy_is_the_snapshot_from_the_store(served, tmp_path):
    services, course, name = served
    data = services.store.get_all(name)
    snapshot_cache.write(tmp_path, name, data, course.id)
    copy = snapshot_cache.read(tmp_path, name)
    assert copy is not None and copy["ids"] == data["ids"] and copy["metadatas"] == data["metadatas"]
    _same_snapshot(build_snapshot(course, name, copy), build_snapshot(course, name, data))


def test_ingest_leaves_a_copy_of_the_collection_it_switched_to(ingested_template):
    from imaging_tutor.config import Settings
    from imaging_tutor.storage.db import Database

    db = Database(Settings(data_dir=ingested_template).resolved_database_url)
    try:
        name = current_collection(db, "ai-in-medical-imaging")
    finally:
        db.close()
    assert [p.name for p in (ingested_template / "snapshots").iterdir()] == [f"{name}.npz"]


@pytest.mark.parametrize("damage", ["truncated", "another collection", "not numpy"])
def test_an_unusable_copy_is_read_from_the_store_and_written_again(served, damage):
    services, course, name = served
    folder = services.settings.snapshot_path
    expected = services.index()  # reads the store, writes the copy
    path = snapshot_cache.cache_path(folder, name)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "another collection":
        other = services.store.get_all(name)
        snapshot_cache.write(folder, f"{course.id}-0000000000000000", other, "someone-else")
        shutil.copy(snapshot_cache.cache_path(folder, f"{course.id}-0000000000000000"), path)
    else:
        path.write_text("not a copy")
    assert snapshot_cache.read(folder, name) is None
    fresh = type(services)(services.settings, embedder=services.embedder, store=services.store,
                           database=services.db, check_store=False)
    _same_snapshot(fresh.index(), expected)
    assert snapshot_cache.read(folder, name) is not None  # rewritten whole


def test_writing_a_copy_drops_the_course_s_older_copies_only(tmp_path):
    data = {"ids": ["a"], "embeddings": [np.ones(3, dtype=np.float32)], "documents": ["x"],
            "metadatas": [{"kind": "chunk"}]}
    snapshot_cache.write(tmp_path, "course-1111111111111111", data, "course")
    snapshot_cache.write(tmp_path, "course-b-2222222222222222", data, "course-b")  # an id sharing the prefix
    snapshot_cache.write(tmp_path, "course-3333333333333333", data, "course")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course-3333333333333333.npz",
                                                            "course-b-2222222222222222.npz"]


def test_a_cold_ask_with_the_copy_never_imports_chromadb(onnx_export, tutor_settings, ingested_template, tmp_path):
    probe = ("import json, sys\n"
             "from imaging_tutor.cli import main\n"
             "code = main(['ask', 'what is drift?', '--json'])\n"
             "print(json.dumps({'code': code, 'chromadb': 'chromadb' in sys.modules}))\n")
    env = server_env({"TUTOR_DATA_DIR": str(tutor_settings.data_dir),
                      "TUTOR_CHROMA_DIR": str(ingested_template / "chroma"), "TUTOR_CORPUS_DIR": str(CORPUS),
                      "TUTOR_ONNX_DIR": str(onnx_export.parent)})

    def ask() -> tuple[dict, dict]:
        res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                             cwd=tmp_path, env=env)
        assert res.returncode == 0, res.stderr
        answer_text, _, probe_line = res.stdout.strip().rpartition("\n")
        return json.loads(answer_text), json.loads(probe_line)

    assert not tutor_settings.snapshot_path.exists()  # this test's data dir: no copy yet
    first, seen = ask()
    assert seen == {"code": 0, "chromadb": True}  # read the store, left the copy
    assert tutor_settings.snapshot_path.exists()
    second, seen = ask()
    assert seen == {"code": 0, "chromadb": False}
    assert second["citations"] == first["citations"] and second["answer"] == first["answer"]
