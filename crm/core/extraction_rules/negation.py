"""Resolving the hits: one per key, and facts that cannot stand once their subject is gone."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit

_I = re.IGNORECASE

# -- resolution ----------------------------------------------------------------------------

# Facts that cannot stand once the animal itself is gone.
_DEPENDENTS = {
    "pets.has_dog": (
        "pets.dog_name",
        "pets.dog_temperament",
        "pets.dog_breed",
        "hazards.aggressive_dog",
    ),
    "pets.has_cat": ("pets.cat_name",),
}


def resolve(hits: list[Hit]) -> dict[str, Hit]:
    best: dict[str, Hit] = {}
    for hit in hits:
        current = best.get(hit.key)
        if current is None or (hit.rank, hit.start, hit.confidence) >= (
            current.rank,
            current.start,
            current.confidence,
        ):
            best[hit.key] = hit
    for key, dependents in _DEPENDENTS.items():
        if key in best and best[key].value is False:
            for dependent in dependents:
                best.pop(dependent, None)
    return _one_hazard_per_place(best)


_TYPED_HAZARDS = frozenset({"hazards.bees", "hazards.aggressive_dog", "hazards.fragile_plants"})


def _one_hazard_per_place(best: dict[str, Hit]) -> dict[str, Hit]:
    """Two open hazards read from the same words ("Loose railing on the balcony" as both a deck
    and a loose railing) are one fact: the one that says more stays."""
    open_hazards = sorted(
        (h for k, h in best.items() if k.startswith("hazards.") and k not in _TYPED_HAZARDS),
        key=lambda h: (-(h.end - h.start), -len(str(h.value))),
    )
    kept: list[Hit] = []
    for hit in open_hazards:
        if any(hit.start < k.end and k.start < hit.end for k in kept):
            best.pop(hit.key, None)
        else:
            kept.append(hit)
    return best
