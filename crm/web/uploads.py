"""A page's file upload: the posted text fields and one file, read with a size bound.

The form is ``enctype="multipart/form-data"`` with its hidden ``csrf_token`` first (the
security middleware reads the body only that far), and the route's larger body limit is
declared as a ``BodyLimit`` for ``HostAndBodyLimitMiddleware``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile

from crm.web.forms import Form

# Read in pieces, so the bound is checked before the whole file is in memory.
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """The form's text fields, and the file: None when none was chosen."""

    form: Form
    filename: str
    data: bytes | None
    too_large: bool = False


class FileField:
    """A dependency reading the file posted as ``name``, refusing more than ``max_bytes``."""

    def __init__(self, name: str, *, max_bytes: int) -> None:
        self.name = name
        self.max_bytes = max_bytes

    async def __call__(self, request: Request) -> Upload:
        posted = await request.form(max_files=1, max_fields=20)
        try:
            fields = Form(
                (key, value)
                for key, value in posted.multi_items()
                if isinstance(value, str) and key != "csrf_token"
            )
            file = posted.get(self.name)
            if not isinstance(file, UploadFile) or not file.filename:
                return Upload(fields, "", None)
            data = bytearray()
            while chunk := await file.read(CHUNK):
                data += chunk
                if len(data) > self.max_bytes:
                    return Upload(fields, _base_name(file.filename), None, too_large=True)
            return Upload(fields, _base_name(file.filename), bytes(data))
        finally:
            await posted.close()


def _base_name(filename: str) -> str:
    """The file's own name, without a folder (old browsers send one) or control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable())[:255]
