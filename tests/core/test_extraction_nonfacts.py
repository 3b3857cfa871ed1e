"""What a technician writes about the visit itself never becomes a fact about the customer."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core.extraction_rules import extract


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


@pytest.mark.parametrize(
    "note",
    [
        "Mrs Patel tipped $15 and gave us lemonade.",
        "Mixed 5 gallons of solution.",
        "Owner wasn't home.",
        "Sprayed nothing, told the owner.",
        "She mentioned her late husband used to do the windows himself.",
        "She said the old company broke a screen and never came back. We were careful.",
        "Drive was icy in the morning, waited till 10.",
    ],
)
def test_a_log_of_the_visit_is_no_fact(note: str) -> None:
    assert facts(note) == {}


@pytest.mark.parametrize(
    ("note", "key"),
    [
        ("Jim from the hardware store said the pollen's bad this year.", "customer.type"),
        ("Mentioned our gutter guard install, she wasn't interested.", "property.features"),
        ("Told her it may need the restoration kit next time.", "equipment.restoration_kit"),
        ("Quote for 2x a year: $320/visit, she said she'd let us know.", "property.usual_price"),
        ("Upsold screen repair, 3 screens rescreened at $35 ea.", "property.screen_count"),
        ("4 windows had broken seals, fogged.", "property.window_count"),
        ("Took both ladders off the truck, 90 minutes, done by 3.", "schedule.time_window"),
        ("Bill the owner, Dr. Adams. Net 30.", "payment.preference"),
        ("The dog next door bit the ladder strap lol.", "pets.has_dog"),
        ("Next door neighbor Carl asked for a quote, gave him a card.", "people.neighbor"),
        ("Always park on the street.", "instructions.general"),
        ("only spot is the church lot across the street on weekdays", "customer.type"),
        ("Steep bank behind the garage with loose rock.", "customer.type"),
        ("8:05-10:50. 2 men. Inv $285 pd.", "schedule.time_window"),
        ("Sato - bill to daughter Emi.", "payment.preference"),
        ("new tenant on elm, her name is Brianna. old guy moved out", "demographic.age_group"),
        (
            "keep the driveway clear on Tuesdays and Thursdays, she has appointments",
            "preferences.days",
        ),
        ("Spoke with Mr. Abernathy this morning.", "instructions.note"),
        ("Customer name is Mrs. Ortiz.", "instructions.note"),
        ("Owner is calling pest control about the nest.", "instructions.note"),
    ],
)
def test_things_said_in_passing_are_not_facts(note: str, key: str) -> None:
    assert key not in facts(note)


def test_a_former_tenant_is_not_the_tenant() -> None:
    found = facts("New tenant moved in, name's Marcus. Old tenant Jenny moved out in June.")
    assert found["people.tenant_name"] == "Marcus"


def test_bill_him_goes_to_the_role_named_before() -> None:
    # The payer is said both ways when the note names the person too.
    assert facts("Landlord is Mr. Greene, bill him not her.")["payment.payer"] == (
        "landlord (Mr. Greene)"
    )
    assert facts("Landlady Mrs Birch lives in Atlanta, bill her directly.")["payment.payer"] == (
        "landlord (Mrs. Birch)"
    )
    assert facts("Mike pays by check.")["payment.payer"] == "Mike"
    assert facts("Landlord Mike Stavros. Mike pays by check.")["payment.payer"] == (
        "Mike Stavros (landlord)"
    )


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("Roof is steep, we stayed off.", "hazards.steep_roof", "roof is steep"),
        ("Ladder 32 ft extension needed for the peak.", "equipment.extension_ladder", True),
        ("Dog is Biscuit, very friendly.", "pets.dog_name", "Biscuit"),
        ("Our customer has 2 cats, keep them inside.", "instructions.cat", "keep the cats inside"),
        ("Keep the front door shut.", "instructions.doors", "keep the front door shut"),
        (
            "Frank does not want the screens cleaned anymore.",
            "instructions.screens",
            "no longer clean the screens",
        ),
        ("She works nights, don't come before noon.", "preferences.time_of_day", "afternoon"),
        ("Customer wants storefront service Tuesdays before 8am.", "preferences.days", ["tuesday"]),
        ("Weekly at the cafe before they open.", "schedule.time_window", "before they open"),
        ("Only 2 hours today, short job. Cash, $120.", "payment.preference", "cash"),
        ("Paid in full, $450, check #1123.", "payment.preference", "check"),
        ("She pays with her card.", "payment.preference", "card"),
        ("Takes longer than it looks.", "duration.longer_than_usual", True),
        ("Dental office, glass entry doors.", "property.features", "glass entry doors"),
    ],
)
def test_phrasings_that_state_a_fact(note: str, key: str, value: Any) -> None:
    assert facts(note)[key] == value


@pytest.mark.parametrize(
    ("note", "key"),
    [
        # round twelve: someone else's dog, a business for dogs, where a person works
        ("The pit bull next door jumps the fence sometimes.", "pets.dog_breed"),
        ("The dog down the street is loud, keep the gate shut.", "pets.has_dog"),
        ("Dog grooming shop, front glass every 2 weeks.", "pets.has_dog"),
        ("Mrs. Baker, teaches at the high school.", "customer.type"),
        ("Mrs. Greene takes a while to get to the door.", "duration.longer_than_usual"),
        ("Alarm code for the side door is 4821.", "access.gate_code"),
        ("Thanks for the tip Mrs. R! $40.", "instructions.note"),
    ],
)
def test_round_twelve_things_not_to_propose(note: str, key: str) -> None:
    assert key not in facts(note)


def test_days_to_avoid_are_not_days_wished() -> None:
    found = facts("Her grandson mows on Saturdays so don't book Saturdays, way too loud.")
    assert found["schedule.unavailable_days"] == "saturday"
    assert "preferences.days" not in found
    found = facts("Don't schedule Sundays or Wednesday evenings.")
    assert found["schedule.unavailable_days"] == "sunday, wednesday"
    assert "preferences.time_of_day" not in found


def test_a_tenant_named_after_another_persons_name_is_only_the_tenant() -> None:
    assert facts("manager Kelly, tenant Bob")["people.tenant_name"] == "Bob"


@pytest.mark.parametrize(
    ("note", "key"),
    [
        # round seventeen (val2026s)
        ("Mr. Cabot is 90+ days late again on the spring bill.", "demographic.age_group"),
        ("harrington place, she tips in cash every time lol", "payment.preference"),
        (
            "Two Labradors live in the parsonage; both are elderly and gentle.",
            "demographic.age_group",
        ),
        ("Larkspur Inn pays through Venmo.", "payment.payer"),
    ],
)
def test_round_seventeen_non_facts(note: str, key: str) -> None:
    assert key not in facts(note)


@pytest.mark.parametrize(
    ("note", "key"),
    [
        # round eighteen (val2026t)
        ("mrs fenske, husband passed last year so its just her now.", "people.spouse_name"),
        ("Caller is the tenant at unit 2", "people.tenant_name"),
        ("invoice to his email, net 15", "payment.payer"),
        ("stopped at the marchetti two-flat to drop off the invoice", "hazards.drop_off"),
        ("Time: between 11am and 2pm only (school pickup).", "customer.type"),
    ],
)
def test_round_eighteen_non_facts(note: str, key: str) -> None:
    assert key not in facts(note)


def test_a_hazard_key_never_starts_with_also() -> None:
    keys = [
        k for k in facts("also the porch roof over the front is too soft") if k.startswith("haz")
    ]
    assert keys == ["hazards.porch_roof"]
