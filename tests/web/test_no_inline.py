"""The CSP stays strict: no inline script, no inline event handler, no style attribute."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import crm

TEMPLATES = sorted((Path(crm.__file__).parent / "templates").rglob("*.html"))

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript:", re.IGNORECASE)


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_has_nothing_inline(template: Path) -> None:
    text = template.read_text()
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("style= attribute", STYLE_ATTRIBUTE),
        ("<style> element", STYLE_ELEMENT),
        ("on*= event handler", EVENT_HANDLER),
        ("javascript: URL", JS_URL),
    ):
        match = pattern.search(text)
        assert match is None, f"{template.name}: {name}: {match.group(0) if match else ''}"


def test_the_checks_catch_what_they_should() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/a.js" defer></script>')
    assert STYLE_ATTRIBUTE.search('<p class="x" style="color:red">')
    assert EVENT_HANDLER.search('<button onclick="go()">')
    assert not EVENT_HANDLER.search('<button class="once">')
