"""The rule extractor: labelled-set scores, negation, several facts per sentence, abbreviations,
look-alikes that must not fire, and the invariants every proposal keeps."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from bench.extraction_eval import PRECISION_TARGET, RECALL_TARGET, evaluate, load
from bench.extraction_files import DEFAULT_PATH
from crm.core.extraction_rules import RULES_VERSION, extract
from crm.core.vocabulary import known_key, normalise_value

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


def count(n: int, plus: bool = False) -> dict[str, Any]:
    return {"count": n, "plus": plus}


def assert_valid(note: str) -> None:
    proposals = extract(note)
    keys = [p.key for p in proposals]
    assert keys == sorted(set(keys)), "one proposal per key, sorted by key"
    for p in proposals:
        assert known_key(p.key)
        assert normalise_value(p.key, p.value) == p.value
        assert p.source == "rules"
        assert 0.0 <= p.confidence <= 1.0
        assert p.evidence and p.evidence in note, (p.key, p.evidence)


# -- the labelled set ----------------------------------------------------------------------


def test_labelled_set_meets_precision_and_recall_targets() -> None:
    report = evaluate(DEFAULT_PATH)
    lines = [f"{m['id']} missed {m['key']}={json.dumps(m['value'])}" for m in report["misses"]]
    lines += [
        f"{f['id']} wrongly proposed {f['key']}={json.dumps(f['value'])} from {f['evidence']!r}"
        for f in report["false_positives"]
    ]
    overall = report["all"]
    detail = f"{overall}\n" + "\n".join(lines)
    assert overall["precision"] >= PRECISION_TARGET, detail
    assert overall["recall"] >= RECALL_TARGET, detail


def test_labelled_set_is_well_formed() -> None:
    rows = load(DEFAULT_PATH)
    assert len(rows) >= 70
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r.get("split", "dev") for r in rows} <= {"dev", "holdout", "blind"}
    # Notes the rules were never tuned against: at least a third of the set.
    untuned = [r for r in rows if r.get("split") in ("holdout", "blind")]
    assert len(untuned) >= len(rows) // 3
    assert any(not r["expected"] for r in rows), "some notes have nothing to extract"
    for row in rows:
        keys = [e["key"] for e in row["expected"]]
        assert len(keys) == len(set(keys)), row["id"]
        for e in row["expected"]:
            assert normalise_value(e["key"], e["value"]) == e["value"], row["id"]


def test_every_labelled_note_gives_valid_proposals() -> None:
    for row in load(DEFAULT_PATH):
        assert_valid(row["note"])


# -- the headline note ---------------------------------------------------------------------


def test_headline_note() -> None:
    note = (
        "Elderly woman, very nice. 20+ screens. Dog named Biscuit, keep gate closed. "
        "Bring the extension ladder."
    )
    assert facts(note) == {
        "demographic.age_group": "elderly",
        "property.screen_count": count(20, plus=True),
        "pets.has_dog": True,
        "pets.dog_name": "Biscuit",
        "access.gate_closed": True,
        "equipment.extension_ladder": True,
    }
    evidence = {p.key: p.evidence for p in extract(note)}
    assert evidence["pets.dog_name"] == "Dog named Biscuit"
    assert evidence["property.screen_count"] == "20+ screens"
    assert evidence["access.gate_closed"] == "keep gate closed"
    assert RULES_VERSION == "1"


# -- negation and change over time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("no dog anymore", "pets.has_dog", False),
        ("dog passed away last spring", "pets.has_dog", False),
        ("No longer has the dog.", "pets.has_dog", False),
        ("They don't have a dog anymore", "pets.has_dog", False),
        ("Gate doesn't need to be closed.", "access.gate_closed", False),
        ("gate can stay open now", "access.gate_closed", False),
        ("Don't leave the gate open!", "access.gate_closed", True),
        ("no bees this year", "hazards.bees", False),
        ("wasps were bad last year but none now", "hazards.bees", False),
        ("Bees gone, hive removed.", "hazards.bees", False),
        ("Doesn't need the ladder.", "equipment.extension_ladder", False),
        ("no ladder needed", "equipment.extension_ladder", False),
        ("no hard water this time", "property.hard_water", False),
        ("Has 2 cats, no dogs.", "pets.has_dog", False),
    ],
)
def test_negation_flips_the_fact(note: str, key: str, value: bool) -> None:
    assert facts(note).get(key) == value
    assert_valid(note)


def test_negated_evidence_includes_the_negation() -> None:
    evidence = {p.key: p.evidence for p in extract("Doesn't need the ladder, no bees.")}
    assert evidence["equipment.extension_ladder"] == "Doesn't need the ladder"
    assert evidence["hazards.bees"] == "no bees"


@pytest.mark.parametrize(
    ("note", "key"),
    [
        ("not elderly, just uses a cane", "demographic.age_group"),
        ("dog doesn't bite", "pets.dog_temperament"),
        ("not pref am", "preferences.time_of_day"),
        ("doesn't pay by check", "payment.preference"),
        ("no weekends", "preferences.days"),
    ],
)
def test_negation_silences_the_fact(note: str, key: str) -> None:
    assert key not in facts(note)


def test_later_statement_wins_and_takes_its_dependents_along() -> None:
    got = facts("Dog named Rex, aggressive. Update: no dog anymore.")
    assert got["pets.has_dog"] is False
    for gone in ("pets.dog_name", "pets.dog_temperament", "hazards.aggressive_dog"):
        assert gone not in got
    assert facts("Dog named Rex. Rex passed away in June.")["pets.has_dog"] is False
    assert facts("No dog. Got a puppy named Scout last month!")["pets.dog_name"] == "Scout"


def test_specific_outranks_vague() -> None:
    assert facts("Retired couple in their 80s.")["demographic.age_group"] == "elderly"
    assert facts("Retired couple.")["demographic.age_group"] == "senior"


# -- several facts per sentence ------------------------------------------------------------


def test_several_facts_in_one_sentence() -> None:
    assert facts("Dog named Biscuit, keep gate closed.") == {
        "pets.has_dog": True,
        "pets.dog_name": "Biscuit",
        "access.gate_closed": True,
    }
    assert facts("Dog named Pepper and a cat named Ziggy, wife is Linda, pays cash") == {
        "pets.has_dog": True,
        "pets.dog_name": "Pepper",
        "pets.has_cat": True,
        "pets.cat_name": "Ziggy",
        "people.spouse_name": "Linda",
        "payment.preference": "cash",
    }
    assert facts("2 STORY, 45 WINDOWS, 45 SCREENS, SKYLIGHTS X3") == {
        "property.stories": count(2),
        "property.window_count": count(45),
        "property.screen_count": count(45),
        "property.skylight_count": count(3),
    }


def test_temperament_belongs_to_the_nearest_animal() -> None:
    got = facts("Dog named biscuit and a cat, cat is super friendly")
    assert "pets.dog_temperament" not in got
    assert facts("Lab named Duke, super friendly.")["pets.dog_temperament"] == "friendly"
    assert facts("Friendly golden retriever, Sunny.")["pets.dog_name"] == "Sunny"


# -- counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("20+ screens", "property.screen_count", count(20, True)),
        ("twenty screens", "property.screen_count", count(20)),
        ("Twenty-five windows", "property.window_count", count(25)),
        ("about 30 windows", "property.window_count", count(30)),
        ("over 40 windows", "property.window_count", count(40, True)),
        ("20-25 windows", "property.window_count", count(20, True)),
        ("skylights x4", "property.skylight_count", count(4)),
        ("Skylights: 3", "property.skylight_count", count(3)),
        ("No screens on this house", "property.screen_count", count(0)),
        ("two story", "property.stories", count(2)),
        ("2-story colonial", "property.stories", count(2)),
        ("3 stories in back", "property.stories", count(3)),
        ("2 sty", "property.stories", count(2)),
        ("single story ranch", "property.stories", count(1)),
        ("approx 22 windws + 22 scrns", "property.screen_count", count(22)),
    ],
)
def test_counts(note: str, key: str, value: dict[str, Any]) -> None:
    assert facts(note).get(key) == value


# -- abbreviations and technician shorthand ------------------------------------------------


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("w/ ext ladder", "equipment.extension_ladder", True),
        ("bring 32ft ladder", "equipment.extension_ladder", True),
        ("wfp for 2nd floor", "equipment.water_fed_pole", True),
        ("gate cd 4521", "access.gate_code", "4521"),
        ("Gate code is #4521", "access.gate_code", "4521"),
        ("lock box 1234", "access.lockbox_code", "1234"),
        ("Lockbox on side door, code 0912", "access.lockbox_code", "0912"),
        ("pref am", "preferences.time_of_day", "morning"),
        ("mornings only", "preferences.time_of_day", "morning"),
        ("after 2pm b/c she works", "schedule.time_window", "after 2pm"),
        ("evening appts only", "preferences.time_of_day", "evening"),
        ("text only", "preferences.contact_method", "text"),
        ("txt b4 coming", "preferences.contact_method", "text"),
        ("prefers email", "preferences.contact_method", "email"),
        ("pays by check", "payment.preference", "check"),
        ("CASH ONLY", "payment.preference", "cash"),
        ("Pays w/ card at door", "payment.preference", "card"),
        ("invoice to the HOA, net 30", "payment.preference", "invoice"),
        ("takes forever", "duration.longer_than_usual", True),
        ("took 3 hrs longer than normal", "duration.longer_than_usual", True),
        ("hard water spots on slider", "property.hard_water", True),
        ("bees nest by the back door", "hazards.bees", True),
        ("wasps under the eave", "hazards.bees", True),
        ("rose bushes under the windows", "hazards.fragile_plants", True),
        ("careful w/ flower beds", "hazards.fragile_plants", True),
        ("marble sills, no razor", "property.special_sills", True),
        ("dog bites", "hazards.aggressive_dog", True),
        ("aggressive dog", "pets.dog_temperament", "aggressive"),
        ("beware of dog", "pets.has_dog", True),
        ("elderly", "demographic.age_group", "elderly"),
        ("older lady, lives alone", "demographic.age_group", "elderly"),
        ("retired couple in their 80s", "demographic.age_group", "elderly"),
        ("young family w/ kids", "demographic.age_group", "young_family"),
        ("husband Bob", "people.spouse_name", "Bob"),
        ("wife's name is Carol", "people.spouse_name", "Carol"),
        ("HUSBAND JIM HANDLES PAYMENT", "people.spouse_name", "Jim"),
        ("tenant Mike", "people.tenant_name", "Mike"),
        ("Ask for Maria, the tenant.", "people.tenant_name", "Maria"),
        ("prefers Tuesdays", "preferences.days", ["tuesday"]),
        ("Only Mon or Wed.", "preferences.days", ["monday", "wednesday"]),
        ("weekdays only", "preferences.days", WEEKDAYS),
        ("Sat or Sun works best", "preferences.days", ["saturday", "sunday"]),
        ("cat named Luna", "pets.cat_name", "Luna"),
        ("park on the street, driveway is steep", "access.parking", "on the street"),
    ],
)
def test_shorthand(note: str, key: str, value: Any) -> None:
    assert facts(note).get(key) == value
    assert_valid(note)


def test_aggressive_dog_implies_the_dog() -> None:
    assert facts("DOG BITES!!!") == {
        "pets.has_dog": True,
        "pets.dog_temperament": "aggressive",
        "hazards.aggressive_dog": True,
    }


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("dog named biscuit and a cat", "pets.dog_name", "Biscuit"),
        ("DOG NAMED ZEUS, FRIENDLY", "pets.dog_name", "Zeus"),
        ("cat is named mittens, very shy", "pets.cat_name", "Mittens"),
        ("still has the cat (Oreo)", "pets.cat_name", "Oreo"),
        ("still has the dog, Rocky, friendly", "pets.dog_name", "Rocky"),
        ("dog named very friendly", "pets.dog_name", None),
        ("dog named and microchipped", "pets.dog_name", None),
        ("tenant is moving out in May", "people.tenant_name", None),
        ("WIFE IS VERY PARTICULAR", "people.spouse_name", None),
        ("my wife Jane says hi", "people.spouse_name", None),
        ("ex-husband Rick sometimes shows up", "people.spouse_name", None),
    ],
)
def test_names(note: str, key: str, value: str | None) -> None:
    assert facts(note).get(key) == value


# -- look-alikes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "absent"),
    [
        ("Gate was open when I arrived.", "access.gate_closed"),
        ("She mentioned her neighbor's dog Max barks a lot.", "pets.has_dog"),
        ("She mentioned her neighbor's dog Max barks a lot.", "pets.dog_name"),
        ("Old man next door always comes over to talk.", "demographic.age_group"),
        ("Call 256-555-1234, quoted $120.", "property.window_count"),
        ("Appt at 9am tues. Texted her to confirm.", "preferences.days"),
        ("Appt at 9am tues. Texted her to confirm.", "preferences.contact_method"),
        ("Appt at 9am tues. Texted her to confirm.", "preferences.time_of_day"),
        ("She works mornings.", "preferences.time_of_day"),
        ("2nd story windows are hard to reach.", "property.stories"),
        ("Left invoice in door, $145.", "payment.preference"),
        ("Only need the step ladder.", "equipment.extension_ladder"),
        ("Watch the ladder feet on the deck.", "equipment.extension_ladder"),
        ("the house is 50 years old", "demographic.age_group"),
        ("Mr Shepherd is the owner", "pets.has_dog"),
        ("Customer is very friendly", "pets.dog_temperament"),
        ("10 windows on the second floor", "property.window_count"),
        ("Don't park on the grass", "access.parking"),
    ],
)
def test_look_alikes_propose_nothing(note: str, absent: str) -> None:
    assert absent not in facts(note)


@pytest.mark.parametrize(
    "note",
    [
        "Nothing to note.",
        "Windows were filthy. Used 2 extra towels.",
        "Her cell is 256-555-1234. Quoted $120 for inside and out.",
        "nice house on the hill, great view. weather was cold.",
    ],
)
def test_notes_with_nothing_to_extract(note: str) -> None:
    assert extract(note) == []


# -- robustness ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "",
        " ",
        "\n\n\t",
        ".",
        "!!!???",
        "🐶🐕🚪",
        "Çok güzel ev, köpek yok",
        "\x00\x01\x02",
        "İ" * 50,
        "dog\u2019s gate \u2014 keep it closed\u00a0!",
    ],
)
def test_odd_input_does_not_crash(note: str) -> None:
    assert_valid(note)


def test_random_input_keeps_the_invariants() -> None:
    rng = random.Random(1234)
    text = (
        "dog cat named no not gate closed keep code 4521 lock box 20+ windows screens x4 story "
        "prefers Tuesday only text cash check husband Bob tenant bees hard water neighbor's "
        "elderly after 2pm , . ! - ( ) # $ 🐶 \u00e9\u2019 \n"
    )
    words = text.split(" ")
    for _ in range(300):
        note = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        assert_valid(note)
        assert extract(note) == extract(note)


def test_huge_note_is_handled() -> None:
    sentence = "Dog named Biscuit, keep gate closed. 20+ screens, no bees. "
    note = (sentence * (100_000 // len(sentence) + 1))[:100_000]
    assert facts(note)["pets.dog_name"] == "Biscuit"
    assert_valid(note)
    # a run of capitals ends a sentence a heading would start: read once, not split every way
    heading = "ok. Mrs. Watch " + "Z" * 3_000 + "!"
    for filler in ("a" * 100_000, "dog " * 25_000, "1" * 100_000, "gate code " * 10_000, heading):
        assert_valid(filler)
