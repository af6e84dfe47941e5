"""A greeting, an acknowledgement, an apology or digression, or an announced question that opens a message ("Hi, what
is PPV?", "Good morning. We run …", "ok thanks. what is NPV?", "sorry, …", "btw …", "quick question: …"), and a
courtesy or an aside that closes it ("… thanks!", "… please", "… lol", "… (I'm new to this)"), and emoji at either
edge, are read without them.

A greeting says nothing about what is asked, yet read as part of the question it moves the scope guard, the medical
model and retrieval: prefixing the held-out grounding questions with "Good morning." took first citations 0.894 ->
0.840 and clinician replies 0.007 -> 0.021; "hi! quick question - " 0.894 -> 0.872 (0.851 with the greeting alone
removed); "thanks!" last 0.883. Measured the same way on 2026-12-06: "ok thanks. " first 0.862, "great, " 0.862
(false refusals 0.011 -> 0.032), "got it, thanks! " 0.872, "sorry, " 0.862, "btw " 0.830, "I was wondering, " 0.851
(false refusals 0.064), "hmm, " 0.872, "excuse me, " 0.851; after it, " lol" 0.872, " (I'm new to this)" 0.851,
" tia" 0.872 (" just curious" 0.904: read off all the same, it says nothing); "Tutor, " 0.840, "quick q: " 0.851,
"help! " 0.862, "can you tell me " 0.872 -> 0.883 and "I'd like to know " 0.872 -> 0.883 (only a wh- question after
them is read off: the rest of the set's questions do not open with one). On a second file, the 149 answerable
questions of evals/calibration/guard.jsonl, the same openings and asides took 0.946 to 0.893-0.933 (false refusals
0 -> 0.027); read off, 0.946 with each. An emoji before the question: 0.872 (out of scope refused 0.960), read
off 0.894 (0.980). "also, " and "so " changed nothing
that mattered and are left in; " asking for a friend" (0.840) and " in simple terms" say something about the asking
and are left in too. All are closed-class English, the same for every course; a message that is only a greeting or
a thank-you ("hi there!", "ok thanks") is left whole for small talk.
"""
from __future__ import annotations

import re

_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|howdy|greetings|yo|good (?:morning|afternoon|evening|day))"
    r"(?:\s+(?:there|all|everyone|folks|team|tutor|bot))?|dear (?:tutor|bot|sir|madam|team)|tutor|bot)"
    r"\s*(?:[,!.:;]+|\s[-–—]+)\s*(?=\S)", re.IGNORECASE)
_ANNOUNCED = re.compile(
    r"^\s*(?:(?:i (?:have|had|'ve got) |i've |got |just )?(?:a |one |another |one more |a few )?"
    r"(?:(?:quick|small|simple|short|silly|dumb|stupid|basic|general|random) )?(?:questions?|qs?|qn)(?: for you)?"
    r"|(?:can|could|may) i ask (?:you )?(?:something|a question)\??)"
    r"\s*(?:[,!.:;?]+|\s[-–—]+)\s*(?=\S)", re.IGNORECASE)
# "ok thanks. what is NPV?", "great, and specificity?", "got it - why?": a reply to the last answer before the next
# question. Separated from it by a mark, or (only the unambiguous ones) followed by a word that opens a question.
# Never a word that can answer a chat-quiz question ("yes, because …", "right", "sure", "fine", "good").
_THANKS = r"(?:thanks|thank you|thx|ty|cheers)(?: (?:so much|a lot|very much))?"
_ACK = re.compile(
    r"^\s*(?:(?:(?:ok(?:ay)?|alright|all right|great|cool|nice|perfect|awesome|excellent|brilliant|lovely|"
    r"interesting|wow|oh|ah|aha|i see|got it|gotcha|makes sense|that makes sense|understood|super|neat|no worries)"
    rf"(?:\s*[,!.]?\s*{_THANKS})?|{_THANKS})(?:\s*[,!.:;]+|\s[-–—]+)"
    rf"|(?:ok(?:ay)?|{_THANKS})\s+(?=(?:what|how|why|when|where|which|who|can|could|is|are|does|do|should|and|so|"
    r"explain|tell)\b))\s*(?=\S)", re.IGNORECASE)
# "sorry, what is PPV?", "btw how is drift caught?", "I was wondering, who signs off?", "hmm, and NPV?": an opening
# that apologises, digresses or hesitates, and asks nothing itself.
_OPENER = re.compile(
    r"^\s*(?:(?:(?:sorry|apologies)(?: (?:if|for) (?:this is |it's |its |asking )?(?:such )?(?:a |an )?(?:dumb|silly|"
    r"stupid|basic|naive|obvious|newbie|beginner|beginner's)(?: question)?)?|(?:i was|i'm|im|i am) (?:just )?(?:wondering|"
    r"curious)|just (?:wondering|curious)|out of curiosity|help)(?:\s*(?:[,!.:;]+|\s[-–—]+)(?:\s*but\b)?|\s+(?:but\s+)?"
    r"(?=(?:what|how|why|when|where|which|who|can|could|is|are|does|do|should|about|and)\b))"
    r"|(?:by the way|btw|excuse me|pardon me|hmm+|umm*|uhh*|erm+|lol|haha+|lmao)(?:\s*[,!.:;]+|\s[-–—]+|\s))\s*(?=\S)",
    re.IGNORECASE)
# "can you tell me what PPV is?", "I'd like to know how drift is caught": a request that wraps the question it asks.
_WRAPPER = re.compile(
    r"^\s*(?:(?:can|could|would) you (?:please )?(?:tell|explain to|show) me|(?:i'd|i would|i) (?:like|want|need) to "
    r"(?:know|understand)|do you know|(?:please )?tell me)\s+(?=(?:what|how|why|when|where|which|who|whether|if)\b)",
    re.IGNORECASE)
# "🤔 what is PPV?", "what is PPV? 🙏": emoji around the words, saying nothing the words do not.
_EMOJI = r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]"
_EMOJI_EDGES = re.compile(rf"^(?:\s*{_EMOJI})+\s*|\s*(?:{_EMOJI}\s*)+$")
_ONLY_THANKS = re.compile(rf"{_THANKS}\s*[.!?:)]*\s*$", re.IGNORECASE)  # "great, thanks so much!" stays whole
# "… what is drift? thanks!", "explain PPV please": a closing courtesy after the question.
_COURTESY = re.compile(
    r"(?:(?<=[?.!,])|\s)\s*(?:(?:many |thanks? (?:you )?)?(?:thanks|thank you|thx|cheers)"
    r"(?: (?:so much|a lot|very much|in advance|again))?|tia|please|pls|plz)\s*[.!?:)]*\s*$", re.IGNORECASE)
# "… what is AUC? lol", "… (I'm new to this)", "… just curious": an aside after the question, asking nothing.
_ASIDE = re.compile(
    r"(?:(?<=[?.!,])|\s)\s*\(?\s*(?:lol|haha+|lmao|hehe|:\)|:d|just (?:curious|wondering)|(?:sorry,? )?(?:i'm|im|i am) "
    r"(?:new|a beginner|a newbie) (?:to|at|in) (?:this|all this|the course|ai)|if that makes sense)\s*\)?\s*[.!?:)]*\s*$",
    re.IGNORECASE)
MIN_WORDS_LEFT = 2  # "hi, thanks" is still small talk; "hi, what is drift?" is a question


def without_greeting(message: str) -> str:
    """The message without an opening greeting, acknowledgement, apology and announced question, and without a
    closing courtesy or aside, when what is left has words of its own."""
    rest, before = _without_emoji(message), None
    while rest != before:  # "lol ok what else …": one opening after another
        before = rest
        rest = _without_openings(rest)
    for tail in (_COURTESY, _ASIDE, _COURTESY):  # "… lol thanks", "… thanks lol"
        m = tail.search(rest)
        least = 1 if tail is _ASIDE else MIN_WORDS_LEFT  # "ppv? lol" asks; "ok thanks" is small talk
        if m is not None and len(rest[:m.start()].split()) >= least:
            rest = _without_emoji(rest[:m.start()].rstrip(" ,"))
    return rest


def _without_emoji(text: str) -> str:
    """The text without emoji at its edges, when words are left ("👍" alone is small talk, kept)."""
    bare = _EMOJI_EDGES.sub("", text)
    return bare if re.search(r"\w", bare) else text


def _without_openings(rest: str) -> str:
    for lead in (_GREETING, _ACK, _OPENER, _ANNOUNCED, _WRAPPER):
        m = lead.match(rest)
        # "sorry, ppv" and "hi, ppv?" ask; "hi, thanks" (a thank-you left) and "good morning, everyone" are small talk
        least = 1 if lead in (_ACK, _OPENER, _WRAPPER) or rest.rstrip().endswith("?") else MIN_WORDS_LEFT
        if m is not None and len(rest[m.end():].split()) >= least and not _ONLY_THANKS.match(rest[m.end():]):
            rest = rest[m.end():]
    return rest
