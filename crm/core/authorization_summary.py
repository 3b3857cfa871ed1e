"""What an agent's sensitive action would do, in one sentence for the owner who approves it:
"Cancel Tue Apr 14, 9:00 AM at 12 Oak St for Ann Lee and email Ann Lee a cancellation notice".

Read in the business's unit of work before anything runs; each wording mirrors what the service
really does (who is told, what else stops, what would refuse it now). A row that is gone is said
to be gone: approval validates again and refuses then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

from pydantic import BaseModel

from crm.clients.postgres_client import Connection
from crm.core import authorization_wording as words
from crm.core.models.common import format_money
from crm.core.plan_rules import RuleError, describe, normalise
from crm.imports.kinds import KINDS as IMPORT_KINDS
from crm.messaging.templates import TRANSACTIONAL
from crm.utils.timezone import business_today
from crm.utils.user_context import get_current_user

Wording = Callable[[Connection, Any], str]
_LIVE_PLANS = "SELECT count(*) AS n FROM plans WHERE contact_id = %s AND status <> 'ended'"
_FACTS_AT = "SELECT count(*) AS n FROM attributes WHERE address_id = %s"
_STAFF_BOOKED = (
    "SELECT count(*) AS n FROM ticket_staff ts JOIN tickets t ON t.id = ts.ticket_id "
    "WHERE ts.staff_id = %s AND t.status = 'scheduled'"
)
_SPECIFIC: dict[tuple[str, str], Wording] = {}


def summarize(conn: Connection, domain: str, action: str, data: BaseModel) -> str:
    """One sentence, under 300 characters, saying exactly what running the action would do."""
    wording = _SPECIFIC.get((domain, action))
    text = wording(conn, data) if wording else words.generic(conn, domain, action, data)
    return words.clip(text, words.MAX_SUMMARY)


def _about(
    domain: str, action: str, verb: str, table: str, field: str = "id"
) -> Callable[[Callable[[Connection, Any, dict[str, Any]], str]], Wording]:
    """Register the wording of domain.action, given the row ``data.<field>`` names in
    ``table``; a row that is not there reads "<verb> a <noun> that no longer exists (id …)"."""

    def register(wording: Callable[[Connection, Any, dict[str, Any]], str]) -> Wording:
        def summary(conn: Connection, data: Any) -> str:
            entity_id = getattr(data, field, None)
            found = words.row(conn, table, entity_id)
            if found is None:
                return f"{verb} {words.missing(words.noun(table), entity_id)}"
            return wording(conn, data, found)

        _SPECIFIC[(domain, action)] = summary
        return summary

    return register


def _reason(text: str) -> str:
    return f" (reason: {words.clip(text)})" if text else ""


def _refused(status: str, allowed: tuple[str, ...]) -> str:
    return "" if status in allowed else f"; refused now: it is {status.replace('_', ' ')}"


def _stops(conn: Connection, column: str, parent_id: Any, clauses: list[str]) -> list[str]:
    """The clauses, plus "stop its 2 pending messages" when there are any."""
    pending = words.pending_messages(conn, column, parent_id)
    return (
        [*clauses, f"stop its {words.plural(pending, 'pending message')}"] if pending else clauses
    )


# -- tickets -----------------------------------------------------------------------------------


def _cancelling(
    conn: Connection, ticket: dict[str, Any], verb: str, reason: str, allowed: tuple[str, ...]
) -> str:
    """ "Cancel <visit> (reason: …), stop its 2 pending messages and email Ann Lee a
    cancellation notice", or "…, without telling Ann Lee" (ticket_service.transition)."""
    contact = words.row(conn, "contacts", ticket["contact_id"])
    clauses = [f"{verb} {words.visit(conn, ticket)}{_reason(reason)}"]
    if ticket["status"] == "in_progress" and ticket["status"] in allowed:
        clauses.append("stop its running clock")
    clauses = _stops(conn, "ticket_id", ticket["id"], clauses)
    notice = ticket["status"] in allowed and words.notice_due(conn, ticket, contact)
    if notice and contact is not None:
        clauses.append(f"{words.reach(contact)} {words.name_of(contact)} a cancellation notice")
    text = words.series(clauses)
    if not notice and contact is not None:
        text += f", without telling {words.name_of(contact)}"
    return text + _refused(ticket["status"], allowed)


@_about("ticket", "cancel", "Cancel", "tickets")
def _ticket_cancel(conn: Connection, data: Any, ticket: dict[str, Any]) -> str:
    return _cancelling(conn, ticket, "Cancel", data.reason, ("scheduled", "in_progress"))


@_about("plan", "skip", "Skip", "tickets", "ticket_id")
def _plan_skip(conn: Connection, data: Any, ticket: dict[str, Any]) -> str:
    if ticket["plan_id"] is None:
        return f"Skip {words.visit(conn, ticket)}; refused now: it is not a plan's visit"
    return _cancelling(conn, ticket, "Skip the plan visit on", data.reason, ("scheduled",))


@_about("ticket", "delete", "Delete", "tickets")
def _ticket_delete(conn: Connection, data: Any, ticket: dict[str, Any]) -> str:
    status = ticket["status"].replace("_", " ")
    clauses = [f"Delete the {status} ticket {words.visit(conn, ticket)}"]
    text = words.series(_stops(conn, "ticket_id", ticket["id"], clauses))
    text += ", without telling the customer"
    invoice = conn.execute(
        "SELECT number FROM invoices WHERE ticket_id = %s AND status <> 'void'", (ticket["id"],)
    ).fetchone()
    if ticket["status"] == "completed":
        return text + "; refused now: it is completed"
    if invoice is not None:
        return text + f"; refused now: it is billed on invoice #{invoice['number']}"
    return text


@_about("ticket", "mark_no_show", "Mark as a no-show", "tickets")
def _ticket_no_show(conn: Connection, data: Any, ticket: dict[str, Any]) -> str:
    clauses = [f"Mark {words.visit(conn, ticket)} as a no-show{_reason(data.reason)}"]
    text = words.series(_stops(conn, "ticket_id", ticket["id"], clauses))
    return text + ", without telling the customer" + _refused(ticket["status"], ("scheduled",))


# -- plans -------------------------------------------------------------------------------------


@_about("plan", "end", "End", "plans")
def _plan_end(conn: Connection, data: Any, plan: dict[str, Any]) -> str:
    contact = words.row(conn, "contacts", plan["contact_id"])
    name = words.name_of(contact) or "a deleted contact"
    where = words.street(conn, plan["address_id"])
    visits = conn.execute(
        "SELECT * FROM tickets WHERE plan_id = %s AND status = 'scheduled' "
        "AND plan_occurrence >= %s ORDER BY plan_occurrence",
        (plan["id"], business_today(get_current_user().timezone)),
    ).fetchall()
    notices = sum(words.notice_due(conn, v, contact) for v in visits)
    text = f"End the plan for {name}{' at ' + where if where else ''} ({words.rule_text(plan)})"
    cancelled = words.plural(len(visits), "upcoming visit")
    if not visits:
        text += "; no upcoming visit is cancelled"
    elif notices and contact is not None:
        told = words.plural(notices, "cancellation notice")
        text += f", cancel its {cancelled} and {words.reach(contact)} {name} {told}"
    else:
        text += f" and cancel its {cancelled}, without telling {name}"
    text += f"; reason: {words.clip(data.reason)}" if data.reason else ""
    return text + ("; refused now: it has already ended" if plan["status"] == "ended" else "")


def _new_rule(plan: dict[str, Any], data: Any) -> str:
    sent = data.model_fields_set
    try:
        rule = normalise(
            data.rrule,
            start_date=data.start_date or plan["start_date"],
            start_time=data.start_time if "start_time" in sent else plan["start_time"],
            until=data.until,
            count=data.count,
        )
    except RuleError:
        return words.clip(data.rrule, 40)
    return describe(rule).rsplit(" at ", 1)[0]


def _plan_changes(conn: Connection, plan: dict[str, Any], data: Any) -> list[str]:
    """What a plan update sets, in words ("time to 10:00 AM", "staff to Joe Park")."""
    sent, changes = data.model_fields_set, []
    if "rrule" in sent and data.rrule:
        changes.append(f"schedule to {_new_rule(plan, data)}")
    if "start_date" in sent and data.start_date:
        changes.append(f"start date to {words.day(data.start_date)}")
    if "start_time" in sent and isinstance(data.start_time, time):
        changes.append(f"time to {words.clock(data.start_time)}")
    if "duration_minutes" in sent:
        changes.append(f"length to {data.duration_minutes} min")
    if "title" in sent:
        changes.append(f"title to “{words.clip(data.title, 40)}”")
    if "address_id" in sent:
        changes.append(f"address to {words.street(conn, data.address_id) or 'none'}")
    if "staff_ids" in sent:
        staff = ", ".join(words.ref(conn, "staff", s) for s in data.staff_ids)
        changes.append(f"staff to {words.clip(staff, 80) if staff else 'nobody'}")
    if "lines" in sent:
        changes.append(f"services to {words.plural(len(data.lines), 'line')}")
    if "until" in sent or "count" in sent:
        end = f"after {words.plural(data.count, 'visit')}" if data.count else None
        changes.append(f"end {end or (f'on {words.day(data.until)}' if data.until else 'never')}")
    if "skip_dates" in sent:
        changes.append(f"skipped dates to {words.plural(len(data.skip_dates), 'date')}")
    if "crew_note" in sent:
        changes.append("crew note")
    return changes


@_about("plan", "update", "Change", "plans")
def _plan_update(conn: Connection, data: Any, plan: dict[str, Any]) -> str:
    name = words.contact_name(conn, plan["contact_id"])
    changed = words.series(_plan_changes(conn, plan, data)) or "no changes"
    today = business_today(get_current_user().timezone)
    ticket = words.row(conn, "tickets", data.ticket_id) if data.scope != "all" else None
    if data.scope != "all" and (ticket is None or ticket["plan_id"] != plan["id"]):
        return f"Change the plan for {name} from {words.missing('plan visit', data.ticket_id)}"
    if data.scope == "this" and ticket is not None:
        start = words.when(ticket["scheduled_start"])
        return f"Change only the visit on {start} of the plan for {name}: {changed}, alone"
    text = f"Change the plan for {name} ({words.rule_text(plan)}): {changed}"
    if ticket is not None:
        visits = words.series_visits(conn, plan["id"], max(ticket["plan_occurrence"], today))
        text += f", from the visit on {words.when(ticket['scheduled_start'])} on "
        text += f"({words.plural(visits, 'upcoming visit')})"
    else:
        visits = words.series_visits(conn, plan["id"], today)
        text += f", for all {words.plural(visits, 'upcoming visit')}"
    return text + ("; refused now: it has ended" if plan["status"] == "ended" else "")


# -- contacts and their records, the catalog, staff, imports -----------------------------------


@_about("contact", "delete", "Delete", "contacts")
def _contact_delete(conn: Connection, data: Any, contact: dict[str, Any]) -> str:
    reach_at = contact["email"] or contact["phone"]
    clauses = [f"Delete the contact {words.name_of(contact)}{f' ({reach_at})' if reach_at else ''}"]
    plans = words.count(conn, _LIVE_PLANS, [data.id])
    if plans:
        clauses.append(f"end {words.plural(plans, 'service plan')}")
    pending = words.pending_messages(conn, "contact_id", data.id)
    if pending:
        clauses.append(f"stop {words.plural(pending, 'pending message')}")
    held = words.contact_blockers(conn, data.id)
    blocked = f"; refused now: {words.name_of(contact)} has {words.series(held)}"
    return words.series(clauses) + (blocked if held else "")


@_about("contact", "resubscribe", "Resubscribe", "contacts")
def _contact_resubscribe(conn: Connection, data: Any, contact: dict[str, Any]) -> str:
    name = words.name_of(contact)
    if contact["email_opted_out_at"] is None:
        return f"Resubscribe {name} to emails: nothing changes, they never unsubscribed"
    since = words.day(contact["email_opted_out_at"].date())
    return (
        f"Resubscribe {name} ({contact['email'] or 'no email address'}), who unsubscribed on "
        f"{since}: they get emails that are not about a booking or an invoice again"
    )


@_about("address", "delete", "Delete", "addresses")
def _address_delete(conn: Connection, data: Any, address: dict[str, Any]) -> str:
    place = ", ".join(p for p in (address["line1"], address["city"]) if p)
    text = f"Delete the address {place} of {words.contact_name(conn, address['contact_id'])}"
    facts = words.count(conn, _FACTS_AT, [data.id])
    if facts:
        text += f" and its {words.plural(facts, 'property fact')}"
    used = words.count(conn, "SELECT count(*) AS n FROM tickets WHERE address_id = %s", [data.id])
    return text + (f"; refused now: {words.plural(used, 'ticket')} use it" if used else "")


@_about("attribute", "delete", "Remove", "attributes")
def _attribute_delete(conn: Connection, data: Any, fact: dict[str, Any]) -> str:
    where = words.street(conn, fact["address_id"])
    about = words.contact_name(conn, fact["contact_id"]) + (f" at {where}" if where else "")
    return f"Remove the fact {fact['key']} = {words.clip(fact['value'])} about {about}"


@_about("note", "delete", "Delete", "notes")
def _note_delete(conn: Connection, data: Any, note: dict[str, Any]) -> str:
    ticket = words.row(conn, "tickets", note["ticket_id"])
    on = words.visit(conn, ticket) if ticket else words.contact_name(conn, note["contact_id"])
    return f"Delete the note on {on}: “{words.clip(note['body'], 120)}”"


@_about("waitlist", "remove", "Remove", "waitlist_entries")
def _waitlist_remove(conn: Connection, data: Any, entry: dict[str, Any]) -> str:
    name = words.contact_name(conn, entry["contact_id"])
    dates = f"{words.day(entry['earliest_date'])} to {words.day(entry['latest_date'])}"
    refused = _refused(entry["status"], ("open",))
    return f"Take {name} off the waitlist (wanted a visit from {dates}; kept on record){refused}"


@_about("service", "retire", "Retire", "services")
def _service_retire(conn: Connection, data: Any, service: dict[str, Any]) -> str:
    name = words.clip(service["name"])
    if service["retired_at"] is not None:
        return f"Retire the service {name}: nothing changes, it is retired"
    price = format_money(service["unit_price_cents"])
    return f"Retire the service {name} ({price}): it stays on past tickets, not on new ones"


@_about("staff", "delete", "Remove", "staff")
def _staff_delete(conn: Connection, data: Any, staff: dict[str, Any]) -> str:
    upcoming = words.count(conn, _STAFF_BOOKED, [data.id])
    text = f"Remove the staff member {words.clip(staff['name'])}; past tickets keep showing them"
    if upcoming:
        text += f", and {words.plural(upcoming, 'scheduled ticket')} still name them"
    return text


@_about("import", "start", "Start", "imports")
def _import_start(conn: Connection, data: Any, found: dict[str, Any]) -> str:
    kind = IMPORT_KINDS[found["kind"]].label if found["kind"] in IMPORT_KINDS else found["kind"]
    counts = found["counts"] or {}
    tally = ", ".join(f"{int(counts.get(k, 0))} {k}" for k in ("new", "updated", "unchanged"))
    rows = words.plural(found["total_rows"], "row")
    invalid = int(counts.get("invalid", 0))
    name = words.clip(found["filename"] or "an unnamed file")
    text = f"Import {name} ({kind}): {rows}, {tally}, {invalid} invalid skipped"
    return text + _refused(found["status"], ("previewed",))


# -- money -------------------------------------------------------------------------------------


@_about("invoice", "send", "Email", "invoices")
def _invoice_send(conn: Connection, data: Any, invoice: dict[str, Any]) -> str:
    contact = words.row(conn, "contacts", invoice["contact_id"])
    name = words.name_of(contact) or "a deleted contact"
    email = contact["email"] if contact else ""
    total = format_money(invoice["total_cents"])
    text = f"Email invoice #{invoice['number']} ({total}) to {name}"
    text += f" at {email} now" if email else " now"
    if invoice["status"] == "draft":
        text += " and mark it sent"
    if invoice["status"] == "void":
        return text + "; refused now: it is void"
    return text + ("" if email else f"; refused now: {name} has no email address")


@_about("invoice", "void", "Void", "invoices")
def _invoice_void(conn: Connection, data: Any, invoice: dict[str, Any]) -> str:
    name = words.contact_name(conn, invoice["contact_id"])
    total = format_money(invoice["total_cents"])
    clause = f"Void invoice #{invoice['number']} ({total}, {invoice['status']}) for {name}"
    text = words.series(_stops(conn, "invoice_id", invoice["id"], [clause + _reason(data.reason)]))
    if invoice["paid_cents"]:
        return text + f"; refused now: {format_money(invoice['paid_cents'])} is paid on it"
    return text + _refused(invoice["status"], ("draft", "sent"))


@_about("invoice", "refund", "Refund", "payments", "payment_id")
def _invoice_refund(conn: Connection, data: Any, payment: dict[str, Any]) -> str:
    method = (data.method or payment["method"]).replace("_", " ")
    text = f"Refund {format_money(data.amount_cents)} ({method}) of "
    text += words.payment_label(conn, payment) + _reason(data.reason)
    return text + ("; refused now: it was removed" if payment["removed_at"] else "")


@_about("invoice", "remove_payment", "Remove", "payments", "payment_id")
def _invoice_remove_payment(conn: Connection, data: Any, payment: dict[str, Any]) -> str:
    text = f"Remove {words.payment_label(conn, payment)}, kept on record as removed"
    text += _reason(data.reason)
    return text + ("; refused now: it was removed" if payment["removed_at"] else "")


# -- messages ----------------------------------------------------------------------------------


@_about("message", "schedule", "Schedule a message to", "contacts", "contact_id")
def _message_schedule(conn: Connection, data: Any, contact: dict[str, Any]) -> str:
    reachable = contact["email"] or contact["phone"]
    name, channel = words.name_of(contact), words.reach(contact) if reachable else "send"
    subject = "" if data.templated else f" “{words.clip(data.subject)}”"
    text = f"{channel.capitalize()} {name} the {words.kind_label(data.kind)}{subject} "
    text += words.at_time(data.scheduled_for)
    ticket = words.row(conn, "tickets", data.ticket_id)
    if ticket is not None:
        text += f" about the visit on {words.when(ticket['scheduled_start'])}"
    invoice = words.row(conn, "invoices", data.invoice_id)
    if invoice is not None:
        text += f" about invoice #{invoice['number']}"
    if not reachable:
        return text + f"; it will be skipped: {name} has no email address or phone"
    if channel == "email" and contact["email_opted_out_at"] and data.kind not in TRANSACTIONAL:
        return text + f"; it will be skipped: {name} unsubscribed from emails"
    return text


@_about("message", "retry", "Send again", "scheduled_messages")
def _message_retry(conn: Connection, data: Any, message: dict[str, Any]) -> str:
    contact = words.row(conn, "contacts", message["contact_id"])
    name = words.name_of(contact) or "a deleted contact"
    subject = words.clip(message["subject"])
    what = f"{message['status']} {words.kind_label(message['kind'])} “{subject}”"
    text = f"Send {name} the {what} again now" + (f" by {words.reach(contact)}" if contact else "")
    return text + _refused(message["status"], ("failed", "skipped"))
