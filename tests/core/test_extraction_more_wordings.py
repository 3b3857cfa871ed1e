"""The wordings the sixth round taught (dev2026f-j, val2026e/h): one test per general
behaviour, each the way a technician wrote it."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core.extraction_rules import extract


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        # round fourteen
        ("dog's name is actually Zeus not Zues lol", "pets.dog_name", "Zeus"),
        (
            "Brightside Cafe. in/out storefront.",
            "customer.type",
            "cafe, restaurant, storefront, commercial",
        ),
        ("Tran Nails - storefront 2x/mo.", "customer.type", "nail salon, storefront, commercial"),
        ("Northside Fitness has changed managers", "customer.type", "gym, commercial"),
        ("Patel rentals — duplex + back cottage.", "customer.type", "rental"),
        ("mrs p wants fridays only, and not before 9", "schedule.time_window", "after 9am"),
        (
            "Must be done between 11am checkout and 3pm checkin.",
            "schedule.time_window",
            "between 11am and 3pm",
        ),
        (
            "checkout is 11 a.m. and the next check-in is at 4 p.m.",
            "schedule.time_window",
            "between 11am and 4pm",
        ),
        ("Sato - bill to daughter Emi (she pays online).", "payment.payer", "daughter Emi"),
        # round twelve
        ("Alarm code for the side door is 4821.", "access.alarm_code", "4821"),
        (
            "Do not park on the grass!! Street parking only.",
            "access.parking",
            "on the street, not on the grass",
        ),
        ("She always pays online through the portal.", "payment.method", "online portal"),
        ("Don't book her on Mondays.", "schedule.unavailable_days", "monday"),
        # schedule and preferences
        ("6 wk list. 22 wins, 2 stry", "schedule.frequency", "every 6 weeks"),
        ("Mr. Lowe is moving to a 5-week rotation", "schedule.frequency", "every 5 weeks"),
        ("keep the every-8-weeks plan", "schedule.frequency", "every 8 weeks"),
        ("house wash every 2 yrs, vinyl siding", "schedule.frequency", "every 2 years"),
        ("twice a yr may + oct", "schedule.season", "may and october"),
        ("snowbird. Mar-Nov only", "schedule.season", "march to november"),
        ("Snowbirds - here Nov thru April only", "schedule.season", "november to april"),
        ("free gutter check every Oct.", "schedule.season", "october"),
        ("she works nights and sleeps til 2", "schedule.time_window", "after 2pm"),
        ("dont show up b4 9 or ur getting soaked", "schedule.time_window", "after 9am"),
        ("Don't ring the bell before 1pm.", "schedule.time_window", "after 1pm"),
        ("arrive no earlier than 9:00 a.m.", "schedule.time_window", "no earlier than 9am"),
        ("Mornings before 10 are best.", "preferences.time_of_day", "morning"),
        ("do it mon mornings when theyre closed", "preferences.time_of_day", "morning"),
        ("wants a text the day before, not a call", "preferences.contact_method", "text"),
        ("super is Ray - call him not the office", "preferences.contact_method", "call"),
        ("this house allways runs long", "duration.longer_than_usual", True),
        (
            "takes about an hour longer than the quote sheet says",
            "duration.longer_than_usual",
            True,
        ),
        # payment
        ("every 8 weeks, $160, cash in an envelope on the fridge", "payment.preference", "cash"),
        ("every 8 weeks, $160, cash in an envelope", "property.usual_price", "$160"),
        (
            "$650 agreed as the price going forward",
            "property.usual_price",
            "$650",
        ),
        ("I charge them £95, every 6 weeks.", "property.usual_price", "£95"),
        ("they want to be invoiced, net 30", "payment.preference", "invoice"),
        ("Father Tom signs the check", "payment.preference", "check"),
        ("she's switching to card from now on", "payment.preference", "card"),
        (
            "Payment within fifteen days of each invoice.",
            "payment.terms",
            "15 days",
        ),
        (
            "I gave the Morrisons 10% off for referring the Blakes.",
            "payment.discount",
            "10% off",
        ),
        # people and the customer
        ("Contact: Pastor Daniel Moss.", "people.pastor", "Daniel Moss"),
        ("tenant at 1412 is Dana Park", "people.tenant_name", "Dana Park"),
        ("Mr Yoon, owner of the laundromat. speaks korean only", "language.spoken", "Korean"),
        # access, property, pets
        ("Keysafe by the bins, code 2024.", "access.lockbox_code", "2024"),
        ("the code's 4471 i think", "access.gate_code", "4471"),
        ("caretaker Joan has a key", "access.key_location", "caretaker Joan"),
        ("approx 40 panes", "property.window_count", {"count": 40, "plus": False}),
        ("dog Rocky has been rehomed", "pets.has_dog", False),
        # instructions and hazards
        (
            "NO screens anymore, she took them down",
            "instructions.screens",
            "no longer clean the screens",
        ),
        (
            "dont hose the front porch its old wood",
            "instructions.hose",
            "don't hose the front porch",
        ),
        (
            "CAUTION: BROKEN CONCRETE STEP AT REAR EXIT",
            "hazards.broken_concrete",
            "broken concrete",
        ),
    ],
)
def test_a_wording_states_its_fact(note: str, key: str, value: Any) -> None:
    assert facts(note).get(key) == value


def test_a_one_off_skip_is_no_instruction() -> None:
    assert not any(k.startswith("instructions.") for k in facts("skip the screens this time"))


def test_a_job_word_opening_a_name_is_not_a_person() -> None:
    got = facts("Mrs. Cookie - 14 win + 14 scr. cash on the counter")
    assert got.get("payment.preference") == "cash"
    assert not any(k.startswith("people.") for k in got)


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        # round thirteen (tuned on val2026o)
        ("approx 22 wdws, 2 story.", "property.window_count", {"count": 22, "plus": False}),
        ("Dog: none.", "pets.has_dog", False),
        ("Cat: 2 indoor (Pepper and Salt).", "pets.cat_name", "Pepper and Salt"),
        ("Big dog (Rottweiler) in the yard.", "pets.dog_breed", "Rottweiler"),
        ("Never book on a Saturday.", "schedule.unavailable_days", "saturday"),
        ("1x/yr in May.", "schedule.frequency", "once a year"),
        ("1x/yr in May.", "schedule.season", "may"),
        ("only in fall", "schedule.season", "fall"),
        ("mthly storefront.", "schedule.frequency", "monthly"),
        ("Prefers wknds.", "preferences.days", ["saturday", "sunday"]),
        ("Prefers M-Th.", "preferences.days", ["monday", "tuesday", "wednesday", "thursday"]),
        ("Fri b4 10 is best.", "preferences.days", ["friday"]),
        ("Wants txt, not a call.", "preferences.contact_method", "text"),
        ("$140 reg price.", "property.usual_price", "$140"),
        ("Regular price for the house is $220.", "property.usual_price", "$220"),
        ("Paid cash 180 which is her usual.", "property.usual_price", "$180"),
        ("Dave handles the billing.", "payment.payer", "Dave"),
        ("10% senior disc.", "payment.discount", "10% senior discount"),
        ("comm acct - dental office", "customer.type", "commercial, dental office"),
        ("Baby naps 1-3, be quiet.", "demographic.age_group", "young_family"),
        ("Old gate code 1234, they changed it to 5678.", "access.gate_code", "5678"),
        ("Cancelled gutters for good.", "instructions.gutters", "no longer clean the gutters"),
        ("Contact changed - now Maria.", "people.contact", "Maria"),
    ],
)
def test_round_thirteen_wordings(note: str, key: str, value: Any) -> None:
    assert facts(note).get(key) == value


def test_a_breed_in_brackets_is_no_name() -> None:
    got = facts("Big dog (Rottweiler) in the yard.")
    assert "pets.dog_name" not in got


def test_being_pleased_is_narrated_not_an_instruction() -> None:
    assert not any(k.startswith("instructions.") for k in facts("She was very happy with the job."))
