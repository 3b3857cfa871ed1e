"""Any other CSV (Jobber, Housecall Pro, a spreadsheet): each column mapped by the owner.

A mapping is ``{column header: target}``; a target is a contact field (``first_name``,
``last_name``, ``full_name`` — split at the first space —, ``company``, ``email``, ``phone``,
``source``), an address field (``line1``, ``line2``, ``city``, ``region``, ``postal_code``),
``note``, ``attribute:<key>`` (a vocabulary key or ``custom.<slug>``) or ``ignore``. Without
one, ``suggest`` proposes it from the header names. Rows become the same ``Customer`` rows a
Square export does, so matching (email, then phone) and filling are the Square import's
(docs/imports.md). A row with neither email nor phone gets ``csv:<hash of its name>`` as its
external id, so importing the same file twice creates nothing.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from crm.core.vocabulary import VOCABULARY, VocabularyError, normalise_value
from crm.errors import ValidationFailed
from crm.imports import values
from crm.imports.square_customers import (
    FACT_VALUE_MAX,
    Address,
    Customer,
    EmptyFile,
    Row,
    RowError,
    _normalise,
    _records,
)
from crm.imports.values import BadValue

KIND = "csv"
SOURCE_NAME = "CSV file"
SAMPLES = 3
MAX_COLUMNS = 200

CONTACT_TARGETS = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name (split)",
    "company": "Company",
    "email": "Email",
    "phone": "Phone",
    "source": "Source",
}
ADDRESS_TARGETS = {
    "line1": "Street",
    "line2": "Street, line 2",
    "city": "City",
    "region": "State or province",
    "postal_code": "Zip or postal code",
}
TARGETS = {**CONTACT_TARGETS, **ADDRESS_TARGETS, "note": "Note", "ignore": "Ignore"}
ATTRIBUTE = "attribute:"
_CUSTOM = re.compile(r"^custom\.[a-z][a-z0-9_]{0,55}$")

# Exact header names (normalised), then words a header contains, in order.
_EXACT = {
    "first": "first_name",
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last": "last_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "name": "full_name",
    "full name": "full_name",
    "client name": "full_name",
    "customer name": "full_name",
    "display name": "full_name",
    "source": "source",
    "lead source": "source",
}
_WORDS = (
    (("e-mail", "email"), "email"),
    (("phone", "mobile", "cell", "telephone"), "phone"),
    (("zip", "postal", "postcode"), "postal_code"),
    (("province", "state", "county"), "region"),
    (("city", "town", "suburb"), "city"),
    (("street 2", "address 2", "line 2", "address line 2"), "line2"),
    (("street", "address"), "line1"),
    (("company", "business", "organization", "organisation"), "company"),
    (("first", "given"), "first_name"),
    (("last", "surname", "family"), "last_name"),
    (("note", "memo", "comment"), "note"),
)


class BadMapping(ValidationFailed):
    code = "IMPORT_BAD_MAPPING"
    default_message = "The column mapping cannot be used."


@dataclass(frozen=True)
class Column:
    header: str
    samples: list[str]
    suggested: str

    def as_dict(self) -> dict[str, Any]:
        return {"header": self.header, "samples": self.samples, "suggested": self.suggested}


def _read(content: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    records = _records(content)
    try:
        _, header = next(records)
        rows = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    except StopIteration:
        raise EmptyFile("The file is empty.") from None
    except csv.Error as exc:
        raise BadMapping(f"The file cannot be read as CSV: {exc}.") from None
    header = [h.replace("\ufeff", "").strip() for h in header]
    if not any(header):
        raise EmptyFile("The file is empty.")
    if len(header) > MAX_COLUMNS:
        raise BadMapping(f"The file has more than {MAX_COLUMNS} columns.")
    return header, rows


def signature(headers: list[str]) -> str:
    """The same headers, in the same order, are the same kind of file."""
    return hashlib.md5(
        "\x1f".join(_normalise(h) for h in headers).encode(), usedforsecurity=False
    ).hexdigest()


def suggest_one(header: str, taken: set[str], has_values: bool) -> str:
    name = _normalise(header)
    target = _EXACT.get(name)
    if target is None:
        for words, candidate in _WORDS:
            if any(w in name for w in words):
                target = candidate
                break
    if target is not None and (target == "note" or target not in taken):
        taken.add(target)
        return target
    if not has_values or not name:
        return "ignore"
    return ATTRIBUTE + values.key_for(header)


def columns(content: str, remembered: dict[str, str] | None = None) -> list[Column]:
    """Each column with a few sample values and its suggested target; a remembered mapping
    for the same headers wins over the suggestion."""
    header, rows = _read(content)
    taken: set[str] = set()
    out = []
    for i, name in enumerate(header):
        samples: list[str] = []
        for _, cells in rows:
            cell = " ".join(cells[i].split())[:80] if i < len(cells) else ""
            if cell and cell not in samples:
                samples.append(cell)
            if len(samples) == SAMPLES:
                break
        suggested = suggest_one(name, taken, bool(samples))
        if remembered and name in remembered:
            suggested = remembered[name]
        out.append(Column(name, samples, suggested))
    return out


def headers(content: str) -> list[str]:
    return _read(content)[0]


def check_mapping(mapping: dict[str, str], header: list[str]) -> dict[str, str]:
    """The mapping for this file's columns, or BadMapping saying what is wrong."""
    unknown = [h for h in mapping if h not in header]
    if unknown:
        raise BadMapping(f"The file has no column “{unknown[0]}”.", details={"columns": unknown})
    seen: dict[str, str] = {}
    for name, target in mapping.items():
        if target.startswith(ATTRIBUTE):
            key = target.removeprefix(ATTRIBUTE)
            if key not in VOCABULARY and not _CUSTOM.match(key):
                raise BadMapping(f"“{name}”: {key!r} is not an attribute key.")
        elif target not in TARGETS:
            raise BadMapping(f"“{name}”: {target!r} is not something a column can be.")
        if target not in ("ignore", "note") and target in seen:
            raise BadMapping(f"“{seen[target]}” and “{name}” are both {target}; choose one.")
        seen[target] = name
    names = {"first_name", "last_name", "full_name", "company", "email", "phone"}
    if not names & set(seen):
        raise BadMapping("Map at least one column to a name, company, email or phone.")
    return {h: mapping.get(h, "ignore") for h in header}


def parse(content: str, *, region: str, mapping: dict[str, str] | None) -> list[Row]:
    """Every row, good or bad, in file order; no mapping, no rows (the owner maps first)."""
    if mapping is None:
        return []
    header, records = _read(content)
    mapping = check_mapping(mapping, header)
    rows: list[Row] = []
    for line, cells in records:
        try:
            rows.append(_customer(line, header, cells, mapping, region))
        except BadValue as exc:
            rows.append(RowError(line, str(exc)))
    return rows


def _attribute(key: str, text: str, column: str) -> Any:
    if key not in VOCABULARY:
        return values.line(text, column=column, max_length=FACT_VALUE_MAX)
    value: Any = text.strip()
    kind = VOCABULARY[key].kind
    if kind == "bool":
        value = value.lower() in ("yes", "y", "true", "1", "x")
    elif kind == "count":
        value = values.count(value, column=column)
    elif kind == "choices":
        value = [v.strip().lower() for v in value.split(",") if v.strip()]
    elif kind == "choice":
        value = value.lower()
    try:
        return normalise_value(key, value)
    except VocabularyError as exc:
        raise BadValue(f"{column} {text.strip()!r}: {exc}") from None


def _customer(
    line: int, header: list[str], cells: list[str], mapping: dict[str, str], region: str
) -> Customer:
    got: dict[str, str] = {}
    notes: list[str] = []
    facts: dict[str, Any] = {}
    for i, name in enumerate(header):
        target = mapping[name]
        cell = cells[i] if i < len(cells) else ""
        if target == "ignore" or not cell.strip():
            continue
        if target == "note":
            notes.append(values.text(cell, column=name, max_length=20000))
        elif target.startswith(ATTRIBUTE):
            fact = _attribute(target.removeprefix(ATTRIBUTE), cell, name)
            if fact not in ("", None, []):
                facts[target.removeprefix(ATTRIBUTE)] = fact
        elif target == "email":
            got[target] = values.email(cell, column=name)
        elif target == "phone":
            got[target] = values.phone(cell, column=name, region=region)
        else:
            limit = {"postal_code": 20, "first_name": 100, "last_name": 100, "city": 100}
            got[target] = values.line(cell, column=name, max_length=limit.get(target, 200))
    first, last = got.get("first_name", ""), got.get("last_name", "")
    full = got.get("full_name", "")
    if full and not (first or last):
        first, _, last = full.partition(" ")
        if len(first) > 100 or len(last) > 100:
            raise BadValue("the name is longer than 100 characters")
    company = got.get("company", "")
    if not (first or last or company):
        raise BadValue("no name: the name and company columns are all empty")
    email, phone = got.get("email", ""), got.get("phone", "")
    external_id = ""
    if not (email or phone):
        who = "\x1f".join((first.lower(), last.lower(), company.lower()))
        external_id = "csv:" + hashlib.sha256(who.encode()).hexdigest()[:24]
    street = got.get("line1", "")
    address = (
        Address(
            line1=street,
            line2=got.get("line2", ""),
            city=got.get("city", ""),
            region=got.get("region", ""),
            postal_code=got.get("postal_code", ""),
            country=region,
        )
        if street
        else None
    )
    memo = "\n\n".join(n for n in notes if n)
    if len(memo) > 20000:
        raise BadValue("the notes are longer than 20000 characters")
    return Customer(
        line=line,
        external_id=external_id,
        first_name=first,
        last_name=last,
        company=company,
        email=email,
        phone=phone,
        source=got.get("source", ""),
        email_opted_out=False,
        address=address,
        memo=memo,
        facts=facts,
    )
