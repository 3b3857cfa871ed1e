"""Cleaning instructions, and the sentences no rule understood.

``instructions`` turns a do or don't into ``instructions.<object>`` with a short normalised
value ("Do NOT go on the roof" and "not on the roof" -> "don't go on the roof"; "no longer
doing the screens" -> "no longer clean the screens"). ``leftovers`` keeps the promise that
nothing is silently dropped: a sentence with an instruction, a person, a measurement or a hazard
that no rule turned into a fact becomes one low-confidence ``instructions.note``.
"""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, tidy

_I = re.IGNORECASE

_OBJECT = re.compile(
    r"\b(?:(?P<roof>roofs?)|(?P<flower_beds>flower\s*beds?|beds)|(?P<garden>gardens?)"
    r"|(?P<garage_windows>garage\s+windows?)|(?P<solar_panels>solar\s+panels?)"
    r"|(?P<screens>screens?)|(?P<gutters>gutters?)|(?P<skylights>sky\s?lights?)"
    r"|(?P<ammonia>ammonia|windex)|(?P<bleach>bleach)|(?P<vinegar>vinegar)"
    r"|(?P<pressure_washer>pressure\s*wash\w*|power\s*wash\w*)|(?P<ladder>ladders?)"
    r"|(?P<deck>decks?)|(?P<siding>siding)|(?P<shoes>shoes|booties)|(?P<inside>inside|interior)"
    r"|(?P<blinds>blinds|curtains)|(?P<plants>plants|shrubs|bushes)|(?P<lawn>lawn)"
    r"|(?P<grass>grass)|(?P<razor>razors?|blades?)|(?P<scraper>scrapers?)|(?P<tint>tint\w*|film)"
    r"|(?P<awning>awnings?)|(?P<lights>lights|lanterns))\b",
    _I,
)
_TAIL = r"[^.;!?\n,()]{0,50}"
_DONT = re.compile(
    rf"\b(?:(?:please|pls)\s+)?(?:don'?t|do\s+not|never|dont)\s+(?P<rest>(?:go|walk|step|use"
    rf"|climb|lean|put|set|stand|touch|spray|pressure|power|clean|do|open|move|prop|drag|park"
    rf"|block|let|wash|scrape|leave|bother|ring|knock)\b{_TAIL})",
    _I,
)
_NOT_ON = re.compile(
    r"\b(?:not|never|no\s+one|nobody)\s+(?:on|up\s+on|onto)?\s*(?:the\s+)?"
    r"(?P<obj>roofs?|deck|balcony|porch\s+roof|garage\s+roof)\b",
    _I,
)
_NO_LONGER = re.compile(
    r"\bno\s+longer\s+(?:do(?:ing)?|clean(?:ing)?|wants?|need(?:s)?|does|want)?\s*(?:us\s+to\s+"
    r"(?:do|clean)\s+)?(?:the\s+)?(?P<obj>screens?|gutters?|skylights?|inside|interiors?"
    r"|windows?|garage|sunroom|storm\s+windows?|awnings?|solar\s+panels?)\b",
    _I,
)
_NO_THING = re.compile(
    r"\b(?:no|never\s+use|don'?t\s+use|avoid)\s+(?P<obj>ammonia|windex|bleach|vinegar|soap"
    r"|chemicals|razors?|blades?|scrapers?|pressure\s+wash\w*|power\s+wash\w*)\b"
    rf"(?:\s+(?:on|near|around)\b{_TAIL})?"
    rf"|\bno\s+ladders?\s+(?:on|against|near|by)\b{_TAIL}",
    _I,
)
_DO = re.compile(
    rf"\b(?:skip|stay\s+off|keep\s+off|use\s+only|only\s+use|always\s+(?:close|lock|use|wipe|dry|check|call|text|knock|ring|park"
    rf"|wear|take|put|leave|remove|shut|bring)|take\s+(?:your\s+)?"
    rf"shoes\s+off|shoes\s+off|wear\s+(?:shoe\s+covers|booties)|inspect\s+(?:twice|every\w*|all)"
    rf"|check\s+for\s+streaks|(?:very\s+)?streak[\s-]sensitive|hand[\s-]dry|dry\s+the\s+sills"
    rf"|wipe\s+(?:the\s+)?(?:sills|frames|tracks))\b{_TAIL}",
    _I,
)


def _key(text: str) -> str:
    m = _OBJECT.search(text)
    if m is None:
        if re.search(r"inspect|streak", text, _I):
            return "instructions.inspection"
        return "instructions.general"
    return f"instructions.{m.lastgroup}"


def _said(text: str) -> str:
    value = tidy(text)
    value = re.sub(r"^(?:please\s+|pls\s+)", "", value)
    value = re.sub(r"^(?:do\s+not|never|dont)\b", "don't", value)
    return value[:120]


def instructions(note: Note) -> list[Hit]:
    """``instructions.<object>``: a do or don't, normalised; a negation is the instruction."""
    hits: list[Hit] = []
    for m in note.finditer(_NOT_ON):
        obj = tidy(m.group("obj"))
        hits.append(Hit(_key(obj), f"don't go on the {obj}", *m.span(), 0.75, rank=1))
    for m in note.finditer(_NO_LONGER):
        obj = tidy(m.group("obj"))
        hits.append(Hit(_key(obj), f"no longer clean the {obj}", *m.span(), 0.75, rank=1))
    for pattern in (_DONT, _NO_THING, _DO):
        for m in note.finditer(pattern):
            key, value = _key(m.group()), _said(m.group())
            if key == "instructions.general":
                key, value = _pronoun(note, m.start(), value)
            hits.append(Hit(key, value, *m.span(), 0.65))
    return hits


def _pronoun(note: Note, pos: int, value: str) -> tuple[str, str]:
    """ "Solar panels on the roof, don't walk on them": them = the thing named before."""
    start, _ = note.sentence(pos)
    things = list(_OBJECT.finditer(note.text, start, pos))
    pronoun = re.search(r"\b(?:them|it)$", value)
    if not things or pronoun is None:
        return "instructions.general", value
    thing = tidy(things[0].group())  # the sentence's subject, not "on the south roof"
    return f"instructions.{things[0].lastgroup}", f"{value[: pronoun.start()]}the {thing}"


# -- nothing silently dropped --------------------------------------------------------------

_CARRIES = re.compile(
    r"\b(?:don'?t|do\s+not|never|always|please|pls|make\s+sure|be\s+sure|remember|careful"
    r"|avoid|must|need\s+to|needs\s+to|have\s+to|skip|only\s+use|use\s+(?:the|a|only)"
    r"|son|daughter|husband|wife|mom|mother|dad|father|manager|owner|tenant|landlord|neighbou?r"
    r"|grand\w+|brother|sister|boss|assistant|mr|mrs|ms|dr"
    r"|hazard|danger\w*|caution|watch\s+(?:out|for)|slippery|steep|loose|broken|rotten|wasps?"
    r"|bees?|hornets?|snakes?|wires?|electric\w*|sharp|nails?|icy|mold|bites?|aggressive)\b"
    r"|\b[0-9]+(?:\.[0-9]+)?\s*(?:ft|feet|foot|'|inch(?:es)?|sq|stor(?:y|ies)|panes?"
    r"|windows?|screens?|gallons?|lbs?|pounds|steps|stairs|meters?|yards?)(?![\w'])",
    _I,
)
_MOST_NOTES = 3


def leftovers(note: Note, hits: list[Hit]) -> list[Hit]:
    """One ``instructions.note`` (then ``_2``, ``_3``) per sentence that carries a fact no
    rule found: the sentence itself, for the technician to decide on."""
    out: list[Hit] = []
    spans = sorted((h.start, h.end) for h in hits)
    for start, end in note.sentences():
        text = note.text[start:end]
        if not _CARRIES.search(text) or any(s < end and e > start for s, e in spans):
            continue
        if note.someone_else_near(start, end):
            continue  # the neighbour's dog, the old man next door
        lead = len(text) - len(text.lstrip())
        value = " ".join(text.split()).rstrip(".!? ")
        if len(value) > 120:
            value = value[:120].rsplit(" ", 1)[0]
        if not value:
            continue
        key = "instructions.note" if not out else f"instructions.note_{len(out) + 1}"
        out.append(Hit(key, value, start + lead, end, 0.3))
        if len(out) == _MOST_NOTES:
            break
    return out
