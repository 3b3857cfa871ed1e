"""Card numbers and US social security numbers never reach the database.

The backend redacts every free-text field before storage; database triggers
(``redact_sensitive``, migration 0004, updated by 0006) apply the same rules as the last line
of defence. A card candidate is 13-19 digits that pass the Luhn check, written either

* as one number with at most single spaces or dashes between digits (``4111 1111 1111 1111``,
  ``4012888888881881``), or
* in the groups printed on cards (4-4-4-4, 4-4-4-4-1..3, 4-4-4-1..3, 4-6-5, 4-6-4) separated by
  dots, slashes, dashes, runs of spaces or tabs, or one line break (``4111.1111.1111.1111``,
  ``4111/1111/1111/1111``, ``4111  1111  1111  1111``, one group per line).

An SSN is ``123-45-6789``, ``123.45.6789`` or ``123 45 6789`` (valid area/group/serial), or
9 digits after the words "SSN" / "social security". Phone numbers (3-3-4), ZIP+4 (5-4), dates
(2-2-4, 4-2-2), times, prices and invoice numbers match none of these shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REDACTED = "[REDACTED]"

_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# Digit groups joined by a separator: a dot, slash or dash (spaces around it allowed), a run
# of spaces or tabs, or one line break. Which groups form a card is decided by _CARD_LAYOUTS.
_GROUP_SEPARATOR = r"(?:[ \t]*(?:\r\n?|\n)[ \t]*|[ \t]*[./-][ \t]*|[ \t]+)"
_DIGIT_GROUPS = re.compile(rf"(?<!\d)\d+(?:{_GROUP_SEPARATOR}\d+)+")
_DIGITS = re.compile(r"\d+")
# How cards are printed, longest first: 4-4-4-4(-1..3), Amex 4-6-5, Diners 4-6-4, 4-4-4-1..3.
_CARD_LAYOUTS = (
    (4, 4, 4, 4, 3),
    (4, 4, 4, 4, 2),
    (4, 4, 4, 4, 1),
    (4, 4, 4, 4),
    (4, 6, 5),
    (4, 4, 4, 3),
    (4, 6, 4),
    (4, 4, 4, 2),
    (4, 4, 4, 1),
)
_SSN_DASHED = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
# 123.45.6789 and 123 45 6789 (one kind of separator), not part of a longer number sequence.
_SSN_DOTTED_OR_SPACED = re.compile(
    r"(?<!\d)(?<!\d[-./ ])(?!000|666|9\d\d)\d{3}"
    r"(?:\.(?!00)\d{2}\.| (?!00)\d{2} )(?!0000)\d{4}(?!\d)(?![-./ ]\d)"
)
_SSN_LABELLED = re.compile(
    r"(?i)\b(ssn|social security(?: number| no\.?| #)?)(\s*[:#]?\s*)"
    r"(?!000|666|9\d\d)\d{3}[ .-]?(?!00)\d{2}[ .-]?(?!0000)\d{4}(?!\d)"
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

    def grouped(match: re.Match[str]) -> str:
        nonlocal cards
        cleaned, found = _redact_card_groups(match.group(0))
        cards += found
        return cleaned

    result = _CARD.sub(card, text)
    result = _DIGIT_GROUPS.sub(grouped, result)
    result = _SSN_LABELLED.sub(labelled, result)
    result = _SSN_DASHED.sub(dashed, result)
    result = _SSN_DOTTED_OR_SPACED.sub(dashed, result)
    return result, Redaction(card_numbers=cards, ssns=ssns)


def _redact_card_groups(run: str) -> tuple[str, int]:
    """Replace each window of consecutive digit groups laid out like a card and Luhn-valid.

    Scans left to right, trying the longest layout first at each group; the database's
    ``redact_card_groups`` (migration 0006) does exactly the same.
    """
    groups = list(_DIGITS.finditer(run))
    sizes = tuple(len(g.group(0)) for g in groups)
    out: list[str] = []
    found = 0
    position = 0  # how much of `run` is already in `out`
    index = 0
    while index < len(groups):
        for layout in _CARD_LAYOUTS:
            window = groups[index : index + len(layout)]
            if sizes[index : index + len(layout)] != layout:
                continue
            if not luhn_valid("".join(g.group(0) for g in window)):
                continue
            out.append(run[position : window[0].start()])
            out.append(REDACTED)
            position = window[-1].end()
            found += 1
            index += len(layout)
            break
        else:
            index += 1
    out.append(run[position:])
    return "".join(out), found
