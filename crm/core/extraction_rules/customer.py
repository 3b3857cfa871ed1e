"""The customer as a whole: the language they speak and the kind of customer they are."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, tidy

_I = re.IGNORECASE


# -- language ------------------------------------------------------------------------------

_LANGUAGES = (
    r"spanish|vietnamese|chinese|mandarin|cantonese|korean|russian|portuguese|french|arabic"
    r"|polish|tagalog|hindi|japanese|german|italian|asl|sign\s+language|creole|haitian\s+creole"
    r"|ukrainian|farsi|persian|somali|hmong|greek|turkish|punjabi|urdu|gujarati|bengali"
)
_LANGUAGE = re.compile(rf"\b(?P<lang>{_LANGUAGES})\b", _I)
_LANGUAGE_CUE = re.compile(
    r"\b(?:speak\w*|english|translat\w*|interpret\w*|language|habla|fluent|native|deaf|uses"
    r"|signs)\b",
    _I,
)


# "Sp only", "Spanish only", "habla español": shorthand that needs no other cue.
_LANGUAGE_ONLY = re.compile(r"\b(?:sp|span)\.?\s+only\b|\bhabla\s+espa\w+", _I)


def language(note: Note) -> list[Hit]:
    """``language.spoken``: a language named next to a cue about speaking it."""
    hits = [
        Hit("language.spoken", "Spanish", *m.span(), 0.7) for m in note.finditer(_LANGUAGE_ONLY)
    ]
    for m in note.finditer(_LANGUAGE):
        if m.group("lang").lower() == "english":
            continue
        lo, hi = note.sentence_window(m.start(), m.end())
        if _LANGUAGE_CUE.search(note.text, lo, hi) is None or note.negated(m.start(), 12):
            continue
        value = " ".join(w.capitalize() for w in m.group("lang").split())
        hits.append(Hit("language.spoken", value.replace("Asl", "ASL"), m.start(), m.end(), 0.8))
    return hits


# -- customer type -------------------------------------------------------------------------

_CUSTOMER_TYPE = re.compile(
    r"(?P<hoa>(?-i:\b(?:[A-Z][a-z]+\s+){1,3}HOA\b|^\s*HOA\s*[-:,]|\bHOA\s+(?:pays|account|acct)))"
    r"|\b(?P<comml>comm'?l)\b"
    r"|\b(?:commercial|storefront|store\s*front|restaurant|cafe|church|office\s+building"
    r"|(?:dental|doctor'?s|law|medical)\s+office|clinic|salon|gym|bank|school|daycare"
    r"|(?:air\s*bnb|vrbo|short[\s-]term|vacation)(?:\s+rental)?|rental\s+property"
    r"|apartment\s+complex|condo\s+(?:complex|building|association)|retail|warehouse"
    r"|car\s+dealership|dealership|hotel|motel|office\s+(?:bldg|building|park|complex|suite)"
    r"|(?:apartment|apt)\s+(?:complex|building|bldg)|coffee\s+shop|law\s+firm|car\s+wash|bakery"
    r"|brewery|pharmacy|(?:grocery|convenience|retail|hardware)\s+store|strip\s+mall|boutique"
    r"|nursing\s+home|assisted\s+living\s+(?:facility|center)|(?:vet|veterinary)\s+clinic"
    r"|(?:real\s+estate|insurance|accounting)\s+office|funeral\s+home|library|museum)\b",
    _I,
)


def _kind(text: str) -> str:
    kind = tidy(text).replace("air bnb", "airbnb")
    return re.sub(r"\b(?:bldg)\b", "building", re.sub(r"^apt\b", "apartment", kind))


# "Jim from the hardware store", "Bob at the bank": a place someone else came from.
_PASSING = re.compile(r"(?:\bfrom|(?-i:\b[A-Z][a-z]+)\s+at)\s+(?:the\s+|a\s+|his\s+|her\s+)?$", _I)


def customer_type(note: Note) -> list[Hit]:
    """``customer.type``: every kind-of-customer word in the note, in order ("gym, commercial")."""
    found = [
        m
        for m in note.finditer(_CUSTOMER_TYPE)
        if not note.negated(m.start(), 15) and not _PASSING.search(note.clause_before(m.start()))
    ]
    if not found:
        return []
    kinds = list(
        dict.fromkeys(
            "hoa" if m.group("hoa") else "commercial" if m.group("comml") else _kind(m.group())
            for m in found
        )
    )
    return [Hit("customer.type", ", ".join(kinds), found[0].start(), found[0].end(), 0.7)]
