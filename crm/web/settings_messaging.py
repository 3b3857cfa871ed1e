"""Pages: Settings → Messaging — what is sent and when, and the wording of each kind of message
(edit, preview with sample values, save, back to the built-in wording)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.auth.security_middleware import auth_state
from crm.core.models.messaging import MessagingUpdate
from crm.errors import NotFound
from crm.messaging import templates
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.forms import FormData, clean, limits, parse_int, summary

router = APIRouter(include_in_schema=False)

FOLLOW_UP = limits(MessagingUpdate, "follow_up_hours")
MOST_REMINDERS = 5
MOST_LEAD_MINUTES = 43_200  # 30 days, as the settings allow
# The form's names for the action's fields, where they differ.
FIELD_NAMES = {"reminder_minutes": "reminders"}
PAGE_NOTICES = {
    **NOTICES,
    "saved": "Saved. Visits booked or moved from now on use it; messages already scheduled "
    "keep their time.",
    "template_saved": "Saved. Every message sent from now on uses this wording.",
    "template_reset": "Back to the built-in wording.",
}
# A made-up unsubscribe link, so the preview of a marketing message shows where it goes.
SAMPLE_UNSUBSCRIBE = "https://crm.example.com/u/sample"
SMS_SEGMENT = 160
FIELD_LABELS = {"subject": "the subject", "body": "the email", "sms": "the text message"}
# When each kind goes out, for the editor.
KIND_HELP = {
    "appointment_confirmation": "Sent when you book or move a visit (if confirmation requests "
    "are on), with a link to confirm, say they can't make it, or ask to reschedule.",
    "reminder": "Sent before each visit, at the times in your messaging settings.",
    "follow_up": "Sent some hours after a visit (see messaging settings) to ask how it went.",
    "reach_out": "Sent when it's time to get back in touch, as planned when closing out a visit.",
    "invoice": "Sent when you email an invoice, with a link to view it.",
    "thank_you": "Sent when a visit is completed, if thank-yous are on.",
    "cancellation": "Sent when you cancel a visit.",
    "visit_answer": "Sent to you when a customer confirms, can't make it or asks to reschedule.",
}

_LEAD = re.compile(
    r"(?P<amount>[0-9]{1,5}(?:\.[0-9]{1,2})?)\s*"
    r"(?P<unit>h|hrs?|hours?|m|mins?|minutes?|d|days?)?\.?",
    re.IGNORECASE,
)
_UNIT_MINUTES = {"h": 60, "m": 1, "d": 1440}
_TIME = re.compile(
    r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::[0-9]{2})?\s*(?P<ampm>[ap]\.?m\.?)?", re.IGNORECASE
)


# -- reading and showing the form's values ---------------------------------------------------


def parse_leads(text: str) -> list[int]:
    """ "48 hours, 2 hours" (or "48, 2", "30 min", "2 days") → minutes before the visit."""
    value = text.strip()
    if not value:
        return []
    if len(value) > 200:
        raise ValueError("Type at most 5 reminders, like 48 hours, 2 hours.")
    parts = [p.strip() for p in re.split(r",|;|\band\b", value, flags=re.I) if p.strip()]
    minutes: list[int] = []
    for part in parts:
        match = _LEAD.fullmatch(part)
        if match is None:
            raise ValueError(f"“{part}” isn't a time before the visit; type hours, like 48 or 2.")
        unit = (match["unit"] or "h")[0].lower()
        lead = int(Decimal(match["amount"]) * _UNIT_MINUTES[unit])
        if not 1 <= lead <= MOST_LEAD_MINUTES:
            raise ValueError("Each reminder is from 1 minute to 30 days (720 hours) before.")
        minutes.append(lead)
    if len(set(minutes)) > MOST_REMINDERS:
        raise ValueError(f"At most {MOST_REMINDERS} reminders.")
    return sorted(set(minutes), reverse=True)


def lead_text(minutes: int) -> str:
    """120 → "2 hours", 90 → "1.5 hours", 30 → "30 minutes"."""
    if minutes < 60 or (minutes * 10) % 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = Decimal(minutes) / 60
    shown = format(hours.normalize(), "f")
    return f"{shown} hour{'s' if hours != 1 else ''}"


def parse_time(text: str) -> str:
    """ "20:00", "8:00 pm" → "20:00" (a local time of day)."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError("Enter a time like 20:00 or 8:00 PM.")
    hour, minute = int(match["h"]), int(match["m"])
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError("Enter a time like 20:00 or 8:00 PM.")
        hour = hour % 12 + (12 if match["ampm"][0].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        raise ValueError("Enter a time like 20:00 or 8:00 PM.")
    return f"{hour:02d}:{minute:02d}"


def settings_input(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The action's input from the form, and a message per field that couldn't be read."""
    data: dict[str, Any] = {
        "confirmations": bool(form.get("confirmations")),
        "thank_you": bool(form.get("thank_you")),
        "reply_to": form.get("reply_to", "").strip(),
        "business_phone": form.get("business_phone", "").strip(),
    }
    fields: dict[str, str] = {}
    try:
        data["reminder_minutes"] = parse_leads(form.get("reminders", ""))
    except ValueError as exc:
        fields["reminders"] = str(exc)
    try:
        data["follow_up_hours"] = parse_int(
            form.get("follow_up_hours", "") or "0",
            limits=FOLLOW_UP,
            message="Enter whole hours {span} (0 sends no follow-up).",
        )
    except ValueError as exc:
        fields["follow_up_hours"] = str(exc)
    for name in ("quiet_start", "quiet_end"):
        try:
            data[name] = parse_time(form.get(name, ""))
        except ValueError as exc:
            fields[name] = str(exc)
    return data, fields


def _form_values(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        **settings,
        "reminders": ", ".join(lead_text(m) for m in settings["reminder_minutes"]),
    }


# -- what is sent, and when ------------------------------------------------------------------


@router.get("/settings/messaging", response_class=HTMLResponse)
@page
def messaging_page(request: Request) -> HTMLResponse:
    """What the business sends and when, as a form."""
    return _settings_page(request)


@router.post("/settings/messaging", response_class=HTMLResponse)
def update_messaging(request: Request, form: FormData) -> Response:
    """Save the settings through ``messaging.update``; problems come back next to the fields."""
    data, fields = settings_input(form)
    values = {**form, "confirmations": data["confirmations"], "thank_you": data["thank_you"]}
    if fields:
        return _settings_page(request, values=values, fields=fields)
    outcome = perform(request, "messaging", "update", data)
    if not outcome.ok:
        return _settings_page(request, values=values, outcome=outcome)
    return redirect("/settings/messaging", "redacted" if outcome.redacted else "saved")


def _settings_page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
    outcome: Outcome | None = None,
) -> HTMLResponse:
    fields = dict(fields or {})
    if outcome is not None:
        fields.update({FIELD_NAMES.get(k, k): v for k, v in clean(outcome.fields).items()})
    error = summary(fields, outcome.error if outcome else None)
    return render(
        request,
        "settings/messaging.html",
        status=422 if error else 200,
        section="settings",
        notices=PAGE_NOTICES,
        values=values or _form_values(read(request, "messaging_settings")),
        fields=fields,
        error=error,
    )


# -- wording ---------------------------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in templates.KINDS or kind == "custom":
        raise NotFound("No such kind of message. Pick one from the list.")
    return kind


@router.get("/settings/messaging/templates", response_class=HTMLResponse)
@page
def template_list(request: Request) -> HTMLResponse:
    """Each kind of message, and whether it uses the business's own wording."""
    return render(
        request,
        "settings/templates.html",
        section="settings",
        notices=PAGE_NOTICES,
        rows=read(request, "message_templates"),
    )


@router.get("/settings/messaging/templates/{kind}", response_class=HTMLResponse)
@page
def template_editor(request: Request, kind: str) -> HTMLResponse:
    """One kind's wording, its variables, and a preview with sample details."""
    return _editor(request, _kind(kind))


@router.post("/settings/messaging/templates/{kind}", response_class=HTMLResponse)
def template_post(request: Request, kind: str, form: FormData) -> Response:
    """Save the wording (``do=save``), or show it filled with sample values (anything else);
    ``partial`` answers with the preview alone, for the editor's live preview."""
    kind = _kind(kind)
    typed = {name: form.get(name, "") for name in templates.FIELDS}
    if form.get("do") != "save":
        preview, fields = _preview(request, kind, typed)
        if form.get("partial"):
            return render(
                request,
                "settings/templates_preview.html",
                status=422 if fields else 200,
                preview=preview,
                sms_segment=SMS_SEGMENT,
                fields=fields,
            )
        error = "No preview: the wording has a problem, marked below." if fields else None
        return _editor(
            request, kind, typed=typed, preview=preview, fields=fields, error=error, previewing=True
        )
    outcome = perform(request, "message_template", "save", {"kind": kind, **typed})
    if outcome.ok:
        return redirect(f"/settings/messaging/templates/{kind}", "template_saved")
    fields = _refusal(outcome)
    error = summary(dict(fields), outcome.error, "Not saved")
    if outcome.code == "VALIDATION_ERROR" and fields:
        name, problem = next(iter(fields.items()))
        error = f"Not saved: a problem in {FIELD_LABELS[name]}. {problem} What you typed is kept."
    return _editor(request, kind, typed=typed, fields=fields, error=error)


@router.post("/settings/messaging/templates/{kind}/reset", response_class=HTMLResponse)
def template_reset(request: Request, kind: str) -> Response:
    """Back to the built-in wording for this kind."""
    outcome = perform(request, "message_template", "reset", {"kind": _kind(kind)})
    if not outcome.ok:
        return _editor(request, kind, error=outcome.error)
    return redirect(f"/settings/messaging/templates/{kind}", "template_reset")


def _where(line: int | None, reason: str) -> str:
    message = reason[:1].upper() + reason[1:]
    message = message if message.endswith((".", "?", "!")) else message + "."
    return f"Line {line}: {message}" if line else message


def _refusal(outcome: Outcome) -> dict[str, str]:
    """Field → "Line 3: …": the refusal's details carry the line, the page shows it."""
    fields = {}
    for item in outcome.details.get("fields", []):
        name = str(item.get("field", "")).split(".")[0]
        if name in templates.FIELDS and name not in fields:
            fields[name] = _where(item.get("line"), clean({"x": item["message"]})["x"])
    return fields


@dataclass(frozen=True)
class Preview:
    """A rendered message, and its HTML as the preview frame shows it."""

    message: templates.Rendered
    frame: str


def _preview(
    request: Request, kind: str, typed: dict[str, str]
) -> tuple[Preview | None, dict[str, str]]:
    """The typed wording filled with sample values, or where it goes wrong."""
    template = templates.Template(**typed)
    variables = {**templates.sample_variables(), **_business_values(request)}
    try:
        templates.validate(template, kind=kind)
        unsubscribe = "" if kind in templates.TRANSACTIONAL else SAMPLE_UNSUBSCRIBE
        rendered = templates.render(template, variables, unsubscribe_link=unsubscribe)
    except templates.TemplateRefused as exc:
        return None, {exc.field: _where(exc.line, exc.reason)}
    return Preview(rendered, _frame(request, rendered.html)), {}


def _frame(request: Request, email_html: str) -> str:
    """The email for a sandboxed srcdoc frame. The frame inherits this page's CSP, which blocks
    inline styles: they become data-style, and a stylesheet restates them."""
    stylesheet = request.app.state.assets.url("css/email-preview.css")
    framed = email_html.replace(' style="', ' data-style="')
    return framed.replace("</head>", f'<link rel="stylesheet" href="{stylesheet}"></head>', 1)


def _business_values(request: Request) -> dict[str, str]:
    """The business's own name, phone and email in the preview, where it has them."""
    settings = read(request, "messaging_settings")
    user = auth_state(request).user
    values = {
        "business_name": user.business_name if user else "",
        "business_phone": settings["business_phone"],
        "business_email": settings["reply_to"],
    }
    return {k: v for k, v in values.items() if v}


def _editor(
    request: Request,
    kind: str,
    *,
    typed: dict[str, str] | None = None,
    preview: Preview | None = None,
    fields: dict[str, str] | None = None,
    error: str | None = None,
    previewing: bool = False,
) -> HTMLResponse:
    current = next(t for t in read(request, "message_templates") if t["kind"] == kind)
    values = typed or {name: current[name] for name in templates.FIELDS}
    if preview is None and not fields:
        preview, _ = _preview(request, kind, values)
    return render(
        request,
        "settings/templates_edit.html",
        status=422 if fields or error else 200,
        section="settings",
        notices=PAGE_NOTICES,
        kind=kind,
        help=KIND_HELP.get(kind, ""),
        current=current,
        values=values,
        variables=templates.VARIABLES,
        preview=preview,
        sms_segment=SMS_SEGMENT,
        fields=fields or {},
        error=error,
        previewing=previewing,
    )
