"""Owner-editable message templates: a sandboxed, loop-free Jinja subset over fixed variables.

A template sees only the plain strings in ``VARIABLES``. Beyond the sandbox, the parsed
template is checked against a short list of allowed constructs (text, variables, ``if``,
``~``, ``and``/``or``/``not``, comparisons and a few filters) so no template can loop, call,
read attributes or build large values: rendering is linear in the template's size.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

import jinja2
from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment

from crm.messaging.email_html import normalise as _normalise
from crm.messaging.email_html import wrap_html
from crm.messaging.template_defaults import DEFAULTS as DEFAULTS  # re-exported: one place to ask
from crm.messaging.template_defaults import Template

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
