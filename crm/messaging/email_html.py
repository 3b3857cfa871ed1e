"""Plain message text to a small, phone-friendly HTML email: the text is escaped, never
trusted; links become links, and a line ending in a known link becomes a button."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping


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
    for paragraph in re.split(r"\n[ \t]*\n+", normalise(text).strip()):
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


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
