"""The same fact in the many ways technicians write it, and sentences that must stay silent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.extraction_eval import DATA, evaluate
from crm.core.extraction_rules import extract

TUNING_2026B = Path(DATA) / "notes_tuning_2026b.jsonl"


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("Tom (husband) handles the $$.", "people.spouse_name", "Tom"),
        ("Tenant: Rosa Delgado (moved in Aug).", "people.tenant_name", "Rosa Delgado"),
        ("Call Jerry (maintenance) when we get there.", "people.maintenance", "Jerry"),
        ("Daughter-in-law Priya is the contact now.", "people.daughter_in_law", "Priya"),
        ("Our contact there is Denise.", "people.contact", "Denise"),
        ("Preferred tech: Aaron.", "people.preferred_crew", "Aaron"),
        ("Cust requested Marcus for all future visits.", "people.preferred_crew", "Marcus"),
        ("Ask for Brenda at reception.", "people.contact", "Brenda"),
        ("Wife (Mei) does the English.", "people.translator", "Mei"),
        ("Mrs. Alvarez's husband Tom answered.", "people.spouse_name", "Tom"),
    ],
)
def test_people_by_role_in_many_phrasings(note: str, key: str, value: str) -> None:
    assert facts(note)[key] == value


def test_a_company_before_a_role_is_not_a_person() -> None:
    found = facts("Managed by Harbor Realty, our contact there is Denise.")
    assert [v for k, v in found.items() if k.startswith("people.")] == ["Denise"]


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("KEY: under the frog statue", "access.key_location", "key: under the frog statue"),
        (
            "Grandson Eli mows the lawn and has a key.",
            "access.key_location",
            "grandson eli has a key",
        ),
        ("we let ourselves in thru the garage keypad - 7734", "access.gate_code", "7734"),
        ("no street parking - use the driveway", "access.parking", "use the driveway"),
        ("Paid cash today, $180.", "payment.preference", "cash"),
        ("she'll mail a check", "payment.preference", "check"),
        ("Military discount 10pct.", "payment.discount", "military discount 10%"),
        ("Quarterly, $350/visit agreed.", "property.usual_price", "$350/visit"),
        ("every 3 mos", "schedule.frequency", "every 3 months"),
        ("we have to be out by 2pm", "schedule.time_window", "out by 2pm"),
        ("Wed or Thu are good.", "preferences.days", ["wednesday", "thursday"]),
        ("snowbird to FL Nov thru April", "schedule.away", "nov through april"),
        ("Bring the restoration kit.", "equipment.restoration_kit", True),
        ("They got rid of the cat.", "pets.has_cat", False),
        ("Don't let the cat out!!", "pets.has_cat", True),
        ("Don't let the cat out!!", "instructions.cat", "don't let the cat out"),
    ],
)
def test_facts_in_many_phrasings(note: str, key: str, value: Any) -> None:
    assert facts(note)[key] == value


def test_a_pronoun_is_the_sentence_subject() -> None:
    found = facts("Septic lid by the side door is cracked, don't stand on it")
    assert found["instructions.septic_lid"] == "don't stand on the septic lid"
    assert facts("Roof is clay tile - NO walking on it.")["instructions.roof"] == (
        "don't walk on the roof"
    )


def test_instructions_about_one_thing_are_kept_together() -> None:
    found = facts("Streak-sensitive customer!! go over every pane twice")
    assert found["instructions.inspection"] == (
        "streak-sensitive customer, go over every pane twice"
    )


def test_an_exact_early_time_is_a_window_not_a_time_of_day() -> None:
    found = facts("every Monday before 8am")
    assert found["schedule.time_window"] == "before 8am"
    assert "preferences.time_of_day" not in found


@pytest.mark.parametrize(
    "note",
    [
        "Finished at 2:15. Paid in full.",
        "Her husband passed last year.",
        "Old tenant Jake is gone.",
        "Told her about the gutter guard special.",
        "Rained out, rescheduled to Thursday.",
        "Wasps around the AC unit every summer",
    ],
)
def test_the_job_itself_and_what_is_gone_are_not_facts(note: str) -> None:
    keys = set(facts(note))
    assert not keys & {"instructions.note", "property.features", "schedule.frequency"}
    assert not any(k.startswith("people.") for k in keys)


def test_second_tuning_split_scores() -> None:
    report = evaluate([TUNING_2026B])
    assert report["dev2026b"]["notes"] >= 100
    assert report["dev2026b"]["precision"] >= 0.9
    assert report["dev2026b"]["recall"] >= 0.8
