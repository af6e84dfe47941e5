"""Request and response examples for the OpenAPI schema (taken from real calls to this course's tutor; a
test keeps them in step with the models)."""
from __future__ import annotations

CHAT_REQUEST = {
    "new question": {"summary": "A new question (starts a conversation)", "value": {"message": "What is specificity?"}},
    "follow-up": {"summary": "A follow-up in the same conversation",
                  "value": {"message": "and sensitivity?", "session_id": "a59f8c13ba734e728dddd13501deccfa"}},
    "hint, one chapter": {"summary": "A guiding question instead of the answer, from chapter 4 only",
                          "value": {"message": "How do I calculate specificity?", "mode": "hint", "chapter": 4}},
}

_CITATION = {"ref": "1.4", "chapter": 1, "section": 4, "chapter_title": "Medical imaging and AI: the big picture",
             "section_title": "Key vocabulary: datasets, labels, models, sensitivity and specificity",
             "quote": "Specificity is “how many true negatives it leaves alone” (low specificity means too many "
                      "false alarms).", "score": 6.7565}

CHAT_RESPONSE = {
    "status": "answered",
    "answer": "Specificity is “how many true negatives it leaves alone” (low specificity means too many false "
              "alarms). [1.4] If it also flags 18 of the 90 normal scans as bleeds, specificity is 80% (because "
              "72/90 normals were correctly not flagged). [1.4]",
    "citations": [_CITATION],
    "suggestions": [{"ref": "4.2", "section_title": "Sensitivity and specificity"},
                    {"ref": "4.3", "section_title": "PPV, NPV and prevalence"}],
    "session_id": "a59f8c13ba734e728dddd13501deccfa", "writer": "extractive", "mode": "answer",
    "dropped_sentences": [], "retrieved": ["1.4", "4.2", "4.3", "2.4", "4.6", "4.4", "5.4", "2.3"],
    "sentences": [{"text": "Specificity is “how many true negatives it leaves alone” (low specificity means too many "
                           "false alarms).", "refs": ["1.4"]},
                  {"text": "If it also flags 18 of the 90 normal scans as bleeds, specificity is 80% (because 72/90 "
                           "normals were correctly not flagged).", "refs": ["1.4"]}],
    "resolved_question": "What is specificity?", "turn_id": 6593, "topic": "specificity",
    "subject": "What is specificity?", "corrected_question": "", "care_note": "", "not_covered": [],
    "quiz": None,
}

CHAT_STREAM = (
    'event: sentence\n'
    'data: {"index": 0, "text": "In patient terms, sensitivity is about misses (false negatives).", "refs": ["4.2"], '
    '"marked": "In patient terms, sensitivity is about misses (false negatives). [4.2]"}\n\n'
    'event: sentence\n'
    'data: {"index": 1, "text": "Ask: sensitivity for what?", "refs": ["4.2"], '
    '"marked": "Ask: sensitivity for what? [4.2]"}\n\n'
    'event: answer\n'
    'data: {"status": "answered", "answer": "In patient terms, sensitivity is about misses (false negatives). [4.2] '
    'Ask: sensitivity for what? [4.2]", "citations": [{"ref": "4.2", …}], "session_id": '
    '"a59f8c13ba734e728dddd13501deccfa", "resolved_question": "and sensitivity?", …}\n\n'
)

_ITEM = {"id": "i5dbc5072f27c0682", "type": "mcq",
         "prompt": "A brochure claims an imaging AI has “95% accuracy.” What is the most clinically appropriate next "
                   "step before trusting that number?",
         "options": ["Accept it, since 95% accuracy means the tool will be right for 95 of every 100 patients at "
                     "your site.",
                     "Ask only for the AUC, since one ranking score across all thresholds settles whether the tool "
                     "is safe.",
                     "Ask for the confusion matrix on data that resembles your workflow, to see how many false "
                     "alarms and missed cases it would produce.",
                     "Compare brochures and choose whichever vendor advertises the highest single accuracy number."],
         "ref": "4.1", "section_title": "The confusion matrix", "level": "apply", "unit": None, "position": 1,
         "total": 5}

QUIZ_SESSION_REQUEST = {"chapter 4 course quiz": {"summary": "The course's own chapter 4 quiz",
                                                  "value": {"mode": "course", "chapter": 4}},
                        "practice": {"summary": "Ten generated practice items on chapter 5",
                                     "value": {"mode": "practice", "chapter": 5, "count": 10}}}

QUIZ_SESSION_RESPONSE = {"id": "qs-7d60398468b14961bd45", "learner_id": "anon-6242ecb49810ea5bfc83",
                         "source": "course", "chapter": 4, "quiz_id": None, "total": 5, "answered": 0, "correct": 0,
                         "score": 0.0, "next": _ITEM, "created_at": "2026-11-30T09:08:13.642873Z"}

QUIZ_ANSWER_REQUEST = {"an option": {"summary": "Answer an item with one of its options",
                                     "value": {"item_id": "i5dbc5072f27c0682",
                                               "response": _ITEM["options"][0]}}}

QUIZ_ANSWER_RESPONSE = {
    "session_id": "qs-7d60398468b14961bd45", "item_id": "i5dbc5072f27c0682", "correct": False, "score": 0.0,
    "verdict": "incorrect",
    "feedback": "You answered “Accept it, since 95% accuracy means …”; the answer is “Ask for the confusion matrix on "
                "data that resembles your workflow, …”. The course says: “Practically, when a vendor presents a "
                "metric, ask for the confusion matrix …” — reread [4.1] The confusion matrix.",
    "answer": _ITEM["options"][2],
    "citation": {"ref": "4.1", "section_title": "The confusion matrix",
                 "quote": "Practically, when a vendor presents a metric, ask for the confusion matrix (or enough data "
                          "to derive it) on a dataset that resembles your workflow.",
                 "chapter": 4, "chapter_title": "Performance basics: reading the numbers safely"},
    "solution": [], "next": {**_ITEM, "id": "i1e6655274f511552", "position": 2,
                             "prompt": "Which statement best captures why prevalence changes perceived performance in "
                                       "practice?"},
    "answered": 1, "total": 5,
}
