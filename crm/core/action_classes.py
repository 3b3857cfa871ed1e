"""What each action is, for an agent (docs/agents.md): ``safe``, ``write`` or ``sensitive``.

- ``safe``: reads and drafts that change nothing a customer sees — notes, draft invoices, a
  close-out preview, an import preview.
- ``write``: creates and updates.
- ``sensitive``: deletes, voids, refunds, cancelling or no-showing a ticket, anything that
  sends a message to a customer, changes to many visits at once, imports. Requested with an
  API token it does not run: it waits for the owner's yes (the authorization queue).
- ``owner``: only ever from the owner's own signed-in session — making API tokens and deciding
  authorizations; a token cannot, whatever its scope.

Every registered action must be listed here (a test checks), so a new action is classed on
purpose rather than by default.
"""

from __future__ import annotations

from crm.core.registry import REGISTRY

SAFE, WRITE, SENSITIVE, OWNER = "safe", "write", "sensitive", "owner"

CLASSES: dict[str, str] = {
    "address.create": WRITE,
    "address.delete": SENSITIVE,
    "address.update": WRITE,
    "api_token.create": OWNER,
    "api_token.revoke": OWNER,
    "attribute.create": WRITE,
    "attribute.delete": SENSITIVE,
    "attribute.update": WRITE,
    "authorization.approve": OWNER,
    "authorization.deny": OWNER,
    "business.update": WRITE,
    "contact.create": WRITE,
    "contact.delete": SENSITIVE,
    # Emails start again to someone who said stop: the owner says yes, not an agent.
    "contact.resubscribe": SENSITIVE,
    "contact.update": WRITE,
    "import.map": SAFE,
    "import.preview": SAFE,
    "import.start": SENSITIVE,
    "invoice.create_from_ticket": SAFE,
    "invoice.create_standalone": SAFE,
    "invoice.mark_sent": WRITE,
    "invoice.record_payment": WRITE,
    "invoice.refund": SENSITIVE,
    "invoice.remove_payment": SENSITIVE,
    "invoice.send": SENSITIVE,
    "invoice.update": SAFE,
    "invoice.void": SENSITIVE,
    "invoice_settings.update": WRITE,
    "line_item.add": WRITE,
    "line_item.add_discount": WRITE,
    "line_item.remove": WRITE,
    "line_item.update": WRITE,
    "message.cancel": WRITE,
    "message.retry": SENSITIVE,
    "message.schedule": SENSITIVE,
    "message_template.reset": WRITE,
    "message_template.save": WRITE,
    "messaging.update": WRITE,
    "note.create": SAFE,
    "note.delete": SENSITIVE,
    "note.update": SAFE,
    # A plan books a year of visits; the confirmations they send are the owner's own settings.
    "plan.create": WRITE,
    "plan.end": SENSITIVE,
    "plan.pause": WRITE,
    "plan.resume": WRITE,
    "plan.skip": SENSITIVE,
    # "This and following" or "all future" changes many visits at once.
    "plan.update": SENSITIVE,
    "service.create": WRITE,
    "service.retire": SENSITIVE,
    "service.update": WRITE,
    "staff.create": WRITE,
    "staff.delete": SENSITIVE,
    "staff.update": WRITE,
    "ticket.assign_staff": WRITE,
    "ticket.cancel": SENSITIVE,
    "ticket.clock_in": WRITE,
    "ticket.clock_out": WRITE,
    "ticket.close": WRITE,
    "ticket.close_out_preview": SAFE,
    # Booking sends the confirmation the owner switched on for every booking, as from the page.
    "ticket.create": WRITE,
    "ticket.delete": SENSITIVE,
    "ticket.mark_no_show": SENSITIVE,
    "ticket.reopen": WRITE,
    "ticket.update": WRITE,
    "waitlist.book": WRITE,
    "waitlist.create": WRITE,
    "waitlist.remove": SENSITIVE,
    "waitlist.update": WRITE,
}


def class_of(domain: str, action: str) -> str:
    """The action's class; an action missing from the table is treated as sensitive."""
    return CLASSES.get(f"{domain}.{action}", SENSITIVE)


def unclassed() -> list[str]:
    """Registered actions without a class (a test keeps this empty)."""
    return sorted(f"{d}.{a}" for d, a in REGISTRY.actions if f"{d}.{a}" not in CLASSES)
