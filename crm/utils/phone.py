"""Phone numbers, normalised to E.164 (North American numbers by default)."""

from __future__ import annotations

import re


class InvalidPhoneError(ValueError):
    pass


def normalise_phone(raw: str, *, default_country_code: str = "1") -> str:
    """'(256) 555-1234' -> '+12565551234'; '' stays ''; anything else must be 8-15 digits."""
    text = (raw or "").strip()
    if not text:
        return ""
    if re.search(r"[^\d\s().+\-/x]", text.lower()):
        raise InvalidPhoneError(f"{raw!r} is not a phone number")
    text = re.split(r"(?i)\s*(?:x|ext\.?)\s*\d+$", text)[0]
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if not 8 <= len(digits) <= 15:
            raise InvalidPhoneError(f"{raw!r} is not a phone number")
        return f"+{digits}"
    if len(digits) == 10 and default_country_code == "1":
        return f"+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"+{digits}"
    raise InvalidPhoneError(f"{raw!r} is not a complete phone number; include the area code")
