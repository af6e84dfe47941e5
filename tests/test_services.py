"""Services.for_course: one course's Services shares the deployment's model, store, database and fitted models, and
has its own course; the catalog lists the courses of TUTOR_COURSES_DIR and TUTOR_CORPUS_DIR."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import CORPUS, SECOND_COURSE
from imaging_tutor.config import Settings
from imaging_tutor.errors import NotFound

COMPOST = Path(__file__).resolve().parent / "fixtures" / "courses" / "home-composting"


@pytest.fixture
def courses(tmp_path) -> Path:
    folder = tmp_path / "courses"
    shutil.copytree(SECOND_COURSE, folder / "ultrasound")
    shutil.copytree(COMPOST, folder / "compost")
    return folder


def test_a_course_shares_every_external_part_and_has_its_own_course(tmp_path, courses, make_services):
    root = make_services(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, courses_dir=courses))
    child = root.for_course("ultrasound-physics-basics")
    assert child.store is root.store and child.db is root.db  # built by the child's first use, kept by the root
    assert child.embedder is root.embedder and child.models is root.models
    assert child.course().id == "ultrasound-physics-basics" and root.course().id == "ai-in-medical-imaging"
    assert child.settings.corpus_dir == courses / "ultrasound" and child.settings.data_dir == root.settings.data_dir
    assert root.for_course("ultrasound-physics-basics") is child  # built once per id
    assert child.for_course("home-composting") is root.for_course("home-composting")
    assert root.for_course("ai-in-medical-imaging") is root  # the corpus dir's course is the root itself
    assert root.default_course() is root
    with pytest.raises(NotFound, match="home-composting"):
        root.for_course("no-such-course")


def test_the_default_course_can_be_another(tmp_path, courses, make_services):
    root = make_services(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, courses_dir=courses,
                                  default_course="home-composting"))
    assert root.catalog().default_id == "home-composting"
    assert root.default_course() is root.for_course("home-composting")
    assert root.default_course().course().title == "Composting at Home"


def test_a_course_added_later_is_found_without_a_restart(tmp_path, courses, make_services):
    root = make_services(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, courses_dir=courses))
    assert "bicycle-maintenance" not in root.catalog().ids
    shutil.copytree(COMPOST.parent / "bicycle-maintenance", courses / "bikes")
    with pytest.raises(NotFound):  # an unknown id rescans the folder at most every few seconds
        root.for_course("bicycle-maintenance")
    root.catalog_rescan_s = 0.0
    assert root.for_course("bicycle-maintenance").course().title == "Basic Bicycle Maintenance"


def test_catalog_leaves_out_broken_and_duplicate_folders(tmp_path, courses):
    from imaging_tutor.corpus.catalog import build_catalog

    shutil.copytree(SECOND_COURSE, courses / "ultrasound-copy")
    (courses / "broken").mkdir()
    (courses / "broken" / "course.md").write_text("---\nid: Bad Id\n---\n", encoding="utf-8")
    catalog = build_catalog(Settings(corpus_dir=CORPUS, courses_dir=courses))
    assert catalog.ids == ["ai-in-medical-imaging", "home-composting", "ultrasound-physics-basics"]
    assert catalog.default_id == "ai-in-medical-imaging"
    assert len(catalog.problems) == 2
    assert any("broken" in p and "lacks title" in p for p in catalog.problems)
    assert any("ultrasound-copy" in p and "already used" in p for p in catalog.problems)
    wrong = build_catalog(Settings(corpus_dir=CORPUS, courses_dir=courses, default_course="nope"))
    assert wrong.default_id == "ai-in-medical-imaging" and any("'nope'" in p for p in wrong.problems)


@pytest.mark.parametrize(("cores", "workers", "explicit", "expected"),
                         [(2, 1, 0, 2), (2, 2, 0, 1), (2, 3, 0, 1), (8, 3, 0, 2), (2, 2, 5, 5)])
def test_answer_concurrency_is_the_process_share_of_the_cores(cores, workers, explicit, expected):
    settings = Settings(api_workers=workers, answer_concurrency=explicit)
    assert settings.resolved_answer_concurrency(cores=cores) == expected


def test_courses_share_one_answer_slot(tmp_path, courses, make_services):
    root = make_services(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, courses_dir=courses,
                                  answer_concurrency=2))
    assert root.for_course("home-composting").answer_slot() is root.answer_slot()
    slot = root.answer_slot()
    assert slot.acquire(blocking=False) and slot.acquire(blocking=False) and not slot.acquire(blocking=False)
    slot.release()
    slot.release()



def test_finding_a_built_course_never_waits_for_the_courses_folder(tmp_path, courses, make_services, monkeypatch):
    """`built_course` runs on the API's event loop: a catalog being read from disk must not stall it."""
    import threading

    from imaging_tutor.corpus import catalog as catalog_module

    root = make_services(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, courses_dir=courses))
    child = root.for_course("home-composting")
    reading, release = threading.Event(), threading.Event()
    real_build = catalog_module.build_catalog

    def slow_build(settings):  # a fake disk that stays busy until the test lets it go
        reading.set()
        release.wait(30)
        return real_build(settings)

    monkeypatch.setattr(catalog_module, "build_catalog", slow_build)
    rescan = threading.Thread(target=root.catalog, kwargs={"refresh": True})
    rescan.start()
    try:
        assert reading.wait(10)
        found: list = []
        lookup = threading.Thread(target=lambda: found.append(root.built_course("home-composting")))
        lookup.start()
        lookup.join(5)
        assert found == [child], "built_course waited for the catalog being read"
    finally:
        release.set()
        rescan.join(30)
