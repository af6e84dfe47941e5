"""Requests for an answer in another language ("and in french?", "can you translate that into Spanish?").

The tutor answers with the course's own sentences, so it can only answer in the language the course is written in;
read as a question, such a request was answered with the last topic's sentences again, in English, as if the learner
had asked for more. Language names are English words, the same for every course.
"""
from __future__ import annotations

import re

_LANGUAGES = ("french|spanish|german|italian|portuguese|dutch|polish|russian|ukrainian|arabic|hebrew|turkish|persian|"
              "farsi|urdu|hindi|bengali|bangla|punjabi|tamil|telugu|marathi|gujarati|chinese|mandarin|cantonese|"
              "japanese|korean|vietnamese|thai|indonesian|malay|tagalog|filipino|swahili|greek|romanian|hungarian|"
              "czech|swedish|norwegian|danish|finnish|somali|amharic|yoruba|igbo|hausa")
# "in French", "into Spanish please", "translate that", "en español": at the end of the message, so "is AI used in
# Chinese hospitals?" names a place, not a language to answer in, and "how do I translate sensitivity into PPV?" asks
# about the course.
_IN_LANGUAGE = re.compile(rf"\b(?:in|into|to)\s+(?:{_LANGUAGES})(?:\s+(?:language|please|pls|too|as well))*\s*[.!?]*\s*$|"
                          rf"\btranslate\s+(?:this|that|it|the answer|your answer|everything)\s*(?:for me|please)?\s*[.!?]*\s*$|"
                          rf"\ben\s+espa[nñ]ol\b|\bauf\s+deutsch\b|\ben\s+fran[cç]ais\b",
                          re.I)
ENGLISH_ONLY = ("I can only answer in the language the course is written in, with its own sentences, so I can't "
                "translate. Ask about any topic of the course and I will answer from its text.")


def asks_for_another_language(message: str) -> bool:
    """Whether the message asks for an answer in another language (or for a translation)."""
    return bool(_IN_LANGUAGE.search(message))
