"""Service modules register their actions and data types on import; import them all here."""

from crm.core.services import (  # noqa: F401
    address_service,
    attribute_service,
    audit_service,
    business_service,
    catalog_service,
    closeout_preview,
    closeout_service,
    contact_service,
    invoice_service,
    invoice_settings_service,
    line_item_service,
    message_service,
    messaging_service,
    note_service,
    payment_service,
    staff_service,
    ticket_reopen,
    ticket_service,
)
