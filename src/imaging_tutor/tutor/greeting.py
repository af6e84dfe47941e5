"""A greeting or an announced question that opens a message ("Hi, what is PPV?", "Good morning. We run …",
"quick question: …"), and a courtesy that closes it ("… thanks!", "… please"), are read without them.

A greeting says nothing about what is asked, yet read as part of the question it moves the scope guard, the medical
model and retrieval: prefixing the held-out grounding questions with "Good morning." took first citations 0.894 ->
0.840 and clinician replies 0.007 -> 0.021; "hi! quick question - " 0.894 -> 0.872 (0.851 with the greeting alone
removed); "thanks!" last 0.883. All are closed-class English, the same for every course; a message that is only a
greeting or a thank-you ("hi there!", "ok thanks") is left whole for small talk.
"""
from __future__ import annotations

import re

_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|howdy|greetings|yo|good (?:morning|afternoon|evening|day))"
    r"(?:\s+(?:there|all|everyone|folks|team|tutor|bot))?|dear (?:tutor|bot|sir|madam|team))"
    r"\s*(?:[,!.:;]+|\s[-–—]+)\s*(?=\S)", re.IGNORECASE)
_ANNOUNCED = re.compile(
    r"^\s*(?:(?:i (?:have|had|'ve got) |i've |got |just )?(?:a |one |another |one more |a few )?"
    r"(?:(?:quick|small|simple|short|silly|dumb|stupid|basic|general|random) )?questions?(?: for you)?"
    r"|(?:can|could|may) i ask (?:you )?(?:something|a question)\??)"
    r"\s*(?:[,!.:;?]+|\s[-–—]+)\s*(?=\S)", re.IGNORECASE)
# "… what is drift? thanks!", "explain PPV please": a closing courtesy after the question.
_COURTESY = re.compile(
    r"(?:(?<=[?.!,])|\s)\s*(?:(?:many |thanks? (?:you )?)?(?:thanks|thank you|thx|cheers)"
    r"(?: (?:so much|a lot|very much|in advance|again))?|please|pls|plz)\s*[.!?:)]*\s*$", re.IGNORECASE)
MIN_WORDS_LEFT = 2  # "hi, thanks" is still small talk; "hi, what is drift?" is a question


def without_greeting(message: str) -> str:
    """The message without an opening greeting and announced question, and without a closing courtesy, when what
    is left has words of its own."""
    rest = message
    for lead in (_GREETING, _ANNOUNCED):
        m = lead.match(rest)
        if m is not None and len(rest[m.end():].split()) >= MIN_WORDS_LEFT:
            rest = rest[m.end():]
    m = _COURTESY.search(rest)
    if m is not None and len(rest[:m.start()].split()) >= MIN_WORDS_LEFT:
        rest = rest[:m.start()].rstrip(" ,")
    return rest
