"""Deterministic, offline extraction of customer attributes from a technician's free-text note.

``extract(note)`` runs a set of small rule functions, one per fact family (dogs, gate, counts,
preferences ...). Each rule scans the whole note with bounded regular expressions and returns
``Hit``s: a key, a value and the span of the note it came from. ``resolve`` then keeps one hit
per key (the highest rank, then the last stated), removes facts a later statement contradicts
("dog named Rex ... no dog anymore") and turns the rest into vocabulary-checked ``Proposal``s.

Precision matters more than recall: a rule only fires on wording that states the fact, and
negations ("no dog", "doesn't need the ladder") either flip a yes/no fact or silence the rule.
All patterns use bounded gaps and no nested repetition, so a huge note stays linear.
"""

from __future__ import annotations

from crm.core.extraction_rules.access import (
    gate_closed,
    gate_code,
    lockbox_code,
    other_access,
    parking,
)
from crm.core.extraction_rules.base import Note, Rule
from crm.core.extraction_rules.customer import customer_type, language
from crm.core.extraction_rules.hazards import bees, fragile_plants, other_hazards
from crm.core.extraction_rules.instructions import instructions
from crm.core.extraction_rules.leftovers import leftovers
from crm.core.extraction_rules.negation import resolve
from crm.core.extraction_rules.payment import payer_with_role, payment, payment_details
from crm.core.extraction_rules.people import (
    age_group,
    roles,
    spouse,
    tenant,
)
from crm.core.extraction_rules.pet_names import both_names
from crm.core.extraction_rules.pets import (
    cat,
    dog,
    dog_breed,
    dog_temperament,
    how_many,
    no_pets,
)
from crm.core.extraction_rules.preferences import (
    contact_method,
    days,
    duration,
    time_of_day,
    wished_not_avoided,
)
from crm.core.extraction_rules.prices import usual_price
from crm.core.extraction_rules.property import (
    counts,
    features,
    hard_water,
    ladder,
    other_equipment,
    special_sills,
    square_feet,
    water_fed_pole,
)
from crm.core.extraction_rules.schedule import schedule_details
from crm.core.extraction_rules.spanish import spanish
from crm.core.vocabulary import Proposal, VocabularyError, normalise_value

RULES_VERSION = "1"
SOURCE = "rules"

RULES: tuple[Rule, ...] = (
    dog,
    cat,
    no_pets,
    dog_temperament,
    gate_code,
    lockbox_code,
    gate_closed,
    parking,
    counts,
    hard_water,
    special_sills,
    ladder,
    water_fed_pole,
    bees,
    fragile_plants,
    age_group,
    spouse,
    tenant,
    time_of_day,
    days,
    contact_method,
    payment,
    duration,
    roles,
    language,
    customer_type,
    other_hazards,
    features,
    other_equipment,
    square_feet,
    dog_breed,
    how_many,
    other_access,
    payment_details,
    usual_price,
    schedule_details,
    instructions,
    spanish,
)


def extract(note: str) -> list[Proposal]:
    """Attributes the note states, one proposal per key, sorted by key. Never raises."""
    if not isinstance(note, str) or not note.strip():
        return []
    prepared = Note(note)
    hits = [hit for rule in RULES for hit in rule(prepared)]
    hits += leftovers(prepared, hits)
    hits = wished_not_avoided(payer_with_role(hits, prepared.text))
    hits = both_names(hits, prepared.text)
    proposals = []
    for key, hit in sorted(resolve(hits).items()):
        evidence = note[hit.start : hit.end].strip()
        try:
            value = normalise_value(key, hit.value)
        except VocabularyError:
            continue
        if evidence:
            proposals.append(Proposal(key, value, evidence, hit.confidence, SOURCE))
    return proposals
