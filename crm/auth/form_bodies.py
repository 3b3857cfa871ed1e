"""Reading a request's form fields for the CSRF check without using the body up: the messages
read are replayed to the route. An urlencoded form is parsed whole (it is small); a multipart
one is parsed only for a one-click unsubscribe, and an upload only as far as its csrf_token
field, which the upload form puts before the file (crm/auth/security_middleware.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import Message, Receive, Scope

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# A CSRF token is short; a longer csrf_token field is not one.
MAX_TOKEN = 200


def replaying(receive: Receive, messages: list[Message]) -> Receive:
    """A receive that first replays the body messages already read."""
    replay = list(messages)

    async def replaying_receive() -> Message:
        if replay:
            return replay.pop(0)
        return await receive()

    return replaying_receive


async def form_fields(headers: dict[str, str], body: bytes) -> dict[str, list[str]]:
    """The text fields of a form body; multipart is read only for a one-click unsubscribe."""
    if headers.get("content-type", "").startswith(FORM_URLENCODED):
        return parse_qs(body.decode("utf-8", "replace"))

    async def stream() -> Any:
        yield body

    parser = MultiPartParser(
        Headers(headers={"content-type": headers["content-type"]}),
        stream(),
        max_files=0,
        max_fields=10,
    )
    try:
        form = await parser.parse()
    except MultiPartException:
        return {}
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    await form.close()
    return fields


class _TokenFinder:
    """Reads a multipart body only as far as its ``csrf_token`` field, which a page's upload
    form puts before its file: a file part (or the end) before the token means there is none."""

    def __init__(self, boundary: bytes) -> None:
        self.token: str | None = None
        self.stop = False
        self._header = b""
        self._value = b""
        self._name: bytes | None = None
        self._data = bytearray()
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        if self.stop or not chunk:
            return
        try:
            self.parser.write(chunk)
        except MultipartParseError:
            self.stop = True

    def _part_begin(self) -> None:
        self._name, self._data = None, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            _, options = parse_options_header(self._value)
            if b"filename" in options:
                self.stop = True
            self._name = options.get(b"name")
        self._header, self._value = b"", b""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == b"csrf_token" and not self.stop:
            self._data += data[start:end]
            if len(self._data) > MAX_TOKEN:
                self.stop = True

    def _part_end(self) -> None:
        if self._name == b"csrf_token" and not self.stop:
            self.token = self._data.decode("latin-1")
            self.stop = True


async def multipart_token(content_type: str, receive: Receive) -> tuple[str | None, list[Message]]:
    """The form's CSRF token and the messages read to find it (to replay to the route): an
    upload is not read past its first fields here."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    messages: list[Message] = []
    if not boundary:
        return None, messages
    finder = _TokenFinder(boundary)
    while not finder.stop:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        finder.feed(message.get("body", b""))
        if not message.get("more_body"):
            break
    return finder.token, messages


def scope_headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name (repeated ones joined, cookies with "; ")."""
    result: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        joiner = "; " if name == "cookie" else ", "
        result[name] = f"{result[name]}{joiner}{text}" if name in result else text
    return result
