"""Limits shared by every worker and machine: two separate `imaging-tutor serve` processes counting in one real
redis-server give a learner one budget, not two (in memory, each process counted its own: the cap multiplied)."""
from __future__ import annotations

import sqlite3

import httpx
import pytest
from conftest import clear_of_window_edge

from .conftest import LEARNER_SECRET, MAINTAINER_TOKEN, STAFF_TOKEN, learner, unique
from .servers import ApiProcess, server_env

pytestmark = pytest.mark.slow  # starts real servers

CORPUS_ENV = "TUTOR_CORPUS_DIR"


def _data_dir(template, target):
    target.mkdir(parents=True)
    src, dst = sqlite3.connect(template / "tutor.db"), sqlite3.connect(target / "tutor.db")
    src.backup(dst)
    src.close()
    dst.close()
    return target


@pytest.fixture(scope="module")
def two_apis(redis, ingested_template, tmp_path_factory):
    """Two API processes (one worker each, like two hosts) over one database, counting limits in one Redis."""
    from conftest import CORPUS

    root = tmp_path_factory.mktemp("two-apis")
    data = _data_dir(ingested_template, root / "data")
    env = server_env({"TUTOR_DATA_DIR": str(data), "TUTOR_CHROMA_DIR": str(ingested_template / "chroma"),
                      CORPUS_ENV: str(CORPUS), "TUTOR_STAFF_TOKEN": STAFF_TOKEN,
                      "TUTOR_MAINTAINER_TOKEN": MAINTAINER_TOKEN, "TUTOR_LEARNER_SECRET": LEARNER_SECRET,
                      "TUTOR_RATE_LIMIT_STORAGE": redis.url, "TUTOR_RATE_LIMIT_SESSIONS": "6/minute",
                      "TUTOR_RATE_LIMIT_NEW_LEARNERS": "8/minute", "TUTOR_RATE_LIMIT_PER_ADDRESS": "1000/minute"})
    apis = [ApiProcess(env, cwd=root, workers=1, log_level="warning") for _ in range(2)]
    try:
        for api in apis:
            api.wait_ready(warm=False)
        yield apis
    finally:
        for api in apis:
            api.stop()


def test_two_api_processes_share_one_budget_through_redis(two_apis):
    clear_of_window_edge(60, margin_s=15)  # the limits are per minute: keep the burst inside one window
    who = learner(unique("shared"))
    codes = []
    for i in range(10):  # alternate between the two processes, as a load balancer would
        r = httpx.post(f"{two_apis[i % 2].url}/api/v1/sessions", headers=who, timeout=30)
        codes.append(r.status_code)
    assert codes == [201] * 6 + [429] * 4, codes  # one budget of 6, not 6 per process
    r = httpx.post(f"{two_apis[0].url}/api/v1/sessions", headers=who, timeout=30)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # another learner still has her own budget on both
    other = learner(unique("other"))
    assert httpx.post(f"{two_apis[1].url}/api/v1/sessions", headers=other, timeout=30).status_code == 201


def test_new_identities_from_one_address_share_one_budget_across_processes(two_apis):
    clear_of_window_edge(60, margin_s=15)
    codes = [httpx.post(f"{two_apis[i % 2].url}/api/v1/learners", timeout=30).status_code for i in range(12)]
    assert codes.count(201) == 8 and codes[8:] == [429] * 4, codes
