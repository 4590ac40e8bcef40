"""Reading the options back out of a cold-start prompt (`validators.traces.prompt_options`)."""

from __future__ import annotations

from ladderdata.validators.traces import prompt_options

PROMPT = (
    "Question: Which of these objects (sofa, table) is nearest to the cabinet?\n"
    "Options:\nA. sofa\nB. coffee table\nC. trash can \n"  # the template leaves a space on the last one
    "Please Think about this question as if you were a human pondering deeply."
)


def test_options_up_to_the_first_line_that_is_not_the_next_option():
    assert prompt_options(PROMPT) == ["sofa", "coffee table", "trash can"]


def test_lines_out_of_order_or_not_in_the_published_form_end_the_list():
    assert prompt_options("Q\nOptions:\nA. left\nC. right\nB. front") == ["left"]
    assert prompt_options("Q\nOptions:\nA. left\nb) right") == ["left"]
    assert prompt_options("Q\nOptions:\n A. left") == []


def test_numeric_prompts_have_no_options():
    assert prompt_options("Question: How many chairs are in the room?\nPlease answer with a number.") == []
