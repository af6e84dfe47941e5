"""Requests about where things are in the course: "tell me about chapter 3", "what's in section 4.3?", "[2.2]?",
"what chapters are there?", "next section".

Such a message names a place in the course, not a topic: retrieval has nothing to match and the scope guard refuses
it. It is answered from the course's own outline (its headings) and the opening sentences of the place it names, so
a learner can find their way and then ask about what they see. Only a message that is nothing but a place and words
of asking is one ("what does chapter 6 expect of someone like me?" asks about a topic, and goes to retrieval).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..corpus.course import Course, Section
from ..corpus.sentences import sentences as split_sentences
from ..text import FUNCTION_WORDS, NEGATIONS, words
from .recap import request_words
from .schemas import AnswerSentence, Citation, Suggestion

_CHAPTER = re.compile(r"\b(?:chapter|chap|ch|module|unit|lesson)\.?\s*(\d{1,2})\b", re.I)
_SECTION = re.compile(r"(?:\b(?:section|sect|sec)\.?\s*|\[|\b)(\d{1,2})\.(\d{1,2})\b\]?", re.I)
# Words of asking about a place, in any course: what is left once the place is taken out of the message.
_ASKING = frozenset("""
tell say says said talk talks about summary summarise summarize summarised summarized sum overview outline cover
covers covered covering explain describe main key points point ideas idea takeaway takeaways topic topics teach
teaches taught learn learning give list show quick brief briefly recap please pls plz whats what's gist read start
begin beginning contain contains content contents included include includes go goes over chapter chapters section
sections module modules unit units lesson lessons part parts course syllabus table whole entire everything there
organised organized organisation organization structure structured arranged laid layout order first new i'm im ok okay
important things remember know need
""".split())
_OUTLINE = frozenset({"chapters", "outline", "syllabus", "contents", "modules", "units", "lessons"})
# How the learner wants a place told ("summarise chapter 5 in 3 bullet points", "chapter 2 in plain english"): the
# outline and opening sentences are short already, so the form asked for changes nothing about which place it is.
_FORM = frozenset("""bullet bullets bulleted list short shorter simple simply plain english words word sentences
sentence lines line nutshell few couple terms layman laymans layman's eli5 tldr""".split())
# "course" is the course itself only with a word asking what it holds ("what does the course say?" asks about the
# topic under discussion).
_HOLDS = frozenset({"cover", "covers", "about", "teach", "teaches", "learn", "topics", "overview", "summary",
                    "summarise", "summarize", "outline", "contain", "contains", "include", "includes", "organised",
                    "organized", "organisation", "organization", "structure", "structured", "arranged", "laid",
                    "layout", "order", "important", "remember", "takeaway", "takeaways", "know"})
# Where to begin ("where should I start?", "which chapter should I read first?"): the outline, which starts there.
# Inside a conversation only when it names the course or its reading ("first?" after a list asks for its first item,
# "where do I start?" after a topic asks where to start with it).
_START = frozenset({"start", "begin", "beginning"})
_READING = frozenset({"read", "reading", "course", "chapter", "chapters", "section", "sections"})
# A first message that only asks what there is ("give me an overview", "what will I learn?") asks about the course.
_WHOLE = frozenset({"overview", "learn", "summary", "outline", "topics", "syllabus", "structure"})
# Several places in one message ("what is the difference between chapter 4 and chapter 5?", "compare sections 4.3 and
# 4.4", "chapters 1-3"): each place told in turn, side by side. The words of comparing are what may be left over.
_PART = r"(?:chapters?|chaps?|ch|modules?|units?|lessons?)"
_CHAPTER_LIST = re.compile(rf"\b{_PART}\.?\s*(\d{{1,2}})((?:\s*(?:,|and|&|or|vs\.?|versus|with|to|-|–)\s*"
                           rf"(?:(?:the )?{_PART}\.?\s*)?\d{{1,2}}\b(?!\.\d))+)", re.I)
_SECTION_LIST = re.compile(r"\b(?:sections?|sects?|secs?)\.?\s*(\d{1,2}\.\d{1,2})((?:\s*(?:,|and|&|or|vs\.?|versus|"
                           r"with|to)\s*(?:(?:the )?(?:sections?|sects?|secs?)\.?\s*)?\d{1,2}\.\d{1,2}\b)+)", re.I)
COMPARE_WORDS = frozenset("""difference differences different differ differs compare compared comparing comparison vs versus
between relate relates related relation relationship connect connects connected connection link links linked same
similar similarity similarities contrast both each""".split())
MAX_PLACES = 4  # more than this is the outline's job
# "next section", "previous chapter", and the same step the other way round: "which chapter is next?", "what section
# comes after this?"
_STEP = re.compile(r"\b(?P<way>next|following|previous|prev|preceding)\s+(?P<kind>section|chapter)\b|"
                   r"\b(?P<kind2>section|chapter)\s+(?:is|comes|was|came)\s+(?P<way2>next|after (?:this|that|it)|"
                   r"before (?:this|that|it))\b", re.I)
# "what should I read next?", "what do I study after this?", "what else should I read?": the next section after the
# one just discussed (the outline, before anything is): a learner's verb of reading on, and nothing else of its own.
_READ_ON = re.compile(r"\b(?:i|me)\b.*\b(?:read|study|learn|look at|move on to|tackle)\b(?: \w+){0,2}? (?:next|from here|"
                      r"after (?:this|that))\b|"  # a learner's reading, not a team's "what should we do next?"
                      r"\bwhat else\b.*\b(?:i|me)\b.*\b(?:read|study|learn|look at|tackle)\b", re.I)
_READ_ON_WORDS = frozenset("read study learn look move tackle next here after else now".split())
_POINTED = re.compile(r"\b(?:in|of|about|summari[sz]e|explain|cover|read|recap|overview)\s*$", re.I)
_GO = frozenset({"go", "move", "on", "onto", "continue", "ok", "okay", "now", "then", "next", "let", "lets", "let's"})
OPENING_SENTENCES = 3  # enough to say what a place is about, short enough to invite a question


@dataclass(frozen=True)
class Place:
    """Where a message points: a chapter, a section, or the whole course's outline."""

    kind: str  # "chapter" | "section" | "outline"
    number: int = 0  # the chapter asked about
    ref: str = ""  # the section asked about
    step: int = 0  # "next section" (+1), "previous chapter" (-1): relative to where the conversation is
    also: tuple["Place", ...] = ()  # the other places a message names beside this one ("chapter 4 and chapter 5")


def place_of(message: str, in_conversation: bool = False, chapter_filter: int | None = None) -> Place | None:
    """The place a message asks about, when it asks about nothing else. A bare number ("4.3") is a section only
    outside a conversation and after a word that points at it ("what's in 4.3", "summarise 4.3"): "and 1.0?" after
    a question about an AUC of 0.5 asks about a value. With a chapter chosen, "this chapter" is that one."""
    found: Place | None = None
    rest = message
    several = _places_named(message)
    if several is not None:
        places, rest = several
        if [w for w in words(rest.replace("'s", " is")) if w not in FUNCTION_WORDS and w not in _ASKING
                and w not in COMPARE_WORDS and w not in _FORM and not (w.isdigit() and int(w) <= 10)]:
            return None
        if len(places) > MAX_PLACES:
            return Place("outline")
        return Place(places[0].kind, places[0].number, places[0].ref, also=tuple(places[1:]))
    if _READ_ON.search(message) and not [w for w in words(message.replace("'s", " is")) if w not in FUNCTION_WORDS
                                         and w not in _ASKING and w not in _GO and w not in _READ_ON_WORDS]:
        return Place("section", step=1) if in_conversation else Place("outline")
    step = _STEP.search(message)
    if step:
        rest = message[:step.start()] + " " + message[step.end():]
        if [w for w in words(rest) if w not in FUNCTION_WORDS and w not in _ASKING and w not in _GO]:
            return None
        kind, way = (step["kind"] or step["kind2"]).lower(), (step["way"] or step["way2"]).lower()
        return Place(kind, step=-1 if way.startswith(("prev", "preceding", "before")) else 1)
    section = _SECTION.search(message)
    if section and not section.group(0).lower().startswith(("sec", "[")) and (
            in_conversation or not _POINTED.search(message[:section.start()])):
        section = None
    chapter = _CHAPTER.search(message)
    if section and (section.group(0).lower().startswith(("sec", "[")) or not chapter):
        found = Place("section", int(section.group(1)), f"{int(section.group(1))}.{int(section.group(2))}")
        rest = message[:section.start()] + " " + message[section.end():]
    elif chapter:
        found = Place("chapter", int(chapter.group(1)))
        rest = message[:chapter.start()] + " " + message[chapter.end():]
    left = [w for w in words(rest.replace("'s", " is")) if w not in FUNCTION_WORDS and w not in _ASKING
            and not (found is not None and (w in _FORM or (w.isdigit() and int(w) <= 10)))]
    if left:
        return None
    if found is not None:
        return found
    said = set(words(message))
    if chapter_filter is not None and "chapter" in said:
        return Place("chapter", chapter_filter)
    if in_conversation and _points_back(_asking_words(message)):
        return None  # "what does the course say about that?" asks about the topic under discussion, not the outline
    starts = bool(_START & said) or ("first" in said and bool(_READING & said))
    if _OUTLINE & said or ("course" in said and _HOLDS & said) or (starts and (not in_conversation or _READING & said)):
        return Place("outline")
    return Place("outline") if not in_conversation and _WHOLE & said else None


def asks_where_to_start(message: str) -> bool:
    """Whether a message only asks where to begin ("where should I start?", "what do I read first?")."""
    said = set(words(message))
    starts = bool(_START & said) or ("first" in said and bool(_READING & said))
    return starts and not [w for w in words(message.replace("'s", " is")) if w not in FUNCTION_WORDS
                           and w not in _ASKING]


def _places_named(message: str) -> tuple[list[Place], str] | None:
    """The places a message names when it names two or more (chapters, and sections named as sections), and the
    message without them; a range ("chapters 1-3") names each chapter in it."""
    places: list[Place] = []
    rest = message
    for pattern, kind in ((_SECTION_LIST, "section"), (_CHAPTER_LIST, "chapter")):
        for m in pattern.finditer(rest):
            if kind == "section":
                for ref in (m.group(1), *re.findall(r"\d{1,2}\.\d{1,2}", m.group(2))):
                    chapter, section = map(int, ref.split("."))
                    places.append(Place("section", chapter, f"{chapter}.{section}"))
            else:
                numbers = [int(m.group(1)), *map(int, re.findall(r"\d{1,2}", m.group(2)))]
                if len(numbers) == 2 and re.search(r"\d\s*(?:to|-|–)\s*", m.group(0)) and numbers[0] < numbers[1]:
                    numbers = list(range(numbers[0], numbers[1] + 1))
                places += [Place("chapter", n) for n in numbers]
        rest = pattern.sub(" ", rest)
    for m in _CHAPTER.finditer(rest):
        places.append(Place("chapter", int(m.group(1))))
    rest = _CHAPTER.sub(" ", rest)
    unique = list(dict.fromkeys(places))
    return (unique, rest) if len(unique) >= 2 else None


def from_here(place: Place, course: Course, here: str | None) -> Place | None:
    """A relative place ("next section") made absolute from the section the conversation is at (None when there is
    no such place: nothing read yet, or past the course's first or last)."""
    if not place.step:
        return place
    if here is None or not course.has_ref(here):
        return None
    if place.kind == "chapter":
        numbers = [c.number for c in course.chapters]
        at = numbers.index(course.section(here).chapter) + place.step
        return Place("chapter", numbers[at]) if 0 <= at < len(numbers) else None
    refs = [s.ref for s in course.sections]
    at = refs.index(here) + place.step
    if not 0 <= at < len(refs):
        return None
    return Place("section", course.section(refs[at]).chapter, refs[at])


def first_place(place: Place, course: Course) -> Place:
    """Where a step forward leads when nothing has been read: the course's first chapter or first section."""
    if place.kind == "chapter":
        return Place("chapter", course.chapters[0].number)
    first = course.sections[0]
    return Place("section", first.chapter, first.ref)


def _opening(section: Section, n: int = OPENING_SENTENCES) -> list[str]:
    """The first sentences of a section's first paragraph(s)."""
    out: list[str] = []
    for paragraph in section.paragraphs:
        for sentence in split_sentences(paragraph):
            if len(out) < n:
                out.append(sentence)
    return out


def intro_section(course: Course, number: int) -> Section:
    """A chapter's opening section (its N.0 when it has one)."""
    chapter = course.chapter(number)
    return next((s for s in chapter.sections if s.section == 0), chapter.sections[0])


def chapter_named(message: str, course: Course) -> int | None:
    """The course chapter a message names ("before chapter 4", "ch. 2's quiz"), None when it names none or one the
    course lacks."""
    found = _CHAPTER.search(message)
    if found is None:
        return None
    number = int(found.group(1))
    return number if number in {c.number for c in course.chapters} else None


@dataclass(frozen=True)
class Overview:
    """What to say about a place: the text, its sentences with their sections, and the citations."""

    found: bool
    text: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    about: str  # what a follow-up turn leans on: the place's title
    suggestions: tuple[Suggestion, ...] = ()  # where to go next: the place's sections


def overview(place: Place, course: Course) -> Overview:
    """The outline of a place and the course's own opening sentences of it, every line tied to its section."""
    numbers = [c.number for c in course.chapters]
    if place.also:  # several places, each told in turn
        told = [overview(p, course) for p in (Place(place.kind, place.number, place.ref), *place.also)]
        missing = next((t for t in told if not t.found), None)
        if missing is not None:
            return missing
        return Overview(True, "\n\n".join(t.text for t in told), [s for t in told for s in t.sentences],
                        [c for t in told for c in t.citations], " and ".join(t.about for t in told),
                        tuple(t.suggestions[0] for t in told if t.suggestions)[:3])
    if place.kind == "outline":
        # The headings themselves, each marked with its chapter's opening section (a click opens it there).
        lines = [f"{c.number}. {c.title} [{intro_section(course, c.number).ref}]" for c in course.chapters]
        citations = [Citation.of(intro_section(course, n), _opening(intro_section(course, n), 1)[0]) for n in numbers]
        text = (f"“{course.title}” has {len(numbers)} chapters:\n\n" + "\n".join(lines)
                + f"\n\nAsk about any of them, e.g. “tell me about chapter {numbers[0]}”.")
        return Overview(True, text, [], citations, course.title)
    if place.number not in numbers or (place.kind == "section" and not course.has_ref(place.ref)):
        what = f"section {place.ref}" if place.kind == "section" else f"chapter {place.number}"
        listed = ", ".join(f"{c.number} “{c.title}”" for c in course.chapters)
        return Overview(False, f"The course has no {what}. Its chapters are {listed}.", [], [], "")
    if place.kind == "section":
        section = course.section(place.ref)
        head = (f"Section {section.ref} “{section.section_title}” is in chapter {section.chapter} "
                f"“{section.chapter_title}”. It begins:")
        chosen = [(section, s) for s in _opening(section)]
        about = section.section_title
        later = [s for s in course.chapter(section.chapter).sections if s.section > section.section]
        nexts = [Suggestion(ref=s.ref, section_title=s.section_title) for s in later[:1]]
    else:
        chapter = course.chapter(place.number)
        parts = "; ".join(f"{s.ref} {s.section_title}" for s in chapter.sections if s.section != 0)
        head = (f"Chapter {chapter.number} “{chapter.title}” has these sections: {parts}. It begins:" if parts
                else f"Chapter {chapter.number} “{chapter.title}” begins:")
        first = (intro_section(course, place.number), *chapter.sections)
        intro = next((s for s in first if _opening(s)), chapter.sections[0])  # an intro with text
        chosen = [(intro, s) for s in _opening(intro)]
        about = chapter.title
        nexts = [Suggestion(ref=s.ref, section_title=s.section_title) for s in chapter.sections if s.section != 0]
    sentences = [AnswerSentence(text=s, refs=[sec.ref]) for sec, s in chosen]
    body = " ".join(f"{s} [{sec.ref}]" for sec, s in chosen)
    return Overview(True, f"{head}\n\n{body}", sentences, [Citation.of(chosen[0][0], chosen[0][1])], about,
                    tuple(nexts[:3]))


# "is that covered?", "is that in the course?", "which chapter is that in?": whether the topic just discussed is in
# the course at all, and where. English frames, no course's words: a verb that says a text holds something (alone),
# or a weaker one with a word naming the course or a part of it ("in the course", "talked about anywhere").
_HOLDS_STRONG = frozenset("""cover covers covered covering mention mentions mentioned discuss discusses discussed
discussing address addresses addressed include includes included""".split())
_HOLDS_WEAK = frozenset("""in on about explain explains explained talk talks talked taught teach teaches learn part dealt
deal deals there read touch touches touched one""".split())
_COURSE_PART = frozenset("""course courses chapter chapters section sections module modules lesson lessons unit units
material materials syllabus anywhere somewhere elsewhere""".split())
_FILLER = frozenset("""ok okay hmm hm um oh ah so then thanks thank cool right really actually at all anything any
either else though whereabouts exactly nah huh guess bit something tell me if can find know wonder wondering""".split())
# Chat spellings of asking words ("r we taught that?", "thats not in the course?").
_CHAT = {"u": "you", "r": "are", "ur": "your", "thats": "that", "whats": "what", "wheres": "where", "abt": "about",
         "bout": "about", "isnt": "is", "doesnt": "does", "dont": "do"}
_WHERE = frozenset({"which", "where", "what"})
_POINTS_BACK = frozenset({"it", "that", "this", "they", "them", "those", "these"})
_CONTENT_OPENERS = frozenset({"what", "how", "why", "who", "whom", "whose"})


def asks_if_covered(message: str) -> bool:
    """Whether a message only asks if the topic before it is in the course, or where ("is that covered?", "so it's not
    in the course?", "which chapter is that in?"): no words of its own beyond asking, pointing back and naming the
    course. "does the course cover federated learning?" names its own topic and "what does it cover?" asks what a
    thing holds: neither is one."""
    ws = _asking_words(message)
    if not ws or len(ws) > 12:
        return False
    allowed = FUNCTION_WORDS | NEGATIONS | _HOLDS_STRONG | _HOLDS_WEAK | _COURSE_PART | _FILLER
    if any(w not in allowed and w not in ("n", "") for w in ws):
        return False
    said = set(ws)
    at = next((i for i, w in enumerate(ws) if w not in _FILLER), 0)
    if ws[at] in _CONTENT_OPENERS and (at + 1 >= len(ws) or ws[at + 1] not in _COURSE_PART):
        return False  # "what is in that section?" asks what it holds; "what chapter is that in?" where
    back = _points_back(ws)
    holds = (bool(said & _HOLDS_STRONG) or bool(said & _HOLDS_WEAK and said & _COURSE_PART)
             or bool(back and said & _WHERE and said & _COURSE_PART))  # "which section is that?"
    return holds and (back or len(ws) <= 4)


def _asking_words(message: str) -> list[str]:
    """The request rules' words (recap.request_words), "n't" and clitics cut off, chat spellings read as words."""
    return [_CHAT.get(w, w) for w in (w.replace("n't", "").split("'")[0] for w in request_words(message))]


def _points_back(ws: list[str]) -> bool:
    """A word pointing back at what was said ("is that covered?"), not one naming the course ("this course")."""
    return any(w in _POINTS_BACK and (i + 1 == len(ws) or ws[i + 1] not in _COURSE_PART) for i, w in enumerate(ws))


def asks_where(message: str) -> bool:
    """Whether a coverage question asks where ("which chapter is that in?") rather than whether ("is that covered?")."""
    return bool(set(_asking_words(message)) & _WHERE)


# Words that ask where something can be read, beside a part of the course or a verb saying a text holds it.
_READ_WHERE = frozenset({"read", "learn", "find", "look", "study"})


def asks_where_named(message: str) -> bool:
    """Whether a question about a topic of its own asks where the course has it ("which chapter talks about PPV?",
    "what section covers drift?", "where in the course is de-identification?", "where can I read about bias?"):
    its answer then says where first. English frames only, as asks_if_covered."""
    ws = _asking_words(message)
    if any(w in ("which", "what") and nxt in _COURSE_PART for w, nxt in zip(ws, ws[1:])):
        return True
    return "where" in ws and bool(set(ws) & (_COURSE_PART | _HOLDS_STRONG | _READ_WHERE))


def where_it_is(ref: str, course: Course, opening: str = "It is in") -> str:
    """"It is in chapter 4, section 4.3 “PPV, NPV and prevalence” [4.3].": a section's place in the course, by its
    title, after `opening` ("Yes. The course covers it in" for "is that covered?")."""
    section = course.section(ref)
    return f"{opening} chapter {section.chapter}, section {ref} “{section.section_title}” [{ref}]."


def pointer_of(message: str) -> str | None:
    """The word a coverage question points back with ("that" in "is that covered?"), if any."""
    ws = _asking_words(message)
    return next((w for i, w in enumerate(ws) if w in _POINTS_BACK and _points_back(ws[i:i + 2])), None)
