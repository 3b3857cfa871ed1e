"""Pages: contacts — search, create, the contact card (addresses, facts, tickets, notes,
messages), edit and delete. How facts are shown and parsed is in crm/web/contact_facts.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.exceptions import AddressInUse
from crm.core.models.address import AddressFields
from crm.core.models.contact import ContactCreate
from crm.messaging.templates import KINDS
from crm.web.common import NOTICES, Outcome, page, perform, read, redirect, render
from crm.web.contact_facts import (
    facts_by_place,
    place_options,
    taken_keys,
    value_hint,
    vocabulary_groups,
)
from crm.web.formats import phone
from crm.web.forms import FormData, clean, problems, summary
from crm.web.plans import for_contact as plans_for_contact

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
NAME_NEEDED = "Enter a first name, last name or company."
RECENT_MESSAGES = 20
OPEN_TICKETS = ("scheduled", "in_progress")
UNPAID_INVOICES = ("draft", "sent", "partial")
PAGE_NOTICES = {**NOTICES, "resubscribed": "Resubscribed: they get your emails again."}


# -- form helpers ----------------------------------------------------------------------------


def contact_input(form: dict[str, str]) -> dict[str, str]:
    data = {k: form.get(k, "") for k in CONTACT_FIELDS}
    data["preferred_contact_method"] = data["preferred_contact_method"] or "any"
    return data


def done_redirect(url: str, outcome: Outcome, notice: str) -> Response:
    return redirect(url, "redacted" if outcome.redacted else notice)


# -- list, search, create --------------------------------------------------------------------


@router.get("/contacts", response_class=HTMLResponse)
@page
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
    )


@router.get("/contacts/new", response_class=HTMLResponse)
@page
def new_contact(request: Request) -> HTMLResponse:
    return _form(request, values={"preferred_contact_method": "any"})


@router.post("/contacts", response_class=HTMLResponse)
def create_contact(request: Request, form: FormData) -> Response:
    """A new contact, and its first address when one was typed, in one go."""
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
            return detail_page(
                request, contact_id, form_name="address", outcome=added, values=address
            )
        outcome.redacted = outcome.redacted or added.redacted
    return done_redirect(f"/contacts/{contact_id}", outcome, "created")


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
@page
def contactdetail_page(request: Request, contact_id: UUID) -> HTMLResponse:
    return detail_page(request, contact_id)


def detail_page(
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
    for address in contact["addresses"]:
        address["fact_count"] = sum(
            1 for a in contact["attributes"] if a["address_id"] == address["id"]
        )
    fields = {**clean(outcome.fields), **(fields or {})} if outcome else dict(fields or {})
    what = "Not deleted" if form_name in ("addresses", "details") else "Not saved"
    error = summary(fields, outcome.error if outcome else None, what)
    return render(
        request,
        "contacts/detail.html",
        status=status if error else 200,
        section="contacts",
        notices=PAGE_NOTICES,
        contact=contact,
        methods=CONTACT_METHODS,
        places=facts_by_place(contact),
        place_options=place_options(contact),
        keys=vocabulary_groups(taken_keys(contact)),
        value_hint=value_hint(None),
        tickets=tickets,
        plans=plans_for_contact(request, contact_id),
        billed=sum(t["total_cents"] for t in tickets if t["status"] == "completed"),
        open_tickets=sum(1 for t in tickets if t["status"] in OPEN_TICKETS),
        messages=contact["messages"][:RECENT_MESSAGES],
        message_count=len(contact["messages"]),
        kinds=KINDS,
        form_name=form_name,
        target=target,
        error=error,
        fields=fields,
        values=values or {},
    )


@router.get("/contacts/{contact_id}/edit", response_class=HTMLResponse)
@page
def edit_contact(request: Request, contact_id: UUID) -> HTMLResponse:
    contact = read(request, "contacts", id=contact_id)
    values = {k: str(contact.get(k) or "") for k in CONTACT_FIELDS}
    values["phone"] = phone(contact["phone"])
    return _form(request, values=values, contact=contact)


@router.post("/contacts/{contact_id}", response_class=HTMLResponse)
def update_contact(request: Request, contact_id: UUID, form: FormData) -> Response:
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
    return done_redirect(f"/contacts/{contact_id}", outcome, "saved")


@router.get("/contacts/{contact_id}/delete", response_class=HTMLResponse)
@page
def confirm_delete(request: Request, contact_id: UUID) -> HTMLResponse:
    """Ask first, and say what deleting does (and what would stop it)."""
    return _delete_page(request, contact_id)


@router.post("/contacts/{contact_id}/delete", response_class=HTMLResponse)
def delete_contact(request: Request, contact_id: UUID) -> Response:
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


@router.post("/contacts/{contact_id}/resubscribe", response_class=HTMLResponse)
def resubscribe(request: Request, contact_id: UUID) -> Response:
    """The customer asked for emails again: follow-ups and offers go to them once more."""
    outcome = perform(request, "contact", "resubscribe", {"id": str(contact_id)})
    if not outcome.ok:
        return detail_page(
            request, contact_id, form_name="subscription", outcome=outcome, status=409
        )
    return redirect(f"/contacts/{contact_id}#messages", "resubscribed")


# -- addresses ---------------------------------------------------------------------------------


@router.post("/contacts/{contact_id}/addresses", response_class=HTMLResponse)
def add_address(request: Request, contact_id: UUID, form: FormData) -> Response:
    data = {k: form.get(k, "") for k in ADDRESS_FIELDS}
    data["is_primary"] = "true" if form.get("is_primary") else "false"
    if not data["line1"]:
        fields = {"line1": "Enter the street address."}
        return detail_page(request, contact_id, form_name="address", values=form, fields=fields)
    outcome = perform(request, "address", "create", {**data, "contact_id": str(contact_id)})
    if not outcome.ok:
        return detail_page(request, contact_id, form_name="address", outcome=outcome, values=form)
    return done_redirect(f"/contacts/{contact_id}#addresses", outcome, "created")


@router.post("/contacts/{contact_id}/addresses/{address_id}/primary", response_class=HTMLResponse)
def make_primary(request: Request, contact_id: UUID, address_id: UUID) -> Response:
    outcome = perform(request, "address", "update", {"id": str(address_id), "is_primary": True})
    if not outcome.ok:
        return detail_page(request, contact_id, form_name="addresses", outcome=outcome)
    return redirect(f"/contacts/{contact_id}#addresses", "saved")


@router.post("/contacts/{contact_id}/addresses/{address_id}/delete", response_class=HTMLResponse)
def delete_address(request: Request, contact_id: UUID, address_id: UUID) -> Response:
    outcome = perform(request, "address", "delete", {"id": str(address_id)})
    if not outcome.ok:
        in_use = outcome.error == AddressInUse.default_message
        if in_use:
            outcome.error = (
                "This address can't be deleted: a ticket (even a finished or deleted one) was "
                "done there, and that ticket's history needs it. If they moved, add the new "
                "address and make it primary; the old one stays for the records."
            )
        return detail_page(
            request,
            contact_id,
            form_name="addresses",
            outcome=outcome,
            target=str(address_id),
            status=409 if in_use else 422,
        )
    return redirect(f"/contacts/{contact_id}#addresses", "deleted")


# -- notes -------------------------------------------------------------------------------------


@router.post("/contacts/{contact_id}/notes", response_class=HTMLResponse)
def add_note(request: Request, contact_id: UUID, form: FormData) -> Response:
    body = form.get("body", "").strip()
    if not body:
        fields = {"body": "Write something first."}
        return detail_page(request, contact_id, form_name="note", values=form, fields=fields)
    outcome = perform(request, "note", "create", {"contact_id": str(contact_id), "body": body})
    if not outcome.ok:
        return detail_page(request, contact_id, form_name="note", outcome=outcome, values=form)
    return done_redirect(f"/contacts/{contact_id}#notes", outcome, "created")
