"""The business's messaging: its settings, its wording per kind of message, sending an
invoice, and retrying a message that did not go out."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from crm.clients.postgres_client import Connection
from crm.core import audit
from crm.core.models.common import Ref
from crm.core.models.messaging import InvoiceSend, MessagingUpdate, TemplateReset, TemplateSave
from crm.core.registry import REGISTRY, DataQuery
from crm.core.services import base, invoice_service
from crm.core.services.appointment_messages import SETTINGS_DEFAULTS, messaging_settings
from crm.errors import Conflict, InvalidStatusTransition, ValidationFailed
from crm.messaging import templates
from crm.utils.timezone import utc_now

_SETTINGS_FIELDS = tuple(SETTINGS_DEFAULTS)


@REGISTRY.action("messaging", "update", input=MessagingUpdate)
def update(conn: Connection, data: MessagingUpdate) -> dict[str, Any]:
    """Change what the business sends and when: confirmations, reminder lead times (minutes
    before the visit), the follow-up delay, thank-yous, quiet hours, reply-to and phone."""
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    before = messaging_settings(conn)
    row = conn.execute("SELECT id FROM messaging_settings FOR UPDATE").fetchone()
    if row is None:
        row = conn.execute(
            "INSERT INTO messaging_settings (user_id) VALUES "
            "(current_setting('app.current_user_id')::uuid) RETURNING id"
        ).fetchone()
        assert row is not None
    if values:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values
        )
        conn.execute(
            sql.SQL("UPDATE messaging_settings SET {} WHERE id = %s").format(assignments),
            (*values.values(), row["id"]),
        )
    after = messaging_settings(conn)
    changes = audit.diff(before, after, list(_SETTINGS_FIELDS))
    if changes:
        audit.record(
            conn, entity_type="messaging", entity_id=row["id"], action="update", changes=changes
        )
    return _settings_view(after)


def _settings_view(settings: dict[str, Any]) -> dict[str, Any]:
    view = {"id": settings.get("id"), **{field: settings[field] for field in _SETTINGS_FIELDS}}
    for field in ("quiet_start", "quiet_end"):
        view[field] = view[field].strftime("%H:%M")  # a local time of day
    return view


@REGISTRY.data_type("messaging_settings")
def load_settings(conn: Connection, query: DataQuery) -> Any:
    """What the business sends and when (the defaults until it changes them)."""
    return _settings_view(messaging_settings(conn))


# -- templates ---------------------------------------------------------------------------------


@REGISTRY.action("message_template", "save", input=TemplateSave)
def save_template(conn: Connection, data: TemplateSave) -> dict[str, Any]:
    """Word one kind of message your own way (Jinja text with a fixed set of variables).
    A template that does not render is refused with the field, line and reason."""
    template = templates.Template(subject=data.subject, body=data.body, sms=data.sms)
    try:
        templates.validate(template, kind=data.kind)
    except templates.TemplateRefused as exc:
        raise ValidationFailed(
            f"The template was not saved: {exc}",
            details={"fields": [{"field": exc.field, "line": exc.line, "message": exc.reason}]},
        ) from exc
    existing = conn.execute(
        "SELECT * FROM message_templates WHERE kind = %s FOR UPDATE", (data.kind,)
    ).fetchone()
    values = {"subject": data.subject, "body": data.body, "sms": data.sms}
    if existing is None:
        base.insert_row(
            conn, "message_templates", {"kind": data.kind, **values}, entity_type="template"
        )
    else:
        base.update_row(
            conn,
            "message_templates",
            existing["id"],
            values,
            label="template",
            entity_type="template",
        )
    return _template_view(conn, data.kind)


@REGISTRY.action("message_template", "reset", input=TemplateReset)
def reset_template(conn: Connection, data: TemplateReset) -> dict[str, Any]:
    """Go back to the built-in wording for one kind of message."""
    row = conn.execute(
        "DELETE FROM message_templates WHERE kind = %s RETURNING id", (data.kind,)
    ).fetchone()
    if row is not None:
        audit.record(conn, entity_type="template", entity_id=row["id"], action="delete")
    return _template_view(conn, data.kind)


def _template_view(conn: Connection, kind: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT id, subject, body, sms, updated_at FROM message_templates WHERE kind = %s",
        (kind,),
    ).fetchone()
    default = templates.DEFAULTS[kind]
    current = row or {"subject": default.subject, "body": default.body, "sms": default.sms}
    return {
        "id": row["id"] if row else None,
        "kind": kind,
        "label": templates.KINDS[kind],
        "customised": row is not None,
        "transactional": kind in templates.TRANSACTIONAL,
        "subject": current["subject"],
        "body": current["body"],
        "sms": current["sms"],
        "updated_at": row["updated_at"] if row else None,
    }


@REGISTRY.data_type("message_templates")
def load_templates(conn: Connection, query: DataQuery) -> Any:
    """Each kind of message with the wording in use (the business's own, or the built-in)."""
    return [_template_view(conn, kind) for kind in templates.KINDS if kind != "custom"]


# -- sending by hand ---------------------------------------------------------------------------


@REGISTRY.action("invoice", "send", input=InvoiceSend)
def send_invoice(conn: Connection, data: InvoiceSend) -> dict[str, Any]:
    """Email the invoice to the customer now, with a link to view it; a draft becomes sent."""
    invoice = invoice_service.get(conn, data.id)
    base.lock_parent(conn, "invoices", data.id, label="invoice")
    if invoice["status"] == "void":
        raise InvalidStatusTransition(
            "This invoice is void; it can't be sent.", details={"from": "void", "to": "sent"}
        )
    contact = conn.execute(
        "SELECT email FROM contacts WHERE id = %s", (invoice["contact_id"],)
    ).fetchone()
    if contact is None or not contact["email"]:
        raise Conflict(
            "This customer has no email address; add one to send the invoice.",
            details={"contact_id": str(invoice["contact_id"])},
        )
    message = base.insert_row(
        conn,
        "scheduled_messages",
        {
            "kind": "invoice",
            "contact_id": invoice["contact_id"],
            "invoice_id": invoice["id"],
            "ticket_id": invoice["ticket_id"],
            "subject": f"Invoice #{invoice['number']}",
            "body": "Written from the business's “Invoice” template when it is sent.",
            "scheduled_for": utc_now(),
            "requested": True,
            "templated": True,
        },
        entity_type="message",
    )
    if invoice["status"] == "draft":
        invoice_service.mark_sent(conn, Ref(id=data.id))
    return {"invoice": invoice_service.get(conn, data.id), "message": message}


@REGISTRY.action("message", "retry", input=Ref)
def retry(conn: Connection, data: Ref) -> dict[str, Any]:
    """Send a failed or skipped message again, now."""
    message = base.load(conn, "scheduled_messages", data.id, label="message", lock=True)
    if message["status"] not in ("failed", "skipped"):
        raise InvalidStatusTransition(
            f"Only a failed or skipped message can be retried; this one is {message['status']}.",
            details={"from": message["status"], "to": "pending"},
        )
    return base.update_row(
        conn,
        "scheduled_messages",
        data.id,
        {"status": "pending", "scheduled_for": utc_now(), "skip_reason": ""},
        label="message",
        entity_type="message",
        action="retry",
    )
