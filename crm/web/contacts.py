"""Pages: contacts — search, create, the contact card (addresses, facts, tickets, notes,
messages), edit and delete."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from crm.api.actions import validation_details
from crm.core.exceptions import AddressInUse
from crm.core.models.address import AddressFields
from crm.core.models.contact import ContactCreate
from crm.core.vocabulary import VOCABULARY, Term, VocabularyError, normalise_value
from crm.web.common import Outcome, form_data, perform, read, redirect, render

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 50
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "phone",
    "email",
    "preferred_contact_method",
    "preferred_time_of_day",
    "source",
)
ADDRESS_FIELDS = ("label", "line1", "line2", "city", "region", "postal_code", "access_notes")
CONTACT_METHODS = {
    "any": "No preference",
    "phone": "Phone call",
    "sms": "Text message",
    "email": "Email",
    "none": "Do not contact",
}
# Attribute groups, in the order the card shows them (the key's prefix).
GROUPS = {
    "access": "Getting in",
    "hazards": "Hazards",
    "pets": "Pets",
    "property": "Property",
    "equipment": "Equipment to bring",
    "preferences": "Preferences",
    "duration": "Job length",
    "payment": "Payment",
    "people": "People",
    "demographic": "About them",
}
OTHER_GROUP = "Other details"
OPEN_TICKETS = ("scheduled", "in_progress")
UNPAID_INVOICES = ("draft", "sent", "partial")


# -- presentation helpers ------------------------------------------------------------------


def phone_display(phone: str | None) -> str:
    """'+12565551234' -> '(256) 555-1234'; other numbers as stored."""
    if phone and re.fullmatch(r"\+1\d{10}", phone):
        return f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
    return phone or ""


def term_label(key: str) -> str:
    term = VOCABULARY.get(key)
    text = term.description if term else key.split(".", 1)[-1].replace("_", " ")
    text = re.sub(r"\s*\(.*\)$", "", text)
    return text[:1].upper() + text[1:]


def value_display(key: str, value: Any) -> str:
    """A stored attribute value in words: Yes/No, 20+, 'Monday, Friday'."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and "count" in value:
        return f"{value['count']}{'+' if value.get('plus') else ''}"
    if isinstance(value, list):
        return ", ".join(value_display(key, v) for v in value)
    if isinstance(value, str):
        term = VOCABULARY.get(key)
        if term and term.kind in ("choice", "choices"):
            return value.replace("_", " ").capitalize()
        return value
    return "" if value is None else str(value)


def value_text(value: Any) -> str:
    """A stored value as the text a person would type to enter it again."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "count" in value:
        return f"{value['count']}{'+' if value.get('plus') else ''}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def value_hint(term: Term | None) -> str:
    if term is None:
        return "Any short text."
    if term.kind == "bool":
        return "Yes or no."
    if term.kind == "count":
        return "A number, like 20, or 20+ for “at least 20”."
    if term.kind == "choice":
        return "One of: " + ", ".join(c.replace("_", " ") for c in term.choices) + "."
    if term.kind == "choices":
        return "One or more of: " + ", ".join(term.choices) + ", separated by commas."
    return "A short text, like a name or a code."


def parse_value(key: str, raw: str | list[str]) -> Any:
    """What a person typed (or picked) as the value for ``key``; ValueError says what's wrong."""
    term = VOCABULARY.get(key)
    texts = [raw] if isinstance(raw, str) else list(raw)
    text = " ".join(", ".join(t.strip() for t in texts if t.strip()).split())
    if not text:
        raise ValueError("Enter a value. " + value_hint(term))
    if term is None:
        return text
    value: Any = text
    lowered = text.lower()
    if term.kind == "bool":
        if lowered in ("yes", "y", "true", "1"):
            value = True
        elif lowered in ("no", "n", "false", "0"):
            value = False
        else:
            raise ValueError("Answer yes or no.")
    elif term.kind == "count":
        match = re.fullmatch(r"(\d{1,5})\s*(\+?)", text)
        if not match:
            raise ValueError("Enter a number, like 20, or 20+ for “at least 20”.")
        value = {"count": int(match[1]), "plus": bool(match[2])}
    elif term.kind == "choice":
        value = lowered.replace(" ", "_")
    elif term.kind == "choices":
        value = [part.strip() for part in re.split(r"[,\s]+", lowered) if part.strip()]
    try:
        return normalise_value(key, value)
    except VocabularyError:
        raise ValueError(value_hint(term)) from None


def group_attributes(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        prefix = row["key"].split(".", 1)[0]
        groups.setdefault(GROUPS.get(prefix, OTHER_GROUP), []).append(
            {
                **row,
                "label": term_label(row["key"]),
                "shown": value_display(row["key"], row["value"]),
                "text": value_text(row["value"]),
                "term": VOCABULARY.get(row["key"]),
                "hint": value_hint(VOCABULARY.get(row["key"])),
            }
        )
    order = [*GROUPS.values(), OTHER_GROUP]
    return sorted(groups.items(), key=lambda item: order.index(item[0]))


def vocabulary_groups(taken: set[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The key select: (group, [(key, label)]) for keys this contact doesn't have yet."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, term in VOCABULARY.items():
        if key in taken:
            continue
        label = term_label(key)
        if term.choices:
            label += " (" + ", ".join(c.replace("_", " ") for c in term.choices) + ")"
        elif term.kind == "bool":
            label += " (yes/no)"
        groups.setdefault(GROUPS.get(key.split(".", 1)[0], OTHER_GROUP), []).append((key, label))
    return [(name, groups[name]) for name in GROUPS.values() if name in groups]


def contact_input(form: dict[str, str]) -> dict[str, str]:
    data = {k: form.get(k, "") for k in CONTACT_FIELDS}
    data["preferred_contact_method"] = data["preferred_contact_method"] or "any"
    return data


def problems(model: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    """Field -> message, checked against an input model without running anything."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return clean({f["field"]: f["message"] for f in validation_details(exc)["fields"]})
    return {}


def clean(fields: dict[str, str]) -> dict[str, str]:
    """Pydantic's messages, minus their 'Value error, ' prefix and capitalised."""
    out = {}
    for name, message in fields.items():
        message = message.removeprefix("Value error, ")
        out[name] = message[:1].upper() + message[1:]
    return out


GENERIC = "Please check the highlighted fields."
NAME_NEEDED = "Enter a first name, last name or company."


def summary(fields: dict[str, str], error: str | None, what: str = "Not saved") -> str | None:
    """The message at the top says what went wrong and what to do, not just 'check…'.

    A whole-form problem (pydantic's field "data") is taken out of ``fields`` and shown here.
    """
    whole = fields.pop("data", None)
    if whole:
        return f"{what}. {_sentence(whole)}"
    if error and error != GENERIC:
        return error
    if len(fields) == 1:
        return f"{what}. {_sentence(next(iter(fields.values())))}"
    if fields:
        return f"{what}: {len(fields)} fields need a fix; each one is marked below."
    return error


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def go(url: str, notice: str) -> Response:
    """A 303 with the notice placed before any #fragment (common.redirect appends it after)."""
    path, _, fragment = url.partition("#")
    response = redirect(path, notice)
    if fragment:
        response.headers["location"] += f"#{fragment}"
    return response


def _done(url: str, outcome: Outcome, notice: str) -> Response:
    return go(url, "redacted" if outcome.redacted else notice)


# -- list, search, create --------------------------------------------------------------------


@router.get("/contacts", response_class=HTMLResponse)
def contact_list(request: Request, q: str = "") -> HTMLResponse:
    """Every contact, newest first, or those matching one search box."""
    q = " ".join(q.split())[:200]
    rows = read(request, "contacts", search=q or None, limit=LIST_LIMIT, include="addresses")
    return render(
        request,
        "contacts/list.html",
        section="contacts",
        q=q,
        contacts=rows,
        limit=LIST_LIMIT,
        phone=phone_display,
    )


@router.get("/contacts/new", response_class=HTMLResponse)
def new_contact(request: Request) -> HTMLResponse:
    return _form(request, values={"preferred_contact_method": "any"})


@router.post("/contacts", response_class=HTMLResponse)
async def create_contact(request: Request) -> Response:
    """A new contact, and its first address when one was typed, in one go."""
    form = await form_data(request)
    contact = contact_input(form)
    address = {k: form.get(f"address_{k}", "") for k in ADDRESS_FIELDS}
    wants_address = any(address.values())
    fields = problems(ContactCreate, contact)
    if wants_address:
        address_fields = problems(AddressFields, address)
        if not address["line1"]:
            address_fields["line1"] = "Enter the street address, or clear the address fields."
        fields.update({f"address_{k}": v for k, v in address_fields.items()})
    if fields:
        return _form(request, values=form, fields=fields)
    outcome = perform(request, "contact", "create", contact)
    if not outcome.ok:
        return _form(request, values=form, fields=clean(outcome.fields), error=outcome.error)
    contact_id = outcome.result["id"]
    if wants_address:
        added = perform(request, "address", "create", {**address, "contact_id": str(contact_id)})
        if not added.ok:
            return _detail(request, contact_id, form_name="address", outcome=added, values=address)
        outcome.redacted = outcome.redacted or added.redacted
    return _done(f"/contacts/{contact_id}", outcome, "created")


def _form(
    request: Request,
    *,
    values: dict[str, str],
    contact: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    fields = dict(fields or {})
    if "data" in fields and "name" in fields["data"]:
        fields["first_name"] = NAME_NEEDED
    error = summary(fields, error)
    return render(
        request,
        "contacts/form.html",
        status=422 if error else 200,
        section="contacts",
        contact=contact,
        values=values,
        fields=fields or {},
        error=error,
        methods=CONTACT_METHODS,
    )


# -- the contact card ------------------------------------------------------------------------


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_detail(request: Request, contact_id: UUID) -> HTMLResponse:
    return _detail(request, contact_id)


def _detail(
    request: Request,
    contact_id: UUID,
    *,
    form_name: str = "",
    outcome: Outcome | None = None,
    values: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    target: str = "",
    status: int = 422,
) -> HTMLResponse:
    """The card; after a failed sub-form, the same card with that form's errors."""
    contact = read(
        request,
        "contacts",
        id=contact_id,
        include="addresses,attributes,notes,tickets,messages",
    )
    tickets = contact["tickets"]
    fields = {**clean(outcome.fields), **(fields or {})} if outcome else dict(fields or {})
    what = "Not deleted" if form_name in ("addresses", "details") else "Not saved"
    error = summary(fields, outcome.error if outcome else None, what)
    return render(
        request,
        "contacts/detail.html",
        status=status if error else 200,
        section="contacts",
        contact=contact,
        phone=phone_display,
        methods=CONTACT_METHODS,
        groups=group_attributes(contact["attributes"]),
        keys=vocabulary_groups({a["key"] for a in contact["attributes"]}),
        value_hint=value_hint(None),
        tickets=tickets,
        billed=sum(t["total_cents"] for t in tickets if t["status"] == "completed"),
        open_tickets=sum(1 for t in tickets if t["status"] in OPEN_TICKETS),
        form_name=form_name,
        target=target,
        error=error,
        fields=fields,
        values=values or {},
    )


@router.get("/contacts/{contact_id}/edit", response_class=HTMLResponse)
def edit_contact(request: Request, contact_id: UUID) -> HTMLResponse:
    contact = read(request, "contacts", id=contact_id)
    values = {k: str(contact.get(k) or "") for k in CONTACT_FIELDS}
    values["phone"] = phone_display(contact["phone"])
    return _form(request, values=values, contact=contact)


@router.post("/contacts/{contact_id}", response_class=HTMLResponse)
async def update_contact(request: Request, contact_id: UUID) -> Response:
    form = await form_data(request)
    data = contact_input(form)
    if not (data["first_name"] or data["last_name"] or data["company"]):
        fields = {"first_name": NAME_NEEDED}
        contact = read(request, "contacts", id=contact_id)
        return _form(request, values=form, contact=contact, fields=fields)
    outcome = perform(request, "contact", "update", {**data, "id": str(contact_id)})
    if not outcome.ok:
        contact = read(request, "contacts", id=contact_id)
        return _form(
            request, values=form, contact=contact, fields=clean(outcome.fields), error=outcome.error
        )
    return _done(f"/contacts/{contact_id}", outcome, "saved")


@router.get("/contacts/{contact_id}/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, contact_id: UUID) -> HTMLResponse:
    """Ask first, and say what deleting does (and what would stop it)."""
    return _delete_page(request, contact_id)


@router.post("/contacts/{contact_id}/delete", response_class=HTMLResponse)
async def delete_contact(request: Request, contact_id: UUID) -> Response:
    outcome = perform(request, "contact", "delete", {"id": str(contact_id)})
    if outcome.ok:
        return redirect("/contacts", "deleted")
    return _delete_page(request, contact_id, error=outcome.error)


def _delete_page(request: Request, contact_id: UUID, *, error: str | None = None) -> HTMLResponse:
    contact = read(request, "contacts", id=contact_id, include="tickets,messages")
    tickets = [t for t in contact["tickets"] if t["status"] in OPEN_TICKETS]
    invoices = [
        i
        for i in read(request, "invoices", contact_id=str(contact_id), limit=1000)
        if i["status"] in UNPAID_INVOICES
    ]
    blocked = bool(tickets or invoices)
    return render(
        request,
        "contacts/delete.html",
        status=(409 if blocked else 400) if error else 200,
        section="contacts",
        contact=contact,
        open_tickets=tickets,
        unpaid_invoices=invoices,
        pending_messages=sum(1 for m in contact["messages"] if m["status"] == "pending"),
        blocked=blocked,
        error=error,
    )


# -- addresses ---------------------------------------------------------------------------------


@router.post("/contacts/{contact_id}/addresses", response_class=HTMLResponse)
async def add_address(request: Request, contact_id: UUID) -> Response:
    form = await form_data(request)
    data = {k: form.get(k, "") for k in ADDRESS_FIELDS}
    data["is_primary"] = "true" if form.get("is_primary") else "false"
    if not data["line1"]:
        fields = {"line1": "Enter the street address."}
        return _detail(request, contact_id, form_name="address", values=form, fields=fields)
    outcome = perform(request, "address", "create", {**data, "contact_id": str(contact_id)})
    if not outcome.ok:
        return _detail(request, contact_id, form_name="address", outcome=outcome, values=form)
    return _done(f"/contacts/{contact_id}#addresses", outcome, "created")


@router.post("/contacts/{contact_id}/addresses/{address_id}/primary", response_class=HTMLResponse)
async def make_primary(request: Request, contact_id: UUID, address_id: UUID) -> Response:
    outcome = perform(request, "address", "update", {"id": str(address_id), "is_primary": True})
    if not outcome.ok:
        return _detail(request, contact_id, form_name="addresses", outcome=outcome)
    return go(f"/contacts/{contact_id}#addresses", "saved")


@router.post("/contacts/{contact_id}/addresses/{address_id}/delete", response_class=HTMLResponse)
async def delete_address(request: Request, contact_id: UUID, address_id: UUID) -> Response:
    outcome = perform(request, "address", "delete", {"id": str(address_id)})
    if not outcome.ok:
        in_use = outcome.error == AddressInUse.default_message
        if in_use:
            outcome.error = (
                "This address can't be deleted: a ticket (even a finished or deleted one) was "
                "done there, and that ticket's history needs it. If they moved, add the new "
                "address and make it primary; the old one stays for the records."
            )
        return _detail(
            request,
            contact_id,
            form_name="addresses",
            outcome=outcome,
            target=str(address_id),
            status=409 if in_use else 422,
        )
    return go(f"/contacts/{contact_id}#addresses", "deleted")


# -- attributes --------------------------------------------------------------------------------


@router.post("/contacts/{contact_id}/attributes", response_class=HTMLResponse)
async def add_attribute(request: Request, contact_id: UUID) -> Response:
    form = await request.form()
    key = str(form.get("key") or "")
    values = {"key": key, "value": str(form.get("value") or "")}
    if key not in VOCABULARY:
        fields = {"key": "Choose what you want to record from the list."}
        return _detail(request, contact_id, form_name="attribute", values=values, fields=fields)
    try:
        value = parse_value(key, [str(v) for v in form.getlist("value")])
    except ValueError as exc:
        fields = {"value": str(exc)}
        return _detail(request, contact_id, form_name="attribute", values=values, fields=fields)
    data = {"contact_id": str(contact_id), "key": key, "value": value}
    outcome = perform(request, "attribute", "create", data)
    if not outcome.ok:
        return _detail(request, contact_id, form_name="attribute", outcome=outcome, values=values)
    return _done(f"/contacts/{contact_id}#details", outcome, "saved")


@router.post("/contacts/{contact_id}/attributes/{attribute_id}", response_class=HTMLResponse)
async def edit_attribute(request: Request, contact_id: UUID, attribute_id: UUID) -> Response:
    form = await request.form()
    attribute = read(request, "attributes", id=attribute_id)
    try:
        value = parse_value(attribute["key"], [str(v) for v in form.getlist("value")])
    except ValueError as exc:
        return _detail(
            request,
            contact_id,
            form_name="edit-attribute",
            target=str(attribute_id),
            fields={"value": str(exc)},
        )
    outcome = perform(request, "attribute", "update", {"id": str(attribute_id), "value": value})
    if not outcome.ok:
        return _detail(
            request,
            contact_id,
            form_name="edit-attribute",
            target=str(attribute_id),
            outcome=outcome,
        )
    return _done(f"/contacts/{contact_id}#details", outcome, "saved")


@router.post("/contacts/{contact_id}/attributes/{attribute_id}/delete", response_class=HTMLResponse)
async def delete_attribute(request: Request, contact_id: UUID, attribute_id: UUID) -> Response:
    outcome = perform(request, "attribute", "delete", {"id": str(attribute_id)})
    if not outcome.ok:
        return _detail(request, contact_id, form_name="details", outcome=outcome)
    return go(f"/contacts/{contact_id}#details", "deleted")


# -- notes -------------------------------------------------------------------------------------


@router.post("/contacts/{contact_id}/notes", response_class=HTMLResponse)
async def add_note(request: Request, contact_id: UUID) -> Response:
    form = await form_data(request)
    body = form.get("body", "").strip()
    if not body:
        fields = {"body": "Write something first."}
        return _detail(request, contact_id, form_name="note", values=form, fields=fields)
    outcome = perform(request, "note", "create", {"contact_id": str(contact_id), "body": body})
    if not outcome.ok:
        return _detail(request, contact_id, form_name="note", outcome=outcome, values=form)
    return _done(f"/contacts/{contact_id}#notes", outcome, "created")
