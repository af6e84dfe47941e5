"""Exports for staff: GIFT (Moodle), QTI 1.2 zip (Canvas), JSON, and Markdown with an answer key.

Each item's feedback carries its citation: the section ref and title and the verbatim quote. Computed items go out as
GIFT numerical questions and QTI numerical questions (answer ± tolerance) with the worked solution as feedback.
Whatever staff typed survives: GIFT's control characters and a leading "%…%" (which GIFT reads as an answer weight)
are escaped, line breaks in titles cannot start a new line of the file, and characters XML 1.0 forbids never reach the
QTI file.
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import InvalidInput
from .schema import Quiz, QuizItem

FORMATS = {"gift": ".gift.txt", "qti": ".qti.zip", "json": ".json", "md": ".md"}
EXPORT_VERSION = 1


def safe_filename(title: str, ext: str, fallback: str = "quiz") -> str:
    """A filename from a title: ASCII letters, digits, dash and underscore only, so no path can sneak in."""
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_title).strip("-_.")[:80] or fallback
    return stem + ext


def citation_text(item: QuizItem) -> str:
    c = item.citation
    return f"Course section {c.ref} ({c.section_title}): “{c.quote}”"


# --- GIFT --------------------------------------------------------------------------------------------------------

_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Text on one line with no control characters: what a title or a GIFT field must be."""
    return re.sub(r"\s+", " ", _XML_FORBIDDEN.sub(" ", _LINE_BREAKS.sub(" ", text or ""))).strip()


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry (control characters other than tab and line breaks are dropped)."""
    return _XML_FORBIDDEN.sub("", text or "")


def _gift(text: str) -> str:
    """Escape GIFT's control characters and keep the question on one line (blank lines end a question); a leading
    '%' is escaped too, or an option such as '%20% …' would become an answer weight."""
    out = _GIFT_SPECIAL.sub(r"\\\1", one_line(text))
    return "\\" + out if out.startswith("%") else out


def to_gift(quiz: Quiz) -> str:
    """Moodle GIFT: one question per block; the citation is the general feedback of every question."""
    title = one_line(quiz.title or quiz.id)
    out = [f"// {title} — exported from imaging-tutor (course {one_line(quiz.course_id)} v{one_line(quiz.course_version)})",
           f"$CATEGORY: $course$/{re.sub(r'[^A-Za-z0-9_]+', '_', title)}", ""]
    for n, it in enumerate(quiz.items, 1):
        title = _gift(f"{n}. {it.citation.ref} {it.type}")
        fb = _gift(citation_text(it))
        head = f"::{title}::[plain]{_gift(it.prompt)}"
        if it.type == "mcq":
            opts = " ".join(("=" if o == it.answer else "~") + _gift(o) for o in it.options)
            out.append(f"{head} {{{opts} ####{fb}}}")
        elif it.type == "tf":
            word = "TRUE" if it.answer == "True" else "FALSE"
            out.append(f"{head} {{{word}#{fb}#{fb} ####{fb}}}")
        elif it.type == "cloze":
            answers = " ".join("=" + _gift(a) for a in dict.fromkeys([it.answer, *it.accepted]))
            out.append(f"{head} {{{answers} ####{fb}}}")
        elif it.type == "numeric" and it.numeric is not None:
            unit = " (answer in %)" if it.numeric.unit == "%" else ""
            head = f"::{title}::[plain]{_gift(it.prompt + unit)}"
            solution = _gift("Worked solution: " + " ".join(it.solution)) if it.solution else ""
            out.append(f"{head} {{#{it.numeric.value:g}:{it.numeric.tolerance:g} ####{solution} {fb}}}")
        else:  # free text is graded by people in an LMS: an essay with the key and citation as feedback
            out.append(f"{head} {{####{_gift('Key: ' + it.answer)} — {fb}}}")
        out.append("")
    return "\n".join(out)


# --- QTI 1.2 (Canvas) --------------------------------------------------------------------------------------------

_QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_CANVAS_TYPE = {"mcq": "multiple_choice_question", "tf": "true_false_question", "cloze": "short_answer_question",
                "short": "essay_question", "numeric": "numerical_question"}


def _field(parent: ET.Element, label: str, entry: str) -> None:
    f = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(f, "fieldlabel").text = label
    ET.SubElement(f, "fieldentry").text = xml_text(entry)


def _mat(parent: ET.Element, text: str) -> None:
    m = ET.SubElement(parent, "material")
    ET.SubElement(m, "mattext", texttype="text/plain").text = xml_text(text)


def _qti_item(section: ET.Element, it: QuizItem, n: int) -> None:
    item = ET.SubElement(section, "item", ident=xml_text(it.id), title=xml_text(f"{n}. {it.citation.ref}"))
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    _field(meta, "question_type", _CANVAS_TYPE[it.type])
    _field(meta, "points_possible", "1.0")
    _field(meta, "assessment_question_identifierref", f"ref-{it.id}")
    pres = ET.SubElement(item, "presentation")
    _mat(pres, it.prompt)
    options = it.options if it.type in ("mcq", "tf") else []
    if options:
        lid = ET.SubElement(pres, "response_lid", ident="response1", rcardinality="Single")
        choice = ET.SubElement(lid, "render_choice")
        for k, o in enumerate(options):
            label = ET.SubElement(choice, "response_label", ident=f"{it.id}-{k}")
            _mat(label, o)
    elif it.type == "numeric":
        rs = ET.SubElement(pres, "response_num", ident="response1", rcardinality="Single", numtype="Decimal")
        ET.SubElement(rs, "render_fib", fibtype="Decimal")
    else:
        rs = ET.SubElement(pres, "response_str", ident="response1", rcardinality="Single")
        ET.SubElement(rs, "render_fib", rows="5" if it.type == "short" else "1")
    proc = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                  vartype="Decimal")
    general = ET.SubElement(proc, "respcondition", attrib={"continue": "Yes"})
    ET.SubElement(ET.SubElement(general, "conditionvar"), "other")
    ET.SubElement(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    if options:
        right = options.index(it.answer)
        cond = ET.SubElement(proc, "respcondition", attrib={"continue": "No"})
        ET.SubElement(ET.SubElement(cond, "conditionvar"), "varequal", respident="response1").text = f"{it.id}-{right}"
        ET.SubElement(cond, "setvar", action="Set", varname="SCORE").text = "100"
    elif it.type == "cloze":
        cond = ET.SubElement(proc, "respcondition", attrib={"continue": "No"})
        cv = ET.SubElement(cond, "conditionvar")
        for a in dict.fromkeys([it.answer, *it.accepted]):
            ET.SubElement(cv, "varequal", respident="response1").text = xml_text(a)
        ET.SubElement(cond, "setvar", action="Set", varname="SCORE").text = "100"
    elif it.type == "numeric" and it.numeric is not None:
        cond = ET.SubElement(proc, "respcondition", attrib={"continue": "No"})
        cv = ET.SubElement(ET.SubElement(cond, "conditionvar"), "and")
        ET.SubElement(cv, "vargte", respident="response1").text = f"{it.numeric.value - it.numeric.tolerance:g}"
        ET.SubElement(cv, "varlte", respident="response1").text = f"{it.numeric.value + it.numeric.tolerance:g}"
        ET.SubElement(cond, "setvar", action="Set", varname="SCORE").text = "100"
    fb = ET.SubElement(item, "itemfeedback", ident="general_fb")
    text = (f"Key: {it.answer} — {citation_text(it)}" if it.type == "short" else
            f"Worked solution: {' '.join(it.solution)} — {citation_text(it)}" if it.type == "numeric" else
            citation_text(it))
    _mat(ET.SubElement(fb, "flow_mat"), text)


def to_qti_xml(quiz: Quiz, assessment_id: str) -> bytes:
    root = ET.Element("questestinterop", xmlns=_QTI_NS)
    assessment = ET.SubElement(root, "assessment", ident=assessment_id, title=one_line(quiz.title or quiz.id))
    meta = ET.SubElement(assessment, "qtimetadata")
    _field(meta, "cc_maxattempts", "1")
    section = ET.SubElement(assessment, "section", ident="root_section")
    for n, it in enumerate(quiz.items, 1):
        _qti_item(section, it, n)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def to_manifest(quiz: Quiz, assessment_id: str, href: str) -> bytes:
    ns = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
    root = ET.Element("manifest", identifier=f"manifest-{assessment_id}", xmlns=ns)
    md = ET.SubElement(root, "metadata")
    ET.SubElement(md, "schema").text = "IMS Content"
    ET.SubElement(md, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    res = ET.SubElement(resources, "resource", identifier=assessment_id, type="imsqti_xmlv1p2")
    ET.SubElement(res, "file", href=href)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def to_qti_zip(quiz: Quiz) -> bytes:
    """A QTI 1.2 package Canvas imports: imsmanifest.xml plus one assessment file."""
    assessment_id = "a" + re.sub(r"[^A-Za-z0-9]", "", quiz.id)[:40]
    href = f"{assessment_id}/{assessment_id}.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", to_manifest(quiz, assessment_id, href))
        z.writestr(href, to_qti_xml(quiz, assessment_id))
    return buf.getvalue()


# --- JSON and Markdown -------------------------------------------------------------------------------------------

def to_json(quiz: Quiz) -> str:
    doc = {"format": "imaging-tutor-quiz", "version": EXPORT_VERSION,
           **quiz.model_dump(mode="json", exclude={"rejections"})}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def to_markdown(quiz: Quiz) -> str:
    """Questions first (options lettered), then an answer key with explanation quotes and citations."""
    lines = [f"# {one_line(quiz.title) or 'Quiz'}", "",
             f"Course: {quiz.course_id} v{quiz.course_version} · {len(quiz.items)} questions", "", "## Questions", ""]
    for n, it in enumerate(quiz.items, 1):
        unit = " (answer in %)" if it.numeric is not None and it.numeric.unit == "%" else ""
        pad = " " * len(f"{n}. ")  # what stays inside item n ("10. " needs four spaces, "9. " three)
        lines.append(f"{n}. ({it.type}, {it.level}) {it.prompt}{unit}")
        for k, o in enumerate(it.options):
            lines.append(f"{pad}- {chr(65 + k)}. {o}")
        lines.append("")
    lines += ["## Answer key", ""]
    for n, it in enumerate(quiz.items, 1):
        letter = f"{chr(65 + it.options.index(it.answer))}. " if it.answer in it.options and it.type == "mcq" else ""
        pad = " " * len(f"{n}. ")
        lines.append(f"{n}. **{letter}{it.answer}**")
        for k, step in enumerate(it.solution, 1):
            lines.append(f"{pad}{k}) {step}")
        # The source line is a paragraph of its own: right after the quote it would join the quote.
        lines += [f"{pad}> {it.citation.quote}", "", f"{pad}— section {it.citation.ref}, {it.citation.section_title}", ""]
    return "\n".join(lines)


def export_quiz(quiz: Quiz, fmt: str) -> tuple[str, bytes]:
    """(safe filename, file bytes) for a quiz in one of FORMATS."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    if not quiz.items:
        raise InvalidInput("the quiz has no items to export")
    name = safe_filename(quiz.title or quiz.id, FORMATS[fmt])
    if fmt == "gift":
        return name, to_gift(quiz).encode("utf-8")
    if fmt == "qti":
        return name, to_qti_zip(quiz)
    if fmt == "json":
        return name, to_json(quiz).encode("utf-8")
    return name, to_markdown(quiz).encode("utf-8")


def write_export(quiz: Quiz, fmt: str, path: str | Path) -> Path:
    """Write an export to path; a directory gets the quiz's safe filename inside it. Written whole or not at all."""
    name, data = export_quiz(quiz, fmt)
    target = Path(path)
    if target.is_dir():
        target = target / name
    if not target.parent.is_dir():
        raise InvalidInput(f"folder {target.parent} does not exist")
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target
