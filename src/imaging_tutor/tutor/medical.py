"""Personal medical questions, decided by what is requested, not by vocabulary.

Three logistic models over the message's sentence embedding and four cues (a person is named, a decision or an
interpretation is requested, health words are used, the writer speaks for a group: "we", "our"), fitted by
scripts/fit_medical.py on labelled questions outside evals/sets/ (evals/calibration/personal_medical.jsonl, its
everyday-words companion and guard.jsonl, workplace, near-miss and study fit splits, the course's question bank):
- `advice`: a care decision or interpretation for a specific person ("the AI flagged my mammogram, do I need a
  biopsy?") -> the fixed reply that points to a clinician. Its threshold keeps recall at 1.0 on the personal medical
  training questions (cross-validated), because answering one of them is the failure that matters most.
- `context`: a personal situation that surrounds a general question the course answers ("my mum's scan was read with
  AI - in general, how do these tools avoid misses?") -> answered from the course, with a note to see a clinician.
- `subject`: whether the message is about a person's body or health at all (the embedding alone). `advice` reads the
  frame of a personal decision ("my …, should I …?") and gave the clinician reply to 17 of 40 held-out decisions
  about the test courses' subjects; a refusal or a note now also needs `subject`, whose threshold keeps every
  labelled request (cross-validated), so it only lifts replies to decisions about things, not bodies. A note needs
  `subject` at 0.5 as well (NOTE_SUBJECT): the refusal's low threshold let "how do I make mead from my honey?" (0.12)
  get one, while every labelled mixed question scores at least 0.94.
A workplace message that mentions patients, scans or diagnoses but asks about AI, evaluation or workflow is neither.
A refusal also needs the message to say whose care it is or to ask a decision (asks_about_someone): the models
alone read a general question on a health topic ("is that the same for MRI?") as a request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Cues any course shares (the policy is the product's, not the course's): who is asked about, and what is asked.
# "I" and family are who care is asked for; "we"/"our" is mostly a team or a department speaking (a workplace
# question), so it is a cue of its own: folded into `person` it refused 6 of 186 workplace fit questions (cross-
# validated, 49 mistakes in all at recall 1.0); apart, 2 (28 in all).
_FAMILY = (r"mum|mom|mother|dad|father|son|daughter|child|kid|kids|baby|wife|husband|partner|sister|brother|grandma|"
           r"grandpa|grandmother|grandfather|aunt|uncle|friend|boyfriend|girlfriend|fiance|fiancee")
_PERSON = re.compile(rf"\b(?:my|mine|me|i|i'm|im|i've|i'd|myself|{_FAMILY})\b", re.I)
_DECISION = re.compile(r"\b(?:should (?:i|we|he|she|they|my)|do (?:i|we) need|does (?:he|she|my \w+) need|"
                       r"is (?:it|this|that) (?:safe|serious|cancer|bad|normal|dangerous|ok|okay)|am i|can i|can we|"
                       r"will (?:i|he|she|they|my \w+) be|what (?:should|do) (?:i|we)|what does (?:it|this|that) mean "
                       r"for (?:me|him|her|us)|do i have|does (?:he|she) have|is (?:he|she) going to|how worried|"
                       r"should i be worried|tell me if|look at my)\b", re.I)
_HEALTH = re.compile(r"\b(?:pain|hurts?|ache|symptoms?|sick|ill|fever|cancer|tumou?rs?|lumps?|nodules?|lesions?|"
                     r"fracture|broken|bleed\w*|stroke|biops\w+|surgery|chemo\w*|medication|medicine|pills?|dose|"
                     r"pregnan\w*|breastfeed\w*|allerg\w*|diagnos\w*|doctor|gp|clinic|hospital|emergency|a&e|er|"
                     r"scans?|x-?rays?|ct|mri|ultrasound|mammograms?|blood|heart|lungs?|brain|infection|vomit\w*|"
                     r"diarrh\w*|rash|injur\w*|wound|poison\w*|food poisoning)\b", re.I)
_GROUP = re.compile(r"\b(?:we|our|ours|us|we're|we've|we'd)\b", re.I)
CUES = ("person", "decision", "health", "group")
# "OK to discharge …?", "safe to skip …?": a decision asked in a clinician's shorthand (not a model cue).
_CASE_DECISION = re.compile(r"\b(?:ok|okay|safe|fine|alright) to \w+", re.I)


def cues(text: str) -> list[float]:
    return [float(bool(pattern.search(text))) for pattern in (_PERSON, _DECISION, _HEALTH, _GROUP)]


# Someone other than the speaker whose care a message can be about (the person cue without "I"/"my"): family,
# friends, a patient, or a third-person pronoun.
_SOMEONE_ELSE = re.compile(rf"\b(?:{_FAMILY}|patients?|he|she|him|her|his|hers)\b", re.I)
# Speaking in a role at work ("I work as …", "As the PACS administrator, I …", "Sonographer here."); speaking for a
# team is the group cue. English frames, not any course's words.
_ROLE = re.compile(r"\bi work (?:as|in|at|on|for)\b|"
                   r"\bas (?:a|an|the) [\w'’-]+(?: [\w'’-]+){0,2},? (?:i|i'm|i've|i'd|we)\b|"
                   r"^\s*[\w-]+(?: [\w-]+)? here\b", re.I)


def speaks_at_work(text: str) -> bool:
    """Whether a message speaks for a team or from a role at work ("Our hospital bought…", "I work as a…")."""
    return bool(_GROUP.search(text) or _ROLE.search(text))


def keeps_to_the_speaker(text: str) -> bool:
    """Whether a message brings no one else's care and no body or health words of its own: "should I trust it?",
    "what should I do when that happens?" (not "should I send the patient home?", "do I need another scan?")."""
    return not _SOMEONE_ELSE.search(text) and not _HEALTH.search(text)


def names_a_person(text: str) -> bool:
    """Whether the message itself says whose care it is about ("my", "I", "my dad", "our kid")."""
    return bool(_PERSON.search(text))


def asks_about_someone(text: str) -> bool:
    """Whether the message says whose care it is or asks for a decision: what makes a request personal. Every one
    of the 352 labelled requests in evals/ (fit and held out, every course; 322 when the gate was written, then 30 by
    hospital staff) does, 351 by a person or decision cue and one clinician's "OK to discharge …?". A message that
    does neither is a general question ("is that the same for MRI?", "does that apply to MRI as well?"), left to
    the scope guard: the models read its health topic as a request for care."""
    return bool(_PERSON.search(text) or _DECISION.search(text) or _CASE_DECISION.search(text))


NOTE_SUBJECT = 0.5


@dataclass(frozen=True)
class MedicalCheck:
    advice: float  # P(a care decision for a specific person is requested)
    context: float  # P(a personal medical situation surrounds the question)
    subject: float  # P(the message is about a person's body or health); 1.0 for a model without that head
    refuse: bool
    note: bool


def _probability(x: np.ndarray, head: dict) -> float:
    z = head["intercept"] + float(np.dot(head["weights"], (x - np.asarray(head["mean"])) / np.asarray(head["scale"])))
    return 1.0 / (1.0 + np.exp(-z))


def check(vector: np.ndarray, text: str, model: dict) -> MedicalCheck:
    """Both verdicts for one message (its embedding and its text)."""
    x = np.concatenate([np.asarray(vector, dtype=np.float64), cues(text)])
    advice = _probability(x, model["advice"])
    context = _probability(x, model["context"])
    head = model.get("subject")
    subject = _probability(np.asarray(vector, dtype=np.float64), head) if head else 1.0
    about_health = head is None or subject >= head["threshold"]
    refuse = advice >= model["advice"]["threshold"] and about_health and asks_about_someone(text)
    # The note to see a clinician needs the message to be about a body or health by the head's own measure (0.5), not
    # only by the refusal's low threshold: "How do I make mead from my honey?" (0.12) got one.
    noted = head is None or subject >= max(head["threshold"], NOTE_SUBJECT)
    return MedicalCheck(advice, context, subject, refuse,
                        not refuse and noted and context >= model["context"]["threshold"])
