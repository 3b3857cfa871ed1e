"""The built-in wording of each kind of message, used until a business writes its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    """A message kind's editable text; ``sms`` may be empty (no text message)."""

    subject: str
    body: str
    sms: str


def _lines(*lines: str) -> str:
    """One line of message text per argument (a single newline is a line break in HTML)."""
    return "\n".join(lines) + "\n"


_HI = 'Hi {{ customer_first_name or customer_name or "there" }},'
_SIGNATURE = ("Thanks,", "{{ business_name }}", "{{ business_phone }}")

DEFAULTS: dict[str, Template] = {
    "appointment_confirmation": Template(
        subject="Please confirm your appointment on {{ appointment_date }}",
        body=_lines(
            _HI,
            "",
            "You're booked with {{ business_name }} on {{ appointment_date }} "
            "at {{ appointment_time }}.",
            "",
            "Address: {{ address }}",
            "Services: {{ services }}",
            "{% if price %}",
            "Price: {{ price }}",
            "{% endif %}",
            "",
            "Confirm, cancel or ask to reschedule: {{ visit_link }}",
            "",
            *_SIGNATURE,
        ),
        sms="{{ business_name }}: you're booked for {{ appointment_date }} at "
        "{{ appointment_time }}. Please confirm, cancel or reschedule: {{ visit_link }}",
    ),
    "reminder": Template(
        subject="Reminder: window cleaning {{ reminder_when }} at {{ appointment_time }}",
        body=_lines(
            _HI,
            "",
            "A friendly reminder that your window cleaning with {{ business_name }} "
            "is {{ reminder_when }}.",
            "",
            "When: {{ appointment_date }} at {{ appointment_time }}",
            "Where: {{ address }}",
            "Services: {{ services }}",
            "",
            "To help us do our best work, please unlock any gates and keep pets inside.",
            "",
            "Need to change something? {{ visit_link }}",
            "",
            *_SIGNATURE,
        ),
        sms="Reminder from {{ business_name }}: we'll see you {{ reminder_when }} at "
        "{{ appointment_time }}. Need to change it? {{ visit_link }}",
    ),
    "follow_up": Template(
        subject="How did your window cleaning go?",
        body=_lines(
            _HI,
            "",
            "Thanks for having {{ business_name }} out on {{ appointment_date }}. "
            "We hope you're enjoying the view!",
            "",
            "If anything isn't sparkling, just reply to this email or call "
            "{{ business_phone }} and we'll make it right.",
            "",
            "Book your next cleaning: {{ book_link }}",
            "",
            *_SIGNATURE,
        ),
        sms="Thanks for choosing {{ business_name }}! If anything isn't sparkling, call "
        "{{ business_phone }}. Book your next cleaning: {{ book_link }}",
    ),
    "reach_out": Template(
        subject="Time for sparkling windows again?",
        body=_lines(
            _HI,
            "",
            "It's been a while since {{ business_name }} cleaned your windows. "
            "If you'd like them sparkling again, we'd love to come back.",
            "",
            "Pick a time that suits you: {{ book_link }}",
            "",
            "Or just reply to this email or call {{ business_phone }}.",
            "",
            *_SIGNATURE,
        ),
        sms="Hi from {{ business_name }}! Time for clean windows again? "
        "Book a time that suits you: {{ book_link }}",
    ),
    "invoice": Template(
        subject="Invoice {{ invoice_number }} from {{ business_name }}",
        body=_lines(
            _HI,
            "",
            "Here is invoice {{ invoice_number }} for {{ invoice_total }}, due {{ invoice_due }}.",
            "",
            "View invoice: {{ invoice_link }}",
            "",
            "Questions? Reply to this email or call {{ business_phone }}.",
            "",
            *_SIGNATURE,
        ),
        sms="{{ business_name }}: invoice {{ invoice_number }} for {{ invoice_total }} "
        "is due {{ invoice_due }}. View it here: {{ invoice_link }}",
    ),
    "thank_you": Template(
        subject="Thank you from {{ business_name }}",
        body=_lines(
            _HI,
            "",
            "Thank you for choosing {{ business_name }}. It was a pleasure cleaning your "
            "windows, and we hope to see you again soon.",
            "",
            "Book your next cleaning: {{ book_link }}",
            "",
            *_SIGNATURE,
        ),
        sms="Thank you for choosing {{ business_name }}! "
        "Book your next cleaning any time: {{ book_link }}",
    ),
    "cancellation": Template(
        subject="Your appointment on {{ appointment_date }} is cancelled",
        body=_lines(
            _HI,
            "",
            "Your window cleaning with {{ business_name }} on {{ appointment_date }} "
            "at {{ appointment_time }} has been cancelled.",
            "{% if reason %}",
            "",
            "Reason: {{ reason }}",
            "{% endif %}",
            "",
            "Book another time: {{ book_link }}",
            "",
            *_SIGNATURE,
        ),
        sms="{{ business_name }}: your appointment on {{ appointment_date }} at "
        "{{ appointment_time }} is cancelled. Book another time: {{ book_link }}",
    ),
    "visit_answer": Template(
        subject="{{ customer_name }} {{ answer }} ({{ appointment_date }})",
        body=_lines(
            "{{ customer_name }} {{ answer }} for the visit on {{ appointment_date }} "
            "at {{ appointment_time }}.",
            "",
            "Address: {{ address }}",
            "Services: {{ services }}",
            "{% if reason %}",
            "",
            "Their message: {{ reason }}",
            "{% endif %}",
            "",
            "Open the visit: {{ visit_link }}",
        ),
        sms="{{ customer_name }} {{ answer }}: {{ appointment_date }} {{ appointment_time }}, "
        "{{ address }}. {{ visit_link }}",
    ),
    # Custom messages carry the owner's literal text (see ``render_literal``): not templated.
    "custom": Template("", "", ""),
}
