"""Square customer exports for the import tests and the bench, made deterministically.

`python -m tests.data.square.make_customers` writes the three fixture files next to this
script (they are committed; the tests read the files, never this generator):

- ``customers.csv``: 500 rows as Square writes them, with every quirk real exports have — a
  UTF-8 BOM, Square's columns in a shuffled order plus two business-defined custom fields
  (``Gate Color``, ``Preferred Day``), phones as ``'+12565550134``, ``(256) 555-0134`` and
  ``256.555.0134``, dates ``MM-DD-YYYY``, money ``$1,234.50``, blank rows, accented names, memos
  with commas, quotes and line breaks — and, by design, bad rows (see ``QUIRKS``).
- ``customers_tab.tsv``: 60 rows, tab-separated, CRLF line ends, ``Surname`` for ``Last Name``,
  no BOM, another column order.
- ``not_customers.csv``: another program's client list (wrong columns).

Row ``i`` (0-based) is shaped by ``i % 100`` (``QUIRKS``), so every 100 rows hold 93 good new
customers, one repeat of the row before it (same Square id: unchanged) and 6 bad rows.
The bench (bench/imports.py) uses ``customers_csv(20_000)``.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# What row i % 100 is; any other value is a good row.
QUIRKS = {
    13: "no name",  # no first, last, company or nickname
    29: "bad phone",  # '555-01'
    41: "bad email",  # 'bob(at)example.com'
    57: "bad date",  # First Visit 13-45-2020
    71: "bad money",  # Lifetime Spend $12,3x4
    83: "no id",  # Square Customer ID empty
    97: "repeat",  # the row before it again, same Square Customer ID
}
BAD = frozenset(k for k, v in QUIRKS.items() if v not in ("repeat",))

COLUMNS = [
    "Square Customer ID",
    "Reference ID",
    "First Name",
    "Last Name",
    "Nickname",
    "Company Name",
    "Email Address",
    "Phone Number",
    "Street Address 1",
    "Street Address 2",
    "City",
    "State",
    "Postal Code",
    "Birthday",
    "Memo",
    "Creation Source",
    "Instant Profile",
    "First Visit",
    "Last Visit",
    "Transaction Count",
    "Lifetime Spend",
    "Email Subscription Status",
]
CUSTOM = ["Gate Color", "Preferred Day"]

FIRST = [
    "José",
    "Zoë",
    "François",
    "Renée",
    "Björn",
    "Ñuño",
    "Edna",
    "Marcus",
    "Aisha",
    "Li",
    "Chloé",
    "Dmitri",
    "Siobhán",
    "Ana",
    "Günter",
    "Priya",
    "Tom",
    "Maëlle",
]
LAST = [
    "Müller",
    "García",
    "O'Brien",
    "Núñez",
    "Whitfield",
    "Nguyen",
    "Okafor",
    "Søren",
    "Smith",
    "Łukasz",
    "Dubois",
    "Patel",
    "Johnson",
    "Kowalski",
    "Fernández",
    "Lee",
]
COMPANIES = [
    "Acme Property Mgmt",
    "Riverside Dental",
    "Café Olé",
    "Huntsville Lofts, LLC",
    "Blue Ridge Realty",
]
STREETS = [
    "Maple Ln",
    "Old Gurley Rd",
    "Whitesburg Dr",
    "Governors Dr",
    "Rue Montréal",
    "Bailey Cove Rd",
    "Jordan Ln",
]
CITIES = [
    ("Huntsville", "AL", "35801"),
    ("Madison", "AL", "35758"),
    ("Decatur", "AL", "35601"),
    ("Athens", "AL", "35611"),
    ("Guntersville", "AL", "35976"),
]
SOURCES = ["Directory", "Instant Profile", "Appointments", "Third Party Import", "Invoices"]
COLORS = ["Green", "Blue", "Rouge foncé", "Black"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
AREAS = ["256", "205", "334", "251", "938"]


def _phone(i: int) -> str:
    number = f"{AREAS[(i // 10000) % len(AREAS)]}555{i % 10000:04d}"
    style = i % 3
    if style == 0:
        return f"'+1{number}"
    if style == 1:
        return f"({number[:3]}) {number[3:6]}-{number[6:]}"
    return f"{number[:3]}.{number[3:6]}.{number[6:]}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}-{rng.randint(2015, 2025)}"


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def customer(i: int, rng: random.Random, *, id_prefix: str = "SQ") -> dict[str, str]:
    """Row i of an export (before any quirk that repeats a row)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company = rng.choice(COMPANIES) if i % 7 == 5 else ""
    if i % 10 == 4:
        first, last, company = "", "", rng.choice(COMPANIES)
    email = f"{first or 'office'}.{last or 'team'}{i}@example.com".replace("'", "")
    email = email.encode("ascii", "ignore").decode().lower()
    if i % 7 == 2:
        email = email.upper()
    if i % 19 == 6:
        email = ""
    city, state, postal = rng.choice(CITIES)
    memo = ""
    if i % 5 == 0:
        memo = f'Prefers "mornings", side gate; {rng.randint(10, 40)} windows'
    if i % 25 == 0:
        memo = f"Gate code {1000 + i % 9000}\nDog named Biscuit, keep the gate closed"
    spend = rng.randint(0, 250_000)
    row = {
        "Square Customer ID": f"{id_prefix}{i:06d}{rng.choice('ABCDEFGH')}",
        "Reference ID": f"REF-{i}" if i % 6 == 1 else "",
        "First Name": first,
        "Last Name": last,
        "Nickname": rng.choice(["Ed", "Bobby", "Doc"]) if i % 11 == 3 else "",
        "Company Name": company,
        "Email Address": email,
        "Phone Number": "" if i % 17 == 5 else _phone(i),
        "Street Address 1": "" if i % 9 == 8 else f"{100 + i} {rng.choice(STREETS)}",
        "Street Address 2": f"Apt {i % 20 + 1}" if i % 6 == 2 else "",
        "City": city,
        "State": state,
        "Postal Code": postal,
        "Birthday": _date(rng).rsplit("-", 1)[0] + f"-{rng.randint(1950, 2000)}"
        if i % 4 == 0
        else "",
        "Memo": memo,
        "Creation Source": SOURCES[i % len(SOURCES)],
        "Instant Profile": "Yes" if i % 5 == 1 else "No",
        "First Visit": "" if i % 8 == 7 else _date(rng),
        "Last Visit": "" if i % 8 == 7 else _date(rng),
        "Transaction Count": str(rng.randint(0, 60)),
        "Lifetime Spend": _money(spend),
        "Email Subscription Status": {1: "unsubscribed", 2: "bounced", 3: ""}.get(
            i % 10, "subscribed"
        ),
        "Gate Color": rng.choice(COLORS) if i % 3 == 0 else "",
        "Preferred Day": DAYS[i % len(DAYS)] if i % 4 == 1 else "",
    }
    quirk = QUIRKS.get(i % 100)
    if quirk == "no name":
        row.update({"First Name": "", "Last Name": "", "Company Name": "", "Nickname": ""})
    elif quirk == "bad phone":
        row["Phone Number"] = "555-01"
    elif quirk == "bad email":
        row["Email Address"] = "bob(at)example.com"
    elif quirk == "bad date":
        row["First Visit"] = "13-45-2020"
    elif quirk == "bad money":
        row["Lifetime Spend"] = "$12,3x4"
    elif quirk == "no id":
        row["Square Customer ID"] = ""
    return row


def rows(n: int, *, seed: int = 14, id_prefix: str = "SQ") -> list[dict[str, str] | None]:
    """n customer rows in file order; None is a blank row (after every 50th customer)."""
    rng = random.Random(seed)
    out: list[dict[str, str] | None] = []
    previous: dict[str, str] | None = None
    for i in range(n):
        row = customer(i, rng, id_prefix=id_prefix)
        if QUIRKS.get(i % 100) == "repeat" and previous is not None:
            row = dict(previous)
        out.append(row)
        previous = row
        if i % 50 == 49:
            out.append(None)
    return out


def customers_csv(
    n: int,
    *,
    seed: int = 14,
    delimiter: str = ",",
    surname: bool = False,
    bom: bool = True,
    line_end: str = "\n",
    id_prefix: str = "SQ",
) -> str:
    """A Square customer export of n customers as text (a BOM first when ``bom``)."""
    columns = COLUMNS + CUSTOM
    order = random.Random(seed + 1).sample(columns, len(columns))
    header = ["Surname" if c == "Last Name" and surname else c for c in order]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    for row in rows(n, seed=seed, id_prefix=id_prefix):
        if row is None:
            buffer.write(line_end)
        else:
            writer.writerow([row[c] for c in order])
    return ("\ufeff" if bom else "") + buffer.getvalue()


NOT_CUSTOMERS = (
    "Client Name,E-mail,Mobile,Service Address,Balance\n"
    "Edna Whitfield,edna@example.com,256-555-0134,4410 Old Gurley Rd,$0.00\n"
    "Marcus Lee,marcus@example.com,256-555-0135,12 Jordan Ln,$45.00\n"
)


def main() -> None:
    (HERE / "customers.csv").write_text(customers_csv(500), encoding="utf-8", newline="")
    (HERE / "customers_tab.tsv").write_text(
        customers_csv(
            60, seed=41, delimiter="\t", surname=True, bom=False, line_end="\r\n", id_prefix="TB"
        ),
        encoding="utf-8",
        newline="",
    )
    (HERE / "not_customers.csv").write_text(NOT_CUSTOMERS, encoding="utf-8", newline="")


if __name__ == "__main__":
    main()
