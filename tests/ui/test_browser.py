"""A real browser (Debian's Chromium, headless, driven by Playwright) against `imaging-tutor up`.

Ask a question, see an answer with a citation, open the cited section; answer a quiz item and see feedback.
Screenshots go to test-artifacts/. Skipped when /usr/bin/chromium or playwright is missing (`make test` installs
Chromium with scripts/system-deps.sh; no browser is ever downloaded).
"""
from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from .conftest import ROOT, start_up

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = [
    pytest.mark.slow,
    # `make test` installs Chromium, so under CI a missing browser is a failure, never a silent skip.
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason="needs Debian's chromium (scripts/system-deps.sh installs it)"),
]


@pytest.fixture(scope="module")
def up(courses_template, tmp_path_factory):
    """A deployment of two courses (this one, the default, and the ultrasound course): the plain URLs must behave
    exactly as with one course, and the course picker switches between them."""
    template, courses = courses_template
    handle = start_up(template, tmp_path_factory.mktemp("browser-up"), courses_dir=courses)
    yield handle
    assert handle.interrupt(signal.SIGTERM) == 0, handle.output()[-2000:]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    report = getattr(request.node, "rep_call", None)  # kept by tests/ui/conftest.py
    if report is not None and report.failed:
        # What the learner saw when the test gave up: a lost answer and a slow one look alike in a timeout.
        name = f"failed-{request.node.name}"
        try:
            shot(page, name)
            (ARTIFACTS / f"{name}.txt").write_text(page.locator("body").inner_text(timeout=5_000), encoding="utf-8")
        except Exception as exc:  # the evidence is best effort; the test's own failure is what is reported
            print(f"no failure evidence for {request.node.name}: {exc}")
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_ask_and_open_the_cited_section(up, page):
    page.goto(f"{up.ui}/?learner=browser-ada")
    box = page.get_by_placeholder(re.compile("Ask about the course"))
    box.fill("What is specificity?")
    box.press("Enter")
    chip = page.get_by_role("button", name=re.compile(r"^\[\d+\.\d+\]")).first
    chip.wait_for()
    answer = page.locator('[data-testid="stChatMessage"]').nth(1)
    assert re.search(r"\[\d+\.\d+\]", answer.inner_text())
    assert "specificity" in answer.inner_text().lower()
    shot(page, "chat-answer")

    ref = re.match(r"\[(\d+\.\d+)\]", chip.inner_text()).group(1)
    chip.click()
    page.get_by_text("Passages the answer quoted are highlighted").wait_for()
    heading = page.get_by_role("heading", name=re.compile(rf"^\[{re.escape(ref)}\]"))
    heading.wait_for()
    marks = page.locator("mark")
    marks.first.wait_for()  # the section text is the panel's last element: it renders after the caption and heading
    assert marks.first.inner_text().strip()
    shot(page, "chat-cited-section")


def test_answer_a_quiz_item_and_see_feedback(up, page):
    page.goto(f"{up.ui}/Quiz?learner=browser-ada")
    page.get_by_role("button", name="Start quiz").click()
    page.get_by_text(re.compile(r"Question 1 of \d+")).wait_for()
    question_form = page.locator('[data-testid="stForm"]')
    question_form.locator('[role="radiogroup"] label').first.click()
    shot(page, "quiz-item")
    page.get_by_role("button", name="Submit answer").click()
    page.get_by_text(re.compile(r"^(Correct|Incorrect|Partly right)")).first.wait_for()
    feedback = page.locator('[data-testid="stAlert"]').first.inner_text()
    assert re.search(r"\[\d+\.\d+\]", feedback)  # the feedback cites the section to reread
    page.get_by_role("button", name=re.compile(r"^Reread \[")).wait_for()
    # the answer counts at once: the progress chart's caption names the section just practised
    page.get_by_text(re.compile(r"^1 section practised")).wait_for()
    shot(page, "quiz-feedback")


def ask(page, question: str) -> None:
    """Type a question into the chat; sent again once when a rerun still in flight (e.g. right after a course
    switch) swallowed it before it showed as the learner's message."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    sent = page.locator('[data-testid="stChatMessage"]').filter(has_text=question)
    for attempt in (1, 2):
        box = page.get_by_placeholder(re.compile("Ask about the course"))
        box.fill(question)
        box.press("Enter")
        try:
            sent.first.wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def test_switch_courses_and_see_that_courses_citations(up, page):
    from playwright.sync_api import expect

    page.goto(f"{up.ui}/?course=ultrasound-physics-basics")
    page.get_by_role("heading", name=re.compile("Ultrasound Physics Basics")).wait_for()
    ask(page, "What causes acoustic shadowing behind a gallstone?")
    page.get_by_role("button", name="[2.3] Artifacts").wait_for()
    shot(page, "courses-ultrasound")

    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Course").click()
    page.get_by_role("option", name=re.compile("AI In Healthcare")).click()
    page.get_by_role("heading", name=re.compile("AI In Healthcare")).wait_for()
    page.wait_for_url(re.compile(r"course=ai-in-medical-imaging"))
    # The other course's chat is not carried over (it stays on screen, stale, until the switch's run ends).
    expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(0, timeout=90_000)
    ask(page, "What is sensitivity?")
    chip = page.get_by_role("button", name=re.compile(r"^\[4\.\d+\]")).first
    chip.wait_for()
    assert page.get_by_role("button", name="[2.3] Artifacts").count() == 0
    shot(page, "courses-imaging")


# --- safe rendering and offline docs (issue 12) ----------------------------------------------------------------

@pytest.fixture
def trap():
    """A local HTTP server standing in for an attacker's host: records every request that reaches it."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_hostile_learner_text_in_the_staff_inbox_stays_text(up, page, trap):
    """The finding: a comment with ![x](http://host/x.png) loaded a remote image in the staff browser and a fake
    "Session expired – log in again" link rendered. Learners' words are now plain text everywhere."""
    import json

    import httpx

    host, hits = trap
    comment = (f"![x](http://{host}/x.png) [Session expired – log in again](http://{host}/login) "
               f'<img src="http://{host}/html.png"> **bold**')
    question = f"What is PPV? ![q](http://{host}/q.png)"
    with httpx.Client(base_url=up.api, timeout=120) as api:
        me = api.post("/api/v1/learners").json()
        auth = {"Authorization": f"Bearer {me['token']}"}
        answer = api.post("/api/v1/chat", json={"message": question}, headers=auth).json()
        api.post("/api/v1/feedback", json={"turn_id": answer["turn_id"], "rating": "down", "comment": comment},
                 headers=auth).raise_for_status()
    staff_token = json.loads((up.data / "tokens.json").read_text())["staff_token"]

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{up.ui}/Staff")
    box = page.locator('input[aria-label="Staff token"]')
    box.fill(staff_token)
    box.press("Enter")
    page.get_by_role("tab", name="Feedback inbox").click()
    entry = page.get_by_text(re.compile(rf"Not helpful · turn {answer['turn_id']}\b")).first
    entry.click()
    page.get_by_text("Session expired – log in again", exact=False).first.wait_for()
    page.wait_for_timeout(1500)  # time for any image or link preload to go out
    shot(page, "staff-inbox-hostile-comment")

    inbox = page.locator('[data-testid="stExpander"]').filter(has_text=f"turn {answer['turn_id']}")
    text = inbox.inner_text()
    assert f"![x](http://{host}/x.png)" in text and "**bold**" in text  # shown as typed
    assert inbox.locator(f'img[src*="{host}"]').count() == 0
    assert inbox.locator(f'a[href*="{host}"]').count() == 0
    assert not [u for u in requested if host in u], requested
    assert hits == []


def test_the_docs_pages_render_with_no_outside_request(up, browser):
    """The finding: /api/v1/docs loaded Swagger UI from a CDN, so the page was blank offline. Every request
    that does not go to the API itself is refused here, as on a network without internet."""
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(up.api):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{up.api}/api/v1/docs")
        page.locator(".swagger-ui .info .title").filter(has_text="imaging-tutor API").wait_for()
        page.locator(".opblock-summary-path", has_text="/api/v1/chat").first.wait_for()
        shot(page, "api-docs-swagger")
        page.goto(f"{up.api}/api/v1/docs/redoc")
        page.get_by_role("heading", name=re.compile("imaging-tutor API")).first.wait_for()
        shot(page, "api-docs-redoc")
    finally:
        context.close()
    assert outside == []


def test_quiz_me_in_chat(up, page):
    page.goto(f"{up.ui}/?learner=browser-quizme")
    box = page.get_by_placeholder(re.compile("Ask about the course"))
    box.fill("What is sensitivity?")
    box.press("Enter")
    page.get_by_role("button", name=re.compile("Quiz me on this")).click()
    page.get_by_text(re.compile(r"^Quiz question on \[")).wait_for()
    page.get_by_role("button", name="Skip").click()
    page.get_by_text(re.compile(r"^Skipped\. The answer:")).wait_for()
    shot(page, "chat-quiz-me")


def test_hint_mode_climbs_its_ladder_in_chat(up, page):
    page.goto(f"{up.ui}/?learner=browser-hints")
    page.get_by_text("Hint mode").click()
    box = page.get_by_placeholder(re.compile("Ask about the course"))
    box.fill("What is specificity?")
    box.press("Enter")
    page.get_by_text(re.compile(r"^Hint 1 of 4: look in section")).wait_for()
    page.get_by_role("button", name=re.compile(r"Next hint \(2 of 4\)")).click()
    page.get_by_text(re.compile(r"^Hint 2 of 4: in \[")).wait_for()
    shot(page, "chat-hint-ladder")


# --- learner home, clickable citations, continuity, staff insight, maintainer baseline (issue 15) ---------------

def test_home_page_invites_and_a_starter_question_gets_an_answer(up, page):
    page.goto(up.ui)
    page.get_by_role("heading", name=re.compile("AI In Healthcare")).wait_for()
    page.get_by_text("Start with a question").wait_for()
    page.get_by_text("Browse the course").wait_for()
    starters = page.locator('[class*="st-key-starter-"] button:visible')
    starters.nth(5).wait_for()  # buttons appear one by one: wait for the sixth
    assert 6 <= starters.count() <= 8
    shot(page, "home-first-visit")
    question = starters.first.inner_text().strip()
    starters.first.click()
    from playwright.sync_api import expect

    messages = page.locator('[data-testid="stChatMessage"]')
    messages.nth(1).wait_for()
    # Retried until rendered: a message's avatar can show before its text (a loaded CI host read only "face").
    expect(messages.nth(0)).to_contain_text(question)
    expect(messages.nth(1)).to_contain_text(re.compile(r"\w+\s+\w+\s+\w+"))  # the reply's words, not an avatar's
    shot(page, "home-starter-answered")


def test_inline_citation_opens_the_quote_and_a_reload_keeps_the_conversation(up, page):
    page.goto(up.ui)
    ask(page, "What is specificity?")
    answer = page.locator('[data-testid="stChatMessage"]').nth(1)
    marker = answer.locator('a[href^="#cite-"]').first
    marker.wait_for()
    ref = marker.inner_text().strip("[] ")
    marker.click()
    page.get_by_text("Passages the answer quoted are highlighted").wait_for()
    page.get_by_role("heading", name=re.compile(rf"^\[{re.escape(ref)}\]")).wait_for()
    marks = page.locator("mark")
    marks.first.wait_for()
    assert marks.first.inner_text().strip()
    shot(page, "chat-inline-citation-panel")

    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(r"[?&]session="))  # set by history.replaceState, not a navigation
    page.reload()
    page.locator('[data-testid="stChatMessage"]').nth(1).wait_for()
    expect(page.locator('[data-testid="stChatMessage"]').nth(0)).to_contain_text("What is specificity?")  # retried
    page.get_by_role("button", name="New topic").wait_for()
    shot(page, "chat-after-reload")


def test_staff_insight_shows_content_gaps_and_downloads_the_csv(up, page):
    import json

    import httpx

    questions = ["How do I renew my passport?", "How can I renew an expired passport online?",
                 "What is the best recipe for sourdough bread?"]
    with httpx.Client(base_url=up.api, timeout=120) as api:
        for q in questions:
            me = api.post("/api/v1/learners").json()
            r = api.post("/api/v1/chat", json={"message": q}, headers={"Authorization": f"Bearer {me['token']}"})
            assert r.json()["status"] == "out_of_scope"
    staff_token = json.loads((up.data / "tokens.json").read_text())["staff_token"]
    page.goto(f"{up.ui}/Insight")
    box = page.locator('input[aria-label="Staff token"]')
    box.fill(staff_token)
    box.press("Enter")
    page.get_by_role("tab", name="Content gaps").click()
    page.get_by_text("• How do I renew my passport?").wait_for()
    group = page.locator('[class*="st-key-gap-"]').filter(has_text="renew my passport")
    assert "2 questions" in group.inner_text() and "renew an expired passport" in group.inner_text()
    shot(page, "insight-content-gaps")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download content gaps")).click()
    text = Path(download.value.path()).read_text()
    assert text.startswith("label,count") and "renew my passport" in text


def test_maintainer_runs_course_quiz_against_its_own_baseline_and_passes(up, page):
    import json

    token = json.loads((up.data / "tokens.json").read_text())["maintainer_token"]
    page.goto(f"{up.ui}/Maintainer")
    box = page.locator('input[aria-label="Maintainer token"]')
    box.fill(token)
    box.press("Enter")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Question set").click()
    page.get_by_role("option", name="course_quiz", exact=True).click()
    page.get_by_role("button", name="Run eval").click()
    banner = page.get_by_text(re.compile(r"^(PASS|FAIL) · course_quiz"))
    banner.wait_for(timeout=600_000)
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for()
    page.get_by_role("heading", name=re.compile(r"^Failing questions \(\d+\)")).wait_for()
    page.wait_for_timeout(1000)  # the chart draws after it is mounted
    shot(page, "maintainer-course-quiz")
    assert banner.inner_text().startswith("PASS · course_quiz against course_quiz's own baseline"), banner.inner_text()
