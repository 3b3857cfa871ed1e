"""When a proposed fact matches a labelled one (docs/llm-and-extraction.md, "Scoring").

Facts match by key family and value: the family is the full key for a typed key and the part
before the first dot for an open-family key; values are compared normalised, free text loosely
(one's words contain the other's, or overlap >= 0.6), with light paraphrase unless strict.
"""

from __future__ import annotations

import re
from typing import Any

from crm.core.extraction_rules.base import MONTHS, NUMBER_WORDS
from crm.core.vocabulary import VOCABULARY, family, normalise_value

OVERLAP = 0.6

_ARTICLES = frozenset({"a", "an", "the"})


def fact_family(key: str) -> str:
    """What a fact is matched on: the full key when typed, else the part before the dot."""
    return key if key in VOCABULARY else family(key)


# Light paraphrase (the default; ``--strict`` turns it off): the same words whatever their
# number or spelling -- "saturdays" is "saturday", "two" is "2", "every other week" is "every 2
# weeks", "weekends" is "saturday sunday", "do not" is "dont".
_SAME_SAYING = tuple(
    (re.compile(pattern), said)
    for pattern, said in (
        (r"\bdo not\b", "dont"),
        (r"\bevery other\b", "every 2"),
        (r"\b(?:fortnightly|bi-?weekly)\b", "every 2 weeks"),
        (r"\bbi-?monthly\b", "every 2 months"),
        (
            r"\b(?:semi-?annual(?:ly)?|bi-?annual(?:ly)?|2 ?x ?(?:a |per |/ ?)?(?:year|yr))\b",
            "twice a year",
        ),
        (r"\b(?:annually|yearly|every year|annual)\b", "once a year"),
        (r"\b(?:once a month|every month)\b", "monthly"),
        (r"\b(?:once a week|every week)\b", "weekly"),
        (r"\bweekends?\b", "saturday sunday"),
        (r"\bweekdays?\b", "monday tuesday wednesday thursday friday"),
        (r"\b(?:thru|through|until|till)\b", "to"),
        # "between 10am and 2pm" is "10am to 2pm" is "10am-2pm"
        (r"\bbetween\s+([0-9][0-9:]*\s*(?:am|pm)?)\s+and\s+(?=[0-9])", r"\1 to "),
        (r"\b([0-9][0-9:]*\s*(?:am|pm)?)\s*-\s*(?=[0-9])", r"\1 to "),
        *((rf"\b{month[:3]}\b", month) for month in MONTHS if month != "may"),
        (r"\bsept\b", "september"),
    )
)
_NUMBERS = {w: str(i) for i, w in enumerate(NUMBER_WORDS[:13])}


def words(text: str, *, loose: bool = False) -> frozenset[str]:
    """Casefolded words without punctuation or articles ("Don't" -> "dont"); with ``loose``,
    also in one number and spelling (light paraphrase)."""
    folded = re.sub(r"['\u2019]", "", text.casefold())
    if not loose:
        return frozenset(w for w in re.findall(r"[^\W_]+", folded) if w not in _ARTICLES)
    for pattern, said in _SAME_SAYING:
        folded = pattern.sub(said, folded)
    folded = re.sub(r"([0-9])(am|pm)\b", r"\1 \2", folded)
    out = set()
    for w in re.findall(r"[^\W_]+", folded):
        if w in _ARTICLES:
            continue
        w = _NUMBERS.get(w, w)
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return frozenset(out)


def similar_text(a: str, b: str, *, loose: bool = False) -> bool:
    """One's words contain the other's, or their overlap (Jaccard) is at least 0.6."""
    wa, wb = words(a, loose=loose), words(b, loose=loose)
    if not wa or not wb:
        return False
    return wa <= wb or wb <= wa or len(wa & wb) / len(wa | wb) >= OVERLAP


def _open_text(key: str, value: Any) -> str | None:
    """An open-family value as words: a yes/no fact is the thing its key names."""
    thing = key.split(".", 1)[-1].replace("_", " ").replace(".", " ")
    if isinstance(value, bool):
        return thing if value else f"no {thing}"
    return value if isinstance(value, str) else None


def same_fact(expected: tuple[str, Any], got: tuple[str, Any], *, loose: bool = False) -> bool:
    """Whether a proposal states the expected fact (same family, value alike)."""
    (ekey, evalue), (gkey, gvalue) = expected, got
    if fact_family(ekey) != fact_family(gkey):
        return False
    evalue, gvalue = normalise_value(ekey, evalue), normalise_value(gkey, gvalue)
    term = VOCABULARY.get(ekey)
    if term is not None:
        if term.kind == "text":
            return similar_text(evalue, gvalue, loose=loose)
        if term.kind == "name":
            return bool(words(evalue)) and words(evalue) == words(gvalue)
        return bool(evalue == gvalue)
    if isinstance(evalue, dict) or isinstance(gvalue, dict):
        return bool(evalue == gvalue)
    if isinstance(evalue, bool) and isinstance(gvalue, bool) and evalue != gvalue:
        return False
    etext, gtext = _open_text(ekey, evalue), _open_text(gkey, gvalue)
    return etext is not None and gtext is not None and similar_text(etext, gtext, loose=loose)
