"""Server-rendered pages: plain forms that POST and redirect, improved by a little JavaScript.

Each module has a `router`; they are included in this order by crm/main.py.
"""

from crm.web import (
    calendar,
    calendar_feed,
    catalog,
    closeout,
    contact_attributes,
    contacts,
    due,
    invoice_forms,
    invoice_payments,
    invoices,
    messages,
    plan_visit,
    plans,
    public,
    settings,
    settings_business,
    settings_messaging,
    ticket_discount,
    ticket_edit,
    ticket_reopen,
    tickets,
    tickets_new,
    waitlist,
)

# Order matters where paths overlap: /tickets/new must be matched before /tickets/{ticket_id},
# /invoices/new before /invoices/{invoice_id}.
WEB_MODULES = (
    calendar,
    ticket_edit,
    tickets_new,
    tickets,
    ticket_reopen,
    ticket_discount,
    closeout,
    contacts,
    contact_attributes,
    catalog,
    invoice_forms,
    invoices,
    invoice_payments,
    messages,
    settings,
    settings_business,
    settings_messaging,
    calendar_feed,
    public,
    waitlist,
    plans,
    plan_visit,
    due,
)
