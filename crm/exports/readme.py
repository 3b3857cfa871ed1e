"""README.txt of an export, written from the same declarations as the files, so it cannot drift."""

from __future__ import annotations

from datetime import datetime

from crm.exports.spec import ENTITIES

FORMAT_VERSION = 1

_INTRO = """\
Everything {business} keeps in the CRM, exported {when}.

Files
  One CSV per kind of record (UTF-8 with a byte-order mark, comma-separated, a header row,
  columns always in the order below), data.json with the same rows nested (contacts with their
  addresses, facts, notes, plans, tickets with their lines, time and staff, invoices with their
  lines and payments, messages with their delivery attempts, waitlist entries), and this file.

Formats
  Money: integer cents (<name>_cents) and the same amount as text (<name>_formatted, "$1,234.50").
  Times: ISO 8601 with the business's UTC offset ({timezone}), e.g. 2026-05-01T09:30:00-05:00.
  Dates: YYYY-MM-DD; local times of day: HH:MM:SS. Decimals (quantities): text, e.g. 2.500.
  Ids: UUIDs; a column ending in _id holds the id of a row in the file named in its description.
  JSON columns and lists hold JSON text. An empty cell is "none" (NULL) where the column says
  it is optional, otherwise an empty text.
  Rates: basis points (825 = 8.25%).

What is left out
  Sign-in data, sessions, links' secret tokens, drafts of a close-out in progress, model usage
  counters and the search index. Rows that belong to a deleted ticket or invoice are left out
  with it. A deleted contact or staff member that surviving records still point at appears as
  a row with deleted=true and its id only.

Moving in
  crm import export-zip FILE --business-email EMAIL   (into a business with no contacts,
  tickets or invoices yet; see docs/export.md)
"""


def readme_text(*, business: str, timezone: str, exported_at: datetime) -> str:
    """The README: the introduction, then every file's columns."""
    parts = [
        _INTRO.format(business=business, when=exported_at.isoformat(), timezone=timezone),
        f"Format version {FORMAT_VERSION}.\n",
    ]
    for entity in ENTITIES:
        parts.append(f"\n{entity.file}\n  {entity.doc}\n")
        for column in entity.columns:
            optional = " Optional." if column.nullable else ""
            headers = column.headers()
            if len(headers) == 2:
                parts.append(f"  {headers[0]:<28} {column.doc} Integer cents.{optional}\n")
                parts.append(f"  {headers[1]:<28} The same amount as text.\n")
            else:
                parts.append(f"  {headers[0]:<28} {column.doc}{optional}\n")
    return "".join(parts)
