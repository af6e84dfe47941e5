"""Requests about the last answer itself: hear it again ("can you repeat that?"), get it in short ("tl;dr?"), or
be shown where it comes from ("are you sure?", "source?"); and about the conversation: what it has covered so far.

Read as questions, both were answered with *other* sentences of the topic (a follow-up gives what the conversation
has not said yet), so "repeat that" said something new and "in one sentence?" gave a side example. A request counts
only when every word of the message belongs to such a request: "summarize chapter 3", "in one sentence, what is
PPV?" or "what did you say about triage earlier?" name something of their own and are read as before. The words are
English request forms, the same on every course.
"""
from __future__ import annotations

import re
from typing import Literal

from ..text import words
from .extractive import leans_on_previous
from .schemas import Answer, AnswerSentence, Citation

Recap = Literal["repeat", "summary", "source"]
NOTHING_TO_RECAP = ("There is no answer to repeat or shorten yet. Ask me a question about the course, and then "
                    "“repeat that” or “in one sentence?” works on my answer.")
SUMMARY_MAX_SENTENCES = 2  # the sentence that says it most, with the one it leans on when it points back

_POLITE = frozenset("""can could would will you u please pls plz me for us so ok okay just sorry the a an that it this
what what's whats was is are did your yours last answer again i oh hm hmm um well quickly quick give tell let""".split())
_REPEAT_WORDS = _POLITE | frozenset("repeat say said come pardon once more one time missed catch hear didn't didnt".split())
_SUMMARY_WORDS = _POLITE | frozenset("""summary summarize summarise summarized sum up tl dr tldr in nutshell gist short
shorter version one single sentence line few words boil down key main point points bottom shorten condense brief
briefly of to make most important thing things part takeaway takeaways idea ideas message lesson""".split())
_REPEAT = re.compile(r"\brepeat\b|\bagain\b|\bpardon\b|\bonce more\b|\bone more time\b|\bwhat did you say\b|"
                     r"\bdidn'?t catch\b|\bmissed that\b", re.I)
_SUMMARY = re.compile(r"\bsumm?ar(?:y|i[sz]e)\b|\bsum (?:\w+ )?up\b|\btl;? ?dr\b|\bnutshell\b|\bgist\b|\bin short\b|"
                      r"\bshort(?:er)? version\b|\bin (?:one|a single|1|a few) (?:sentence|line|word)s?\b|"
                      r"\bboil (?:\w+ )?down\b|\b(?:key|main) (?:points?|ideas?|message|lessons?|takeaways?)\b|\btakeaways?\b|"
                      r"\bmost important (?:thing|point|part|idea|message|lesson)s?\b|\bbottom line\b|\bshorten\b|"
                      r"\bcondense\b|\bbriefly\b", re.I)

# Doubting the answer or asking where it comes from: the tutor can only show the course's own words again.
_SOURCE_WORDS = _POLITE | frozenset("""are you sure really that's that is not right wrong incorrect correct
mistaken don't dont think so source sources where does it say from did get says who prove how know citation citations
reference references you're youre seriously quote totally do""".split())
_SOURCE = re.compile(r"\bare you sure\b|^\W*really\W*$|\b(?:that'?s|that is|you'?re|you are) (?:not right|wrong|"
                     r"incorrect|not correct|mistaken)\b|\bi don'?t think so\b|\bsources?\b|\bwhere (?:does it say|"
                     r"is (?:that|this|it) from|did you get)\b|\bsays who\b|\bprove it\b|\bhow do you know\b|"
                     r"\bcitations?\b|\breferences?\b", re.I)
SOURCE_LEAD = "I answer only from the course, and that answer comes from {where}. In the course's words:"


def request_words(message: str) -> list[str]:
    """The message's words as the request rules read them (curly apostrophes straightened, quotes trimmed)."""
    return [w.strip("'") for w in words(message.replace("’", "'"))]


def recap_request(message: str) -> Recap | None:
    """'repeat', 'summary' or 'source' when the whole message asks to hear the last answer again, in short, or from
    where it comes; else None."""
    text = message.replace("’", "'").replace("tl;dr", "tldr").replace("TL;DR", "tldr")
    ws = request_words(text)
    if not ws or len(ws) > 12:
        return None
    if _SUMMARY.search(text) and all(w in _SUMMARY_WORDS for w in ws):
        return "summary"
    if _REPEAT.search(text) and all(w in _REPEAT_WORDS for w in ws):
        return "repeat"
    if _SOURCE.search(text) and all(w in _SOURCE_WORDS for w in ws):
        return "source"
    return None


def short_version(previous: Answer, course) -> Answer:
    """The last answer in short: its lead, the sentence the answer was built around (the composer puts it first,
    after the sentence it points back to, so "That is PPV." comes with its question); its own words and citations."""
    if len(previous.sentences) <= 1:
        return previous.model_copy(deep=True)
    chosen, citations = _lead(previous, course)
    text = " ".join(f"{s.text} {' '.join(f'[{r}]' for r in s.refs)}" for s in chosen)
    return Answer(status="answered", answer=text, citations=citations, sentences=chosen, writer=previous.writer)


def with_source(previous: Answer, course) -> Answer:
    """The sections the last answer came from, named, and its lead in the course's words: what the tutor can say
    to "are you sure?" (it has nothing but the course to check against)."""
    if not previous.sentences:
        return previous.model_copy(deep=True)
    chosen, citations = _lead(previous, course)
    refs = list(dict.fromkeys(c.ref for c in previous.citations)) or [c.ref for c in citations]
    where = " and ".join(f"{ref} “{course.section(ref).section_title}”" for ref in refs[:3])
    text = SOURCE_LEAD.format(where=where) + " " + " ".join(f"{s.text} {' '.join(f'[{r}]' for r in s.refs)}"
                                                            for s in chosen)
    return Answer(status="answered", answer=text, citations=citations, sentences=chosen, writer=previous.writer)


def _lead(previous: Answer, course) -> tuple[list[AnswerSentence], list[Citation]]:
    """The answer's lead sentence (with the one it points back to) and a citation per section it reads from."""
    said = previous.sentences
    keep = 2 if len(said) > 1 and leans_on_previous(said[1].text) else 1
    chosen: list[AnswerSentence] = list(said[:min(keep, SUMMARY_MAX_SENTENCES)])
    citations: list[Citation] = []
    for s in chosen:
        for ref in s.refs:
            if any(c.ref == ref for c in citations):
                continue
            section = course.section(ref)
            earlier = next((c for c in previous.citations if c.ref == ref), None)
            # the quote is the sentence itself when it is the course's own (extractive); an LLM's sentence keeps the
            # passage its verified citation quoted
            citations.append(Citation.of(section, s.text, earlier.score if earlier else 0.0)
                             if s.text in section.text or earlier is None else earlier)
    return chosen, citations


# --- the conversation so far ("what did we talk about?", "recap our chat") ----------------------------------------
# Read before the last-answer requests above: "summarise our conversation" asks for the conversation, not the last
# answer in short. English request forms, the same on every course.
_DONE = (r"(?:talk(?:ed|ing)? about|discuss(?:ed|ing)?|cover(?:ed)?|go(?:ne)? over|went over|look(?:ed)? at|"
         r"ask(?:ed)?(?: (?:about|you))?|learn(?:ed|t)?|done|do|did|explain(?:ed)?|touch(?:ed)? on|gone through|been through)")
_SO_FAR = re.compile(
    rf"\b(?:what|wat|which) (?:did|have|'ve) (?:we|i|you) (?:\w+ )?{_DONE}\b|"  # not "what do we do now?"
    rf"\b(?:what|wat|which) (?:topics|questions|things|sections|stuff) (?:did|have|'ve) (?:we|i|you) (?:\w+ )?\w+|"
    rf"\b(?:what|which) (?:things|topics|questions) (?:we|i)(?: have|'ve)? (?:\w+ )?{_DONE}\b|"
    r"\b(?:recap|summar(?:y|i[sz]e)|sum up|wrap up|review|overview|list)(?: of)? (?:(?:our|the|this|my) (?:conversation|"
    r"convo|chat|session|discussion)|(?:our|my) questions|everything|(?:the )?(?:questions|topics|things) (?:we|i))\b|"
    rf"\b(?:recap|summar(?:y|i[sz]e)|sum up|wrap up|list)(?: of)? (?:everything |all )?(?:what|that) (?:we|i)(?: have|'ve)? "
    rf"(?:\w+ )?{_DONE}\b|"
    r"\bwhat (?:were|are) (?:we|my) (?:discussing|talking about|questions)\b|\bwhere were we\b|"
    r"\bwhat(?:'s|s| has| have) been (?:covered|discussed|asked)\b|"
    rf"\bremind me (?:of )?what (?:we|i) (?:\w+ )?{_DONE}\b", re.I)
_SO_FAR_WORDS = _POLITE | frozenset("""what wat which did have we i you talk talked talking about discuss discussed
discussing cover covered go gone went over look looked at ask asked learn learned learnt done do explain explained
topics questions things sections stuff recap summary summarize summarise sum up wrap review overview list of our the
this my conversation convo chat session discussion remind so far today earlier until now yet up to here all in
everything we've i've ive weve been through touched on already point whats brief sorry got distracted lost track
where were are before go lol with a""".split())
SO_FAR_NONE = ("We haven't looked at anything in this conversation yet. Ask me a question about the course, and I'll "
               "keep track of the topics we cover.")
SO_FAR_MAX = 10  # the most recent topics listed


def asks_conversation_recap(message: str) -> bool:
    """Whether the whole message asks what the conversation has covered so far."""
    ws = request_words(message)
    return bool(ws) and len(ws) <= 14 and bool(_SO_FAR.search(message.replace("’", "'"))) \
        and all(w in _SO_FAR_WORDS for w in ws)


def conversation_recap(answered: list[tuple[str, Answer]], course) -> Answer:
    """The topics of a conversation's answered turns (`answered`: each turn's question and its answer, oldest
    first), one line each with the section its answer cited first and that answer's own quote; chat-quiz turns and
    repeats of a topic are left out."""
    lines, citations, sentences, seen = [], [], [], set()
    for question, previous in answered:
        if previous.status != "answered" or previous.quiz or not previous.citations:
            continue
        subject = (previous.subject or question).strip()
        key = " ".join(request_words(subject))
        first = previous.citations[0]
        if key in seen or not course.has_ref(first.ref):
            continue
        seen.add(key)
        title = course.section(first.ref).section_title
        line = f"“{subject}”: {first.ref} “{title}” [{first.ref}]"
        lines.append(line)
        citations.append(first)
        sentences.append(AnswerSentence(text=line, refs=[first.ref]))
    if not lines:
        return Answer(status="small_talk", answer=SO_FAR_NONE)
    lines, citations, sentences = lines[-SO_FAR_MAX:], citations[-SO_FAR_MAX:], sentences[-SO_FAR_MAX:]
    text = ("So far we have looked at:\n\n" + "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))
            + "\n\nAsk about any of them again, or say “quiz me” to practise what we just discussed.")
    return Answer(status="answered", answer=text, citations=citations, sentences=sentences)


# --- "that didn't help", "this is useless": a complaint about the answer ------------------------------------------
# Read as a question it was refused as not covered. English forms of complaint, the same on every course; "I don't
# get it" and "that makes no sense" ask for it explained again (the acts model's clarify), "that's wrong" for the
# source (above).
_COMPLAINT = re.compile(
    r"\b(?:(?:that|this|it|you|your answer)(?:'s| is| was| were|'re| are)? (?:(?:did ?n'?t|did not|does ?n'?t|does not|"
    r"was ?n'?t|was not|is ?n'?t|is not|are ?n'?t|are not|not) (?:help(?:ful|ing)?|useful|(?:really|very) help(?:ful)?|"
    r"(?:what|the thing) i (?:asked|meant|wanted)|answer(?:ing)? (?:my|the) question)|(?:use|help|point)less|unhelpful|"
    r"rubbish|garbage|no help)|thats not what i (?:asked|meant|wanted)|(?:not |un)helpful|useless|"
    r"(?:not|never) what i (?:asked|meant|wanted)|(?:did ?n'?t|did not|does ?n'?t|does not) answer (?:my|the) question|"
    r"(?:bad|poor|terrible|awful|useless) answer|(?:you're|you are) (?:not helping|no help|useless|dodging)|"
    # "that's not it", "not my question", "no use", "a waste of time", "totally off", "that misses what I asked"
    r"(?:that's|that is|thats|nope,?) not it$|\bnot (?:my question|what i was asking(?: about)?|an answer to my question)|"
    r"(?:that|it|this|the answer|that answer) (?:was|is|'s) (?:no use|of no use|a waste of (?:time|space))|"
    r"(?:was|is|were|are) ?n'?t what i (?:was )?(?:asking|asked|meant|wanted)(?: about| for)?|"
    r"(?:totally|completely|way) off|miss(?:es|ed) what i (?:asked|meant)|doesn't answer anything|"
    r"(?:just )?repeated (?:the same thing|yourself))\b", re.I)
_COMPLAINT_WORDS = _POLITE | frozenset("""that this it you your answer s is was were re are did didn didnt don dont
doesn doesnt does not n t help helpful helping useful really very at all what i asked meant wanted the thing answer
answering my question useless helpless pointless wasn isn aren wasnt isnt arent unhelpful rubbish garbage no never bad
poor terrible awful honestly totally completely kind of sort ugh meh hmm well sorry but man mate lol thats tbh tho
though seriously frankly to be honest nope an no use waste time off way dodging misses missed entirely asking just
repeated same yourself anything pretty quite about for""".split())
COMPLAINT_REPLY = ("Sorry that didn't help. I can only give the course's own sentences, so try asking it another way "
                   "or naming the part that is unclear, ask for an example, or say “source?” to see where it comes from "
                   "in the course.")
COMPLAINT_FIRST = "Sorry about that. Ask me a question about the course, and I'll answer from its own text."


def complains(message: str) -> bool:
    """Whether the whole message complains that the answer did not help ("that didn't help", "this is useless")."""
    text = message.replace("’", "'")
    ws = [w for part in request_words(text) for w in part.split("'")]
    return bool(ws) and len(ws) <= 14 and bool(_COMPLAINT.search(text)) and all(w in _COMPLAINT_WORDS for w in ws)
