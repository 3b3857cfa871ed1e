"""What rounds twenty-one and twenty-two taught beyond one wording and its fact (those cases are
in extraction_cases_21_22.py, run by test_extraction_later_rounds.py)."""

from __future__ import annotations

from crm.core.extraction_rules.base import Note
from tests.core.extraction_cases_21_22 import LIST_NOTE, facts


def test_who_said_a_part_is_broken_is_not_the_part() -> None:
    found = facts("dont spray near the pool equipment, he said the cover is broken")
    assert "hazards.cover" in found and not any("said" in key for key in found)


def test_a_sentence_left_over_from_a_list_does_not_keep_its_bar() -> None:
    found = facts("2 story | dog: Pepper (bites!!) | side gate latch broken, use front | pay chk")
    assert found["instructions.note"] == "side gate latch broken, use front"


def test_a_bracket_closing_a_number_is_no_list() -> None:
    assert "unit 6)" in Note("Tran Nail Spa (strip ctr unit 6) - wash the walk.").text
    assert "2)" not in Note("1) gate 4411 2) dog Max").text


def test_a_list_item_is_its_own_sentence() -> None:
    found = facts(LIST_NOTE)
    assert found["property.stories"] == {"count": 2, "plus": False}
    assert found["property.features"] == "window film"
