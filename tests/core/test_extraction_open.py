"""Open families: facts no typed key fits are kept, checked, placed and scored like the rest;
and a sentence that carries a fact no rule understood is never silently dropped."""

from __future__ import annotations

from typing import Any

import pytest

from bench.extraction_eval import evaluate
from bench.extraction_files import TUNING_PATH
from bench.extraction_match import same_fact
from crm.core.extraction import answer_schema, validate_answer
from crm.core.extraction_rules import extract
from crm.core.vocabulary import VocabularyError, is_open_key, is_property_fact, normalise_value


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("Her son David translates, she only speaks Spanish.", "people.son", "David"),
        ("Her son David translates, she only speaks Spanish.", "people.translator", "David"),
        ("Her son David translates, she only speaks Spanish.", "language.spoken", "Spanish"),
        ("Storefront on Main. Manager Kelly signs.", "people.manager", "Kelly"),
        ("Asked for Jose again.", "people.preferred_crew", "Jose"),
        ("Property manager Dana Ruiz handles it.", "people.property_manager", "Dana Ruiz"),
        (
            "Key under the mat by the back door.",
            "access.key_location",
            "key under the mat by the back door",
        ),
        ("Pays with Venmo.", "payment.method", "venmo"),
        ("10% military discount.", "payment.discount", "10% military discount"),
        ("Quarterly service.", "schedule.frequency", "quarterly"),
        ("Call after 10am, never before.", "schedule.time_window", "after 10am"),
        ("Airbnb rental, lockbox 2290.", "customer.type", "airbnb rental"),
        ("Approx 2,800 sq ft ranch.", "property.square_feet", {"count": 2800, "plus": False}),
        ("Rottweiler named Bruno.", "pets.dog_breed", "Rottweiler"),
    ],
)
def test_open_family_facts(note: str, key: str, value: Any) -> None:
    assert facts(note)[key] == value


def test_features_and_hazards_are_short_phrases() -> None:
    found = facts("Solar panels on the south roof. Steep gravel drive, park at the bottom.")
    assert found["property.features"] == "solar panels"
    assert found["hazards.steep_driveway"] == "steep gravel drive"


def test_every_proposal_fits_the_vocabulary_and_quotes_the_note() -> None:
    note = "Tinted windows - NO ammonia! Her son David translates. Sprinklers at 6am."
    for p in extract(note):
        assert normalise_value(p.key, p.value) == p.value
        assert p.evidence in note


# -- nothing silently dropped --------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Watch out for the broken flagstone by the shed.",  # a hazard
        "Mrs Okafor said to leave the invoice with the front desk.",  # a person
        "The overhang is 14 ft above the patio.",  # a number with a unit
        "Remember to wipe the hinges.",  # an instruction
    ],
)
def test_a_sentence_no_rule_understood_becomes_a_low_confidence_note(sentence: str) -> None:
    notes = [
        p for p in extract(f"Great job today. {sentence}") if p.key.startswith("instructions.")
    ]
    assert len(notes) == 1
    assert notes[0].value == sentence.rstrip(".")
    assert notes[0].evidence == sentence
    assert notes[0].confidence < 0.5


def test_sentences_about_the_job_itself_are_not_notes() -> None:
    assert extract("Did all windows in and out, 2.5 hrs. Paid $240, tipped $20.") == []


def test_a_sentence_a_rule_understood_is_not_repeated_as_a_note() -> None:
    assert "instructions.note" not in facts("Gate code 4471. Husband Tom is deaf.")


# -- the vocabulary ------------------------------------------------------------------------


def test_open_keys_have_a_shape_and_a_family() -> None:
    assert is_open_key("hazards.sprinklers")
    assert is_open_key("people.property_manager")
    for key in (
        "favourite.colour",
        "hazards",
        "hazards.",
        "Hazards.x",
        "hazards.x-y",
        "h." + "a" * 70,
    ):
        assert not is_open_key(key), key
    with pytest.raises(VocabularyError):
        normalise_value("favourite.colour", "blue")


def test_open_values_are_short_clean_text_or_yes_no() -> None:
    assert normalise_value("hazards.wasps", True) is True
    assert normalise_value("people.son", "david  lee") == "David Lee"
    assert (
        normalise_value("instructions.roof", " don't go on the roof. ") == "don't go on the roof."
    )
    for bad in ("", "x" * 121, "line\x00break", 7, ["a"]):
        with pytest.raises(VocabularyError):
            normalise_value("instructions.roof", bad)


@pytest.mark.parametrize(
    ("key", "on_property"),
    [
        ("access.key_location", True),
        ("hazards.sprinklers", True),
        ("property.features", True),
        ("pets.dog_breed", True),
        ("equipment.tall_ladder", True),
        ("instructions.roof", True),
        ("people.son", False),
        ("language.spoken", False),
        ("payment.discount", False),
        ("schedule.frequency", False),
        ("customer.type", False),
        ("preferences.days", False),
    ],
)
def test_placement_property_or_contact(key: str, on_property: bool) -> None:
    assert is_property_fact(key) is on_property


def test_the_model_route_accepts_open_families_and_still_refuses_unknown_ones() -> None:
    note = "Sprinklers by the drive. Her son David translates."
    data = {
        "attributes": [
            {
                "key": "hazards.sprinklers",
                "value": True,
                "evidence": "Sprinklers",
                "confidence": 0.8,
            },
            {"key": "people.son", "value": "david", "evidence": "son David", "confidence": 0.9},
            {"key": "favourite.colour", "value": "blue", "evidence": "David", "confidence": 0.9},
        ]
    }
    kept, dropped = validate_answer(data, note=note, source="llm:local")
    assert [(p.key, p.value) for p in kept] == [
        ("hazards.sprinklers", True),
        ("people.son", "David"),
    ]
    assert dropped == ["dropped 'favourite.colour': not a known key or wrong value shape"]
    key_schema = answer_schema()["properties"]["attributes"]["items"]["properties"]["key"]
    assert {"enum", "pattern"} == {k for option in key_schema["anyOf"] for k in option}


# -- scoring -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "got", "same"),
    [
        (("hazards.sprinklers", True), ("hazards.sprinklers", "sprinkler heads"), False),
        (("hazards.sprinklers", True), ("hazards.sprinklers", "sprinklers by the drive"), True),
        (
            ("instructions.roof", "don't go on the roof"),
            ("instructions.note", "Please don't go on the roof"),
            True,
        ),
        (("people.son", "David"), ("people.son", "david"), True),
        (("pets.has_dog", False), ("pets.has_dog", True), False),
        (("access.gate_code", "0415"), ("access.gate_code", "3321"), False),
        (("hazards.bees", True), ("hazards.wasps", True), False),  # typed key: the full key
        (("payment.method", "venmo"), ("schedule.frequency", "venmo"), False),
    ],
)
def test_facts_match_by_family_and_value(
    expected: tuple[str, Any], got: tuple[str, Any], same: bool
) -> None:
    assert same_fact(expected, got) is same


def test_tuning_split_scores() -> None:
    report = evaluate([TUNING_PATH])
    assert report["dev2026"]["notes"] >= 60
    assert report["dev2026"]["precision"] >= 0.9
    assert report["dev2026"]["recall"] >= 0.8
