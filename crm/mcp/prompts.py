"""The resources and prompts an assistant is offered (docs/mcp.md).

The prompts are what an owner would ask, spelled out so the model uses the right tools and
asks before it changes anything.
"""

from __future__ import annotations

from collections.abc import Callable

import mcp_types as types

from crm.errors import NotFound, ValidationFailed

BUSINESS = "crm://business"
SCHEDULE_TODAY = "crm://schedule/today"

RESOURCES = (
    types.Resource(
        uri=BUSINESS,
        name="business",
        title="The business",
        description="The business's name, the owner's name, its timezone and today's date "
        "there, and what this connection's API token may do.",
        mime_type="application/json",
    ),
    types.Resource(
        uri=SCHEDULE_TODAY,
        name="schedule_today",
        title="Today's schedule",
        description="Today's tickets (in the business's timezone), in time order, each with "
        "its contact and address; cancelled ones are left out.",
        mime_type="application/json",
    ),
)

PLAN_TOMORROW = """\
Help me plan tomorrow.

1. Read the resource crm://business for our timezone and today's date, so you know which date
   tomorrow is for us.
2. Call query_tickets with from and to both set to tomorrow's date and include
   ["contact", "address", "line_items", "staff"]. Leave out cancelled tickets.
3. Give me the day in time order: time, customer, address (city), the services, and who is
   assigned. Then point out what needs my attention: visits with nobody assigned, overlapping
   or double-booked visits, long gaps, and back-to-back visits in different towns.
4. To fill gaps, look at query_waitlist (status "open") and query_due_for_service (weeks "2")
   for customers in the same towns, and suggest who could be fitted in and when.

Only suggest. Do not book, move, cancel or message anyone until I say yes. When I do, use
ticket_create, ticket_update or waitlist_book. Cancelling a visit or sending a customer a
message is a sensitive action: it waits for my approval in the app, so tell me when you have
asked for one."""

DUE_FOR_SERVICE = """\
Who is due for service{where} in the next {weeks} weeks?

Call query_due_for_service with weeks "{weeks}"{city_argument}. For each customer give me
their name, phone, town, when we were last there, what we usually do for them, and how many
days overdue or until due. Group them by town so I can route them, most overdue first.

Then suggest, for the five most overdue, a day that fits around what is already booked (check
query_tickets with from and to for the next two weeks) and draft a short, friendly text I could
send them. Do not book or send anything until I say so: booking is ticket_create, and sending
a message (message_schedule) waits for my approval in the app."""

PROMPTS = (
    types.Prompt(
        name="plan_tomorrow",
        title="Plan tomorrow",
        description="Go through tomorrow's visits: gaps, clashes, nobody assigned, and who "
        "could fill a gap.",
        arguments=[],
    ),
    types.Prompt(
        name="due_for_service",
        title="Who is due for service",
        description="Customers due for a visit with nothing booked, grouped by town, with "
        "suggested days and draft reminders.",
        arguments=[
            types.PromptArgument(name="city", description="only this town", required=False),
            types.PromptArgument(
                name="weeks", description="how far ahead to look (default 4)", required=False
            ),
        ],
    ),
)


def _plan_tomorrow(arguments: dict[str, str]) -> str:
    return PLAN_TOMORROW


def _due_for_service(arguments: dict[str, str]) -> str:
    city = (arguments.get("city") or "").strip()
    weeks = (arguments.get("weeks") or "4").strip()
    if not weeks.isdigit() or not 1 <= int(weeks) <= 52:
        raise ValidationFailed(
            "weeks must be a whole number from 1 to 52.",
            details={"fields": [{"field": "weeks", "message": "1 to 52"}]},
        )
    return DUE_FOR_SERVICE.format(
        where=f" in {city}" if city else "",
        weeks=weeks,
        city_argument=f' and city "{city}"' if city else "",
    )


RENDER: dict[str, Callable[[dict[str, str]], str]] = {
    "plan_tomorrow": _plan_tomorrow,
    "due_for_service": _due_for_service,
}


def prompt(name: str, arguments: dict[str, str]) -> types.GetPromptResult:
    """The prompt's text as one user message."""
    render = RENDER.get(name)
    if render is None:
        raise NotFound(f"No prompt named {name!r}.", details={"valid": sorted(RENDER)})
    described = next(p for p in PROMPTS if p.name == name)
    return types.GetPromptResult(
        description=described.description,
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(text=render(arguments)))
        ],
    )
