"""Who is calling: staff and maintainer tokens, learner identities the API signs itself, OpenID Connect learners,
a trusted proxy's X-Learner-Id, and the token file `serve` and `up` write.

No FastAPI here: deps.py turns these answers into 401/403. Tokens are compared with hmac.compare_digest and never
logged or echoed back. A learner is who a credential says, never who a header claims: X-Learner-Id is believed
only from an address listed in `trusted_proxies`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import math
import os
import secrets
import string
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from ..config import Settings
from ..errors import ServiceUnavailable
from ..ids import LEARNER_ID
from ..storage.files import private_dir

TOKENS_FILE = "tokens.json"
LEARNER_TOKEN_PREFIX = "lrn."
ANONYMOUS_PREFIX = "anon-"
OIDC_PREFIX = "oidc-"
MIN_TOKEN_BITS = 256  # 32 bytes of entropy

Role = Literal["anonymous", "learner", "staff", "maintainer"]


@dataclass(frozen=True)
class Tokens:
    staff: str | None
    maintainer: str | None
    learner_secret: str | None  # signs learner tokens and resume codes; None disables them


@dataclass(frozen=True)
class Principal:
    """The caller: a role, and for a learner the learner id (how it was proven: token, oidc or proxy)."""

    role: Role
    learner_id: str | None = None
    via: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "maintainer")

    @property
    def is_maintainer(self) -> bool:
        return self.role == "maintainer"


class BadCredentials(Exception):
    """A credential that proves nothing (mapped to 401)."""


# --- the token file and token strength ----------------------------------------------------------------------

def tokens_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / TOKENS_FILE


def _read_file(path: Path) -> dict:
    """The token file's content ({} when it is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


_HEX = set(string.hexdigits)
_BASE64 = set(string.ascii_letters + string.digits + "-_+/=")


def estimated_bits(token: str) -> float:
    """An estimate of a token's entropy: its length times the bits per character of the smallest usual alphabet
    it fits (hex 4, base64 6, other printable text 6.6), capped by how far zlib squeezes it (so 'aaaa…' or a
    repeated word scores low). secrets.token_urlsafe(32) and token_hex(32) pass; a 24-byte token does not."""
    if not token:
        return 0.0
    chars = set(token)
    per_char = 4.0 if chars <= _HEX else 6.0 if chars <= _BASE64 else math.log2(95)
    squeezed = 8 * max(0, len(zlib.compress(token.encode("utf-8"), 9)) - 8)  # minus zlib's header and checksum
    return min(len(token) * per_char, squeezed)


def weak_tokens(tokens: Tokens) -> list[str]:
    """Names of the configured tokens with less than 32 bytes of entropy (they are refused at start)."""
    named = (("staff token", tokens.staff), ("maintainer token", tokens.maintainer),
             ("learner secret", tokens.learner_secret))
    return [name for name, value in named if value and estimated_bits(value) < MIN_TOKEN_BITS]


class WeakTokens(ValueError):
    """A configured token or secret is too guessable to protect anything."""


def check_token_strength(tokens: Tokens) -> None:
    weak = weak_tokens(tokens)
    if weak:
        raise WeakTokens(f"{', '.join(weak)} too weak: use at least 32 random bytes, e.g. "
                         "python -c \"import secrets; print(secrets.token_urlsafe(32))\"")


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
        except OSError:
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
    secret = pick(settings.learner_secret, "learner_secret")
    if not secret and settings.staff_token and settings.maintainer_token:
        # Deterministic per deployment, so several hosts configured alike agree without sharing a file.
        secret = hashlib.sha256(f"learner-tokens\x1f{staff}\x1f{maintainer}".encode()).hexdigest()
    return Tokens(staff=staff, maintainer=maintainer, learner_secret=secret)


def ensure_tokens(settings: Settings) -> Path | None:
    """Create <data_dir>/tokens.json (mode 0600, in a 0700 data dir) for every token or secret not set in settings
    and not yet in the file; returns its path, or None when settings configure everything."""
    path = tokens_path(settings)
    if settings.staff_token and settings.maintainer_token:
        return None  # the learner secret is then settings' own or derived from the two (load_tokens)
    private_dir(path.parent)
    current = _read_file(path)
    data = dict(current)
    for name, configured in (("staff_token", settings.staff_token), ("maintainer_token", settings.maintainer_token),
                             ("learner_secret", settings.learner_secret)):
        if not configured and not data.get(name):
            data[name] = secrets.token_urlsafe(32)
    if data != current:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.replace(tmp, path)
    os.chmod(path, 0o600)
    return path


# --- learner identities the API signs ------------------------------------------------------------------------

def _sign(secret: str, learner_id: str) -> str:
    return hmac.new(secret.encode(), learner_id.encode(), hashlib.sha256).hexdigest()[:32]


def learner_token(tokens: Tokens, learner_id: str) -> str:
    """A bearer token that identifies one learner (signed, so it cannot be forged for another id)."""
    if tokens.learner_secret is None:
        raise ValueError("learner tokens are disabled: no learner secret is configured")
    if not LEARNER_ID.match(learner_id):
        raise ValueError("not a valid learner id")
    encoded = base64.urlsafe_b64encode(learner_id.encode()).decode().rstrip("=")
    return f"{LEARNER_TOKEN_PREFIX}{encoded}.{_sign(tokens.learner_secret, learner_id)}"


def learner_from_token(tokens: Tokens, token: str) -> str | None:
    """The learner a signed token names, or None when it is not one of ours or its signature is wrong."""
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


_RESUME_ID_BYTES = 10
_RESUME_SIG_BYTES = 10


def new_anonymous_learner(tokens: Tokens) -> tuple[str, str]:
    """A fresh anonymous learner: (learner id, resume code). The id is random; the code carries it, signed."""
    if tokens.learner_secret is None:
        raise ValueError("learner identities are disabled: no learner secret is configured")
    raw = secrets.token_bytes(_RESUME_ID_BYTES)
    return ANONYMOUS_PREFIX + raw.hex(), resume_code(tokens, ANONYMOUS_PREFIX + raw.hex())


def _resume_sig(secret: str, raw: bytes) -> bytes:
    return hmac.new(secret.encode(), b"resume\x1f" + raw, hashlib.sha256).digest()[:_RESUME_SIG_BYTES]


def resume_code(tokens: Tokens, learner_id: str) -> str | None:
    """A short code a person can write down to get the same anonymous identity back (None for other ids)."""
    if tokens.learner_secret is None or not learner_id.startswith(ANONYMOUS_PREFIX):
        return None
    try:
        raw = bytes.fromhex(learner_id[len(ANONYMOUS_PREFIX):])
    except ValueError:
        return None
    if len(raw) != _RESUME_ID_BYTES:
        return None
    code = base64.b32encode(raw + _resume_sig(tokens.learner_secret, raw)).decode().rstrip("=")
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def learner_from_resume_code(tokens: Tokens, code: str) -> str | None:
    """The anonymous learner a resume code names, or None when it is not a valid code of this deployment."""
    if tokens.learner_secret is None:
        return None
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    try:
        data = base64.b32decode(compact + "=" * (-len(compact) % 8))
    except (ValueError, base64.binascii.Error):
        return None
    if len(data) != _RESUME_ID_BYTES + _RESUME_SIG_BYTES:
        return None
    raw, sig = data[:_RESUME_ID_BYTES], data[_RESUME_ID_BYTES:]
    if not hmac.compare_digest(sig, _resume_sig(tokens.learner_secret, raw)):
        return None
    return ANONYMOUS_PREFIX + raw.hex()


# --- named learners: the Authenticator protocol and OpenID Connect ------------------------------------------

class Authenticator(Protocol):
    """Turns a bearer token from an outside identity provider into a learner id (OIDC now; LTI 1.3 later)."""

    def learner_for(self, bearer: str) -> str | None:
        """The learner id, or None when the token is not of this provider's kind; BadCredentials when it is
        of its kind but does not verify."""
        ...


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


def oidc_learner_id(subject: str) -> str:
    """A learner id for an OIDC subject: readable when the subject fits our id pattern, else a stable hash."""
    candidate = OIDC_PREFIX + subject
    if LEARNER_ID.match(candidate):
        return candidate
    return OIDC_PREFIX + hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:40]


class OidcAuthenticator:
    """Verifies OIDC JWTs (signature from the issuer's JWKS, issuer, audience, expiry) with PyJWT."""

    def __init__(self, issuer: str, audience: str, jwks_url: str, algorithms: list[str] | None = None,
                 claim: str = "sub", timeout_s: float = 5.0):
        import jwt

        self.issuer, self.audience, self.claim = issuer, audience, claim
        self.algorithms = list(algorithms or ["RS256"])
        # Keys are cached and fetched again only for an unknown key id (key rotation).
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=timeout_s)

    @classmethod
    def from_settings(cls, settings: Settings) -> "OidcAuthenticator | None":
        if not settings.oidc_enabled:
            return None
        return cls(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url,
                   settings.oidc_algorithms, settings.oidc_learner_claim)

    def learner_for(self, bearer: str) -> str | None:
        import jwt

        if not looks_like_jwt(bearer):
            return None
        try:
            key = self._jwks.get_signing_key_from_jwt(bearer)
        except jwt.PyJWKClientConnectionError as exc:
            raise ServiceUnavailable(f"identity provider unreachable: {exc}") from exc
        except jwt.PyJWTError as exc:
            raise BadCredentials("invalid identity token") from exc
        try:
            claims = jwt.decode(bearer, key.key, algorithms=self.algorithms, audience=self.audience,
                                issuer=self.issuer, leeway=30,
                                options={"require": ["exp", "iss", "aud", self.claim]})
        except jwt.PyJWTError as exc:
            raise BadCredentials("invalid identity token") from exc
        subject = claims.get(self.claim)
        if not isinstance(subject, str) or not subject:
            raise BadCredentials("invalid identity token")
        return oidc_learner_id(subject)


# --- trusted proxies and client addresses ----------------------------------------------------------------

class ProxyList:
    """The addresses (IPs or networks) whose forwarding headers are believed."""

    def __init__(self, entries: list[str]):
        self.networks = [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]

    def trusts(self, host: str | None) -> bool:
        if not host or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in net for net in self.networks)

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address: the peer, or behind trusted proxies the nearest untrusted X-Forwarded-For hop."""
        if peer and forwarded_for and self.trusts(peer):
            for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
                if not self.trusts(hop):
                    try:
                        return str(ipaddress.ip_address(hop))
                    except ValueError:
                        break  # garbage in the header: fall back to the proxy itself
        return peer or "unknown"


# --- the caller --------------------------------------------------------------------------------------------

def role_of_token(tokens: Tokens, bearer: str) -> str | None:
    """'maintainer' or 'staff' when the bearer is that deployment token (compared in constant time), else None."""
    if tokens.maintainer and hmac.compare_digest(bearer.encode(), tokens.maintainer.encode()):
        return "maintainer"
    if tokens.staff and hmac.compare_digest(bearer.encode(), tokens.staff.encode()):
        return "staff"
    return None


def identify(tokens: Tokens, bearer: str | None, learner_header: str | None = None, *,
             proxy_trusted: bool = False, authenticators: tuple[Authenticator, ...] = ()) -> Principal:
    """Resolve the caller from an optional bearer token and an optional X-Learner-Id header.

    The header names a learner only when it comes from a trusted proxy and no bearer token is sent; from anywhere
    else it is refused, so a forged header is an error instead of being silently ignored."""
    if learner_header and not proxy_trusted:
        raise BadCredentials("X-Learner-Id is accepted only from a trusted proxy; send a learner bearer token")
    if bearer:
        if learner_header:
            raise BadCredentials("send either a bearer token or X-Learner-Id, not both")
        role = role_of_token(tokens, bearer)
        if role is not None:
            return Principal(role)
        learner = learner_from_token(tokens, bearer)
        if learner is not None:
            return Principal("learner", learner, via="token")
        for authenticator in authenticators:
            learner = authenticator.learner_for(bearer)
            if learner is not None:
                return Principal("learner", learner, via="oidc")
        raise BadCredentials("invalid bearer token")
    if learner_header:
        return Principal("learner", learner_header, via="proxy")
    return Principal("anonymous")
