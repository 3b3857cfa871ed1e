"""Card numbers and US social security numbers never reach the database.

The backend redacts every free-text field before storage; database triggers
(migration 0004, ``redact_sensitive``) apply the same rules as the last line of defence.
Phone numbers, ZIP+4 codes, dates, times, prices and invoice numbers are left alone: a card
candidate must be 13-19 digits (single spaces or dashes between them allowed) and pass the
Luhn check; an SSN must look like ``123-45-6789`` (valid area/group/serial) or follow the
words "SSN" / "social security".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REDACTED = "[REDACTED]"

_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SSN_DASHED = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_SSN_LABELLED = re.compile(
    r"(?i)\b(ssn|social security(?: number| no\.?| #)?)(\s*[:#]?\s*)"
    r"(?!000|666|9\d\d)\d{3}[ -]?(?!00)\d{2}[ -]?(?!0000)\d{4}(?!\d)"
)


@dataclass(frozen=True)
class Redaction:
    """What was removed from a field: kinds and how many, never the numbers themselves."""

    card_numbers: int = 0
    ssns: int = 0

    @property
    def any(self) -> bool:
        return bool(self.card_numbers or self.ssns)

    def kinds(self) -> list[str]:
        return [k for k, n in (("card_number", self.card_numbers), ("ssn", self.ssns)) if n]


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def redact(text: str) -> tuple[str, Redaction]:
    """The text with card numbers and SSNs replaced by [REDACTED], and what was replaced."""
    cards = 0
    ssns = 0

    def card(match: re.Match[str]) -> str:
        nonlocal cards
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            cards += 1
            return REDACTED
        return match.group(0)

    def labelled(match: re.Match[str]) -> str:
        nonlocal ssns
        ssns += 1
        return f"{match.group(1)}{match.group(2)}{REDACTED}"

    def dashed(match: re.Match[str]) -> str:
        nonlocal ssns
        ssns += 1
        return REDACTED

    result = _CARD.sub(card, text)
    result = _SSN_LABELLED.sub(labelled, result)
    result = _SSN_DASHED.sub(dashed, result)
    return result, Redaction(card_numbers=cards, ssns=ssns)
