"""Pages: a contact's facts — add one (about the customer or one of their properties),
change it or move it to another property, remove it. Shown on the contact card
(crm/web/contacts.py); words and parsing in crm/web/contact_facts.py; docs/property-facts.md."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crm.core.vocabulary import VOCABULARY
from crm.web.common import perform, read, redirect
from crm.web.contact_facts import parse_value
from crm.web.contacts import detail_page, done_redirect
from crm.web.forms import FormData

router = APIRouter(include_in_schema=False)


def _place_input(form: FormData) -> dict[str, Any]:
    """The action's address_id from the "About" select: omitted lets the vocabulary decide."""
    place = form.get("place", "")
    if place == "contact":
        return {"address_id": None}
    return {"address_id": place} if place else {}


@router.post("/contacts/{contact_id}/attributes", response_class=HTMLResponse)
def add_attribute(request: Request, contact_id: UUID, form: FormData) -> Response:
    key = form.get("key", "")
    values = {"key": key, "value": form.get("value", ""), "place": form.get("place", "")}
    if key not in VOCABULARY:
        fields = {"key": "Choose what you want to record from the list."}
        return detail_page(request, contact_id, form_name="attribute", values=values, fields=fields)
    try:
        value = parse_value(key, form.getlist("value"))
    except ValueError as exc:
        fields = {"value": str(exc)}
        return detail_page(request, contact_id, form_name="attribute", values=values, fields=fields)
    data = {"contact_id": str(contact_id), "key": key, "value": value, **_place_input(form)}
    outcome = perform(request, "attribute", "create", data)
    if not outcome.ok:
        return detail_page(
            request, contact_id, form_name="attribute", outcome=outcome, values=values
        )
    return done_redirect(f"/contacts/{contact_id}#details", outcome, "saved")


@router.post("/contacts/{contact_id}/attributes/{attribute_id}", response_class=HTMLResponse)
def edit_attribute(
    request: Request, contact_id: UUID, attribute_id: UUID, form: FormData
) -> Response:
    attribute = read(request, "attributes", id=attribute_id)
    try:
        value = parse_value(attribute["key"], form.getlist("value"))
    except ValueError as exc:
        return detail_page(
            request,
            contact_id,
            form_name="edit-attribute",
            target=str(attribute_id),
            fields={"value": str(exc)},
        )
    data = {"id": str(attribute_id), "value": value, **_place_input(form)}
    outcome = perform(request, "attribute", "update", data)
    if not outcome.ok:
        return detail_page(
            request,
            contact_id,
            form_name="edit-attribute",
            target=str(attribute_id),
            outcome=outcome,
        )
    return done_redirect(f"/contacts/{contact_id}#details", outcome, "saved")


@router.post("/contacts/{contact_id}/attributes/{attribute_id}/delete", response_class=HTMLResponse)
def delete_attribute(request: Request, contact_id: UUID, attribute_id: UUID) -> Response:
    outcome = perform(request, "attribute", "delete", {"id": str(attribute_id)})
    if not outcome.ok:
        return detail_page(request, contact_id, form_name="details", outcome=outcome)
    return redirect(f"/contacts/{contact_id}#details", "deleted")
