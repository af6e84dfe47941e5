"""Quiz test fixtures: the real course, the real embedding model, a private SQLite database per test."""
from __future__ import annotations

import pytest

from imaging_tutor.config import get_settings
from imaging_tutor.quiz.corpus import get_course


@pytest.fixture
def settings():
    """Settings pointing at this test's own data dir (set by the autouse fixture in tests/conftest.py)."""
    return get_settings()


@pytest.fixture(scope="session")
def course():
    from tests.conftest import CORPUS
    from imaging_tutor.corpus.course import load_course

    return load_course(CORPUS)


@pytest.fixture
def quiz4(settings, embedder):
    """A generated practice quiz for chapter 4 (all four types)."""
    from imaging_tutor.quiz import generate

    return generate(chapters=[4], count=8, seed=1, settings=settings, embedder=embedder, title="Chapter 4 practice")


@pytest.fixture
def current_course(settings):
    return get_course(settings)
