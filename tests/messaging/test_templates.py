from __future__ import annotations

import time

import pytest

from crm.messaging.templates import (
    DEFAULTS,
    KINDS,
    TRANSACTIONAL,
    VARIABLES,
    Template,
    TemplateRefused,
    render,
    render_literal,
    sample_variables,
    validate,
    wrap_html,
)

UNSUBSCRIBE = "https://crm.example.com/u/tok3n"


def body(source: str) -> Template:
    return Template(subject="Hello", body=source, sms="")


def refusal(template: Template) -> TemplateRefused:
    with pytest.raises(TemplateRefused) as caught:
        validate(template)
    return caught.value


def test_every_kind_has_a_label_and_a_default() -> None:
    assert set(DEFAULTS) == set(KINDS)
    assert TRANSACTIONAL.issubset(KINDS)
    assert DEFAULTS["custom"] == Template("", "", "")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_default_validates_and_renders(kind: str) -> None:
    template = DEFAULTS[kind]
    validate(template, kind=kind)
    rendered = render(template, sample_variables())
    assert "{{" not in rendered.text + rendered.subject + rendered.sms
    if kind != "custom":
        assert rendered.subject
        assert "Crystal Clear Windows" in rendered.text or "Jane Smith" in rendered.text
        assert 0 < len(rendered.sms) <= 300
        assert len(rendered.html.encode()) < 4096


def test_the_confirmation_shows_the_price_only_when_there_is_one() -> None:
    template = DEFAULTS["appointment_confirmation"]
    with_price = render(template, sample_variables())
    without = render(template, {**sample_variables(), "price": ""})
    assert "Price: $120.00\n" in with_price.text
    assert "Price" not in without.text
    assert with_price.subject == "Please confirm your appointment on Friday, March 12"
    assert (
        "Confirm, cancel or ask to reschedule: https://crm.example.com/v/3f9c2a7b5d" in without.text
    )


def test_a_syntax_error_names_the_field_and_line() -> None:
    error = refusal(body("Hi,\n\nSee you {{ appointment_date }"))
    assert (error.field, error.line) == ("body", 3)
    assert str(error) == "body, line 3: unexpected '}'"


def test_an_unknown_variable_is_refused_by_name() -> None:
    error = refusal(Template("Hi", "Hello\n{{ nme }}", ""))
    assert (error.field, error.line) == ("body", 2)
    assert "'nme' is not a variable you can use" in str(error)
    assert "customer_first_name" in error.reason


@pytest.mark.parametrize(
    "source",
    [
        "{{ business_name.__class__.__mro__ }}",
        "{{ ''.__class__ }}",
        "{{ business_name['__class__'] }}",
        "{{ business_name.upper() }}",
        "{{ cycler }}",
        "{% set x = business_name %}{{ x }}",
        "{{ business_name|attr('__class__') }}",
        "{{ business_name|format('%s') }}",
        "{% include 'other' %}",
    ],
)
def test_reaching_outside_the_variables_is_refused(source: str) -> None:
    assert refusal(body(source)).field == "body"


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(10**7) %}x{% endfor %}",
        "{% for a in business_name %}{% for b in business_name %}{% for c in business_name %}"
        "{% for d in business_name %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        "{{ 9**9**9 }}",
        "{{ 'x' * 100000000 }}",
        "{{ business_name|center(100000000) }}",
    ],
)
def test_expensive_templates_are_refused_quickly(source: str) -> None:
    started = time.monotonic()
    refusal(body(source))
    assert time.monotonic() - started < 2


def test_output_and_template_sizes_are_capped() -> None:
    long_output = " ".join(["{{address}}"] * 360)
    assert "over 10000 characters" in refusal(body(long_output)).reason
    assert "longer than 5000" in refusal(body("x" * 5001)).reason


def test_the_subject_must_be_one_line_and_not_empty() -> None:
    assert refusal(Template("Hi\n{{ customer_name }}", "Body", "")).field == "subject"
    assert refusal(Template("", "Body", "")).field == "subject"
    assert refusal(Template("Hi", "  \n", "")).field == "body"
    validate(Template("", "", ""), kind="custom")


def test_simple_conditions_and_filters_are_allowed() -> None:
    template = Template(
        subject="{{ business_name|upper }}",
        body="{% if price %}Only {{ price }}{% else %}Free{% endif %} "
        '{{ customer_first_name or "friend" }}',
        sms="{{ customer_name ~ '!' }}",
    )
    validate(template)
    rendered = render(template, {"business_name": "Shine", "price": "", "customer_name": "Al"})
    assert rendered.subject == "SHINE"
    assert rendered.text == "Free friend\n"
    assert rendered.sms == "Al!"


def test_render_passes_only_the_fixed_variables() -> None:
    template = Template("Hi", "{{ customer_name }}|{{ price }}|", "")
    rendered = render(template, {"customer_name": "Jane", "secret": "s3cret"})
    assert rendered.text == "Jane||\n"
    with pytest.raises(TemplateRefused, match="'secret' is not a variable"):
        render(Template("Hi", "{{ secret }}", ""), {"secret": "s3cret"})
    assert "secret" not in VARIABLES


def test_html_escapes_the_values_and_links_the_urls() -> None:
    variables = {**sample_variables(), "customer_first_name": "<script>alert(1)</script>"}
    html = render(DEFAULTS["appointment_confirmation"], variables).html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<h1 style="font-size:20px;margin:0 0 16px">Crystal Clear Windows</h1>' in html
    assert "max-width:560px" in html
    # The visit link is a button labelled with the line's own words.
    assert ('<a href="https://crm.example.com/v/3f9c2a7b5d" style="display:inline-block') in html
    assert ">Confirm, cancel or ask to reschedule</a>" in html
    assert "Address: 1428 Elm Street, Springfield<br>Services:" in html


def test_wrap_html_makes_paragraphs_breaks_and_plain_links() -> None:
    html = wrap_html(
        "One\ntwo & three\n\nSee https://example.com/a?b=1&c=2.",
        heading="Shine <Co>",
    )
    assert "<h1" in html
    assert "Shine &lt;Co&gt;</h1>" in html
    assert '<p style="margin:0 0 16px">One<br>two &amp; three</p>' in html
    assert (
        'See <a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>.'
    ) in html
    assert "Unsubscribe" not in html


def test_literal_messages_are_not_templated() -> None:
    rendered = render_literal(
        "Gutters {{ x }}",
        "Hi {{ customer_name }},\n\nWe now clean gutters too!",
        sample_variables(),
    )
    assert rendered.subject == "Gutters {{ x }}"
    assert rendered.text == "Hi {{ customer_name }},\n\nWe now clean gutters too!\n"
    assert "Hi {{ customer_name }},</p>" in rendered.html
    assert "Crystal Clear Windows</h1>" in rendered.html


def test_unsubscribe_footer_only_when_a_link_is_given() -> None:
    template = DEFAULTS["follow_up"]
    without = render(template, sample_variables())
    assert "nsubscribe" not in without.text
    assert "nsubscribe" not in without.html
    with_link = render(template, sample_variables(), unsubscribe_link=UNSUBSCRIBE)
    assert with_link.text.endswith(f"Unsubscribe: {UNSUBSCRIBE}\n")
    assert f'<a href="{UNSUBSCRIBE}" style="color:#6a737d">Unsubscribe</a>' in with_link.html
    assert UNSUBSCRIBE not in with_link.sms
    literal = render_literal("Hi", "News", {}, unsubscribe_link=UNSUBSCRIBE)
    assert UNSUBSCRIBE in literal.text
    assert UNSUBSCRIBE in literal.html


def test_a_rendered_subject_never_carries_a_line_break() -> None:
    rendered = render(
        Template("Visit at {{ address }}", "Body", ""),
        {"address": "1 Elm St\r\nBcc: someone@example.com"},
    )
    assert rendered.subject == "Visit at 1 Elm St Bcc: someone@example.com"
