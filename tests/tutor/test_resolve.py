"""The resolver's cue for a turn that brings a subject of its own: rare words no section of the course uses."""
from __future__ import annotations

from imaging_tutor.text import stem
from imaging_tutor.tutor.resolve import (FEATURES, MAX_FOREIGN, PastTurn, dangling_pronoun, foreign_words,
                                        goes_back, is_main_subject, points_back_at_last, points_back_first, topic_of,
                                        turn_features,
                                        without_going_back, without_switch_opening)
from imaging_tutor.tutor.pipeline import rare_word_test

# A tiny course vocabulary (stem -> share of sections using it), enough for the logic under test.
SHARES = {stem(w): 0.1 for w in "sensitivity specificity example model scan training data".split()}


def fake_rare(word: str) -> bool:
    """A fake rarity test for this unit test: long words are rare."""
    return len(word) >= 12


def test_words_the_course_never_uses_are_foreign_and_course_words_are_not():
    assert foreign_words("what is backpropagation?", SHARES) == ["backpropagation"]
    assert foreign_words("and specificity?", SHARES) == []
    assert foreign_words("can you give me an example?", SHARES) == []


def test_asking_for_a_judgement_names_no_subject():
    """"pros and cons?" after a question asks about that question's subject; read as two words the course never
    writes, it was taken for a new subject and refused."""
    for turn in ("pros and cons?", "any downsides?", "what are the drawbacks?", "advantages and disadvantages?",
                 "trade-offs?"):
        assert foreign_words(turn, SHARES) == [], turn
    assert foreign_words("pros and cons of backpropagation?", SHARES) == ["backpropagation"]


def test_contractions_and_numbers_are_never_a_subject():
    assert foreign_words("why isn't it 3T? what's that", SHARES) == []


def test_with_a_rarity_test_only_rare_words_count():
    assert foreign_words("whichever backpropagation", SHARES, fake_rare) == ["backpropagation"]
    assert foreign_words("whichever backpropagation", SHARES) == ["whichever", "backpropagation"]


def test_the_feature_is_capped_and_part_of_the_model_inputs():
    past = PastTurn("what is sensitivity?", "sensitivity", "4.2")
    feats = turn_features("x", "", past, [], 0.5, 0.1, n_foreign=9)
    assert "n_foreign" in FEATURES and feats["n_foreign"] == MAX_FOREIGN


def test_a_pronoun_dangles_only_when_every_other_word_only_asks():
    assert dangling_pronoun("How does it work?") == "it"
    assert dangling_pronoun("why does THAT matter") == "that"
    assert dangling_pronoun("what's in it for me?") == "it"
    assert dangling_pronoun("what does it do to specificity?") is None  # names a subject
    assert dangling_pronoun("Is it legal to cycle on the pavement?") is None  # "it" points ahead, words of its own
    assert dangling_pronoun("how does backpropagation work?") is None  # no pronoun


def test_a_possessive_that_stands_for_a_noun_points_back():
    # "how do i find mine?" after "what is an ip address?" was read alone and got the tutor's self-description
    past = PastTurn("what is an ip address?", "ip address", None)
    assert turn_features("how do i find mine?", "", past, [], 0.3, 0.1)["pronoun"] == 1.0
    assert turn_features("who sets up ours?", "", past, [], 0.3, 0.1)["pronoun"] == 1.0
    assert turn_features("how do i find my router?", "router", past, [], 0.3, 0.1)["pronoun"] == 0.0


def test_which_without_a_noun_chooses_among_what_was_said():
    # "which is riskier?" after "what's the difference between triage and detection tools?" was read alone, refused
    past = PastTurn("what's the difference between triage and detection tools?", "triage detection", None)
    assert turn_features("which is riskier?", "", past, [], 0.3, 0.1)["pronoun"] == 1.0
    assert turn_features("so which matters more?", "", past, [], 0.3, 0.1)["pronoun"] == 1.0
    assert turn_features("which chapter covers bias?", "bias", past, [], 0.3, 0.1)["pronoun"] == 0.0


def test_an_adverb_that_ends_a_turn_points_back():
    # "what should we do instead?" after a line cook's question about cooling chili on the counter was read alone
    past = PastTurn("is it ok to cool chili on the counter overnight?", "chili", None)
    for turn in ("what should we do instead?", "who does then?", "can care pathways cause it too?"):
        assert turn_features(turn, "", past, [], 0.3, 0.1)["pronoun"] == 1.0
    assert turn_features("what should we do", "", past, [], 0.3, 0.1)["pronoun"] == 0.0


def test_a_pronoun_that_ends_a_long_turn_points_back_unless_the_turn_brings_its_own_subject():
    # "what do i do if i find it?" after "what is american foulbrood?": "it" is the eighth word, past the head
    past = PastTurn("what is american foulbrood?", "american foulbrood", None)
    assert turn_features("what do i do if i find it?", "", past, [], 0.3, 0.1)["pronoun"] == 1.0
    assert turn_features("how often should we check for it", "check", past, [], 0.3, 0.1)["pronoun"] == 1.0
    # a subject the course lacks, then "it": the turn's own ("what is Bayes' theorem and who came up with it?")
    assert turn_features("what is Bayes' theorem and who came up with it?", "", past, [], 0.3, 0.1,
                         n_foreign=2)["pronoun"] == 0.0


def test_a_word_points_back_only_when_it_comes_before_the_turn_s_own_subject():
    assert points_back_first("is it hard to learn?", "learn")
    assert points_back_first("can you explain it step by step?", "step")
    assert points_back_first("ok and how much does one cost?", "cost")
    assert not points_back_first("what is PPV and why does it change?", "ppv change")  # "it" is the PPV just named
    assert not points_back_first("back to drift: how do you monitor for it?", "drift monitor")
    assert not points_back_first("are there risks?", "risks")  # "there" points at nothing said
    assert not points_back_first("what is drift?", "drift")  # nothing points back


def test_a_short_turn_points_back_at_the_last_thing_said_when_a_pointer_comes_before_any_subject_it_names():
    # a course word that is no term names nothing: "accurate", "risks", "regulates"
    assert points_back_at_last("how accurate is it?", "accurate", set())
    assert points_back_at_last("who regulates it?", "regulates", set())
    assert points_back_at_last("what are the main risks with that?", "risks", set())
    assert points_back_at_last("does it work on CT scans too?", "ct", {"ct"})  # "it" before the term
    assert not points_back_at_last("what is PPV and why does it change?", "ppv", {"ppv"})  # the term comes first
    assert not points_back_at_last("and contrast timing, does that change it?", "contrast timing", set())  # opening
    assert points_back_at_last("ok, is it used in radiology?", "radiology", set())  # "ok" names nothing
    assert not points_back_at_last("is it true that models learn hospital markers?", "true", set())  # "it": a clause
    assert not points_back_at_last("does it matter which scanner took the images?", "scanner", set())
    assert points_back_at_last("how does it compare to CT?", "ct", set())  # "to" after a verb: "it" points back
    assert not points_back_at_last("what is one way to spot drift?", "spot drift", set())  # "one" points at nothing
    assert not points_back_at_last("back to drift: how do you monitor it?", "drift monitor", set())  # goes back
    # a turn that brings more than MAX_POINTING_WORDS words of its own says enough to be read alone
    assert not points_back_at_last("how do those change what radiologists see during busy night shifts?", "", set())


class _CountingEmbedder:
    """A fake embedder whose tokenizer splits words into 4-letter pieces (for the rarity rule only)."""

    def count_tokens(self, text: str) -> int:
        return 2 + -(-len(text) // 4)


def test_the_pipeline_calls_a_word_rare_when_the_model_needs_two_or_more_pieces_for_it():
    rare = rare_word_test(_CountingEmbedder())
    assert not rare("scan") and rare("scanner")


# --- what a refusal names: mentioned_phrase ----------------------------------------------------------------------
SECTION = ("Before go-live, run a silent trial for a few weeks. PACS routing sends each study to the AI node. "
           "The FDA clears devices; results normally arrive in minutes. Each step is logged.")
PHRASE_SHARES = {**{stem(w): 0.1 for w in "silent trial pacs routing fda step normally".split()},
                 **{stem(w): 0.9 for w in "run weeks study node devices results minutes logged".split()}}


def test_a_term_both_write_side_by_side_is_named_in_the_learners_spelling():
    from imaging_tutor.tutor.resolve import mentioned_phrase

    assert mentioned_phrase("How do I set up a pacs Routing rule for CT?", SECTION, PHRASE_SHARES) == "pacs Routing"
    # "run ... silent trial": the learner wrote "run" apart from the term, so it is not part of it
    assert mentioned_phrase("how long should we run the silent trial?", SECTION, PHRASE_SHARES) == "silent trial"


def test_a_name_in_capitals_is_named_and_a_lone_everyday_word_is_not():
    from imaging_tutor.tutor.resolve import mentioned_phrase

    assert mentioned_phrase("what does the FDA say about class IIb?", SECTION, PHRASE_SHARES) == "FDA"
    assert mentioned_phrase("which route do triage tools normally take?", SECTION, PHRASE_SHARES) == ""
    assert mentioned_phrase("Step by step, how do I build a dashboard?", SECTION, PHRASE_SHARES) == ""


def test_a_phrase_of_common_course_words_names_nothing():
    from imaging_tutor.tutor.resolve import mentioned_phrase

    # "results ... minutes" are adjacent nowhere, "study node" is not the learner's phrase; none is distinctive
    assert mentioned_phrase("how many minutes until results?", SECTION, PHRASE_SHARES) == ""


def test_a_question_asked_again_is_not_shown_as_about_itself():
    from imaging_tutor.tutor.resolve import Resolution

    before = PastTurn("What is shortcut learning?", "shortcut learning", "5.3")
    again = Resolution("continue", "what is shortcut learning? (What is shortcut learning?)", "what is shortcut learning",
                       "shortcut learning", "What is shortcut learning?", before)
    assert again.understood_as == "what is shortcut learning"
    why = Resolution("continue", "why? (What is shortcut learning?)", "why?", "shortcut learning",
                     "What is shortcut learning?", before)
    assert why.understood_as == "why? (about: What is shortcut learning?)"


def test_a_follow_up_to_a_long_situation_is_shown_as_about_what_it_asked():
    """'why did it look so good in the vendor's study then? (about: ED consultant, busy inner-city department, about
    300 chest films a day.…)' named a role, not a topic: a long opener is shown by its asking sentence."""
    from imaging_tutor.tutor.resolve import Resolution

    opener = ("ED consultant, busy inner-city department, about 300 chest films a day. Since the pneumothorax triage "
              "went live it flags a dozen a shift and most are nothing. Why does it flag so many?")
    before = PastTurn(opener, "pneumothorax triage", "3.1")
    then = Resolution("continue", "why did it look so good?", "why did it look so good?", "pneumothorax triage",
                      opener, before)
    assert then.understood_as == "why did it look so good? (about: Why does it flag so many?)"


def test_a_subject_is_shown_by_what_it_asked_and_never_longer_than_80_characters():
    from imaging_tutor.tutor.resolve import shown_subject

    assert shown_subject("What is PPV?") == "What is PPV?"
    long_without_a_question = "PACS admin at a district hospital. " * 4
    shown = shown_subject(long_without_a_question)
    assert len(shown) <= 80 and shown.endswith("…")
    assert shown_subject("Band 6 CT radiographer at a district general hospital, nights and weekends. Physics "
                         "changed the kernel. Why would a kernel change matter?") == "Why would a kernel change matter?"


def test_an_opening_that_only_announces_a_new_subject_is_no_part_of_the_question():
    for turn, asked in [("Unrelated: what is a voxel?", "what is a voxel?"),
                        ("unrelated, but people keep saying 'drift' — what is it?", "people keep saying 'drift' — what is it?"),
                        ("unrelated but does the model understand anatomy", "does the model understand anatomy"),
                        ("switching gears — what does fairness mean?", "what does fairness mean?"),
                        ("ok new q: what can go wrong with templates", "what can go wrong with templates"),
                        ("Totally different question: what is a voxel?", "what is a voxel?"),
                        ("By the way, what is PPV?", "what is PPV?")]:
        assert without_switch_opening(turn) == asked


def test_an_opening_that_names_a_subject_or_says_no_new_one_starts_stays():
    for turn in ["back to drift, what actually causes it?",  # the return names its subject in the opening
                 "is the flag unrelated to the finding?",  # "unrelated" inside the question
                 "For a sensitive test, what matters?",  # an opening that is part of the question
                 "Unrelated: ok",  # nothing left to ask
                 "In a brand new topic area like screening, what matters?"]:  # too long to be only an opening
        assert without_switch_opening(turn) == turn


def test_an_opening_that_announces_a_new_subject_is_a_switch_cue():
    last = PastTurn("what is sensitivity?", "sensitivity", "4.2")
    for turn in ["Unrelated: what is a voxel?", "switching gears — what is a voxel?", "ok new q: what is a voxel?"]:
        assert turn_features(turn, "voxel", last, [], 0.5, 0.1)["switch_cue"] == 1.0
    assert turn_features("is that unrelated to the voxel?", "voxel", last, [], 0.5, 0.1)["switch_cue"] == 0.0


def test_the_words_that_say_a_turn_goes_back_are_dropped_and_what_it_goes_back_to_stays():
    for turn, asked in [("going back to testing: why keep the test data separate?", "testing: why keep the test data separate?"),
                        ("ok, back to the cost thing, is it a trade-off?", "the cost thing, is it a trade-off?"),
                        ("Returning to drift — what causes it?", "drift — what causes it?")]:
        assert without_going_back(turn) == asked
    for turn in ["back to it", "what goes back to the vendor?", "go back to drift"]:  # nothing left, or not opening
        assert without_going_back(turn) == turn
    assert goes_back("ok, back to the cost thing, is it a trade-off?") and goes_back("Returning to drift — why?")
    assert not goes_back("what goes back to the vendor?")


def test_a_refusal_says_in_passing_only_of_a_passing_mention():
    """A section titled with the phrase's distinctive word, or naming it in three sentences, is about it."""
    shares = {stem("debt"): 0.6, stem("snowball"): 0.1, stem("validation"): 0.2}
    sentences = ["The debt snowball method targets the smallest balance.", "Pay the minimum on every debt.",
                 "If you have struggled before, the snowball may work better."]
    assert is_main_subject("debt snowball", "Avalanche and snowball methods", sentences, shares)
    assert not is_main_subject("debt snowball", "Minimum payments", sentences, shares)  # one sentence of three
    assert is_main_subject("snowball", "Minimum payments", sentences * 2, shares)  # three sentences
    assert not is_main_subject("debt", "Debt basics", sentences, shares)  # no distinctive word: nothing to claim


def test_for_instance_asks_for_an_example_and_names_no_topic():
    shares = {**SHARES, stem("instance"): 0.05}  # a course that writes "instance" once
    assert topic_of("for instance?", shares) == ""
    assert topic_of("for instance, what does the model learn?", shares) == "model"
    assert topic_of("which instance of the model?", shares) == "instance model"
    # asking for a judgement names no topic either, even in a course that writes the word ("tradeoffs" here)
    shares[stem("tradeoffs")] = 0.05
    assert topic_of("tradeoffs?", shares) == "" and topic_of("pros and cons of training data?", shares) == "training data"


def test_the_kind_of_example_asked_for_names_no_topic():
    shares = {**SHARES, stem("real"): 0.05, stem("concrete"): 0.05}  # a course that writes both words once
    assert topic_of("can you give a real example?", shares) == ""
    assert topic_of("a concrete example of training data?", shares) == "training data"
    assert topic_of("real-world example?", shares) == ""
    # the words still name what they name when no example is asked for
    assert topic_of("is the concrete floor a problem?", shares) == "concrete"


def test_the_measure_asked_after_how_names_no_topic():
    shares = {**SHARES, stem("long"): 0.05, stem("hot"): 0.05}  # a course that writes both words in few sections
    assert topic_of("how long?", shares) == "" and topic_of("how long for?", shares) == ""
    assert topic_of("how hot does the training data get?", shares) == "training data"
    assert topic_of("is a long scan a problem?", shares) == "long scan"  # not asked after "how": a word of its own


def test_a_measure_judged_by_what_it_should_be_names_no_topic():
    shares = {**SHARES, stem("number"): 0.05, stem("level"): 0.05}  # a course that writes both words in few sections
    assert topic_of("what's a good number?", shares) == "" and topic_of("whats a healthy level", shares) == ""
    assert topic_of("what is a good number for training data?", shares) == "training data"
    assert topic_of("which number is on the label?", shares) == "number"  # not judged: a word of its own



def test_a_closing_from_the_course_names_no_subject():
    from imaging_tutor.tutor.resolve import asked_in, without_course_source
    assert without_course_source("give me an example from the course") == "give me an example"
    assert without_course_source("explain it simply, according to this course?") == "explain it simply"
    assert asked_in("what is drift in the course") == "what is drift"
    assert without_course_source("from the course") == "from the course"  # nothing left to ask
    assert without_course_source("what does the course say about drift?") == "what does the course say about drift?"
