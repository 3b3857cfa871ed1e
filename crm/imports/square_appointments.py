"""Square's appointment export (Appointments → Export), read into rows ready to store.

Columns are found by name in any order (the customer export's reader: commas or tabs, BOM,
blank rows). Datetimes ``MM-DD-YYYY hh:mm:ss AM`` are in the business's timezone. Statuses map
onto ticket states as docs/imports.md says; a row that cannot be stored is reported by line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crm.imports import values
from crm.imports.square_customers import RowError, read_header
from crm.imports.values import BadValue

KIND = "square_appointments"
SOURCE_NAME = "Square appointment export"

COLUMNS = {
    "appointment_id": "appointment_id",
    "status": "status",
    "created_at": "created_at",
    "address": "address",
    "service": "service",
    "start": "start",
    "end": "end",
    "client_name": "client_name",
    "client_email": "client_email",
    "client_phone": "client_phone",
    "staff": "staff",
    "note_from_client": "note_from_client",
    "note_from_business": "note_from_business",
    "location_type": "location_type",
    "location_name": "location_name",
}
REQUIRED = ("status", "service", "start", "end", "client_name", "client_email", "client_phone")
NEVER_DONE = "imported from Square: never marked done"
_FORMATS = ("%m-%d-%Y %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p", "%m-%d-%Y %I:%M %p")


@dataclass(frozen=True)
class Appointment:
    """One row as it will be stored."""

    line: int
    external_id: str  # square:<appointment_id>, or square-key:<hash of client, start, service>
    status: str  # scheduled, completed, cancelled, no_show
    cancel_reason: str
    start: datetime  # UTC
    duration_minutes: int
    address: str
    service: str
    client_name: str
    client_email: str
    client_phone: str
    staff: str
    note_from_client: str
    note_from_business: str

    @property
    def first_last(self) -> tuple[str, str]:
        first, _, last = self.client_name.partition(" ")
        return first, last


Row = Appointment | RowError


def _normalise(header: str) -> str:
    name = "_".join(header.replace("\ufeff", "").strip().strip('"').lower().split())
    return name.replace("-", "_")


def when(value: str, *, column: str, zone: ZoneInfo) -> datetime:
    raw = " ".join(value.split())
    for fmt in _FORMATS:
        try:
            local = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if not 1900 <= local.year <= 2200:
            break
        return local.replace(tzinfo=zone).astimezone(UTC)
    raise BadValue(f"{column} {value.strip()!r} is not a date and time (MM-DD-YYYY hh:mm:ss AM)")


def status_of(raw: str, start: datetime, now: datetime) -> tuple[str, str]:
    """(ticket status, cancel reason) for Square's status."""
    square = raw.strip().lower()
    if square in ("accepted", "pending"):
        return ("scheduled", "") if start >= now else ("cancelled", NEVER_DONE)
    if square == "cancelled_by_seller":
        return "cancelled", "imported from Square: cancelled by the business"
    if square == "cancelled_by_buyer":
        return "cancelled", "imported from Square: cancelled by the customer"
    if square in ("noshow", "no_show"):
        return "no_show", ""
    if square == "completed":
        return "completed", ""
    raise BadValue(f"status {raw.strip()!r} is not a Square appointment status")


def parse(
    content: str, *, region: str = "US", zone: ZoneInfo, now: datetime | None = None
) -> list[Row]:
    """Every row of the file, good or bad, in file order. Raises NotASquareExport naming the
    missing columns, or EmptyFile."""
    now = now or datetime.now(UTC)
    records, _, names = read_header(
        content,
        _normalise,
        [COLUMNS[r] for r in REQUIRED],
        list(REQUIRED),
        what="appointment export",
        where="Appointments → Export",
    )
    rows: list[Row] = []
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        cell = dict(zip(names, cells, strict=False))
        try:
            rows.append(_appointment(line, cell, region, zone, now))
        except BadValue as exc:
            rows.append(RowError(line, str(exc)))
    return rows


def _appointment(
    line: int, cell: dict[str, str], region: str, zone: ZoneInfo, now: datetime
) -> Appointment:
    def one_line(name: str, max_length: int) -> str:
        return values.line(cell.get(name) or "", column=name, max_length=max_length)

    def text(name: str) -> str:
        return values.text(cell.get(name) or "", column=name, max_length=20000)

    service = one_line("service", 200)
    if not service:
        raise BadValue("no service")
    client = one_line("client_name", 200)
    email = values.email(cell.get("client_email") or "", column="client_email")
    phone = values.phone(cell.get("client_phone") or "", column="client_phone", region=region)
    if not (client or email or phone):
        raise BadValue("no client: client_name, client_email and client_phone are all empty")
    start = when(cell.get("start") or "", column="start", zone=zone)
    end = when(cell.get("end") or "", column="end", zone=zone)
    minutes = int((end - start).total_seconds() // 60)
    if not 5 <= minutes <= 1440:
        raise BadValue(f"end is {minutes} minutes after start (5 to 1440 allowed)")
    status, reason = status_of(cell.get("status") or "", start, now)
    square_id = one_line("appointment_id", 180)
    if square_id:
        external_id = f"square:{square_id}"
    else:
        who = (email or phone or client).lower()
        key = f"{who}|{start.isoformat()}|{service.lower()}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        external_id = f"square-key:{digest}"
    return Appointment(
        line=line,
        external_id=external_id,
        status=status,
        cancel_reason=reason,
        start=start,
        duration_minutes=minutes,
        address=one_line("address", 200),
        service=service,
        client_name=client or email or phone,
        client_email=email,
        client_phone=phone,
        staff=one_line("staff", 200),
        note_from_client=text("note_from_client"),
        note_from_business=text("note_from_business"),
    )
