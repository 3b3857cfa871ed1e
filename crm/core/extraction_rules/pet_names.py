"""Two animals named together ("Duke + Bella", "Bonnie and Clyde", "(Mabel, Juno)"): one
``pets.dog_name`` or ``pets.cat_name`` with both names, as the review shows them."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, name_value

# "Duke + Bella", "Bonnie and Clyde": a second animal named right after the first.
_AND_NAME = re.compile(
    r"\s*(?:\+|&|\band\b|,(?=\s*(?-i:[A-Z][a-z]{1,15}(?:\s+[A-Z][a-z]{1,15})?)\s*\)))\s*"
    r"(?-i:(?P<second>[A-Z][a-z]{1,15}(?:\s+(?!(?:And|Both)\b)[A-Z][a-z]{1,15}(?=\s*[),.;]))?))\b"
    r"(?!\s+(?:the\s+)?(?:owner|husband|wife|son|daughter|tenant|neighbou?r|mgr|manager)\b)"
)


def both_names(hits: list[Hit], text: str) -> list[Hit]:
    """``pets.dog_name`` "Duke and Bella" when two animals are named together."""
    out = []
    for hit in hits:
        if hit.key in ("pets.dog_name", "pets.cat_name") and isinstance(hit.value, str):
            second = _AND_NAME.match(text, hit.end)
            name = (
                " ".join(filter(None, map(name_value, second.group("second").split())))
                if second
                else None
            )
            if second and name and name != hit.value:
                hit = Hit(
                    hit.key,
                    f"{hit.value} and {name}",
                    hit.start,
                    second.end(),
                    hit.confidence,
                    hit.rank,
                )
        out.append(hit)
    return out
