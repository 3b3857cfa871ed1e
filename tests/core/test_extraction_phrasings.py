"""The same fact in the many ways technicians write it, and sentences that must stay silent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.extraction_eval import evaluate
from bench.extraction_files import DATA
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
            "grandson Eli",
        ),
        ("we let ourselves in thru the garage keypad - 7734", "access.gate_code", "7734"),
        ("no street parking - use the driveway", "access.parking", "use the driveway"),
        ("Paid cash today, $180.", "payment.preference", "cash"),
        ("she'll mail a check", "payment.preference", "check"),
        ("Military discount 10pct.", "payment.discount", "10% military discount"),
        ("Quarterly, $350/visit agreed.", "property.usual_price", "$350/visit"),
        ("every 3 mos", "schedule.frequency", "every 3 months"),
        ("we have to be out by 2pm", "schedule.time_window", "out by 2pm"),
        ("Wed or Thu are good.", "preferences.days", ["wednesday", "thursday"]),
        ("snowbird to FL Nov thru April", "schedule.away", "november to april"),
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


# Round four (dev2026d, val2026e): one spelling per value, and the wordings those writers used.
@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("Same schedule, every other week.", "schedule.frequency", "every 2 weeks"),
        ("They want us every two months.", "schedule.frequency", "every 2 months"),
        ("come once a month and check in", "schedule.frequency", "monthly"),
        ("solar panels, cust wants them cleaned too, 2x/yr.", "schedule.frequency", "twice a year"),
        ("Mrs. Kim prefers mornings, never Mondays.", "schedule.unavailable_days", "monday"),
        ("Prefers afternoons. No Fridays.", "schedule.unavailable_days", "friday"),
        ("only weekdays, never on weekends", "schedule.unavailable_days", "saturday, sunday"),
        ("afternoons are better after 3", "schedule.time_window", "after 3pm"),
        ("works nights, sleeps till 1 - dont come before 1pm", "schedule.time_window", "after 1pm"),
        ("Window between 11-3 only.", "schedule.time_window", "between 11am-3pm"),
        ("Gutters yearly in Nov.", "schedule.season", "november"),
        ("add the driveway every spring w/ the windows", "schedule.season", "spring"),
        ("Best days Wed or Thu.", "preferences.days", ["wednesday", "thursday"]),
        (
            "Schedule: every 6 wks, Tues or Wed, mornings.",
            "preferences.days",
            ["tuesday", "wednesday"],
        ),
        ("the dog his name is rocco hes a boxer", "pets.dog_name", "Rocco"),
        ("dog Biscuit (golden retriever) v friendly", "pets.dog_name", "Biscuit"),
        ("Dog (pitbull mix, Tank) is nervous around men.", "pets.dog_name", "Tank"),
        ("also his wife carol says no ammonia", "people.spouse_name", "Carol"),
        ("talked to the office manager her name is kristen", "people.office_manager", "Kristen"),
        ("Property mgr for the 4-plex is Alan Cho.", "people.property_manager", "Alan Cho"),
        ("PM = Gary Lutz. Net 30.", "people.property_manager", "Gary Lutz"),
        ("Irene, she is the office manager.", "people.office_manager", "Irene"),
        ("Brother-in-law Rick lives in the basement apt.", "people.brother_in_law", "Rick"),
        ("Her husband Ray pays, always by check.", "payment.preference", "check"),
        ("3 stry. pd cash.", "payment.preference", "cash"),
        ("Invoice, net 15.", "payment.preference", "invoice"),
        (
            "landlord (Frank Bello) still pays for the service",
            "payment.payer",
            "landlord (Frank Bello)",
        ),
        ("Then keypad 0915 for the side gate.", "access.gate_code", "0915"),
        ("Lockbox code changed 3391 -> 6604.", "access.lockbox_code", "6604"),
        ("alarm system, the access code is 9034", "access.alarm_code", "9034"),
        (
            "Must sign in w/ security + wear vests.",
            "access.instructions",
            "must sign in with security",
        ),
        ("Sq ft ~2800, cape cod.", "property.square_feet", {"count": 2800, "plus": False}),
        ("Solar array on the garage roof.", "property.features", "solar panels"),
        ("the deck stairs are rotten", "hazards.deck_stairs", "deck stairs are rotten"),
        (
            "LOOSE RAILING ON 2ND FLR BALCONY",
            "hazards.loose_railing",
            "loose railing on 2nd floor balcony",
        ),
    ],
)
def test_round_four_wordings(note: str, key: str, value: Any) -> None:
    assert facts(note).get(key) == value


def test_a_spoken_period_ends_the_sentence() -> None:
    """A dictated note says "period" for a full stop: the parking place stops there."""
    note = "three story house period park at the bottom period she said no ladders"
    assert facts(note)["access.parking"] == "at the bottom"


def test_the_former_manager_is_not_the_manager() -> None:
    got = facts("Old manager Patty is gone. The previous manager, Mr. Hale, is no longer involved.")
    assert "people.manager" not in got


def test_a_name_said_after_the_dog_is_not_a_persons() -> None:
    got = facts("the dog is friendly and his wife's name is Carol")
    assert "pets.dog_name" not in got


def test_round_four_splits_keep_their_scores() -> None:
    """The fourth round's two files (tuned on) do not slip back: a later change that loses
    what they taught shows here, not only in the eval's numbers."""
    from bench.extraction_files import TUNING_D_PATH, VALIDATION_E_PATH

    report = evaluate([TUNING_D_PATH, VALIDATION_E_PATH])
    assert report["dev2026d"]["notes"] == 130 and report["val2026e"]["notes"] == 120
    assert report["dev2026d"]["precision"] >= 0.83 and report["dev2026d"]["recall"] >= 0.8
    assert report["val2026e"]["precision"] >= 0.81 and report["val2026e"]["recall"] >= 0.68


# Round five (dev2026f, dev2026g, val2026h): British and dictated notes, pressure washing and
# commercial sites, payers by name.
@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("wndws x 24. dog in back - Biscuit, freindly.", "pets.dog_name", "Biscuit"),
        ("2 dogs - Pepper + Salt, both bark, both fine.", "pets.dog_name", "Pepper and Salt"),
        ("dog is old n sleepy lol named Rufus", "pets.dog_name", "Rufus"),
        ("the gate code is 4521 and the dog is murphy he barks", "pets.dog_name", "Murphy"),
        (
            "back door - dont let the dog out (Nala, staffy, v friendly)",
            "pets.dog_breed",
            "Staffordshire Bull Terrier",
        ),
        ("Dog Kuma is fine with us now.", "pets.dog_temperament", "friendly"),
        ("2 stry. dog. gate 1234.", "access.gate_code", "1234"),
        ("asks that we text not call", "preferences.contact_method", "text"),
        ("always call her the day before", "preferences.contact_method", "call"),
        ("Service fortnightly.", "schedule.frequency", "fortnightly"),
        ("Skylights x6. takes forever. qtrly.", "schedule.frequency", "quarterly"),
        ("on the 4x a year plan now", "schedule.frequency", "4 times a year"),
        ("Service window 02:00-05:00 only.", "schedule.time_window", "02:00-05:00"),
        ("he works nights so nothing before 1pm please", "schedule.time_window", "after 1pm"),
        ("any day but not weekends", "schedule.unavailable_days", "saturday, sunday"),
        ("Called Mr Lindqvist: he's now paying by direct debit.", "payment.method", "direct debit"),
        ("Abernethy, quarterly, conservatory on the back. Cheque.", "payment.preference", "check"),
        ("Carol pays, by Venmo.", "payment.payer", "Carol"),
        ("Invoice to the management company, net 30.", "payment.payer", "management company"),
        ("10% senior disc. 1 stry.", "payment.discount", "10% senior discount"),
        ("Customer's carer, Bev, answers the door.", "people.carer", "Bev"),
        ("Host is Olivia, pays via PayPal.", "people.owner", "Olivia"),
        ("His missus is Siobhan.", "people.spouse_name", "Siobhan"),
        ("MRS. FENWICK IS 92. SON ROBERT HANDLES EVERYTHING.", "people.son", "Robert"),
        ("Fence cedar, about 180 ft.", "property.features", "fence cedar"),
        ("Deck is pressure treated pine.", "property.features", "deck is pressure treated pine"),
        (
            "LOW pressure only on the deck, it splinters.",
            "instructions.deck",
            "low pressure only on the deck",
        ),
    ],
)
def test_round_five_wordings(note: str, key: str, value: Any) -> None:
    assert facts(note).get(key) == value


def test_the_payer_is_said_both_ways() -> None:
    got = facts("Landlord Mike Stavros owns 6 doubles. Mike pays by check, quarterly.")
    assert got["payment.payer"] == "Mike Stavros (landlord)"
    assert got["people.landlord"] == "Mike Stavros"


def test_bill_the_owner_is_no_person_named_bill() -> None:
    assert "people.owner" not in facts("Bill the owner in Atlanta, tenant pays nothing.")


def test_a_leftover_keeps_the_words_as_written() -> None:
    """An ALL CAPS note is read with its words capitalised, but a leftover shows it as written."""
    got = facts("WATCH FOR THE DELIVERY TRUCKS IN THE ALLEY.")
    assert got["instructions.note"] == "WATCH FOR THE DELIVERY TRUCKS IN THE ALLEY"


def test_round_five_splits_keep_their_scores() -> None:
    """dev2026f, dev2026g and val2026h (tuned on after their untouched scores were recorded)."""
    from bench.extraction_files import TUNING_F_PATH, TUNING_G_PATH, VALIDATION_H_PATH

    report = evaluate([TUNING_F_PATH, TUNING_G_PATH, VALIDATION_H_PATH])
    assert report["dev2026f"]["precision"] >= 0.8 and report["dev2026f"]["recall"] >= 0.69
    assert report["dev2026g"]["precision"] >= 0.72 and report["dev2026g"]["recall"] >= 0.62
    assert report["val2026h"]["precision"] >= 0.82 and report["val2026h"]["recall"] >= 0.72


def test_one_hazard_per_place_and_a_payment_cadence_is_no_visit_frequency() -> None:
    """The same words make one hazard, not two; "pays by check, quarterly" is how often they
    pay, and the visits' own frequency stays."""
    got = facts("Loose railing on the 2nd flr balcony - dont lean ladders on it.")
    assert [k for k in got if k.startswith("hazards.")] == ["hazards.loose_railing"]
    got = facts("Mike pays by check, quarterly. Every 6 wks.")
    assert got["payment.terms"] == "quarterly"
    assert got["schedule.frequency"] == "every 6 weeks"
