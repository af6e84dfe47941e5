"""Which course sentences lean on the one before them (tutor/extractive.py), and what that does to an answer."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import pipeline as tutor
from imaging_tutor.tutor.extractive import _AHEAD, _CUES, _META, leans_on_previous


@pytest.mark.parametrize("sentence, leans", [
    ("That is positive predictive value (PPV).", True),
    ("Then the model is retrained.", True),
    ("Performance then drops silently, especially if no one is monitoring false negatives.", True),
    ("Even then, it benefits from curing.", True),
    ("Chapter 2 then builds on this by showing how uncertainty is expressed.", True),
    ("If the numbers do not match, then ask the vendor for local PPV.", False),
    ("When the scanner changes, then re-validate.", False),
    ("Clean and then sanitise the board.", False),
    ("The model learns patterns, then it is tested on new scans.", False),  # "then" late: a clause of its own
    ("Inference is what happens after training.", False),
    ("From that, four outcomes are possible.", True),  # a preposition pointing back
    ("On which population?", True),
    ("In turn, a handwashing sink must not be used for anything else.", True),  # a connective continuing
    ("Therefore, the threshold is set low.", True),
    ("From the first day, the team logs every alert.", False),
    ("In practice, teams re-validate after upgrades.", False),
    ("Still images such as X-rays are 2D grids.", False),  # an adjective, not a connective
    ("In addition to the pixels, some models read DICOM metadata.", False),
    ("In imaging, this can vary by age, sex and body habitus.", True),  # "this" after an opening phrase
    ("Mathematically, this saves the most interest.", True),
    ("When used within scope, it can reduce misses.", True),  # a clause with no subject of its own
    ("Once set up, these transfers happen without any decision.", True),
    ("If the scan is noisy, this lowers the model's confidence.", False),  # the clause says what "this" is
    ("When the tool flags a case, it goes to the top of the worklist.", False),
    ("Some bacteria, such as Clostridium perfringens, can form spores.", False),
    ("Here is the crucial point: PPV and NPV depend heavily on prevalence.", False),  # presents what follows
    ("Here's how to read the label: the date comes first.", False),
    ("Here it can highlight suspicious regions.", True),  # "here": at the step just described
])
def test_a_sentence_that_points_back_or_continues_with_then_is_dangling(sentence, leans):
    assert leans_on_previous(sentence) is leans


def test_a_continuation_never_opens_an_answer_without_the_sentence_it_continues(tutor_services):
    a = tutor.answer(tutor_services, "whats a silent trial")
    assert a.status == "answered" and a.citations[0].ref == "4.6"
    texts = [s.text for s in a.sentences]
    assert not texts[0].startswith("Performance then")
    course = tutor_services.course().section("4.6").text
    for i, text in enumerate(texts):
        if text.startswith("Performance then"):
            assert i > 0 and course.index(texts[i - 1]) < course.index(text)  # its antecedent comes right before


def test_a_sentence_opening_with_a_preposition_that_points_back_never_opens_an_answer(tutor_services):
    # "From that, four outcomes are possible." leans on the two labels of the sentence before it.
    a = tutor.answer(tutor_services, "what are the four outcomes of a confusion matrix")
    assert a.status == "answered" and a.citations[0].ref == "4.1"
    texts = [s.text for s in a.sentences]
    assert not texts[0].startswith("From that"), texts
    for i, text in enumerate(texts):
        if text.startswith("From that"):
            assert texts[i - 1].startswith("Each case has two"), texts


def answered(services, question: str) -> list:
    """The answer's sentences (the question must be answered)."""
    a = tutor.answer(services, question)
    assert a.status == "answered", a.answer
    return a.sentences


def follows_in_course(services, first, second) -> bool:
    """The second answer sentence comes right after the first in their (common) section's text."""
    if first.refs != second.refs:
        return False
    course = services.course().section(first.refs[0]).text
    end = course.index(first.text) + len(first.text)
    return course.index(second.text) >= end and not course[end:course.index(second.text)].strip()


@pytest.mark.parametrize("sentence, ahead", [
    ("Common mistakes start here.", True),
    ("Ground truth can be established in different ways, each with tradeoffs:", True),
    ("The steps are as follows.", True),
    ("Context matters here.", False),  # "here" as the situation, not the next sentence
    ("Ask: sensitivity for what?", False),
    ("Inference is what happens after training.", False),
])
def test_a_sentence_that_points_ahead_is_recognised(sentence, ahead):
    assert bool(_AHEAD.search(sentence)) is ahead


@pytest.mark.parametrize("sentence, meta", [
    ("You’ll also learn how imaging data becomes model inputs.", True),  # a typographic apostrophe
    ("You'll learn how images become model inputs.", True),
    ("Along the way, we’ll connect these mechanics to practical outcomes.", True),
    ("In the sections that follow, we will anchor each metric to a concrete workflow.", True),
    ("The sections below walk through the common use cases.", True),
    ("We'll need a reference standard before any study.", False),  # "we" doing the subject, not the course
    ("Two readers will see the same study differently.", False),
])
def test_a_sentence_about_the_course_itself_is_recognised(sentence, meta):
    assert bool(_META.search(sentence)) is meta


def test_the_course_s_own_preview_of_a_chapter_is_not_an_answer(tutor_services):
    said = answered(tutor_services, "what can go wrong?")
    assert not any(_META.search(s.text) for s in said), [s.text for s in said]


def test_a_sentence_leaning_on_the_course_s_preview_is_left_out_with_it(tutor_services):
    # "In the sections that follow, we will anchor each metric to a concrete workflow: … That is what the numbers
    # really mean." [4.0]: the second sentence brought the preview back in as its antecedent.
    said = answered(tutor_services, "what numbers should I ask for?")
    assert not any(_META.search(s.text) for s in said), [s.text for s in said]


@pytest.mark.parametrize("question", ["how can ground truth be established?",
                                      "what are common mistakes with the confusion matrix?",
                                      "what mistakes do people make with unit of analysis?"])
def test_a_sentence_pointing_ahead_is_never_given_without_the_sentence_it_announces(tutor_services, question):
    said = answered(tutor_services, question)
    for i, s in enumerate(said):
        if _AHEAD.search(s.text):
            assert i + 1 < len(said) and follows_in_course(tutor_services, s, said[i + 1]), s.text


@pytest.mark.parametrize("question", ["what is NPV?", "what is PPV?", "whats a silent trial",
                                      "why does the image alone not tell the whole story?"])
def test_every_sentence_that_points_back_follows_the_one_it_leans_on(tutor_services, question):
    # "Similarly, ... is NPV." leans on "That is PPV.", which leans on "Clinicians often need the reverse: ...":
    # a chain is given whole and in course order, whichever of its sentences the scorer liked best.
    said = answered(tutor_services, question)
    for i, s in enumerate(said):
        if leans_on_previous(s.text):
            assert i > 0 and follows_in_course(tutor_services, said[i - 1], s), [x.text for x in said]


@pytest.mark.parametrize("sentence, defines", [
    ("Run a local validation (often called a silent or shadow mode trial) where the AI produces outputs.", True),
    ("The rear derailleur hangs from a small bracket called the derailleur hanger.", True),
    ("This sensitive dependence on initial conditions is known as chaos.", True),
    ("Run the model on new scans before trusting it.", False),
])
def test_a_name_given_without_is_counts_as_a_definition(sentence, defines):
    assert bool(_CUES["defines"].search(sentence)) == defines


def test_what_is_asks_for_the_sentence_that_names_the_term_first(tutor_services):
    # The section's earlier sentences use "silently" (the same stem); the one that names the trial leads.
    said = answered(tutor_services, "what is a silent trial?")
    assert "called a silent or shadow mode trial" in said[0].text, [s.text for s in said]


def test_what_is_leads_with_the_sentence_that_says_what_the_term_is(tutor_services):
    # "AUC is useful for comparing models" uses the term with an "is"; the sentence that glosses it defines it.
    said = answered(tutor_services, "what is AUC?")
    assert said[0].text.startswith("The ROC-AUC (area under the curve) summarizes"), [s.text for s in said]


def test_a_cue_word_does_not_let_a_weaker_sentence_lead(tutor_services):
    # "how do …" asks for steps; a sentence about "preprocessing choices" has the cue but not the answer, which the
    # model ranks first: the HU ranges that make the windows differ.
    said = answered(tutor_services, "how do HU ranges relate to lung and bone windows")
    texts = [s.text for s in said]
    assert texts[0].startswith("Air, fat, soft tissue, and bone fall into different HU ranges"), texts


def test_an_enumeration_is_given_in_the_course_s_order(tutor_services):
    """'is AI better than radiologists?' once got "Second, AI commonly lives on the radiologist workstation … First,
    AI may be embedded in the scanner itself.": the best-scoring step led. Checked on that question and on one
    question per section (its title), so every enumeration the course writes is covered."""
    from imaging_tutor.tutor.extractive import _ordinal

    course = tutor_services.course()
    questions = ["is AI better than radiologists?", *(f"what about {s.section_title}?" for s in course.sections)]
    seen = 0
    for question in questions:
        a = tutor.answer(tutor_services, question)
        steps = [(s.refs[0], _ordinal(s.text), s.text) for s in a.sentences if _ordinal(s.text)]
        seen += len(steps)
        for i, (ref, rank, text) in enumerate(steps):
            assert not any(r == ref and 0 < k < rank for r, k, _ in steps[i + 1:]), (question, [t for *_, t in steps])
    assert seen  # the check read some enumeration steps


def test_an_enumeration_stays_in_order_when_a_sentence_announcing_a_step_brings_it_in(tutor_services):
    """"simpler please" after two answers on the confusion matrix got "Second, labeling can be inconsistent …
    Common mistakes start here. First, people mix up …": the first step came in beside the sentence announcing it,
    after a lead that is the second step. Every turn of the conversation is checked."""
    from imaging_tutor.tutor.extractive import _ordinal

    sid = tutor.new_session(tutor_services)
    seen = 0
    for turn in ("explain the confusion matrix simply", "i don't get it", "simpler please"):
        a = tutor.answer(tutor_services, turn, session_id=sid)
        steps = [(s.refs[0], _ordinal(s.text), s.text) for s in a.sentences if _ordinal(s.text)]
        seen += len(steps)
        for i, (ref, rank, text) in enumerate(steps):
            assert not any(r == ref and 0 < k < rank for r, k, _ in steps[i + 1:]), (turn, [t for *_, t in steps])
    assert seen


def test_a_learning_objective_is_never_added_to_an_answer_that_something_else_leads(tutor_services):
    """'if its FDA cleared will it definitely work at our hospital' ended with "Beginner outcome: you can explain the
    difference between …" [6.3]: what the learner will be able to do, not what the course says. Checked on one
    question per section (its title), so every objective the course writes is covered."""
    from imaging_tutor.corpus.sentences import is_learning_objective

    course = tutor_services.course()
    questions = ["if its FDA cleared will it definitely work at our hospital",
                 *(f"what about {s.section_title}?" for s in course.sections)]
    for question in questions:
        texts = [s.text for s in tutor.answer(tutor_services, question).sentences]
        assert not any(is_learning_objective(t) for t in texts[1:]), (question, texts)


def test_a_learning_objective_can_still_answer_when_nothing_says_it_better(tutor_services):
    # The course names its simple rollout plan only in 6.6's objective ("… a simple rollout plan (pilot → validate
    # locally → …)"): leaving it out would refuse a question the course answers.
    a = tutor.answer(tutor_services, "what's the simple rollout plan")
    assert a.status == "answered" and "pilot → validate locally" in a.sentences[0].text, a.answer


def _ingested(tmp_path_factory, embedder, name: str):
    """Services over a course an author wrote (tests/fixtures/courses/<name>), ingested into its own data dir."""
    from pathlib import Path

    from imaging_tutor.config import Settings
    from imaging_tutor.index.ingest import ingest
    from imaging_tutor.services import Services

    folder = Path(__file__).parents[1] / "fixtures" / "courses" / name
    services = Services(Settings(data_dir=tmp_path_factory.mktemp(name), corpus_dir=folder), embedder=embedder)
    ingest(services)
    return services


@pytest.fixture(scope="module")
def beekeeping(tmp_path_factory, embedder):
    services = _ingested(tmp_path_factory, embedder, "beekeeping-basics")
    yield services
    services.close()


@pytest.fixture(scope="module")
def composting(tmp_path_factory, embedder):
    services = _ingested(tmp_path_factory, embedder, "home-composting")
    yield services
    services.close()


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory, embedder):
    services = _ingested(tmp_path_factory, embedder, "kitchen-food-safety")
    yield services
    services.close()


@pytest.fixture(scope="module")
def bicycle(tmp_path_factory, embedder):
    services = _ingested(tmp_path_factory, embedder, "bicycle-maintenance")
    yield services
    services.close()


@pytest.fixture(scope="module")
def wifi(tmp_path_factory, embedder):
    services = _ingested(tmp_path_factory, embedder, "home-wifi-basics")
    yield services
    services.close()


def test_a_sentence_that_only_says_which_section_explains_is_followed_there_and_never_given():
    from imaging_tutor.tutor.extractive import _POINTS_TO

    for sentence, ref in [("Section 1.3 explains this difference in more detail.", "1.3"),
                          ("If that is not enough, Section 2.4 explains how extenders can help.", "2.4"),
                          ("4 GHz; Section 3.3 suggests a way around this.", "3.3"),
                          # a section named inside a sentence about something else is no pointer
                          ("Time-temperature abuse, introduced in section 1.1, happens whenever food waits.", None),
                          ("An emergency fund, covered in Section 2.5, is for events you cannot plan.", None),
                          ("Keep it away from the sources of interference described in Section 2.2.", None)]:
        m = _POINTS_TO.search(sentence)
        assert (m.group("ref") if m else None) == ref, sentence


def test_the_answer_comes_from_the_section_a_pointer_names_not_the_pointer(wifi, composting):
    """"would a mesh system help" was answered "If that is not enough, Section 2.4 explains how extenders and mesh
    systems can help. [2.3]"; "what is anaerobic decomposition?" ended on 1.0's "Section 1.3 explains this
    difference … in more detail." """
    mesh = tutor.answer(wifi, "would a mesh system help", "s-mesh", None, "answer", "learner-x")
    assert mesh.status == "answered" and mesh.citations[0].ref == "2.4", mesh.answer
    anaerobic = tutor.answer(composting, "what is anaerobic decomposition?", "s-an", None, "answer", "learner-x")
    assert anaerobic.status == "answered" and anaerobic.citations[0].ref == "1.3"
    for a in (mesh, anaerobic):
        assert "Section" not in a.answer, a.answer


def test_a_definition_is_developed_from_its_own_paragraph_not_its_siblings(beekeeping):
    """3.2 defines American foulbrood in one paragraph and European foulbrood in the next. "What is American
    foulbrood?" was answered with the next paragraph's "Infected larvae look twisted …" and "It is usually less
    severe than American foulbrood …" (European foulbrood's symptom, and a sentence that then contradicts itself);
    "what is european foulbrood" with American foulbrood's spores."""
    afb = tutor.answer(beekeeping, "What is American foulbrood?", "s-afb", None, "answer", "learner-x")
    assert afb.status == "answered" and afb.answer.startswith("American foulbrood is a bacterial disease")
    assert "twisted" not in afb.answer and "less severe" not in afb.answer
    efb = tutor.answer(beekeeping, "what is european foulbrood", "s-efb", None, "answer", "learner-x")
    assert efb.status == "answered" and efb.answer.startswith("European foulbrood is a different bacterial disease")
    assert "spores of American foulbrood" not in efb.answer


def test_what_is_x_is_answered_by_the_retrieved_section_that_defines_x(beekeeping, kitchen):
    """"What is the queen?" was answered from 3.3 (swarming: "the old queen is moved …"), retrieved first, while 1.1,
    retrieved second, says "The queen is the only fully developed female …"; "what is pathogens?" likewise."""
    queen = tutor.answer(beekeeping, "what is the queen?", "s-queen", None, "answer", "learner-x")
    assert queen.status == "answered" and queen.citations[0].ref == "1.1"
    assert queen.answer.startswith("The queen is the only fully developed female")
    pathogens = tutor.answer(kitchen, "what are pathogens?", "s-path", None, "answer", "learner-x")
    assert pathogens.status == "answered" and pathogens.citations[0].ref == "1.1"


def test_a_section_defining_another_term_does_not_take_over_a_search(composting):
    """"compost pile not heating" reads like a term to define, and 2.1's "Hot composting means …" defines a word of it
    ("composting"): a definition of something else than what is asked does not move the answer from 2.3."""
    a = tutor.answer(composting, "compost pile not heating", "s-heat", None, "answer", "learner-x")
    assert a.status == "answered" and a.citations[0].ref == "2.3"


def test_a_comparison_names_both_of_its_sides(kitchen):
    """"What's the difference between a bimetallic stemmed thermometer and a thermocouple?" was answered about the
    bimetallic thermometer and calibration, never naming thermocouples (the course writes "Thermocouples and
    thermistors show the temperature digitally …")."""
    a = tutor.answer(kitchen, "What's the difference between a bimetallic stemmed thermometer and a thermocouple?",
                     "s-cmp", None, "answer", "learner-x")
    assert a.status == "answered" and a.answer.startswith("A bimetallic stemmed thermometer")
    assert "Thermocouples and thermistors show the temperature digitally" in a.answer


def test_what_are_x_and_y_defines_both(composting):
    """"what are greens and browns?" led with a rule of thumb and defined greens alone; 1.2 defines both."""
    a = tutor.answer(composting, "what are greens and browns?", "s-both", None, "answer", "learner-x")
    assert a.status == "answered"
    assert '"Greens" are materials rich in nitrogen' in a.answer and '"Browns" are materials rich in carbon' in a.answer


def test_a_comparison_says_what_each_side_is_when_a_retrieved_section_defines_it(tutor_services):
    """"How is sensitivity different from NPV?" was answered from 4.3 alone, which defines NPV and names sensitivity
    only in passing ("what's the difference between a modem and a router" the same on the Wi-Fi course); 4.2 says
    what sensitivity is."""
    a = tutor.answer(tutor_services, "how is sensitivity different from NPV?")
    assert a.status == "answered" and "negative predictive value (NPV)" in a.answer
    assert "In patient terms, sensitivity is about misses (false negatives)." in a.answer
    assert [c.ref for c in a.citations][:2] == ["4.3", "4.2"]


@pytest.mark.parametrize("question, intent", [
    ("wet or dry lube, which is better?", "comparison"),
    ("which one works best for a small flat, mesh or an extender?", "comparison"),
    ("what is the difference between sensitivity and PPV?", "comparison"),
    ("why does lube attract dirt?", "reason"),
    ("is it better to lube the chain often?", "general"),
])
def test_asking_which_of_two_is_better_is_a_comparison(question, intent):
    """"Wet or dry lube, which is better?" was answered with dry lube alone: read as a comparison, the answer names
    both sides (compose's `compared`)."""
    from imaging_tutor.tutor.extractive import intent_of

    assert intent_of(question) == intent


@pytest.mark.parametrize("question", ["how do i clean and lube my chain", "steps to lube a chain"])
def test_a_procedure_the_course_numbers_is_given_whole_and_in_order(bicycle, question):
    """"how do i clean and lube my chain" was answered "5. Wipe the outside …", a fact about lube, then "3. Apply one
    small drop …": the best-scoring step led and the others were left out."""
    a = tutor.answer(bicycle, question)
    texts = [s.text for s in a.sentences]
    assert texts[0] == "To clean and lube a chain:", texts
    steps = [t[:2] for t in texts if t[:1].isdigit()]
    assert steps == ["1.", "2.", "3.", "4.", "5."], texts
    assert all(s.refs == ["2.2"] for s in a.sentences)


def test_a_question_that_asks_no_steps_gets_no_procedure(bicycle):
    a = tutor.answer(bicycle, "how often should i lube my chain")
    assert a.status == "answered" and not [s for s in a.sentences if s.text[:1].isdigit()], a.answer
