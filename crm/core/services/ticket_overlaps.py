"""Which live tickets a visit would overlap: the calendar's "this crew is already busy" check.

A read, not a rule: the owner may book a clash on purpose (two crews, a quick stop), so the
pages warn and let them save anyway. Who is busy: a ticket with staff clashes with any
scheduled or in-progress ticket sharing one of those staff members. A ticket with no staff is
nobody's time yet in a business with a crew (it is assigned later), so it clashes with nothing;
in a business without staff (a solo owner) every visit is the owner's, so it clashes with any
live ticket at that time. Windows are half-open (a 9:00 to 10:00 visit and a 10:00 one do not
clash) and use the scheduled times.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from crm.clients.postgres_client import Connection
from crm.core.services.contact_service import display_name

LIMIT = 20

OVERLAPPING_TICKETS = """
SELECT t.id, t.title, t.scheduled_start, t.duration_minutes, t.status,
       t.scheduled_start + make_interval(mins => t.duration_minutes) AS scheduled_end,
       c.first_name, c.last_name, c.company,
       ARRAY(SELECT s.name FROM ticket_staff ts JOIN staff s ON s.id = ts.staff_id
             WHERE ts.ticket_id = t.id ORDER BY s.name) AS staff_names
FROM tickets t
JOIN contacts c ON c.id = t.contact_id
WHERE t.deleted_at IS NULL
  AND t.status IN ('scheduled', 'in_progress')
  AND t.scheduled_start < %(end)s
  AND t.scheduled_start + make_interval(mins => t.duration_minutes) > %(start)s
  AND t.id IS DISTINCT FROM %(exclude)s
  AND CASE WHEN cardinality(%(staff)s::uuid[]) = 0
      THEN NOT EXISTS (SELECT 1 FROM staff WHERE deleted_at IS NULL)
      ELSE EXISTS (SELECT 1 FROM ticket_staff ts
                   WHERE ts.ticket_id = t.id AND ts.staff_id = ANY(%(staff)s::uuid[]))
  END
ORDER BY t.scheduled_start, t.id
LIMIT %(limit)s
"""


def overlapping(
    conn: Connection,
    *,
    start: datetime,
    minutes: int,
    staff_ids: Sequence[UUID | str],
    exclude_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """The live tickets whose scheduled time overlaps this visit for the same people."""
    rows = conn.execute(
        OVERLAPPING_TICKETS,
        {
            "start": start,
            "end": start + timedelta(minutes=minutes),
            "staff": [str(s) for s in staff_ids],
            "exclude": exclude_id,
            "limit": LIMIT,
        },
    ).fetchall()
    return [{**row, "contact_name": display_name(row)} for row in rows]
