"""Square's customer export (Customers → Export customers), read into rows ready to store.

Columns are found by name, in any order; ``Surname`` stands for ``Last Name``; commas or tabs;
a UTF-8 BOM and blank rows are fine. Every column Square does not define is one of the
business's own custom fields and becomes a ``custom.<name>`` fact. A row that cannot be stored
is reported with its line number and why; the rest of the file goes on (docs/imports.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crm.errors import ValidationFailed
from crm.imports import values
from crm.imports.values import BadValue

KIND = "square_customers"
SOURCE_NAME = "Square customer export"

# Square's columns, by the normalised header (lower case, single spaces).
SQUARE_COLUMNS = {
    "square customer id": "Square Customer ID",
    "reference id": "Reference ID",
    "first name": "First Name",
    "last name": "Last Name",
    "nickname": "Nickname",
    "company name": "Company Name",
    "email address": "Email Address",
    "phone number": "Phone Number",
    "street address 1": "Street Address 1",
    "street address 2": "Street Address 2",
    "city": "City",
    "state": "State",
    "postal code": "Postal Code",
    "birthday": "Birthday",
    "memo": "Memo",
    "creation source": "Creation Source",
    "instant profile": "Instant Profile",
    "first visit": "First Visit",
    "last visit": "Last Visit",
    "transaction count": "Transaction Count",
    "lifetime spend": "Lifetime Spend",
    "email subscription status": "Email Subscription Status",
}
ALIASES = {"surname": "last name"}
# Without these it is not a customer export (or not Square's).
REQUIRED = ("square customer id", "first name", "last name", "email address", "phone number")
OPTED_OUT = frozenset({"unsubscribed", "bounced"})

# Facts kept from Square's own columns: (column, fact key).
FACT_KEYS = {
    "birthday": "people.birthday",
    "nickname": "people.nickname",
    "reference id": "square.reference_id",
    "first visit": "square.first_visit",
    "last visit": "square.last_visit",
    "transaction count": "square.transaction_count",
    "lifetime spend": "square.lifetime_spend_cents",
}
FACT_VALUE_MAX = 2000


class NotASquareExport(ValidationFailed):
    code = "IMPORT_WRONG_COLUMNS"
    default_message = "This file is not a Square customer export."


class EmptyFile(ValidationFailed):
    code = "IMPORT_EMPTY_FILE"
    default_message = "The file is empty: export your customers from Square and try again."


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str

    def one_line(self) -> str:
        place = " ".join(p for p in (self.region, self.postal_code) if p)
        return ", ".join(p for p in (self.line1, self.line2, self.city, place) if p)


@dataclass(frozen=True)
class Customer:
    """One row as it will be stored."""

    line: int
    external_id: str
    first_name: str
    last_name: str
    company: str
    email: str
    phone: str
    source: str
    email_opted_out: bool
    address: Address | None
    memo: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


Row = Customer | RowError


@dataclass(frozen=True)
class ParsedFile:
    rows: list[Row]
    # Header as written -> fact key, for the business's own columns.
    custom_keys: dict[str, str]


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as older spreadsheets save it."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def read_header(
    content: str,
    normalise: Callable[[str], str],
    labels: list[str],
    required: list[str],
    *,
    what: str,
    where: str,
) -> tuple[Iterator[tuple[int, list[str]]], list[str], list[str]]:
    """The remaining records, the header and its normalised names, once the header is read and
    has every required column (``labels``: their names as Square writes them). Raises EmptyFile,
    or NotASquareExport naming what is missing and where in Square the right file is."""
    records = _records(content)
    try:
        _, header = next(records)
    except StopIteration:
        raise EmptyFile() from None
    except csv.Error as exc:
        raise NotASquareExport(f"The file cannot be read as CSV: {exc}.") from None
    names = [normalise(h) for h in header]
    if not any(names):
        raise EmptyFile()
    missing = [label for label, name in zip(labels, required, strict=True) if name not in names]
    if missing:
        raise NotASquareExport(
            f"This is not a Square {what}: it has no "
            + ", ".join(f"“{m}”" for m in missing)
            + (" column." if len(missing) == 1 else " columns.")
            + f" In Square, open {where} and upload that file.",
            details={"missing": missing},
        )
    return records, header, names


def _normalise(header: str) -> str:
    name = " ".join(header.replace("\ufeff", "").strip().strip('"').lower().split())
    return ALIASES.get(name, name)


def _delimiter(first_line: str) -> str:
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _records(content: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each record; a quoted cell may span lines."""
    content = content.lstrip("\ufeff")
    delimiter = _delimiter(content.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=False)
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def parse(content: str, *, region: str = "US") -> ParsedFile:
    """Every row of the file, good or bad, in file order; blank rows are skipped.

    Raises NotASquareExport naming the missing columns, or EmptyFile."""
    records, header, names = read_header(
        content,
        _normalise,
        [SQUARE_COLUMNS[r] for r in REQUIRED],
        list(REQUIRED),
        what="customer export",
        where="Customers → Export customers",
    )
    custom_keys = _custom_keys(header, names)
    rows: list[Row] = []
    try:
        for line, cells in records:
            if not any(c.strip() for c in cells):
                continue
            cell = dict(zip(names, cells, strict=False))
            try:
                rows.append(_customer(line, cell, header, names, custom_keys, region))
            except BadValue as exc:
                rows.append(RowError(line, str(exc)))
    except csv.Error as exc:
        raise NotASquareExport(f"The file cannot be read as CSV: {exc}.") from None
    return ParsedFile(
        rows, {h: custom_keys[n] for h, n in zip(header, names, strict=True) if n in custom_keys}
    )


def _custom_keys(header: list[str], names: list[str]) -> dict[str, str]:
    """Normalised name -> ``custom.…`` key for each column Square does not define."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for raw, name in zip(header, names, strict=True):
        if not name or name in SQUARE_COLUMNS or name in keys:
            continue
        key = values.key_for(raw)
        base, n = key, 2
        while key in taken:
            key = f"{base[:60]}_{n}"
            n += 1
        taken.add(key)
        keys[name] = key
    return keys


def _customer(
    line: int,
    cell: dict[str, str],
    header: list[str],
    names: list[str],
    custom_keys: dict[str, str],
    region: str,
) -> Customer:
    def get(name: str) -> str:
        return cell.get(name) or ""

    def one_line(name: str, max_length: int) -> str:
        return values.line(get(name), column=SQUARE_COLUMNS[name], max_length=max_length)

    external_id = one_line("square customer id", 200)
    if not external_id:
        raise BadValue("no Square Customer ID")
    first = one_line("first name", 100)
    last = one_line("last name", 100)
    company = one_line("company name", 200)
    nickname = one_line("nickname", 100)
    if not (first or last or company):
        if not nickname:
            raise BadValue("no name: First Name, Last Name and Company Name are all empty")
        first = nickname
    email = values.email(get("email address"), column="Email Address")
    phone = values.phone(get("phone number"), column="Phone Number", region=region)
    facts = _facts(cell, header, names, custom_keys, nickname)
    street = one_line("street address 1", 200)
    address = (
        Address(
            line1=street,
            line2=one_line("street address 2", 200),
            city=one_line("city", 100),
            region=one_line("state", 100),
            postal_code=one_line("postal code", 20),
            country=region,
        )
        if street
        else None
    )
    return Customer(
        line=line,
        external_id=external_id,
        first_name=first,
        last_name=last,
        company=company,
        email=email,
        phone=phone,
        source=one_line("creation source", 100),
        email_opted_out=get("email subscription status").strip().lower() in OPTED_OUT,
        address=address,
        memo=values.text(get("memo"), column="Memo", max_length=20000),
        facts=facts,
    )


def _facts(
    cell: dict[str, str],
    header: list[str],
    names: list[str],
    custom_keys: dict[str, str],
    nickname: str,
) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    readers: dict[str, Any] = {
        "birthday": lambda v, c: values.birthday(v, column=c),
        "nickname": lambda v, c: nickname,
        "reference id": lambda v, c: values.line(v, column=c, max_length=200),
        "first visit": lambda v, c: values.day(v, column=c),
        "last visit": lambda v, c: values.day(v, column=c),
        "transaction count": lambda v, c: values.count(v, column=c),
        "lifetime spend": lambda v, c: values.cents(v, column=c),
    }
    for name, key in FACT_KEYS.items():
        value = readers[name](cell.get(name) or "", SQUARE_COLUMNS[name])
        if value not in ("", None):
            facts[key] = value
    for raw, name in zip(header, names, strict=True):
        custom = custom_keys.get(name)
        if custom is None or custom in facts:
            continue
        text = values.line(cell.get(name) or "", column=raw.strip(), max_length=FACT_VALUE_MAX)
        if text:
            facts[custom] = text
    return facts
