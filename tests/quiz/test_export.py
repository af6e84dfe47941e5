"""Exports parsed back: GIFT with pygiftparser, QTI by its XML structure, JSON by loading, Markdown has the key."""
from __future__ import annotations

import io
import json
import re
import sys
import types
import zipfile
from xml.etree import ElementTree as ET

import pytest

from imaging_tutor.errors import InvalidInput
from imaging_tutor.quiz import Quiz, course_items, export_quiz, safe_filename, write_export

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}


def _giftparser():
    """pygiftparser 1.1 imports Markdown 3.0, which needs pkg_resources (gone from current setuptools).
    Parsing never renders Markdown, so a stand-in module is enough to load the real parser."""
    try:
        import pygiftparser.parser as parser
    except ModuleNotFoundError as exc:
        if exc.name != "pkg_resources":
            raise
        sys.modules.pop("markdown", None)
        sys.modules["markdown"] = types.SimpleNamespace(markdown=lambda text, *a, **k: text)
        for mod in [m for m in sys.modules if m.startswith("pygiftparser")]:
            sys.modules.pop(mod)
        import pygiftparser.parser as parser
    return parser


@pytest.fixture
def mixed(quiz4, course_dir, current_course):
    """The generated chapter-4 quiz plus two course items: every type, quotes with “curly” quotes and colons."""
    extra = course_items(course_dir, current_course, chapter=4)[:2]
    return quiz4.model_copy(update={"items": [*quiz4.items, *extra], "title": "Week 4 / numbers: PPV & NPV"})


def test_gift_parses_back_with_pygiftparser(mixed):
    name, data = export_quiz(mixed, "gift")
    assert name.endswith(".gift.txt")
    questions = _giftparser().parseFile(io.StringIO(data.decode("utf-8")))
    assert len(questions) == len(mixed.items)
    for q, it in zip(questions, mixed.items):
        assert q.valid, it.prompt
        assert it.citation.ref in q.generalFeedback and "Course section" in q.generalFeedback
        kind = type(q.answers).__name__
        if it.type == "mcq":
            assert kind == "SelectSet"
            right = [a.answer.replace("\\", "") for a in q.answers.answers if a.fraction == 100]
            assert right == [it.answer] and len(q.answers.answers) == len(it.options)
        elif it.type == "tf":
            assert kind == "TrueFalseSet" and q.answers.answer == (it.answer == "True")
        elif it.type == "cloze":
            assert kind == "ShortSet"
            assert it.answer in [a.answer.replace("\\", "") for a in q.answers.answers]
        elif it.type == "numeric":
            assert kind == "NumericAnswerSet"
        else:
            assert kind == "Essay"


def test_qti_zip_has_manifest_and_valid_assessment(mixed):
    name, data = export_quiz(mixed, "qti")
    assert name.endswith(".qti.zip")
    z = zipfile.ZipFile(io.BytesIO(data))
    assert "imsmanifest.xml" in z.namelist()
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    mns = {"m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
    res = manifest.find("m:resources/m:resource", mns)
    assert res.get("type") == "imsqti_xmlv1p2"
    href = res.find("m:file", mns).get("href")
    assert href in z.namelist() and ".." not in href

    root = ET.fromstring(z.read(href))
    assert root.tag == f"{{{NS['q']}}}questestinterop"
    items = root.findall("q:assessment/q:section/q:item", NS)
    assert len(items) == len(mixed.items)
    for el, it in zip(items, mixed.items):
        assert el.get("ident") == it.id
        qtype = [f.findtext("q:fieldentry", namespaces=NS) for f in el.iterfind(".//q:qtimetadatafield", NS)
                 if f.findtext("q:fieldlabel", namespaces=NS) == "question_type"]
        prompt = el.findtext("q:presentation/q:material/q:mattext", namespaces=NS)
        assert prompt == it.prompt
        feedback = el.findtext("q:itemfeedback/q:flow_mat/q:material/q:mattext", namespaces=NS)
        assert it.citation.quote in feedback and it.citation.ref in feedback
        if it.type in ("mcq", "tf"):
            assert qtype == ["multiple_choice_question" if it.type == "mcq" else "true_false_question"]
            lid = el.find("q:presentation/q:response_lid", NS)
            labels = {lab.get("ident"): lab.findtext("q:material/q:mattext", namespaces=NS)
                      for lab in lid.iterfind("q:render_choice/q:response_label", NS)}
            assert sorted(labels.values()) == sorted(it.options)
            correct = [c for c in el.iterfind("q:resprocessing/q:respcondition", NS)
                       if c.findtext("q:setvar", namespaces=NS) == "100"]
            assert len(correct) == 1
            picked = correct[0].findtext("q:conditionvar/q:varequal", namespaces=NS)
            assert labels[picked] == it.answer
        elif it.type == "cloze":
            assert qtype == ["short_answer_question"]
            assert el.find("q:presentation/q:response_str/q:render_fib", NS) is not None
        elif it.type == "numeric":
            assert qtype == ["numerical_question"]
            low = float(el.findtext(".//q:vargte", namespaces=NS))
            high = float(el.findtext(".//q:varlte", namespaces=NS))
            assert low <= it.numeric.value <= high
        else:
            assert qtype == ["essay_question"]


def test_json_round_trips(mixed):
    name, data = export_quiz(mixed, "json")
    doc = json.loads(data)
    assert doc["format"] == "imaging-tutor-quiz" and doc["version"] == 1
    back = Quiz.model_validate({k: v for k, v in doc.items() if k not in ("format", "version")})
    assert [it.model_dump() for it in back.items] == [it.model_dump() for it in mixed.items]


def test_markdown_has_questions_and_answer_key(mixed):
    _, data = export_quiz(mixed, "md")
    text = data.decode("utf-8")
    questions, key = text.split("## Answer key")
    for n, it in enumerate(mixed.items, 1):
        assert it.prompt in questions
        assert it.citation.quote in key and f"section {it.citation.ref}" in key
    mcq = next(it for it in mixed.items if it.type == "mcq")
    letter = "ABCD"[mcq.options.index(mcq.answer)]
    assert f"**{letter}. {mcq.answer}**" in key


def test_markdown_keeps_each_answers_solution_quote_and_source_inside_its_item(mixed):
    """Rendered as CommonMark (markdown-it), item 10's worked solution, quote and source sit inside item 10: "10. "
    needs four spaces of indent, and a source line right after a quote would be read as part of the quote."""
    from markdown_it import MarkdownIt

    items = list(mixed.items)
    numeric = next(it for it in items if it.type == "numeric" and it.solution)
    items.remove(numeric)
    items.insert(9, numeric)  # answer 10
    assert len(items) >= 10
    quiz = mixed.model_copy(update={"items": items})
    key = export_quiz(quiz, "md")[1].decode("utf-8").split("## Answer key")[1]
    tokens = MarkdownIt().parse(key)
    answers: list[list] = []
    for t in tokens:
        if t.type == "list_item_open" and t.level == 1:
            answers.append([])
        elif answers and t.type == "inline" and t.level > 1:
            answers[-1].append(t)
    assert len(answers) == len(items)  # nothing fell out of the list, no item split in two
    for it, inlines in zip(items, answers):
        text = " ".join(t.content for t in inlines)
        assert it.citation.quote in text and f"section {it.citation.ref}" in text
        assert all(step in text for step in it.solution)
        quoted = " ".join(t.content for t in inlines if t.map and t.level >= 4)  # inside the blockquote
        assert f"section {it.citation.ref}," not in quoted


def test_filenames_are_safe(mixed, tmp_path):
    assert safe_filename("../../etc/passwd", ".md") == "etc-passwd.md"
    assert safe_filename("..", ".md") == "quiz.md"
    assert safe_filename("Semaine 4 — précision", ".json") == "Semaine-4-precision.json"
    evil = mixed.model_copy(update={"title": "../../../tmp/evil"})
    out = write_export(evil, "md", tmp_path)
    assert out.parent == tmp_path and out.name == "tmp-evil.md" and out.read_text(encoding="utf-8")
    with pytest.raises(InvalidInput):
        export_quiz(mixed, "docx")
    with pytest.raises(InvalidInput):
        write_export(mixed, "md", tmp_path / "missing-folder" / "x.md")


def _independent_gift(text: str) -> list[dict]:
    """A second GIFT reader, written from the format's rules and sharing nothing with the exporter: blank lines
    separate questions, '//' lines are comments, '\\' escapes ~ = # { } : and %, a leading %N% is an answer weight."""
    questions = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("//")
                 and not ln.startswith("$CATEGORY")]
        if not lines:
            continue
        body = " ".join(lines)
        m = re.match(r"::(?P<title>(?:\\.|[^:])*)::(?P<stem>(?:\\.|[^{])*)\{(?P<answers>(?:\\.|[^}])*)\}\s*$", body)
        assert m, f"not a GIFT question: {body[:120]!r}"
        answers = []
        main = re.split(r"(?<!\\)####", m.group("answers"))[0]
        if main.strip().startswith("#"):
            answers.append({"numeric": main.strip()[1:]})
        else:
            for mark, raw in re.findall(r"(?<!\\)([=~])((?:\\.|[^=~])*)", main):
                weight = re.match(r"%(-?\d+(?:\.\d+)?)%", raw.strip())
                answers.append({"right": mark == "=", "weight": float(weight.group(1)) if weight else None,
                                "text": re.sub(r"\\(.)", r"\1", raw.strip())})
        questions.append({"stem": m.group("stem"), "answers": answers})
    return questions


HOSTILE = ["%20% Looks like a weight", "Two\nlines", "A bell\x07and NUL-ish\x01 chars"]


@pytest.fixture
def hostile(mixed):
    """Staff edits that used to break files: a '%20%' option, a newline in the title, control characters in text."""
    mcq = next(i for i, it in enumerate(mixed.items) if it.type == "mcq")
    it = mixed.items[mcq]
    wrong = next(k for k, o in enumerate(it.options) if o != it.answer)
    options = list(it.options)
    options[wrong] = HOSTILE[0]
    items = list(mixed.items)
    items[mcq] = it.model_copy(update={"options": options, "prompt": it.prompt + HOSTILE[2]})
    return mixed.model_copy(update={"items": items, "title": "Week 4\n::injected::Fake question {=yes}"})


def test_hostile_staff_text_cannot_break_gift(hostile):
    text = export_quiz(hostile, "gift")[1].decode("utf-8")
    assert "\n::injected" not in text and "\x07" not in text
    ours = _independent_gift(text)
    theirs = _giftparser().parseFile(io.StringIO(text))
    assert len(ours) == len(theirs) == len(hostile.items)  # no injected question, nothing lost
    mcq = next(q for q, it in zip(ours, hostile.items) if it.type == "mcq" and HOSTILE[0] in it.options)
    odd = next(a for a in mcq["answers"] if "Looks like a weight" in a["text"])
    assert not odd["right"] and odd["weight"] is None  # not partial credit for a wrong answer
    for q, it in zip(theirs, hostile.items):
        assert q.valid
        if it.type == "mcq":
            assert [a for a in q.answers.answers if a.fraction == 100][0].answer.replace("\\", "") == it.answer
            assert all(a.fraction in (0, 100) for a in q.answers.answers)


def test_hostile_staff_text_keeps_qti_well_formed(hostile):
    z = zipfile.ZipFile(io.BytesIO(export_quiz(hostile, "qti")[1]))
    href = [n for n in z.namelist() if n != "imsmanifest.xml"][0]
    root = ET.fromstring(z.read(href))  # raises on a control character
    assert root.find("q:assessment", NS).get("title") == "Week 4 ::injected::Fake question {=yes}"
    assert len(root.findall("q:assessment/q:section/q:item", NS)) == len(hostile.items)


def test_json_export_agrees_with_gift_and_qti_on_every_item(mixed):
    doc = json.loads(export_quiz(mixed, "json")[1])
    gift = _independent_gift(export_quiz(mixed, "gift")[1].decode("utf-8"))
    z = zipfile.ZipFile(io.BytesIO(export_quiz(mixed, "qti")[1]))
    root = ET.fromstring(z.read([n for n in z.namelist() if n != "imsmanifest.xml"][0]))
    qti = root.findall("q:assessment/q:section/q:item", NS)
    assert len(doc["items"]) == len(gift) == len(qti)
    for it, g, q in zip(doc["items"], gift, qti):
        assert q.get("ident") == it["id"]
        if it["type"] == "mcq":
            assert [a["text"] for a in g["answers"] if a["right"]] == [it["answer"]]
        elif it["type"] == "numeric":
            value, tolerance = map(float, g["answers"][0]["numeric"].split(":"))
            assert value == it["numeric"]["value"] and tolerance == it["numeric"]["tolerance"]


def test_titles_and_edits_with_control_characters_are_refused(db, quiz4, course, embedder):
    from imaging_tutor.quiz import save_quiz, update_item

    with pytest.raises(InvalidInput):
        save_quiz(db, quiz4, "Week 4\nInjected")
    saved = save_quiz(db, quiz4, "Week 4")
    mcq = next(it for it in quiz4.items if it.type == "mcq")
    with pytest.raises(InvalidInput):
        update_item(db, saved.id, mcq.id, {"prompt": mcq.prompt + "\x01"}, course=course, embedder=embedder)
