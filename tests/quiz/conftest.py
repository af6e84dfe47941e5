"""Quiz test fixtures: the real course, the real embedding model, a private SQLite database per test.

Everything comes from the root conftest's `services` (this test's own data dir, the shared real model)."""
from __future__ import annotations

import pytest


@pytest.fixture
def settings(services):
    """Settings pointing at this test's own data dir (set by the autouse fixture in tests/conftest.py)."""
    return services.settings


@pytest.fixture
def db(services):
    """This test's private database."""
    return services.db


@pytest.fixture
def course_dir(settings):
    """The configured course folder (course.md and quiz_keys.json)."""
    return settings.corpus_dir


@pytest.fixture(scope="session")
def course():
    from tests.conftest import CORPUS
    from imaging_tutor.corpus.course import load_course

    return load_course(CORPUS)


@pytest.fixture
def quiz4(services):
    """A generated practice quiz for chapter 4 (all four types), on the configured course."""
    from imaging_tutor.quiz import generate_for

    return generate_for(services, chapters=[4], count=8, seed=1, title="Chapter 4 practice")


@pytest.fixture
def current_course(services):
    """The configured course, as the services load it."""
    return services.course()
