"""Negation and change, one case at a time: the resulting state, never the opposite fact."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core.extraction_rules import extract


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


def test_no_pets_means_neither_dog_nor_cat() -> None:
    found = facts("no pets")
    assert found["pets.has_dog"] is False
    assert found["pets.has_cat"] is False
    assert not any(key.startswith("pets.") and value is True for key, value in found.items())


def test_a_dog_that_passed_away_is_no_dog_and_loses_its_name() -> None:
    found = facts("Dog named Rex. Rex passed away in March.")
    assert found["pets.has_dog"] is False
    assert "pets.dog_name" not in found


def test_dog_passed_away() -> None:
    assert (
        facts("Dog passed away in March, so no need to call ahead anymore.")["pets.has_dog"]
        is False
    )


def test_rehomed_dog_drops_its_breed() -> None:
    found = facts("Their lab was rehomed.")
    assert found["pets.has_dog"] is False
    assert "pets.dog_breed" not in found


def test_gate_code_changed_keeps_the_new_code_only() -> None:
    proposals = {p.key: p for p in extract("Gate code changed to 0415 (was 3321).")}
    assert proposals["access.gate_code"].value == "0415"
    assert all("3321" not in str(p.value) for p in proposals.values())


def test_gate_code_now_after_the_old_one() -> None:
    assert facts("Old gate code 3321 no good, gate code is now 0415.")["access.gate_code"] == "0415"


def test_lockbox_code_changed() -> None:
    found = facts("Lockbox code changed to 7712, old one was 5150.")
    assert found["access.lockbox_code"] == "7712"


def test_not_on_the_roof_is_an_instruction() -> None:
    found = facts("Not on the roof - homeowner insists.")
    assert found["instructions.roof"] == "don't go on the roof"
    assert not any(key.startswith("property.") for key in found)


def test_do_not_go_on_the_roof() -> None:
    assert facts("Do not go on the roof, they had a leak.")["instructions.roof"] == (
        "don't go on the roof"
    )


def test_no_longer_the_screens() -> None:
    found = facts("No longer doing the screens, she does them herself.")
    assert found["instructions.screens"] == "no longer clean the screens"
    assert "property.screen_count" not in found


def test_no_longer_the_gutters() -> None:
    assert facts("No longer wants gutters done.")["instructions.gutters"] == (
        "no longer clean the gutters"
    )


def test_bees_removed_is_false() -> None:
    assert facts("Bees removed by exterminator in June.")["hazards.bees"] is False


def test_sprinklers_fixed_is_false() -> None:
    assert facts("Sprinklers fixed, no more wet ladders.")["hazards.sprinklers"] is False


def test_new_tenant_replaces_the_one_who_moved_out() -> None:
    assert facts("Old tenant moved out, new tenant Maria.")["people.tenant_name"] == "Maria"


def test_new_manager_not_the_retired_one() -> None:
    found = facts("Suzanne is the manager now (Pete retired).")
    assert found["people.manager"] == "Suzanne"
    assert "Pete" not in str(found)
    assert "demographic.age_group" not in found


@pytest.mark.parametrize(
    ("note", "key"),
    [
        ("no ammonia on the tinted glass", "instructions.ammonia"),
        ("don't step in the flower beds", "instructions.flower_beds"),
        ("Do NOT pressure wash the deck", "instructions.pressure_washer"),
    ],
)
def test_a_dont_is_stated_as_a_dont(note: str, key: str) -> None:
    value = facts(note)[key]
    assert value.startswith(("no ", "don't")), value


def test_a_neighbours_sprinklers_are_not_a_hazard_here() -> None:
    assert "hazards.sprinklers" not in facts("The neighbor's sprinklers hit our van.")


# round fourteen (val2026p): the gone animal mentioned again, and "X, not Y"
@pytest.mark.parametrize(
    "note",
    [
        "No dog anymore. Customer say dog die in summer. Very sad lady.",
        "no pets here anymore, the cat and the dog both went to her sister's",
        "The dog is gone. New cat, name Mochi. Cat stay inside.",
    ],
)
def test_a_gone_dog_mentioned_again_stays_gone(note: str) -> None:
    found = facts(note)
    assert found["pets.has_dog"] is False
    assert "pets.dog_name" not in found


def test_a_new_puppy_after_the_old_dog_is_a_dog() -> None:
    found = facts("No dog anymore, they got a new puppy named Bo.")
    assert found["pets.has_dog"] is True
    assert found["pets.dog_name"] == "Bo"


def test_the_new_cats_name_is_not_the_gone_dogs() -> None:
    found = facts("The dog is gone. New cat, name Mochi.")
    assert found["pets.cat_name"] == "Mochi"
    assert "pets.dog_name" not in found


def test_bees_not_wasps_is_still_bees() -> None:
    assert facts("Bees (honeybees, not wasps) in the old oak; leave them alone.")["hazards.bees"]


def test_no_more_bees_after_the_removal_guy_is_no_bees() -> None:
    found = facts("They got the bee removal guy out, so no more bees by the porch light!")
    assert found["hazards.bees"] is False
