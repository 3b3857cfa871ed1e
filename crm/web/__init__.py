"""Server-rendered pages: plain forms that POST and redirect, improved by a little JavaScript.

Each module has a `router`; they are included in this order by crm/main.py.
"""

from crm.web import (
    calendar,
    catalog,
    closeout,
    contacts,
    invoices,
    messages,
    settings,
    ticket_edit,
    tickets,
)

WEB_MODULES = (
    calendar,
    ticket_edit,
    tickets,
    closeout,
    contacts,
    catalog,
    invoices,
    messages,
    settings,
)
