"""What an export holds: one declaration per file, read by the writer, the README and the import.

Each entity names its CSV, the SQL that reads it (run under the business's RLS context, so only
its rows can come back) and its columns in file order. A column's kind says how a value is
written: ``money`` becomes two columns (``<name>_cents`` and ``<name>_formatted``), times are
ISO 8601 with the business's offset, ``json`` and ``list`` are JSON text.

Rows that hang off a deleted ticket or invoice are left out with it; an optional reference to a
deleted row is written empty. Deleted contacts and staff that surviving rows still point at
(a past ticket of a deleted customer, a job a removed technician worked on) are written as
``deleted`` rows with their id only, so every reference in the export resolves.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("id", "ref", "text", "int", "bool", "numeric", "money", "datetime", "date", "time")
KINDS_JSON = ("json", "list", "refs")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    doc: str
    # For ref / refs: the entity the id points at.
    ref: str = ""
    # Empty in the CSV means NULL (otherwise an empty string).
    nullable: bool = False
    # The SQL expression read for it (default: the alias's column of that name).
    expr: str = ""

    def headers(self) -> tuple[str, ...]:
        """The CSV header(s) this column writes."""
        if self.kind == "money":
            base = self.name.removesuffix("_cents")
            return (self.name, f"{base}_formatted")
        return (self.name,)


@dataclass(frozen=True)
class Entity:
    name: str
    doc: str
    source: str
    columns: tuple[Column, ...]
    order: str
    # Nested in data.json under its parent (parent entity, the column that points at it).
    parent: tuple[str, str] | None = None
    # How a row finds its contact, to read it one batch of contacts at a time.
    contact_expr: str = "x.contact_id"

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def headers(self) -> list[str]:
        return [h for c in self.columns for h in c.headers()]

    def select(self, where: str = "") -> str:
        """The query: every column in file order (money once, as cents)."""
        exprs = ", ".join(f"{c.expr or 'x.' + c.name} AS {c.name}" for c in self.columns)
        condition = f" WHERE {where}" if where else ""
        # Every part is a constant of this module (no input reaches it).
        return f"SELECT {exprs} FROM {self.source}{condition} ORDER BY {self.order}"  # noqa: S608


def _c(name: str, kind: str, doc: str, **kw: object) -> Column:
    return Column(name, kind, doc, **kw)  # type: ignore[arg-type]


ID = _c("id", "id", "This row's id (a UUID). Other files point at it; a new one on import.")
CREATED = _c("created_at", "datetime", "When it was created.")
UPDATED = _c("updated_at", "datetime", "When it last changed.")


def _live(table: str, column: str, alias: str = "x") -> str:
    """An optional reference, or NULL when it points at a row that is deleted (hidden)."""
    return f"(SELECT r.id FROM {table} r WHERE r.id = {alias}.{column})"  # noqa: S608


BUSINESS = Entity(
    name="business",
    doc="The business itself: one row. No sign-in data, sessions or secrets are exported.",
    source="users x",
    order="x.id",
    columns=(
        _c("email", "text", "The owner's sign-in email (not changed by an import)."),
        _c("display_name", "text", "The owner's name, as messages are signed."),
        _c("business_name", "text", "The business name."),
        _c("timezone", "text", "IANA timezone every local time in this export is shown in."),
        _c(
            "last_invoice_number",
            "int",
            "The last invoice number issued (0: none yet); the next invoice gets the one after.",
            expr="COALESCE((SELECT n.next_number FROM invoice_counters n), 0)",
        ),
        CREATED,
    ),
)

INVOICE_SETTINGS = Entity(
    name="invoice_settings",
    doc="Settings → Invoices: defaults and what is printed on invoices (zero or one row).",
    source="invoice_settings x",
    order="x.created_at, x.id",
    columns=(
        _c("tax_rate_bp", "int", "Default tax rate in basis points (825 = 8.25%)."),
        _c("due_days", "int", "Days until an invoice is due."),
        _c("default_notes", "text", "Notes printed on new invoices."),
        _c("address", "text", "Business address printed on invoices."),
        _c("phone", "text", "Business phone printed on invoices (E.164)."),
        _c("email", "text", "Business email printed on invoices."),
        CREATED,
        UPDATED,
    ),
)

MESSAGING_SETTINGS = Entity(
    name="messaging_settings",
    doc="Settings → Messages: what is sent to customers and when (zero or one row).",
    source="messaging_settings x",
    order="x.created_at, x.id",
    columns=(
        _c("business_phone", "text", "Phone shown in messages."),
        _c("reply_to", "text", "Reply-to address of emails."),
        _c("confirmations", "bool", "Ask customers to confirm appointments."),
        _c("reminder_minutes", "list", "Reminders, minutes before a visit (JSON list)."),
        _c("follow_up_hours", "int", "Hours after a visit for the follow-up (0 = none)."),
        _c("thank_you", "bool", "Send a thank-you after a completed visit."),
        _c("quiet_start", "time", "Local time quiet hours start (HH:MM:SS)."),
        _c("quiet_end", "time", "Local time quiet hours end (HH:MM:SS)."),
        CREATED,
        UPDATED,
    ),
)

MESSAGE_TEMPLATES = Entity(
    name="message_templates",
    doc="The business's own wording for a kind of message.",
    source="message_templates x",
    order="x.kind",
    columns=(
        ID,
        _c("kind", "text", "Which message (reminder, follow_up, …)."),
        _c("subject", "text", "Email subject template."),
        _c("body", "text", "Email body template."),
        _c("sms", "text", "Text message template."),
        CREATED,
        UPDATED,
    ),
)

STAFF = Entity(
    name="staff",
    doc="People who do the work (not logins). Rows with deleted=true were removed from the "
    "staff list; only their id is kept, because past tickets or plans still name them.",
    source="staff x",
    order="x.created_at, x.id",
    columns=(
        ID,
        _c("deleted", "bool", "true: removed; only the id is known.", expr="false"),
        _c("name", "text", "Name."),
        _c("email", "text", "Email."),
        _c("phone", "text", "Phone (E.164)."),
        CREATED,
        UPDATED,
    ),
)

SERVICES = Entity(
    name="services",
    doc="The price list.",
    source="services x",
    order="x.created_at, x.id",
    columns=(
        ID,
        _c("name", "text", "Name."),
        _c("description", "text", "Description."),
        _c("pricing_mode", "text", "fixed, flexible, per_unit or product."),
        _c("unit_price_cents", "money", "Price (per unit for per_unit)."),
        _c("unit_label", "text", "Unit of a per_unit price (window, pane…)."),
        _c("default_duration_minutes", "int", "Default visit length in minutes."),
        _c("retired_at", "datetime", "When it was retired (empty: in use).", nullable=True),
        CREATED,
        UPDATED,
    ),
)

CONTACTS = Entity(
    name="contacts",
    doc="Customers. Rows with deleted=true were deleted in the CRM; only their id is kept, "
    "because their past tickets, invoices or messages are in this export.",
    source="contacts x",
    order="x.created_at, x.id",
    columns=(
        ID,
        _c("deleted", "bool", "true: deleted; only the id is known.", expr="false"),
        _c("first_name", "text", "First name."),
        _c("last_name", "text", "Last name."),
        _c("company", "text", "Company."),
        _c("email", "text", "Email."),
        _c("phone", "text", "Phone (E.164, e.g. +12565550134)."),
        _c("preferred_contact_method", "text", "any, email, phone, sms or none."),
        _c("preferred_time_of_day", "text", "When they like visits."),
        _c("source", "text", "How they found the business."),
        _c("external_id", "text", "Id in another system (e.g. Square Customer ID)."),
        _c(
            "referred_by_id",
            "ref",
            "The contact who referred them (contacts.csv id).",
            ref="contacts",
            nullable=True,
            expr=_live("contacts", "referred_by_id"),
        ),
        _c("email_opted_out_at", "datetime", "When they opted out of email.", nullable=True),
        CREATED,
        UPDATED,
    ),
)

ADDRESSES = Entity(
    name="addresses",
    doc="Service addresses of contacts.",
    source="addresses x",
    order="x.created_at, x.id",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("contact_id", "ref", "Its contact (contacts.csv id).", ref="contacts"),
        _c("label", "text", "Label (Home, Rental…)."),
        _c("line1", "text", "Street."),
        _c("line2", "text", "Unit, suite."),
        _c("city", "text", "City."),
        _c("region", "text", "State or region."),
        _c("postal_code", "text", "Postal code."),
        _c("country", "text", "Country code."),
        _c("access_notes", "text", "Gate codes, parking, access."),
        _c("is_primary", "bool", "The contact's primary address."),
        CREATED,
        UPDATED,
    ),
)

PLANS = Entity(
    name="plans",
    doc="Recurring service plans; their visits are the tickets with a plan_id.",
    source="plans x",
    order="x.created_at, x.id",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("contact_id", "ref", "Its contact.", ref="contacts"),
        _c("address_id", "ref", "Where (addresses.csv id).", ref="addresses", nullable=True),
        _c("title", "text", "Title of its visits."),
        _c("rrule", "text", "Recurrence rule (RFC 5545 RRULE)."),
        _c("start_date", "date", "First local date."),
        _c("start_time", "time", "Local start time."),
        _c("duration_minutes", "int", "Visit length in minutes."),
        _c("until_date", "date", "Last local date.", nullable=True),
        _c("max_count", "int", "Number of visits at most.", nullable=True),
        _c("skip_dates", "list", "Local dates skipped (JSON list)."),
        _c("lines", "json", "Lines of each visit (JSON; service_id = services.csv id)."),
        _c("staff_ids", "refs", "Staff of each visit (JSON list of staff.csv ids).", ref="staff"),
        _c("crew_note", "text", "Note for the crew."),
        _c("status", "text", "active, paused or ended."),
        _c("status_reason", "text", "Why it was paused or ended."),
        _c("generated_through", "date", "Visits exist up to this date.", nullable=True),
        _c("split_from", "ref", "The plan it continues.", ref="plans", nullable=True),
        _c("first_number", "int", "Number of its first visit in the series."),
        CREATED,
        UPDATED,
    ),
)

TICKETS = Entity(
    name="tickets",
    doc="Appointments (jobs). Completed ones are read-only in the CRM.",
    source="tickets x",
    order="x.created_at, x.id",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("contact_id", "ref", "Its contact.", ref="contacts"),
        _c("address_id", "ref", "Where (addresses.csv id).", ref="addresses", nullable=True),
        _c("title", "text", "Title."),
        _c("scheduled_start", "datetime", "Start."),
        _c("duration_minutes", "int", "Planned length in minutes."),
        _c("status", "text", "scheduled, in_progress, completed, cancelled or no_show."),
        _c("confirmation_status", "text", "unconfirmed, confirmed, declined, …"),
        _c("confirmation_note", "text", "What the customer said when answering."),
        _c("confirmation_answered_at", "datetime", "When they answered.", nullable=True),
        _c("is_price_estimated", "bool", "The price is an estimate."),
        _c("cancel_reason", "text", "Why it was cancelled."),
        _c("completed_at", "datetime", "When it was completed.", nullable=True),
        _c("worked_minutes", "int", "Minutes actually worked.", nullable=True),
        _c("ics_sequence", "int", "Calendar invitation revision."),
        _c("plan_id", "ref", "The plan it is a visit of.", ref="plans", nullable=True),
        _c("plan_occurrence", "date", "Which visit of the plan (local date).", nullable=True),
        _c("plan_detached", "bool", "Changed on its own, apart from its plan."),
        CREATED,
        UPDATED,
    ),
)

TICKET_STAFF = Entity(
    name="ticket_staff",
    doc="Who is assigned to each ticket.",
    source="ticket_staff x JOIN tickets t ON t.id = x.ticket_id",
    order="x.created_at, x.ticket_id, x.staff_id",
    parent=("tickets", "ticket_id"),
    contact_expr="t.contact_id",
    columns=(
        _c("ticket_id", "ref", "The ticket.", ref="tickets"),
        _c("staff_id", "ref", "The staff member (staff.csv id).", ref="staff"),
        CREATED,
    ),
)

LINE_ITEMS = Entity(
    name="line_items",
    doc="What a ticket is for: work, goods and discounts.",
    source="line_items x JOIN tickets t ON t.id = x.ticket_id",
    order="x.ticket_id, x.position, x.created_at, x.id",
    parent=("tickets", "ticket_id"),
    contact_expr="t.contact_id",
    columns=(
        ID,
        _c("ticket_id", "ref", "The ticket.", ref="tickets"),
        _c(
            "service_id",
            "ref",
            "The service (services.csv id).",
            ref="services",
            nullable=True,
        ),
        _c("kind", "text", "item or discount."),
        _c("description", "text", "Description."),
        _c("pricing_mode", "text", "fixed, flexible, per_unit or product."),
        _c("quantity", "numeric", "Quantity (decimal)."),
        _c("unit_label", "text", "Unit."),
        _c("unit_price_cents", "money", "Price per unit (negative for a discount)."),
        _c("percent_bp", "int", "A percent discount, basis points.", nullable=True),
        _c("total_cents", "money", "quantity times unit price."),
        _c("price_note", "text", "Why the price differs from the price list."),
        _c("position", "int", "Order on the ticket."),
        CREATED,
        UPDATED,
    ),
)

TIME_ENTRIES = Entity(
    name="time_entries",
    doc="Clock-in/clock-out periods of work on a ticket.",
    source="time_entries x JOIN tickets t ON t.id = x.ticket_id",
    order="x.ticket_id, x.started_at, x.id",
    parent=("tickets", "ticket_id"),
    contact_expr="t.contact_id",
    columns=(
        ID,
        _c("ticket_id", "ref", "The ticket.", ref="tickets"),
        _c("started_at", "datetime", "Clock-in."),
        _c("ended_at", "datetime", "Clock-out (empty: still running).", nullable=True),
        CREATED,
    ),
)

NOTES = Entity(
    name="notes",
    doc="Notes on a contact, or on one of its tickets.",
    source="notes x",
    order="x.created_at, x.id",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("contact_id", "ref", "Its contact.", ref="contacts"),
        _c(
            "ticket_id",
            "ref",
            "The ticket it is about.",
            ref="tickets",
            nullable=True,
            expr=_live("tickets", "ticket_id"),
        ),
        _c("body", "text", "The note."),
        CREATED,
        UPDATED,
    ),
)

ATTRIBUTES = Entity(
    name="attributes",
    doc="Facts about a contact, or about one of its addresses (a property).",
    source="attributes x",
    order="x.created_at, x.contact_id, x.key, x.id",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("contact_id", "ref", "Its contact.", ref="contacts"),
        _c("address_id", "ref", "The address it is about.", ref="addresses", nullable=True),
        _c("key", "text", "What (e.g. pets.dog_name)."),
        _c("value", "json", "The value (JSON)."),
        _c("source", "text", "manual, rules or llm:<provider>."),
        _c("confidence", "numeric", "0 to 1."),
        _c("evidence", "text", "Why it is believed."),
        _c(
            "source_note_id",
            "ref",
            "The note it came from.",
            ref="notes",
            nullable=True,
            expr=_live("notes", "source_note_id"),
        ),
        _c(
            "source_ticket_id",
            "ref",
            "The ticket it came from.",
            ref="tickets",
            nullable=True,
            expr=_live("tickets", "source_ticket_id"),
        ),
        CREATED,
        UPDATED,
    ),
)

INVOICES = Entity(
    name="invoices",
    doc="Invoices, with their numbers; void ones stay on record.",
    source="invoices x",
    order="x.number",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("number", "int", "Invoice number (kept on import)."),
        _c("contact_id", "ref", "Who is billed.", ref="contacts"),
        _c(
            "ticket_id",
            "ref",
            "The ticket billed (empty: standalone).",
            ref="tickets",
            nullable=True,
            expr=_live("tickets", "ticket_id"),
        ),
        _c("status", "text", "draft, sent, partial, paid or void."),
        _c("tax_rate_bp", "int", "Tax rate in basis points."),
        _c("subtotal_cents", "money", "Sum of the lines."),
        _c("tax_cents", "money", "Tax."),
        _c("total_cents", "money", "Total."),
        _c("paid_cents", "money", "Paid so far."),
        _c("notes", "text", "Notes printed on it."),
        _c("due_on", "date", "Due date.", nullable=True),
        _c("sent_at", "datetime", "When it was sent.", nullable=True),
        _c("voided_at", "datetime", "When it was voided.", nullable=True),
        CREATED,
        UPDATED,
    ),
)

INVOICE_LINES = Entity(
    name="invoice_lines",
    doc="The lines of each invoice, as billed.",
    source="invoice_lines x JOIN invoices i ON i.id = x.invoice_id",
    order="i.number, x.position, x.id",
    parent=("invoices", "invoice_id"),
    contact_expr="i.contact_id",
    columns=(
        ID,
        _c("invoice_id", "ref", "The invoice.", ref="invoices"),
        _c("kind", "text", "item or discount."),
        _c("description", "text", "Description."),
        _c("quantity", "numeric", "Quantity (decimal)."),
        _c("unit_label", "text", "Unit."),
        _c("unit_price_cents", "money", "Price per unit."),
        _c("percent_bp", "int", "A percent discount, basis points.", nullable=True),
        _c("total_cents", "money", "Line total."),
        _c("position", "int", "Order on the invoice."),
    ),
)

PAYMENTS = Entity(
    name="payments",
    doc="Payments and refunds; removed ones are kept with their reason.",
    source="payments x JOIN invoices i ON i.id = x.invoice_id",
    order="x.created_at, x.kind, x.id",
    parent=("invoices", "invoice_id"),
    contact_expr="i.contact_id",
    columns=(
        ID,
        _c("invoice_id", "ref", "The invoice.", ref="invoices"),
        _c("kind", "text", "payment or refund."),
        _c("amount_cents", "money", "Amount (negative for a refund)."),
        _c("tip_cents", "money", "Tip received with it."),
        _c("method", "text", "cash, check, card, bank_transfer or other."),
        _c("paid_on", "date", "Date paid."),
        _c("reference", "text", "Check number, card reference…"),
        _c("refund_of", "ref", "The payment a refund returns.", ref="payments", nullable=True),
        _c("reason", "text", "Why it was refunded."),
        _c("removed_at", "datetime", "When it was removed (a mistake).", nullable=True),
        _c("removed_reason", "text", "Why it was removed."),
        CREATED,
    ),
)

MESSAGES = Entity(
    name="messages",
    doc="Messages to customers (sent, failed, cancelled, skipped or still pending).",
    source="scheduled_messages x",
    order="x.created_at, x.id",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("contact_id", "ref", "To whom.", ref="contacts"),
        _c(
            "ticket_id",
            "ref",
            "About which ticket.",
            ref="tickets",
            nullable=True,
            expr=_live("tickets", "ticket_id"),
        ),
        _c(
            "invoice_id",
            "ref",
            "About which invoice.",
            ref="invoices",
            nullable=True,
            expr=_live("invoices", "invoice_id"),
        ),
        _c("kind", "text", "reminder, follow_up, invoice, custom, …"),
        _c("channel", "text", "email or sms."),
        _c("audience", "text", "contact or business."),
        _c("subject", "text", "Subject."),
        _c("body", "text", "Body."),
        _c("to_address", "text", "Where it went."),
        _c("scheduled_for", "datetime", "When it was due."),
        _c("status", "text", "pending, sending, sent, failed, cancelled or skipped."),
        _c("attempts", "int", "Delivery attempts."),
        _c("last_error", "text", "Last delivery error."),
        _c("skip_reason", "text", "Why it was skipped or cancelled."),
        _c("sent_at", "datetime", "When it was sent.", nullable=True),
        _c("message_id", "text", "Email Message-ID."),
        _c("dedupe_key", "text", "Key that stops it being scheduled twice.", nullable=True),
        _c("lead_minutes", "int", "Reminder lead time in minutes.", nullable=True),
        _c("appointment_at", "datetime", "The visit it is about.", nullable=True),
        _c("requested", "bool", "Asked for by hand."),
        _c("templated", "bool", "Written from the template when sent."),
        CREATED,
        UPDATED,
    ),
)

MESSAGE_ATTEMPTS = Entity(
    name="message_attempts",
    doc="Every try at delivering a message.",
    source="message_attempts x JOIN scheduled_messages m ON m.id = x.message_id",
    order="x.attempted_at, x.id",
    parent=("messages", "message_id"),
    contact_expr="m.contact_id",
    columns=(
        ID,
        _c("message_id", "ref", "The message (messages.csv id).", ref="messages"),
        _c("channel", "text", "email or sms."),
        _c("outcome", "text", "sent, retry or failed."),
        _c("detail", "text", "What the server said."),
        _c("attempted_at", "datetime", "When."),
    ),
)

WAITLIST = Entity(
    name="waitlist_entries",
    doc="Customers waiting for an earlier visit, with their wishes.",
    source="waitlist_entries x",
    order="x.created_at, x.id",
    parent=("contacts", "contact_id"),
    columns=(
        ID,
        _c("contact_id", "ref", "Who.", ref="contacts"),
        _c("address_id", "ref", "Where.", ref="addresses", nullable=True),
        _c("services", "json", "Wanted services (JSON; service_id = services.csv id)."),
        _c("duration_minutes", "int", "Visit length in minutes."),
        _c("weekdays", "list", "ISO weekdays that suit (JSON list; empty = any)."),
        _c("earliest_time", "time", "Local time window start.", nullable=True),
        _c("latest_time", "time", "Local time window end.", nullable=True),
        _c("earliest_date", "date", "From this date."),
        _c("latest_date", "date", "Until this date."),
        _c("note", "text", "Note."),
        _c("status", "text", "open, booked or removed."),
        _c(
            "booked_ticket_id",
            "ref",
            "The ticket it was booked as.",
            ref="tickets",
            nullable=True,
            expr=_live("tickets", "booked_ticket_id"),
        ),
        CREATED,
        UPDATED,
    ),
)

AUDIT = Entity(
    name="audit",
    doc="The business's history: every change made in the CRM, oldest first. Imported as "
    "history (entity ids mapped to the new rows).",
    source="audit_log x",
    order="x.created_at, x.id",
    columns=(
        ID,
        _c("entity_type", "text", "What changed (contact, ticket, …)."),
        _c("entity_id", "id", "Its id (in the file of that entity, unless since deleted)."),
        _c("action", "text", "create, update, delete, a status, …"),
        _c("changes", "json", "{field: {old, new}} (JSON)."),
        _c("actor", "text", "Who: user:<id>, worker, customer:<contact id>."),
        _c("request_id", "text", "Request that made it.", nullable=True),
        CREATED,
    ),
)

ENTITIES: tuple[Entity, ...] = (
    BUSINESS,
    INVOICE_SETTINGS,
    MESSAGING_SETTINGS,
    MESSAGE_TEMPLATES,
    STAFF,
    SERVICES,
    CONTACTS,
    ADDRESSES,
    PLANS,
    TICKETS,
    TICKET_STAFF,
    LINE_ITEMS,
    TIME_ENTRIES,
    NOTES,
    ATTRIBUTES,
    INVOICES,
    INVOICE_LINES,
    PAYMENTS,
    MESSAGES,
    MESSAGE_ATTEMPTS,
    WAITLIST,
    AUDIT,
)
BY_NAME = {e.name: e for e in ENTITIES}

# Entities whose deleted rows are still referenced: written as id-only rows (deleted=true).
# name -> SQL of every id that live rows point at.
STUBS: dict[str, str] = {
    "contacts": " UNION ".join(
        f"SELECT contact_id AS id FROM {t}"  # noqa: S608
        for t in (
            "addresses",
            "plans",
            "tickets",
            "notes",
            "attributes",
            "invoices",
            "scheduled_messages",
            "waitlist_entries",
        )
    ),
    "staff": "SELECT staff_id AS id FROM ticket_staff s JOIN tickets t ON t.id = s.ticket_id "
    "UNION SELECT unnest(staff_ids) FROM plans",
}
