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
            "$650 agreed as the price",
        ),
        ("I charge them £95, every 6 weeks.", "property.usual_price", "i charge them £95"),
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
