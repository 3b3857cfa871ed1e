from __future__ import annotations

from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from crm.core.models.common import Input, Line
from crm.utils.phone import InvalidPhoneError, normalise_phone

ContactMethod = Literal["any", "email", "phone", "sms", "none"]


def _email(value: str) -> str:
    value = value.strip().lower()
    if value and (value.count("@") != 1 or "." not in value.split("@")[1] or " " in value):
        raise ValueError("not a valid email address")
    return value


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except InvalidPhoneError as exc:
        raise ValueError(str(exc)) from exc


Email = Annotated[Line, Field(max_length=254), AfterValidator(_email)]
Phone = Annotated[Line, Field(max_length=40), AfterValidator(_phone)]


class ContactFields(Input):
    first_name: Line = Field("", max_length=100)
    last_name: Line = Field("", max_length=100)
    company: Line = Field("", max_length=200)
    email: Email = ""
    phone: Phone = ""
    preferred_contact_method: ContactMethod = "any"
    preferred_time_of_day: Line = Field("", max_length=100)
    source: Line = Field("", max_length=100)
    external_id: Line = Field("", max_length=200)
    referred_by_id: UUID | None = None


class ContactCreate(ContactFields):
    @model_validator(mode="after")
    def _named(self) -> Self:
        if not (self.first_name or self.last_name or self.company):
            raise ValueError("a contact needs a first name, last name or company")
        return self


class ContactUpdate(ContactFields):
    id: UUID
