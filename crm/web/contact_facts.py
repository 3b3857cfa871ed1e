"""A contact's facts (attributes): shown in words, grouped by place for the card, parsed back.

The vocabulary (crm/core/vocabulary.py) says what each key means and what shape its value has;
this is how the contact card shows a value ("20+", "Monday, Friday"), what it tells a person
to type, and how what they typed becomes the stored value again.
"""

from __future__ import annotations

import re
from typing import Any

from crm.core.vocabulary import (
    VOCABULARY,
    Term,
    VocabularyError,
    is_property_fact,
    normalise_value,
)
from crm.web.formats import address_text

# Attribute groups, in the order the card shows them (the key's prefix).
GROUPS = {
    "access": "Getting in",
    "hazards": "Hazards",
    "pets": "Pets",
    "property": "Property",
    "equipment": "Equipment to bring",
    "preferences": "Preferences",
    "duration": "Job length",
    "payment": "Payment",
    "people": "People",
    "demographic": "About them",
}
OTHER_GROUP = "Other details"


def term_label(key: str) -> str:
    term = VOCABULARY.get(key)
    text = term.description if term else key.split(".", 1)[-1].replace("_", " ")
    text = re.sub(r"\s*\(.*\)$", "", text)
    return text[:1].upper() + text[1:]


def value_display(key: str, value: Any) -> str:
    """A stored attribute value in words: Yes/No, 20+, 'Monday, Friday'."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and "count" in value:
        return f"{value['count']}{'+' if value.get('plus') else ''}"
    if isinstance(value, list):
        return ", ".join(value_display(key, v) for v in value)
    if isinstance(value, str):
        term = VOCABULARY.get(key)
        if term and term.kind in ("choice", "choices"):
            return value.replace("_", " ").capitalize()
        return value
    return "" if value is None else str(value)


def value_text(value: Any) -> str:
    """A stored value as the text a person would type to enter it again."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "count" in value:
        return f"{value['count']}{'+' if value.get('plus') else ''}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def value_hint(term: Term | None) -> str:
    if term is None:
        return "Any short text."
    if term.kind == "bool":
        return "Yes or no."
    if term.kind == "count":
        return "A number, like 20, or 20+ for “at least 20”."
    if term.kind == "choice":
        return "One of: " + ", ".join(c.replace("_", " ") for c in term.choices) + "."
    if term.kind == "choices":
        return "One or more of: " + ", ".join(term.choices) + ", separated by commas."
    return "A short text, like a name or a code."


def parse_value(key: str, raw: str | list[str]) -> Any:
    """What a person typed (or picked) as the value for ``key``; ValueError says what's wrong."""
    term = VOCABULARY.get(key)
    texts = [raw] if isinstance(raw, str) else list(raw)
    text = " ".join(", ".join(t.strip() for t in texts if t.strip()).split())
    if not text:
        raise ValueError("Enter a value. " + value_hint(term))
    if term is None:
        return text
    value: Any = text
    lowered = text.lower()
    if term.kind == "bool":
        if lowered in ("yes", "y", "true", "1"):
            value = True
        elif lowered in ("no", "n", "false", "0"):
            value = False
        else:
            raise ValueError("Answer yes or no.")
    elif term.kind == "count":
        match = re.fullmatch(r"(\d{1,5})\s*(\+?)", text)
        if not match:
            raise ValueError("Enter a number, like 20, or 20+ for “at least 20”.")
        value = {"count": int(match[1]), "plus": bool(match[2])}
    elif term.kind == "choice":
        value = lowered.replace(" ", "_")
    elif term.kind == "choices":
        value = [part.strip() for part in re.split(r"[,\s]+", lowered) if part.strip()]
    try:
        return normalise_value(key, value)
    except VocabularyError:
        raise ValueError(value_hint(term)) from None


def group_attributes(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        prefix = row["key"].split(".", 1)[0]
        groups.setdefault(GROUPS.get(prefix, OTHER_GROUP), []).append(
            {
                **row,
                "label": term_label(row["key"]),
                "shown": value_display(row["key"], row["value"]),
                "text": value_text(row["value"]),
                "term": VOCABULARY.get(row["key"]),
                "hint": value_hint(VOCABULARY.get(row["key"])),
            }
        )
    order = [*GROUPS.values(), OTHER_GROUP]
    return sorted(groups.items(), key=lambda item: order.index(item[0]))


def place_title(address: dict[str, Any]) -> str:
    """ "Rental on Oak St · 88 Oak St" or just the street when the address has no label."""
    text = address_text(address)
    return f"{address['label']} · {text}" if address.get("label") else text


def facts_by_place(contact: dict[str, Any]) -> list[dict[str, Any]]:
    """The card's facts: the customer's own first, then each property that has any (primary
    first), each grouped as ``group_attributes`` does. A fact about an address
    (docs/property-facts.md) is shown under that address only."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in contact["attributes"]:
        rows.setdefault(str(row["address_id"] or ""), []).append(row)
    name = contact.get("first_name") or contact.get("display_name") or "the customer"
    places = []
    if rows.get(""):
        places.append(
            {"title": f"About {name}", "address": None, "groups": group_attributes(rows[""])}
        )
    for address in sorted(contact["addresses"], key=lambda a: not a["is_primary"]):
        if rows.get(str(address["id"])):
            places.append(
                {
                    "title": place_title(address),
                    "address": address,
                    "groups": group_attributes(rows[str(address["id"])]),
                }
            )
    return places


def taken_keys(contact: dict[str, Any]) -> set[str]:
    """Keys with no place left for a new value: a customer fact already on file, or a property
    fact every address already has (on the customer when there is no address)."""
    places: dict[str, set[str]] = {row["key"]: set() for row in contact["attributes"]}
    for row in contact["attributes"]:
        places[row["key"]].add(str(row["address_id"] or ""))
    addresses = {str(a["id"]) for a in contact["addresses"]} or {""}
    return {
        key
        for key, where in places.items()
        if (addresses <= where if is_property_fact(key) else "" in where)
    }


def place_options(contact: dict[str, Any]) -> list[tuple[str, str]]:
    """The "About" select: each property (primary first), then the customer themself."""
    name = contact.get("first_name") or contact.get("display_name") or "the customer"
    addresses = sorted(contact["addresses"], key=lambda a: not a["is_primary"])
    return [(str(a["id"]), place_title(a)) for a in addresses] + [
        ("contact", f"{name} (not a property)")
    ]


def vocabulary_groups(taken: set[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The key select: (group, [(key, label)]) for keys this contact can still be given."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, term in VOCABULARY.items():
        if key in taken:
            continue
        label = term_label(key)
        if term.choices:
            label += " (" + ", ".join(c.replace("_", " ") for c in term.choices) + ")"
        elif term.kind == "bool":
            label += " (yes/no)"
        groups.setdefault(GROUPS.get(key.split(".", 1)[0], OTHER_GROUP), []).append((key, label))
    return [(name, groups[name]) for name in GROUPS.values() if name in groups]
