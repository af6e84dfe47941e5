"""The composition root: one object, built from Settings, that owns every external service and cache.

The CLI builds one per command, the API one per process (in its lifespan), tests one per fixture with the real
model and store or with named fakes. Domain functions receive what they use from it; nothing else holds state.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:
    from .corpus.catalog import Catalog
    from .corpus.course import Course
    from .index.embedding import Embedder
    from .index.snapshot import IndexProvider, IndexSnapshot
    from .index.vectorstore import VectorStore
    from .fitted import FittedModels
    from .storage.db import Database
    from .tutor.llm import Writer
    from .tutor.support import SupportMeasure

log = logging.getLogger("imaging_tutor.services")


# What a course's Services shares with the deployment's (one model load, one store client, one connection pool).
SHARED_PARTS = ("_embedder", "_store", "_database", "_models")
CATALOG_RESCAN_S = 5.0  # an unknown course id rescans the courses folder at most this often


class Services:
    """Embedder, vector store, index snapshot, database, answer writer and fitted models for one Settings.

    Each is created on first use (a command that never embeds never loads the model) and at most once, even when
    first asked for by several threads at the same time. Pass a ready-made one to use it instead.

    One Services serves one course (`settings.corpus_dir`); `for_course(id)` gives the Services of another course of
    the deployment (TUTOR_COURSES_DIR), which shares this one's embedder, store, database and fitted models and has
    its own course, index snapshot and writer.

    `check_store` (API workers) checks the vector store each time the index pointer is re-read, so a worker whose
    store is down answers 503 as /readyz does; a one-shot command (the CLI) answers from its snapshot alone.
    """

    def __init__(self, settings: Settings, *, embedder: "Embedder | None" = None, store: "VectorStore | None" = None,
                 database: "Database | None" = None, writer: "Writer | None" = None,
                 models: "FittedModels | None" = None, check_store: bool = True):
        self.settings = settings
        self.check_store = check_store
        self._embedder = embedder
        self._store = store
        self._database = database
        self._writer = writer
        self._writer_built = writer is not None
        self._models = models
        self._index: "IndexProvider | None" = None
        self._courses = None
        self._measures: dict[int, "SupportMeasure"] = {}
        # `_lock` guards only quick reads and writes of the dicts below: `built_course` takes it on the API's event
        # loop, so nothing that reads the disk or embeds may hold it. Slow builds have their own locks.
        self._lock = threading.RLock()
        self._catalog_lock = threading.Lock()
        self._measure_lock = threading.Lock()
        self._writer_lock = threading.Lock()
        # One lock per part: a request that needs only the database must not wait while the model loads.
        self._part_locks = {attr: threading.Lock()
                            for attr in ("_embedder", "_store", "_database", "_models", "_index", "_courses")}
        self._parent: Services | None = None
        self._children: dict[str, Services] = {}
        self._catalog: "Catalog | None" = None
        self._answer_slots: threading.BoundedSemaphore | None = None
        self._catalog_read = 0.0
        self.catalog_rescan_s = CATALOG_RESCAN_S

    def _once(self, attr: str, build):
        if self._parent is not None and attr in SHARED_PARTS and getattr(self, attr) is None:
            return self._parent._once(attr, build)  # a course's Services: the deployment's own part
        value = getattr(self, attr)
        if value is None:
            with self._part_locks[attr]:
                value = getattr(self, attr)
                if value is None:
                    value = build()
                    setattr(self, attr, value)
        return value

    @property
    def embedder(self) -> "Embedder":
        """The embedding model (all-MiniLM-L6-v2 from its PyPI package, never downloaded), run by the runtime the
        `embedder` setting picks: its ONNX export when there is one (no torch in the process), else torch."""
        from .index.embedding import CachingEmbedder

        return self._once("_embedder", lambda: CachingEmbedder(self._build_embedder()))

    def _build_embedder(self) -> "Embedder":
        from .index.embedding import OnnxEmbedder, SentenceTransformerEmbedder
        from .index.onnx_export import ensure_export, find_export

        choice = self.settings.embedder
        if choice == "torch":
            return SentenceTransformerEmbedder(self.settings.embedding_model_path)
        if choice == "onnx":
            return OnnxEmbedder(ensure_export(self.settings), threads=self.settings.onnx_threads)
        found = find_export(self.settings)
        if found is None:
            log.info("no ONNX export of the embedding model in %s: using torch (`imaging-tutor export-onnx` "
                     "makes one)", self.settings.onnx_path)
            return SentenceTransformerEmbedder(self.settings.embedding_model_path)
        return OnnxEmbedder(found, threads=self.settings.onnx_threads)

    @property
    def store(self) -> "VectorStore":
        """Chroma, embedded in the data dir or a `chroma run` server, by settings."""
        from .index.vectorstore import ChromaStore

        return self._once("_store", lambda: ChromaStore(self.settings))

    @property
    def db(self) -> "Database":
        """SQLite in the data dir, or PostgreSQL, by settings."""
        from .storage.db import Database

        return self._once("_database", lambda: Database(self.settings.resolved_database_url,
                                                        default_course_id=self._default_course_id()))

    @property
    def writer(self) -> "Writer | None":
        """The LLM answer writer when an endpoint is configured, else None (the extractive writer is used)."""
        if not self._writer_built:
            with self._writer_lock:
                if not self._writer_built:
                    if self.settings.llm_enabled:
                        from .tutor.llm import LangchainWriter

                        self._writer = LangchainWriter(self.settings, course_title=self.course().title)
                    self._writer_built = True
        return self._writer

    @property
    def models(self) -> "FittedModels":
        """The fitted ranker and scope guard shipped with the package (or passed in)."""
        from .fitted import FittedModels

        return self._once("_models", FittedModels.packaged)

    def course(self) -> "Course":
        """The configured course, parsed again only when its files change."""
        from .corpus.course import CourseLoader

        return self._once("_courses", lambda: CourseLoader(self.settings.corpus_dir)).get()

    def index(self) -> "IndexSnapshot":
        """The serving snapshot of the active collection (switches over after a re-ingest)."""
        from .index.snapshot import IndexProvider

        return self._once("_index", lambda: IndexProvider(self)).get()

    def answer_slot(self) -> threading.BoundedSemaphore:
        """Held while an answer is computed: at most `resolved_answer_concurrency` at once in this process (one
        count for all its courses)."""
        if self._parent is not None:
            return self._parent.answer_slot()
        if self._answer_slots is None:
            with self._lock:
                if self._answer_slots is None:
                    self._answer_slots = threading.BoundedSemaphore(self.settings.resolved_answer_concurrency())
        return self._answer_slots

    def support_measure(self, course: "Course") -> "SupportMeasure":
        """The verifier's support measure for this course (section passages embedded once)."""
        from .tutor.support import SupportMeasure

        with self._measure_lock:
            measure = self._measures.get(id(course))
            if measure is None or measure.course is not course:
                self._measures.clear()
                measure = self._measures[id(course)] = SupportMeasure(course, self.embedder)
            return measure

    # -- several courses ----------------------------------------------------------------------------------------

    def catalog(self, refresh: bool = False) -> "Catalog":
        """The deployment's courses (TUTOR_COURSES_DIR and TUTOR_CORPUS_DIR), read once; `refresh` rereads them."""
        from .corpus.catalog import build_catalog

        if self._parent is not None:
            return self._parent.catalog(refresh)
        with self._catalog_lock:
            if self._catalog is None or refresh:
                self._catalog = build_catalog(self.settings)
                self._catalog_read = time.monotonic()
            return self._catalog

    def built_course(self, course_id: str | None) -> "Services | None":
        """The Services of a course already built (None: the default course), found without reading the courses
        folder, so never waiting on the disk; None when it is not built yet."""
        if self._parent is not None:
            return self._parent.built_course(course_id)
        with self._lock:
            if course_id is None:
                if self.settings.courses_dir is None:
                    return self
                if self._catalog is None:
                    return None
                course_id = self._catalog.default_id
                if course_id is None:
                    return self
            return self._children.get(course_id)

    def for_course(self, course_id: str) -> "Services":
        """The Services of one course of the deployment (NotFound for an unknown id); built once per id."""
        if self._parent is not None:
            return self._parent.for_course(course_id)
        with self._lock:
            child = self._children.get(course_id)
        if child is not None:
            return child
        catalog = self.catalog()
        if course_id not in catalog.ids and time.monotonic() - self._catalog_read >= self.catalog_rescan_s:
            # A course added since (ingested while the API runs) is served without a restart; rescanning at most
            # every few seconds keeps requests with unknown ids from rereading the folder each time.
            catalog = self.catalog(refresh=True)
        entry = catalog.get(course_id)
        with self._lock:
            child = self._children.get(course_id)
            if child is None:
                if _same_folder(entry.folder, self.settings.corpus_dir):
                    child = self
                else:
                    child = Services(self.settings.model_copy(update={"corpus_dir": entry.folder}),
                                     check_store=self.check_store)
                    child._parent = self
                self._children[course_id] = child
            return child

    def _default_course_id(self) -> str | None:
        """The default course's id without building the catalog (the database may be needed before any course
        parses): TUTOR_DEFAULT_COURSE, else the id in TUTOR_CORPUS_DIR's course.md, else None."""
        if self.settings.default_course:
            return self.settings.default_course
        from .corpus.course import load_course
        from .errors import CourseFormatError

        try:
            return load_course(self.settings.corpus_dir).id
        except CourseFormatError:
            return None

    def default_course(self) -> "Services":
        """The Services of the course served at the plain /api/v1/… routes: this one unless TUTOR_COURSES_DIR
        names another default (TUTOR_DEFAULT_COURSE)."""
        if self._parent is not None:
            return self._parent.default_course()
        if self.settings.courses_dir is None:
            return self
        default = self.catalog().default_id
        if default is None:
            return self
        return self.for_course(default)

    def close(self) -> None:
        """Release database connections (the model and store need no closing)."""
        if self._database is not None:
            self._database.close()


def _same_folder(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False
