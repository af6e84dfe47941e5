"""Learner identity: only a signed credential names a learner. The API issues anonymous identities (token + resume
code), OpenID Connect tokens are verified against a JWKS, X-Learner-Id counts only from a trusted proxy, and staff
tokens read learners' data but never act inside it."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from imaging_tutor.api.auth import Tokens, learner_token, oidc_learner_id
from imaging_tutor.storage.models import Feedback

from .conftest import LEARNER_SECRET, MAINTAINER, STAFF, bearer, learner

LEARNER_READS = ["/api/v1/sessions", "/api/v1/progress", "/api/v1/review"]


def _chat(client, headers, message="What is sensitivity?", session_id=None) -> dict:
    body = {"message": message, **({"session_id": session_id} if session_id else {})}
    r = client.post("/api/v1/chat", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_forged_learner_header_reads_nothing(client):
    """The finding: `curl /sessions -H 'X-Learner-Id: bob'` returned bob's sessions, conversations, progress."""
    bob = learner("bob")
    sid = _chat(client, bob)["session_id"]
    quiz = client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=bob).json()
    forged = {"X-Learner-Id": "bob"}
    for path in LEARNER_READS + [f"/api/v1/sessions/{sid}", f"/api/v1/quiz-sessions/{quiz['id']}"]:
        r = client.get(path, headers=forged)
        assert r.status_code == 401, (path, r.status_code)
        assert sid not in r.text and "bob" not in r.text.replace("X-Learner-Id", "")
    r = client.post("/api/v1/chat", json={"message": "And NPV?", "session_id": sid}, headers=forged)
    assert r.status_code == 401
    # nor next to a valid token of someone else, nor next to a staff token
    for other in (learner("eve"), STAFF):
        assert client.get("/api/v1/sessions", headers={**other, "X-Learner-Id": "bob"}).status_code == 401
    assert [s["id"] for s in client.get("/api/v1/sessions", headers=bob).json()] == [sid]


def test_the_api_issues_anonymous_identities_and_restores_them(client):
    first = client.post("/api/v1/learners")
    assert first.status_code == 201
    me = first.json()
    assert me["learner_id"].startswith("anon-") and me["token"] and me["resume_code"]
    headers = bearer(me["token"])
    assert client.get("/api/v1/learners/me", headers=headers).json() == {
        "role": "learner", "learner_id": me["learner_id"], "via": "token"}
    sid = _chat(client, headers)["session_id"]

    other = client.post("/api/v1/learners").json()
    assert other["learner_id"] != me["learner_id"] and other["token"] != me["token"]
    assert client.get("/api/v1/sessions", headers=bearer(other["token"])).json() == []

    # a new browser session: the resume code brings the same identity (and its conversations) back
    again = client.post("/api/v1/learners/resume", json={"resume_code": me["resume_code"].lower()}).json()
    assert again["learner_id"] == me["learner_id"]
    assert [s["id"] for s in client.get("/api/v1/sessions", headers=bearer(again["token"])).json()] == [sid]

    code = me["resume_code"]
    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert client.post("/api/v1/learners/resume", json={"resume_code": tampered}).status_code == 404
    assert client.post("/api/v1/learners/resume", json={"resume_code": "<script>"}).status_code == 422
    # a token signed with another secret proves nothing
    forged = learner_token(Tokens(None, None, "x" * 64), me["learner_id"])
    assert client.get("/api/v1/sessions", headers=bearer(forged)).status_code == 401
    assert client.get("/api/v1/learners/me").json()["role"] == "anonymous"


def test_x_learner_id_is_believed_from_a_trusted_proxy_only(api_settings, app_for):
    settings = api_settings.model_copy(update={"trusted_proxies": ["10.1.0.0/16"]})
    app = app_for(settings)
    with TestClient(app, client=("10.1.2.3", 50000)) as proxy, TestClient(app, client=("192.0.2.7", 50000)) as other:
        sid = _chat(proxy, {"X-Learner-Id": "sso-kim"})["session_id"]
        assert [s["id"] for s in proxy.get("/api/v1/sessions", headers={"X-Learner-Id": "sso-kim"}).json()] == [sid]
        assert other.get("/api/v1/sessions", headers={"X-Learner-Id": "sso-kim"}).status_code == 401
        # the proxy's learner and the token of the same id are one learner
        assert [s["id"] for s in other.get("/api/v1/sessions", headers=learner("sso-kim")).json()] == [sid]


def test_staff_cannot_post_or_rate_inside_a_learners_session(client, tutor_services):
    """The finding: a staff token could post into bob's session and rate his turn, and bob then saw that rating."""
    bob = learner("bob")
    turn = _chat(client, bob)
    sid = turn["session_id"]
    for headers in (STAFF, MAINTAINER):
        r = client.post("/api/v1/chat", json={"message": "What is PPV?", "session_id": sid}, headers=headers)
        assert r.status_code == 403, r.text
        assert client.post("/api/v1/feedback", json={"turn_id": turn["turn_id"], "rating": "down"},
                           headers=headers).status_code == 403
    quiz = client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=bob).json()
    assert client.post(f"/api/v1/quiz-sessions/{quiz['id']}/answers", headers=STAFF,
                       json={"item_id": quiz["next"]["id"], "response": "x"}).status_code == 403
    assert client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=STAFF).status_code == 403
    # bob's conversation is untouched (and not readable by staff: bob shared nothing through feedback)
    assert client.get(f"/api/v1/sessions/{sid}", headers=STAFF).status_code == 404
    detail = client.get(f"/api/v1/sessions/{sid}", headers=bob).json()
    assert len(detail["turns"]) == 1 and detail["turns"][0]["feedback"] is None
    with tutor_services.db.scope() as s:
        assert s.query(Feedback).count() == 0
    # staff may ask without a session: an answer that is stored nowhere
    assert "session_id" not in _chat(client, STAFF) or _chat(client, STAFF).get("session_id") is None


def test_only_the_owners_rating_shows_in_a_conversation(client, tutor_services):
    """A rating stored by someone else before this fix (staff rated bob's turn) is not shown to bob as his."""
    from imaging_tutor.tutor import feedback

    bob = learner("bob")
    turn = _chat(client, bob)
    feedback.give_feedback(tutor_services.db, turn_id=turn["turn_id"], rating="down", learner_id="someone-else")
    detail = client.get(f"/api/v1/sessions/{turn['session_id']}", headers=bob).json()
    assert detail["turns"][0]["feedback"] is None
    client.post("/api/v1/feedback", json={"turn_id": turn["turn_id"], "rating": "up"}, headers=bob)
    detail = client.get(f"/api/v1/sessions/{turn['session_id']}", headers=bob).json()
    assert detail["turns"][0]["feedback"]["rating"] == "up"


# --- OpenID Connect ------------------------------------------------------------------------------------------

ISSUER, AUDIENCE = "https://idp.school.example", "imaging-tutor"


@pytest.fixture(scope="module")
def idp():
    """A local identity provider: an RSA key pair and its JWKS served on a loopback port (no network)."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    body = json.dumps({"keys": [jwk]}).encode()
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def token(sub="kim", *, signer=key, kid="k1", **claims):
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": int(time.time()),
                   "exp": int(time.time()) + 300, **claims}
        return jwt.encode(payload, signer, algorithm="RS256", headers={"kid": kid})

    yield {"url": f"http://127.0.0.1:{server.server_address[1]}/jwks.json", "token": token, "other": other,
           "hits": hits}
    server.shutdown()


def test_openid_connect_learners(api_settings, app_for, idp):
    settings = api_settings.model_copy(update={"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE,
                                               "oidc_jwks_url": idp["url"]})
    with TestClient(app_for(settings)) as c:
        kim = bearer(idp["token"]("kim@school"))
        me = c.get("/api/v1/learners/me", headers=kim).json()
        assert me == {"role": "learner", "learner_id": oidc_learner_id("kim@school"), "via": "oidc"}
        sid = _chat(c, kim)["session_id"]
        assert [s["id"] for s in c.get("/api/v1/sessions", headers=kim).json()] == [sid]
        assert idp["hits"]  # the key came from the provider's JWKS

        now = int(time.time())
        bad = {"wrong audience": idp["token"]("kim@school", aud="another-app"),
               "wrong issuer": idp["token"]("kim@school", iss="https://evil.example"),
               "expired": idp["token"]("kim@school", exp=now - 3600, iat=now - 7200),
               "other key": idp["token"]("kim@school", signer=idp["other"]),
               "unknown key id": idp["token"]("kim@school", kid="k9"),
               "no subject": idp["token"](""),
               "garbage": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}
        for why, token in bad.items():
            r = c.get("/api/v1/sessions", headers=bearer(token))
            assert r.status_code == 401, (why, r.status_code, r.text)
            assert token not in r.text
    # without OIDC settings the same token is refused
    with TestClient(app_for(api_settings)) as c:
        assert c.get("/api/v1/sessions", headers=bearer(idp["token"]("kim@school"))).status_code == 401


def test_learner_secret_from_settings_signs_the_tokens(client):
    """Two hosts configured with the same TUTOR_LEARNER_SECRET accept each other's learners."""
    token = learner_token(Tokens(None, None, LEARNER_SECRET), "ada")
    assert client.get("/api/v1/learners/me", headers=bearer(token)).json()["learner_id"] == "ada"
