"""A bilingual crew's Spanish: each plain fact read with the keys and English values the English
rules use, and nothing read into someone else's dog or a gone one."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core.extraction_rules import extract


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


@pytest.mark.parametrize(
    ("note", "key", "value"),
    [
        ("Tiene un perro chiquito, Chispa, muy nervioso.", "pets.dog_name", "Chispa"),
        ("Tiene un perro chiquito, Chispa, muy nervioso.", "pets.dog_temperament", "nervous"),
        ("Tienen un perro, Rocco, es bravo.", "hazards.aggressive_dog", True),
        ("Los Guzmán tienen dos perros, Toby y Max, los dos amigables.", "pets.dog_name", "Toby"),
        ("Ya no está el gato, se murió.", "pets.has_cat", False),
        ("Sra. Pineda habla solo español.", "language.spoken", "Spanish"),
        ("Paga con cheque.", "payment.preference", "check"),
        ("Paga en efectivo.", "payment.preference", "cash"),
        ("Su esposa se llama Adaeze.", "people.spouse_name", "Adaeze"),
        ("Su nieto Alejandro paga por Zelle.", "payment.payer", "grandson Alejandro"),
        ("Soy la hija de la Sra. Ruiz, Marisol. Yo le traduzco.", "people.translator", "Marisol"),
        ("Sra. Castañeda: los jueves no, tiene terapia.", "schedule.unavailable_days", "thursday"),
        (
            "Sr. Delgado: cada dos meses. Martes o miércoles.",
            "schedule.frequency",
            "every 2 months",
        ),
        (
            "Sr. Delgado: cada dos meses. Martes o miércoles.",
            "preferences.days",
            ["tuesday", "wednesday"],
        ),
        ("Prefiere por la tarde.", "preferences.time_of_day", "afternoon"),
        ("Abren a las 9, venir antes.", "schedule.time_window", "before 9am"),
        ("Código del portón: 1212.", "access.gate_code", "1212"),
        ("Alarma: 0909.", "access.alarm_code", "0909"),
        ("El portón tiene que quedar cerrado siempre.", "access.gate_closed", True),
        ("Hay un nido de avispas en el buzón.", "hazards.bees", True),
        ("El techo tiene paneles solares (24).", "property.features", "24 solar panels"),
        (
            "Tiene paneles solares en el techo, no subir.",
            "instructions.roof",
            "don't go on the roof",
        ),
        ("Doña Carmen tiene 87 años, vive sola.", "demographic.age_group", "elderly"),
    ],
)
def test_a_fact_said_in_spanish(note: str, key: str, value: Any) -> None:
    assert facts(note).get(key) == value


def test_the_neighbours_dog_is_not_theirs() -> None:
    found = facts("El perro del vecino se mete por la cerca, muerde. Ellos no tienen perro.")
    assert found["pets.has_dog"] is False
    assert "pets.dog_temperament" not in found


def test_a_dog_that_does_not_bite_is_not_aggressive() -> None:
    found = facts("Perro: Lola, chihuahua, ladra mucho pero no muerde.")
    assert found["pets.dog_name"] == "Lola"
    assert "hazards.aggressive_dog" not in found
