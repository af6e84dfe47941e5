"""A local copy of a served collection's records, so a process builds its snapshot without the vector store.

A collection's name is its content's fingerprint (ingest), so the records under one name never change: a copy
written once stays right for as long as the name is served and needs no invalidation. A copy that cannot be read
(truncated, another format) is ignored and the records are read from the store again.
"""
from __future__ import annotations

import io
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("imaging_tutor.index")

FORMAT = 1


def cache_path(folder: Path, name: str) -> Path:
    return Path(folder) / f"{name}.npz"


def read(folder: Path, name: str) -> dict[str, Any] | None:
    """The records of collection `name` as `VectorStore.get_all` returns them, or None without a usable copy."""
    path = cache_path(folder, name)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["records"]).decode("utf-8"))
            vectors = np.array(data["embeddings"], dtype=np.float32)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 (any unreadable copy: the store has the records)
        log.warning("ignoring unreadable index copy %s: %s", path, exc)
        return None
    n = len(meta.get("ids", []))
    if meta.get("format") != FORMAT or meta.get("name") != name or vectors.shape[0] != n or not n:
        log.warning("ignoring index copy %s: it does not hold collection %s", path, name)
        return None
    return {"ids": meta["ids"], "embeddings": list(vectors), "documents": meta["documents"],
            "metadatas": meta["metadatas"]}


def write(folder: Path, name: str, data: dict[str, Any], course_id: str) -> None:
    """Store the records atomically (readers see the whole copy or none) and drop the course's other copies."""
    folder = Path(folder)
    records = json.dumps({"format": FORMAT, "name": name, "ids": list(data["ids"]),
                          "documents": list(data["documents"]), "metadatas": list(data["metadatas"])})
    buf = io.BytesIO()
    np.savez(buf, embeddings=np.asarray(data["embeddings"], dtype=np.float32),
             records=np.frombuffer(records.encode("utf-8"), dtype=np.uint8))
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        os.replace(tmp, cache_path(folder, name))
    except OSError as exc:  # a read-only or full disk costs the next process a store read, nothing else
        log.warning("could not write the index copy for %s in %s: %s", name, folder, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return
    # Only this course's copies ("<course id>-<16 hex>.npz"), never another course whose id shares a prefix.
    ours = re.compile(rf"{re.escape(course_id)}-[0-9a-f]{{16}}\.npz")
    for other in folder.iterdir():
        if ours.fullmatch(other.name) and other.name != cache_path(folder, name).name:
            other.unlink(missing_ok=True)
