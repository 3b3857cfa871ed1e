"""Square's appointment export for the import tests, written once and frozen.

`python -m tests.data.square.make_appointments` writes ``appointments.csv`` next to this
script (committed; the tests read the file, never this generator). The business it is
imported into (tests/imports/test_appointments.py) already has the customers
``Alice Existing`` (alice@example.com), ``Bob Phone`` (+12565550134) and ``Carla Name``,
the service ``Window Cleaning`` and the staff member ``Sam Squeegee``.

Every Square status appears, past (2025) and future (2035); one row has no appointment_id;
one client matches by email, one by phone, one by name, two are new (one of them twice);
``Gutter Cleaning`` and ``Jordan Lee`` are unknown; two rows are broken (a start that is not a
date, a status Square does not write).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = [
    "appointment_id", "status", "created_at", "address", "service", "start", "end",
    "client_name", "client_email", "client_phone", "staff", "note_from_client",
    "note_from_business", "location_type", "location_name",
]  # fmt: skip

# (id, status, address, service, start, end, name, email, phone, staff, client note,
#  business note)
ROWS = [
    ("SQ-A1", "completed", "12 Elm St, Huntsville AL", "Window Cleaning",
     "03-04-2025 09:00:00 AM", "03-04-2025 10:30:00 AM", "Alice Existing",
     "ALICE@example.com", "", "Sam Squeegee", "Gate code 1234#", "Paid cash"),
    ("SQ-A2", "accepted", "", "Gutter Cleaning", "06-10-2035 01:00:00 PM",
     "06-10-2035 02:00:00 PM", "Robert Phone", "", "(256) 555-0134", "Jordan Lee", "", ""),
    ("SQ-A3", "pending", "9 Oak Ave", "window cleaning", "04-01-2025 08:00:00 AM",
     "04-01-2025 09:00:00 AM", "Nina New", "nina@example.com", "", "", "", ""),
    ("SQ-A4", "cancelled_by_seller", "", "Window Cleaning", "05-02-2025 10:00:00 AM",
     "05-02-2025 11:00:00 AM", "Alice Existing", "alice@example.com", "", "", "", "Rain"),
    ("SQ-A5", "cancelled_by_buyer", "", "Window Cleaning", "05-03-2025 10:00:00 AM",
     "05-03-2025 11:00:00 AM", "Nina New", "nina@example.com", "", "", "", ""),
    ("SQ-A6", "noshow", "", "Window Cleaning", "05-04-2025 10:00:00 AM",
     "05-04-2025 11:00:00 AM", "Carla Name", "", "", "", "", ""),
    ("", "accepted", "77 Pine Rd", "Window Cleaning", "07-01-2035 09:00:00 AM",
     "07-01-2035 11:00:00 AM", "Omar Noid", "omar@example.com", "", "Sam Squeegee", "", ""),
    ("SQ-A8", "pending", "", "Window Cleaning", "08-01-2035 09:00:00 AM",
     "08-01-2035 10:00:00 AM", "Carla Name", "", "", "", "", ""),
    ("SQ-A9", "accepted", "", "Window Cleaning", "13-45-2035 09:00:00 AM",
     "13-45-2035 10:00:00 AM", "Nina New", "nina@example.com", "", "", "", ""),
    ("SQ-A10", "teleported", "", "Window Cleaning", "08-02-2035 09:00:00 AM",
     "08-02-2035 10:00:00 AM", "Nina New", "nina@example.com", "", "", "", ""),
]  # fmt: skip


def appointments_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for appointment_id, status, address, service, start, end, *rest in ROWS:
        name, email, phone, staff, client_note, business_note = rest
        writer.writerow(
            [appointment_id, status, "01-15-2025 08:00:00 AM", address, service, start, end,
             name, email, phone, staff, client_note, business_note, "business", "Main"]
        )  # fmt: skip
    return "\ufeff" + out.getvalue()


if __name__ == "__main__":
    (HERE / "appointments.csv").write_bytes(appointments_csv().encode("utf-8"))
