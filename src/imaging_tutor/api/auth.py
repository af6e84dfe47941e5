"""Who is calling: bearer tokens for staff and maintainers, learner ids, and the token file `imaging-tutor up` writes.

No FastAPI here: deps.py turns these answers into 401/403. Tokens are compared with hmac.compare_digest and never
logged or echoed back.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import Settings
from ..ids import LEARNER_ID

TOKENS_FILE = "tokens.json"
LEARNER_TOKEN_PREFIX = "lrn."

Role = Literal["anonymous", "learner", "staff", "maintainer"]


@dataclass(frozen=True)
class Tokens:
    staff: str | None
    maintainer: str | None
    learner_secret: str | None  # signs learner bearer tokens; None disables them


@dataclass(frozen=True)
class Principal:
    """The caller: a role, and the learner id whose data they act on (if any)."""

    role: Role
    learner_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "maintainer")

    @property
    def is_maintainer(self) -> bool:
        return self.role == "maintainer"


def tokens_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / TOKENS_FILE


def _read_file(path: Path) -> dict:
    """The token file's content ({} when it is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class TokenSource:
    """The tokens of one deployment: settings, else tokens.json, re-read only when the file changes."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._cached: tuple[int, Tokens] | None = None
        self._lock = threading.Lock()

    def get(self) -> Tokens:
        path = tokens_path(self.settings)
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = -1
        with self._lock:
            if self._cached is None or self._cached[0] != mtime:
                self._cached = (mtime, load_tokens(self.settings))
            return self._cached[1]


def load_tokens(settings: Settings) -> Tokens:
    """Tokens from settings; each one unset there falls back to <data_dir>/tokens.json."""
    stored = _read_file(tokens_path(settings))

    def pick(value: str | None, name: str) -> str | None:
        value = value or stored.get(name)
        return value if isinstance(value, str) and value else None

    staff = pick(settings.staff_token, "staff_token")
    maintainer = pick(settings.maintainer_token, "maintainer_token")
    secret = stored.get("learner_secret") if isinstance(stored.get("learner_secret"), str) else None
    if not secret and (staff or maintainer):
        # Deterministic per deployment, so several workers agree without sharing a file.
        secret = hashlib.sha256(f"learner-tokens\x1f{staff or ''}\x1f{maintainer or ''}".encode()).hexdigest()
    return Tokens(staff=staff, maintainer=maintainer, learner_secret=secret or None)


def ensure_tokens(settings: Settings) -> Path | None:
    """Create <data_dir>/tokens.json once (mode 0600) for every token not set in settings; returns its path.

    Returns None when settings already configure both tokens (nothing to create).
    """
    path = tokens_path(settings)
    if settings.staff_token and settings.maintainer_token:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    current = _read_file(path)
    data = dict(current)
    for name, configured in (("staff_token", settings.staff_token), ("maintainer_token", settings.maintainer_token)):
        if not configured and not data.get(name):
            data[name] = secrets.token_urlsafe(32)
    if not data.get("learner_secret"):
        data["learner_secret"] = secrets.token_urlsafe(32)
    if data != current:
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.replace(tmp, path)
    return path


def learner_token(tokens: Tokens, learner_id: str) -> str:
    """A bearer token that identifies one learner (signed, so it cannot be forged for another id)."""
    if tokens.learner_secret is None:
        raise ValueError("learner tokens are disabled: no staff/maintainer token is configured")
    encoded = base64.urlsafe_b64encode(learner_id.encode()).decode().rstrip("=")
    return f"{LEARNER_TOKEN_PREFIX}{encoded}.{_sign(tokens.learner_secret, learner_id)}"


def _sign(secret: str, learner_id: str) -> str:
    return hmac.new(secret.encode(), learner_id.encode(), hashlib.sha256).hexdigest()[:32]


def _learner_from_token(tokens: Tokens, token: str) -> str | None:
    if tokens.learner_secret is None or not token.startswith(LEARNER_TOKEN_PREFIX):
        return None
    body = token[len(LEARNER_TOKEN_PREFIX):]
    encoded, _, signature = body.rpartition(".")
    try:
        learner_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not LEARNER_ID.match(learner_id):
        return None
    expected = _sign(tokens.learner_secret, learner_id)
    return learner_id if hmac.compare_digest(signature.encode(), expected.encode()) else None


class BadCredentials(Exception):
    """A bearer token that matches nothing (mapped to 401)."""


def identify(tokens: Tokens, bearer: str | None, learner_header: str | None) -> Principal:
    """Resolve the caller from an optional bearer token and an optional X-Learner-Id header."""
    if bearer:
        if tokens.maintainer and hmac.compare_digest(bearer.encode(), tokens.maintainer.encode()):
            return Principal("maintainer", learner_header)
        if tokens.staff and hmac.compare_digest(bearer.encode(), tokens.staff.encode()):
            return Principal("staff", learner_header)
        learner = _learner_from_token(tokens, bearer)
        if learner is None:
            raise BadCredentials("invalid bearer token")
        if learner_header and learner_header != learner:
            raise BadCredentials("X-Learner-Id does not match the learner token")
        return Principal("learner", learner)
    if learner_header:
        return Principal("learner", learner_header)
    return Principal("anonymous")
