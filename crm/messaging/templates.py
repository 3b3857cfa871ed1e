"""Owner-editable message templates: a sandboxed, loop-free Jinja subset over fixed variables.

A template sees only the plain strings in ``VARIABLES``. Beyond the sandbox, the parsed
template is checked against a short list of allowed constructs (text, variables, ``if``,
``~``, ``and``/``or``/``not``, comparisons and a few filters) so no template can loop, call,
read attributes or build large values: rendering is linear in the template's size.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType

import jinja2
from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment

KINDS: dict[str, str] = {
    "appointment_confirmation": "Confirmation request",
    "reminder": "Reminder",
    "follow_up": "Follow-up",
    "reach_out": "Reach out",
    "invoice": "Invoice",
    "thank_you": "Thank you",
    "cancellation": "Cancellation",
    "visit_answer": "Customer's answer (to you)",
    "custom": "Custom message",
}

# Sent because of something the recipient is already doing: no unsubscribe link.
TRANSACTIONAL: frozenset[str] = frozenset(
    {"appointment_confirmation", "reminder", "cancellation", "invoice", "visit_answer"}
)

VARIABLES: dict[str, str] = {
    "business_name": "Your business's name",
    "business_phone": "Your business's phone number",
    "business_email": "Your business's email address",
    "customer_name": "The customer's full name",
    "customer_first_name": "The customer's first name",
    "appointment_date": 'The visit\'s date, e.g. "Friday, March 12"',
    "appointment_time": 'The visit\'s start time, e.g. "9:00 AM"',
    "address": "The address of the visit",
    "services": "The services booked",
    "price": 'The visit\'s price, e.g. "$120.00" (may be empty)',
    "visit_link": "Link where the customer confirms, cancels or asks to reschedule",
    "book_link": "Link where the customer books a new visit",
    "invoice_number": "The invoice's number",
    "invoice_total": "The invoice's total",
    "invoice_due": "The date the invoice is due",
    "invoice_link": "Link where the customer views the invoice",
    "reason": "A cancellation reason, or the customer's message with their answer",
    "answer": 'The customer\'s answer: "confirmed", "can\'t make it" or "asked to reschedule"',
    "reminder_when": 'When the visit is, e.g. "tomorrow", "in 2 hours", "on Friday"',
}

MAX_TEMPLATE_CHARS = 5_000
MAX_OUTPUT_CHARS = 10_000
FIELDS = ("subject", "body", "sms")

# Links that get a button in the HTML version, with the label used when the line has none.
_BUTTON_LABELS = {
    "visit_link": "See your appointment",
    "book_link": "Book a cleaning",
    "invoice_link": "View invoice",
}
_ALLOWED_FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default", "d"})
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.Filter,
)
_REFUSED_NODES: dict[type[nodes.Node], str] = {
    nodes.For: "loops ({% for %}) are not available in messages",
    nodes.Macro: "macros are not available in messages",
    nodes.Assign: "{% set %} is not available in messages",
    nodes.AssignBlock: "{% set %} is not available in messages",
    nodes.Getattr: "variables are plain text: '.' cannot look inside them",
    nodes.Getitem: "variables are plain text: '[...]' cannot look inside them",
    nodes.Call: "messages cannot call functions",
    nodes.Include: "messages cannot include other templates",
    nodes.Import: "messages cannot import other templates",
    nodes.FromImport: "messages cannot import other templates",
    nodes.Extends: "messages cannot extend other templates",
}


@dataclass(frozen=True)
class Template:
    """A message kind's editable text; ``sms`` may be empty (no text message)."""

    subject: str
    body: str
    sms: str


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: ``html`` is always built from ``text`` by ``wrap_html``."""

    subject: str
    text: str
    html: str
    sms: str


class TemplateRefused(ValueError):
    """A template the owner wrote cannot be used; says which field, which line and why."""

    def __init__(self, field: str, line: int | None, reason: str) -> None:
        self.field = field
        self.line = line
        self.reason = reason
        where = field if line is None else f"{field}, line {line}"
        super().__init__(f"{where}: {reason}")


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


def sample_variables() -> dict[str, str]:
    """Realistic values for previews and for validating a template before it is saved."""
    return {
        "business_name": "Crystal Clear Windows",
        "business_phone": "(555) 014-2398",
        "business_email": "hello@crystalclear.example",
        "customer_name": "Jane Smith",
        "customer_first_name": "Jane",
        "appointment_date": "Friday, March 12",
        "appointment_time": "9:00 AM",
        "address": "1428 Elm Street, Springfield",
        "services": "Exterior windows, screens",
        "price": "$120.00",
        "visit_link": "https://crm.example.com/v/3f9c2a7b5d",
        "book_link": "https://crm.example.com/book/crystal-clear",
        "invoice_number": "INV-1042",
        "invoice_total": "$120.00",
        "invoice_due": "March 26",
        "invoice_link": "https://crm.example.com/i/8d41e0c2aa",
        "reason": "I'll be out of town that week.",
        "answer": "confirmed",
        "reminder_when": "tomorrow",
    }


def validate(template: Template, *, kind: str | None = None) -> None:
    """Refuse a template before it is saved, rather than when a customer's message is due.

    ``kind="custom"`` only checks sizes: custom text is sent literally, never templated.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    for field in FIELDS:
        if len(getattr(template, field)) > MAX_TEMPLATE_CHARS:
            raise TemplateRefused(field, None, f"longer than {MAX_TEMPLATE_CHARS} characters")
    if kind == "custom":
        if "\n" in template.subject or "\r" in template.subject:
            raise TemplateRefused("subject", None, "the subject must be one line")
        return
    values = sample_variables()
    rendered = {field: _render_field(field, getattr(template, field), values) for field in FIELDS}
    if "\n" in rendered["subject"] or "\r" in rendered["subject"]:
        raise TemplateRefused("subject", None, "the subject must be one line")
    for field in ("subject", "body"):
        if not getattr(template, field).strip() or not rendered[field].strip():
            raise TemplateRefused(field, None, "cannot be empty")


def render(
    template: Template, variables: Mapping[str, str], *, unsubscribe_link: str = ""
) -> Rendered:
    """Fill a template with one message's values; only the names in ``VARIABLES`` are seen."""
    values = {name: _value(variables.get(name)) for name in VARIABLES}
    subject = _render_field("subject", template.subject, values)
    body = _render_field("body", template.body, values)
    sms = _render_field("sms", template.sms, values)
    return _assemble(subject, body, sms.strip(), values, unsubscribe_link)


def render_literal(
    subject: str, body: str, variables: Mapping[str, str], *, unsubscribe_link: str = ""
) -> Rendered:
    """A custom message: the owner's text is sent as written (``{{`` stays literal).

    ``sms`` is the body itself, for a custom message sent as a text.
    """
    values = {name: _value(variables.get(name)) for name in VARIABLES}
    return _assemble(subject, body, body.strip(), values, unsubscribe_link)


def wrap_html(
    text: str,
    *,
    heading: str,
    unsubscribe_link: str = "",
    buttons: Mapping[str, str] | None = None,
) -> str:
    """Plain text to a small phone-friendly HTML email; the text is escaped, never trusted.

    ``buttons`` maps a URL to a fallback label: a line ending in that URL becomes a button
    labelled with the line's text before the URL.
    """
    buttons = buttons or {}
    blocks: list[str] = []
    if heading.strip():
        blocks.append(f'<h1 style="font-size:20px;margin:0 0 16px">{html.escape(heading)}</h1>')
    for paragraph in re.split(r"\n[ \t]*\n+", _normalise(text).strip()):
        blocks.extend(_paragraph_html(paragraph, buttons))
    if unsubscribe_link:
        blocks.append(
            '<p style="margin:32px 0 0;font-size:13px;color:#6a737d">'
            "Don't want these emails? "
            f'<a href="{html.escape(unsubscribe_link)}" style="color:#6a737d">Unsubscribe</a></p>'
        )
    title = html.escape(heading)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title></head>"
        '<body style="margin:0;padding:0;background:#f4f5f7">'
        '<div style="max-width:560px;margin:0 auto;padding:24px 16px;background:#fff;'
        'font:16px/1.5 Arial,Helvetica,sans-serif;color:#1f2328">'
        + "\n".join(blocks)
        + "</div></body></html>"
    )


_P = '<p style="margin:0 0 16px">'
_BUTTON = (
    'style="display:inline-block;padding:12px 20px;background:#0b66c3;color:#fff;'
    'text-decoration:none;border-radius:6px;font-weight:bold"'
)
_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TRAILING = ".,;:!?)]}"


def _paragraph_html(paragraph: str, buttons: Mapping[str, str]) -> Iterator[str]:
    lines: list[str] = []
    for line in paragraph.split("\n"):
        button = _button(line, buttons)
        if button is None:
            lines.append(_linkify(line))
            continue
        if lines:
            yield _P + "<br>".join(lines) + "</p>"
            lines = []
        yield button
    if lines:
        yield _P + "<br>".join(lines) + "</p>"


def _button(line: str, buttons: Mapping[str, str]) -> str | None:
    """A line that ends with a button link, e.g. "Confirm or cancel: https://…"."""
    found = list(_urls(line))
    if len(found) != 1:
        return None
    start, end, url = found[0]
    if url not in buttons or line[end:].strip(" \t" + _URL_TRAILING):
        return None
    label = line[:start].strip().rstrip(":-\u2013\u2014 ").strip() or buttons[url]
    return f'{_P}<a href="{html.escape(url)}" {_BUTTON}>{html.escape(label)}</a></p>'


def _linkify(line: str) -> str:
    out: list[str] = []
    position = 0
    for start, end, url in _urls(line):
        out.append(html.escape(line[position:start]))
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        position = end
    out.append(html.escape(line[position:]))
    return "".join(out)


def _urls(line: str) -> Iterator[tuple[int, int, str]]:
    for match in _URL.finditer(line):
        url = match.group().rstrip(_URL_TRAILING)
        if len(url) > len("https://"):
            yield match.start(), match.start() + len(url), url


def _assemble(
    subject: str, body: str, sms: str, values: Mapping[str, str], unsubscribe_link: str
) -> Rendered:
    body = _normalise(body).strip("\n")
    text = body + "\n"
    if unsubscribe_link:
        text += f"\n-- \nDon't want these emails? Unsubscribe: {unsubscribe_link}\n"
    buttons = {values[name]: label for name, label in _BUTTON_LABELS.items() if values.get(name)}
    return Rendered(
        subject=" ".join(subject.split()),
        text=text,
        html=wrap_html(
            body,
            heading=values.get("business_name", ""),
            unsubscribe_link=unsubscribe_link,
            buttons=buttons,
        ),
        sms=sms,
    )


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _value(value: object) -> str:
    return "" if value is None else str(value)


# --- Jinja: one sandboxed environment, no globals, templates checked before they compile. ---

_ENV = SandboxedEnvironment(
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
_ENV.globals.clear()


def _render_field(field: str, source: str, values: Mapping[str, str]) -> str:
    if not source:
        return ""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateRefused(field, None, f"longer than {MAX_TEMPLATE_CHARS} characters")
    compiled = _compile(field, source)
    size = 0
    parts: list[str] = []
    try:
        for part in compiled.generate(values):
            size += len(part)
            if size > MAX_OUTPUT_CHARS:
                break
            parts.append(part)
    except jinja2.TemplateError as exc:
        reason = getattr(exc, "message", None) or str(exc)
        raise TemplateRefused(field, _template_line(exc.__traceback__), reason) from exc
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise TemplateRefused(field, _template_line(exc.__traceback__), str(exc)) from exc
    if size > MAX_OUTPUT_CHARS:
        raise TemplateRefused(
            field, None, f"the message would be over {MAX_OUTPUT_CHARS} characters"
        )
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def _compile(field: str, source: str) -> jinja2.Template:
    try:
        tree = _ENV.parse(source)
        _check(field, tree)
        return _ENV.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateRefused(field, exc.lineno, exc.message or "syntax error") from exc
    except RecursionError as exc:
        raise TemplateRefused(field, None, "nested too deeply") from exc


def _check(field: str, tree: nodes.Template) -> None:
    """Refuse anything but text, variables, conditions, ``~`` and a few filters."""
    for node in tree.find_all(nodes.Node):
        line = getattr(node, "lineno", None)
        if isinstance(node, nodes.Name) and (node.ctx != "load" or node.name not in VARIABLES):
            raise TemplateRefused(
                field,
                line,
                f"'{node.name}' is not a variable you can use (use one of: {', '.join(VARIABLES)})",
            )
        if isinstance(node, nodes.Filter):
            _check_filter(field, node)
        if not isinstance(node, _ALLOWED_NODES):
            reason = next(
                (text for kind, text in _REFUSED_NODES.items() if isinstance(node, kind)),
                "only text, variables, {% if %} and simple filters can be used in messages",
            )
            raise TemplateRefused(field, line, reason)


def _check_filter(field: str, node: nodes.Filter) -> None:
    if node.name not in _ALLOWED_FILTERS:
        raise TemplateRefused(
            field,
            node.lineno,
            f"the filter '{node.name}' is not available "
            f"(use one of: {', '.join(sorted(_ALLOWED_FILTERS - {'d'}))})",
        )
    plain_args = all(isinstance(arg, nodes.Const) for arg in node.args)
    if node.kwargs or node.dyn_args or node.dyn_kwargs or not plain_args:
        raise TemplateRefused(
            field, node.lineno, f"the filter '{node.name}' only takes quoted text or numbers"
        )


def _template_line(trace: TracebackType | None) -> int | None:
    """The innermost template line in the traceback Jinja rewrites to point at the template."""
    line = None
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line
