"""The attribute vocabulary: every key extraction may propose, and the shape of its value.

The rule extractor, the LLM prompt and the validation of LLM answers all read this table, so
a key means the same thing whichever route produced it. Extend it as real notes demand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["bool", "text", "name", "count", "choice", "choices"]


@dataclass(frozen=True)
class Term:
    key: str
    kind: Kind
    description: str
    choices: tuple[str, ...] = ()


VOCABULARY: dict[str, Term] = {
    t.key: t
    for t in (
        Term(
            "demographic.age_group",
            "choice",
            "age group of the customer",
            ("elderly", "senior", "middle_aged", "young_adult", "young_family"),
        ),
        Term("pets.has_dog", "bool", "a dog lives there (false: no dog any more)"),
        Term("pets.dog_name", "name", "the dog's name"),
        Term(
            "pets.dog_temperament",
            "choice",
            "how the dog behaves",
            ("friendly", "nervous", "aggressive"),
        ),
        Term("pets.has_cat", "bool", "a cat lives there"),
        Term("pets.cat_name", "name", "the cat's name"),
        Term("access.gate_code", "text", "code for the gate or entry keypad"),
        Term("access.gate_closed", "bool", "the gate must be kept closed"),
        Term("access.lockbox_code", "text", "lockbox code"),
        Term("access.parking", "text", "where to park"),
        Term("access.instructions", "text", "other instructions for getting in"),
        Term("property.stories", "count", "number of stories"),
        Term("property.window_count", "count", "number of windows"),
        Term("property.screen_count", "count", "number of screens"),
        Term("property.skylight_count", "count", "number of skylights"),
        Term("property.hard_water", "bool", "hard-water stains on the glass"),
        Term("property.special_sills", "bool", "sills that need special care"),
        Term("equipment.extension_ladder", "bool", "bring the extension ladder"),
        Term("equipment.water_fed_pole", "bool", "bring the water-fed pole"),
        Term("hazards.bees", "bool", "bees or wasps on the property"),
        Term("hazards.aggressive_dog", "bool", "a dog that may bite"),
        Term("hazards.fragile_plants", "bool", "fragile plants or flower beds under windows"),
        Term(
            "preferences.time_of_day",
            "choice",
            "preferred time of day",
            ("morning", "afternoon", "evening"),
        ),
        Term(
            "preferences.days",
            "choices",
            "preferred days",
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        ),
        Term(
            "preferences.contact_method",
            "choice",
            "how they like to be contacted",
            ("call", "text", "email"),
        ),
        Term("duration.longer_than_usual", "bool", "the job takes longer than usual"),
        Term(
            "payment.preference",
            "choice",
            "how they like to pay",
            ("cash", "check", "card", "invoice"),
        ),
        Term("people.spouse_name", "name", "the spouse's or partner's name"),
        Term("people.tenant_name", "name", "the tenant's name"),
        Term("property.usual_price", "text", "the price agreed for this property"),
    )
}

# Open families: a fact no typed key fits is still kept, as ``<family>.<snake_case thing>``
# ("hazards.sprinklers", "people.son", "property.features"). Typed keys win where they fit.
OPEN_FAMILIES: dict[str, str] = {
    "people": "a person by role: the value is their name (people.son, people.manager)",
    "language": "the language they speak (language.spoken)",
    "hazards": "a hazard on site: true, or a short phrase (hazards.sprinklers)",
    "instructions": "a cleaning do or don't (instructions.roof: don't go on the roof)",
    "property": "a feature of the property (property.features: solar panels)",
    "access": "getting in (access.key_location, access.guard_gate)",
    "payment": "who pays, method, discount or terms (payment.payer, payment.discount)",
    "schedule": "frequency, season, time window, days to avoid (schedule.frequency)",
    "customer": "the kind of customer (customer.type: commercial, airbnb rental)",
    "pets": "more about the animals (pets.dog_breed)",
    "equipment": "something to bring (equipment.tall_ladder)",
    "preferences": "another preference of the customer",
}
OPEN_KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}\.[a-z][a-z0-9_.]{0,40}$")
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_.]{0,62}$")  # the attributes table's own check
OPEN_TEXT_MAX = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Facts about a place rather than a person: close-out files them under the ticket's address,
# a hand-entered one goes to the contact's primary address unless another is named
# (docs/property-facts.md). Migration 0012 moved existing rows by the same rule. Cleaning
# instructions ("no ammonia on the tinted glass", "don't go on the roof") are about the place.
PROPERTY_PREFIXES = (
    "pets",
    "access",
    "property",
    "equipment",
    "hazards",
    "duration",
    "instructions",
)
PROPERTY_KEYS = frozenset({"people.tenant_name"})


def is_property_fact(key: str) -> bool:
    """Whether ``key`` describes a property (an address) rather than the customer."""
    return key in PROPERTY_KEYS or key.split(".", 1)[0] in PROPERTY_PREFIXES


def family(key: str) -> str:
    """The part of ``key`` before the first dot: ``hazards`` for ``hazards.sprinklers``."""
    return key.split(".", 1)[0]


def is_open_key(key: str) -> bool:
    """A key of an open family that no typed term claims (``hazards.sprinklers``)."""
    return (
        key not in VOCABULARY
        and len(key) <= 63
        and bool(OPEN_KEY.match(key))
        and bool(KEY_SHAPE.match(key))
        and family(key) in OPEN_FAMILIES
        and not key.endswith(".")
        and ".." not in key
    )


def known_key(key: str) -> bool:
    """Whether extraction may propose ``key``: a typed term or an open-family key."""
    return key in VOCABULARY or is_open_key(key)


class VocabularyError(ValueError):
    """A proposed attribute whose key is unknown or whose value has the wrong shape."""


def normalise_value(key: str, value: Any) -> Any:
    """The value in its canonical shape for ``key``, or VocabularyError.

    Counts are ``{"count": 20, "plus": true}`` (the note said "20+"); names are capitalised;
    choices are lower-case members of the term's list.
    """
    term = VOCABULARY.get(key)
    if term is None:
        if is_open_key(key):
            return _open_value(key, value)
        raise VocabularyError(f"unknown attribute key {key!r}")
    if term.kind == "bool":
        if isinstance(value, bool):
            return value
        raise VocabularyError(f"{key} must be true or false")
    if term.kind in ("text", "name"):
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise VocabularyError(f"{key} must be a short text")
        text = " ".join(value.split())
        return _capitalised(text) if term.kind == "name" else text
    if term.kind == "count":
        if isinstance(value, int) and not isinstance(value, bool):
            value = {"count": value, "plus": False}
        if (
            isinstance(value, dict)
            and set(value) <= {"count", "plus"}
            and isinstance(value.get("count"), int)
            and not isinstance(value.get("count"), bool)
            and 0 <= value["count"] <= 10_000
            and isinstance(value.get("plus", False), bool)
        ):
            return {"count": value["count"], "plus": bool(value.get("plus", False))}
        raise VocabularyError(f"{key} must be a count like {{'count': 20, 'plus': true}}")
    if term.kind == "choice":
        if isinstance(value, str) and value.strip().lower() in term.choices:
            return value.strip().lower()
        raise VocabularyError(f"{key} must be one of {', '.join(term.choices)}")
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, str) and v.strip().lower() in term.choices for v in value)
    ):
        return sorted({v.strip().lower() for v in value}, key=term.choices.index)
    raise VocabularyError(f"{key} must be a list of {', '.join(term.choices)}")


def _open_value(key: str, value: Any) -> Any:
    """An open-family value: true/false, a count, or a short one-line text (a name for people)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, dict) and "count" in value:
        return normalise_value("property.window_count", value)
    if not isinstance(value, str):
        raise VocabularyError(f"{key} must be a short text, true/false or a count")
    text = " ".join(value.split()).strip(" ,;:-")
    if not text or len(text) > OPEN_TEXT_MAX or _CONTROL.search(text):
        raise VocabularyError(f"{key} must be a short text (at most {OPEN_TEXT_MAX} characters)")
    if family(key) == "people":
        return _capitalised(text)
    return text


def _capitalised(text: str) -> str:
    """Each word of a name capitalised, "and" kept ("Jamal and Keisha Wright")."""
    return " ".join(w if w == "and" else w[:1].upper() + w[1:] for w in text.split())


@dataclass(frozen=True)
class Proposal:
    """One fact extraction proposes: the words it came from, how sure, and who said so."""

    key: str
    value: Any
    evidence: str
    confidence: float
    source: str  # "rules", or "llm:<provider>/<model>"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "evidence": self.evidence,
            "confidence": round(self.confidence, 2),
            "source": self.source,
        }
