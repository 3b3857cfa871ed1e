"""Domain rule violations, each with its error code and status."""

from __future__ import annotations

from crm.errors import Conflict


class ContactHasDependencies(Conflict):
    code = "CONTACT_HAS_DEPENDENCIES"
    default_message = (
        "This contact still has open tickets or unpaid invoices. Finish or cancel the tickets "
        "and settle or void the invoices first."
    )


class AddressInUse(Conflict):
    code = "ADDRESS_IN_USE"
    default_message = "This address is used by a ticket, so it can't be deleted."


class ClockStateConflict(Conflict):
    code = "CLOCK_STATE_CONFLICT"


class InvoiceExists(Conflict):
    code = "INVOICE_EXISTS"
    default_message = "This ticket already has an invoice."


class PaymentRejected(Conflict):
    code = "PAYMENT_REJECTED"


class ServiceRetired(Conflict):
    code = "SERVICE_RETIRED"
    default_message = "This service is retired; pick a current one."


class MessageExists(Conflict):
    code = "MESSAGE_EXISTS"
    default_message = "A message with this dedupe key already exists."


class CloseOutDraftInvalid(Conflict):
    code = "CLOSEOUT_DRAFT_INVALID"
    default_message = (
        "This close-out preview can't be used (it expired, was already used, or belongs to "
        "another ticket). Review the close-out again."
    )


class PlanOverlaps(Conflict):
    code = "PLAN_OVERLAPS"
    default_message = (
        "Some of the plan's visits overlap other visits of the same staff; nothing was saved. "
        "Change the time or staff, or save anyway (confirm_overlaps)."
    )
