"""The property: window, screen, skylight and story counts, glass and sills, equipment.

Features and square feet live in ``property_features.py`` and are re-exported here."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import NUMBER, Hit, Note, flag_rule, parse_number
from crm.core.extraction_rules.property_features import features, square_feet

_I = re.IGNORECASE

# -- property ------------------------------------------------------------------------------

_COUNT_NOUNS = {
    "property.window_count": r"windows?|windws|windw|windos|wndws|wndw|wdws?|wnds|windoes|wins?",
    "property.screen_count": r"screens?|scrns?|scrn|scrs?",
    "property.skylight_count": r"sky\s?lights?|skylites?|skylts?|velux(?:\s+windows?)?",
    "property.stories": r"stor(?:y|ies|ey|eys)|sty|stry|levels?|floors?",
    # "approx 40 panes": the window count when no windows are counted (see _PANES).
    "property.window_count#panes": r"(?:exterior\s+|glass\s+)?panes",
}
_NOUN = "|".join(f"(?P<n{i}>{alt})" for i, alt in enumerate(_COUNT_NOUNS.values()))
_COUNT_KEYS = list(_COUNT_NOUNS)
_QUALIFIER = (
    r"(?P<pre>\b(?:about|approx(?:imately|\.)?|around|roughly|maybe|almost|nearly|est\.?"
    r"|estimated|like|(?P<over>over|more\s+than|at\s+least|upwards\s+of))\s*|~\s*)?"
)
_COUNT_BEFORE = re.compile(
    rf"{_QUALIFIER}(?P<num>{NUMBER})(?P<plus>\s*\+|\s+plus\b|\s+or\s+more\b)?(?:-?ish\b)?"
    rf"[\s-]{{0,3}}(?:(?:big|small|large|tall|double|single|picture|sliding|french|storm"
    rf"|old|new|wood|vinyl|total)[\s-]+)?(?:{_NOUN})\b",
    _I,
)
_COUNT_AFTER = re.compile(
    rf"\b(?:{_NOUN})\s*(?:x|:|=|count\s*:?)\s*(?:(?:about|approx\.?|around|maybe|roughly)\s+|~\s*)?"
    rf"(?P<num>[0-9]{{1,4}})(?P<plus>\+)?(?![0-9])"
    rf"|(?:^|(?<=[-*.;,]\s)|(?<=[-*]))\s*(?:{_NOUN.replace('(?P<n', '(?P<m')})\s+"
    rf"(?P<num2>[0-9]{{1,4}})(?P<plus2>\+)?(?![0-9]|\s*(?:ft|feet|'|%|min|hrs?|am|pm|x\b)"
    rf"|\s*(?:-|to|thru|through)\s*[0-9])",
    _I | re.MULTILINE,
)
# "20-25 windows": at least the lower bound.
_COUNT_RANGE = re.compile(
    rf"(?<![\w$#.,/:+-])(?!0[0-9]{{3}})(?P<num>[0-9]{{1,4}})\s*(?:-|to)\s*[0-9]{{1,4}}(?![0-9])\s*(?:{_NOUN})\b",
    _I,
)
# "screens are the old wood kind, 12 of them", "his screens too, 26 of them".
_OF_THEM = re.compile(
    rf"\b(?:{_NOUN.replace('(?P<n', '(?P<p')})\b[^.;!?\n0-9]{{0,40}}?,\s*(?:all\s+)?"
    rf"(?P<num>[0-9]{{1,3}})\s+of\s+(?:them|em|\'em)\b",
    _I,
)
_NO_COUNT = re.compile(
    r"\bno\s+(?:(?P<n1>screens?|scrns)|(?P<n2>sky\s?lights?))\b(?!\s+(?:any\s?more|now)\b)", _I
)
# "10 windows on the second floor" counts part of the house, not all of it.
_PART_OF_HOUSE = re.compile(
    r"\s+(?:on|in)\s+(?:the\s+)?(?:(?:first|1st|second|2nd|third|3rd|ground|upper|lower|top"
    r"|main)\s+(?:floor|level|story)|(?:back|front|rear|side|north|south|east|west)\b)"
    r"|\s+(?:upstairs|downstairs)\b",
    _I,
)
_ROOF_SIDE = re.compile(r"\s+(?:on|in)\s+(?:the\s+)?\w+\s+(?:slope|roof|pitch)\b", _I)
# "3 screens rescreened", "4 windows had broken seals": the ones worked on, not the house's.
_SOME_OF_THEM = re.compile(
    r"[^.;!?\n,]{0,25}?\b(?:re-?screen\w*|repair\w*|replac\w*|fixed|broken|torn|ripped|bent"
    r"|cracked|fogg?(?:ed|y)|damaged|missing|seals?|chipped|scratched)\b",
    _I,
)
# "the 3rd floor windows can't be reached": the top floor named, so that many stories.
_NTH_FLOOR = re.compile(
    r"\b(?P<nth>3rd|third|4th|fourth)[\s-]+(?:floor|story|storey)\s+(?:windows?|wndws)\b",
    _I,
)
_NTH = {"3rd": 3, "third": 3, "4th": 4, "fourth": 4}
# "Screens stored in garage ... 14 total.": the count said last.
_TOTAL_AFTER = re.compile(
    r"\b(?P<noun>screens|windows|skylights)\b[^0-9\n]{0,80}?[.;,]\s*(?P<num>[0-9]{1,3})\s+total\b",
    _I,
)
_SINGLE_STORY = re.compile(
    r"\bsingle[\s-]*(?:stor(?:y|ey)|level)\b|\ball\s+(?:on\s+)?(?:the\s+)?ground\s+"
    r"(?:floor|level)\b",
    _I,
)


# "did 14 windows", "extra 2 wndws on the shed", "replaced 2 screen splines": this job's work.
_JOB_BEFORE = re.compile(
    r"\b(?:did|done|cleaned|washed|finished|extra|added|replaced|repaired|fixed|rescreened"
    r"|broke|broken|cracked|redid|redo|skipped|missed)\s+(?:the\s+|another\s+)?$",
    _I,
)
_PART_AFTER = re.compile(r"\s*(?:splines?|frames?|repairs?|doors?|clips?|tracks?)\b", _I)


def _count_key(m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    for i, key in enumerate(_COUNT_KEYS):
        if groups.get(f"n{i}") or groups.get(f"m{i}") or groups.get(f"p{i}"):
            return key
    return None


# "the upper two floors", "two stories tall": some floors, or a window's height.
_SOME_FLOORS = re.compile(r"\b(?:upper|lower|top|bottom|first|last|other)\s+$", _I)
_TALL = re.compile(r"\s+(?:tall|high)\b", _I)


def counts(note: Note) -> list[Hit]:
    hits = []
    for pattern in (_COUNT_BEFORE, _COUNT_AFTER, _OF_THEM):
        for m in note.finditer(pattern):
            key = _count_key(m)
            number = parse_number(m.groupdict().get("num2") or m.group("num") or "")
            if key is None or number is None or note.negated(m.start(), 15):
                continue
            if key == "property.stories" and (
                _SOME_FLOORS.search(note.text, max(0, m.start() - 10), m.start())
                or _TALL.match(note.text, m.end())
            ):
                continue
            if _JOB_BEFORE.search(note.clause_before(m.start(), 25)) or _PART_AFTER.match(
                note.text, m.end()
            ):
                continue
            roof = key == "property.skylight_count" and _ROOF_SIDE.match(note.text, m.end())
            if key != "property.stories" and (
                (_PART_OF_HOUSE.match(note.text, m.end()) and not roof)
                or _SOME_OF_THEM.match(note.text, m.end(), note.clause(m.start())[1])
            ):
                continue
            groups = m.groupdict()
            plus = bool(groups.get("plus") or groups.get("plus2") or groups.get("over"))
            value = {"count": number, "plus": plus}
            rank = -1 if key.endswith("#panes") else 0  # "30 windows but like 400 panes"
            hits.append(Hit(key.split("#")[0], value, m.start(), m.end(), 0.9, rank=rank))
    for m in note.finditer(_COUNT_RANGE):
        key = _count_key(m)
        if key is not None and not note.negated(m.start(), 15):
            value = {"count": int(m.group("num")), "plus": True}
            hits.append(Hit(key.split("#")[0], value, m.start(), m.end(), 0.8))
    for m in note.finditer(_NO_COUNT):
        key = "property.screen_count" if m.group("n1") else "property.skylight_count"
        hits.append(Hit(key, {"count": 0, "plus": False}, m.start(), m.end(), 0.75))
    for m in note.finditer(_NTH_FLOOR):
        value = {"count": _NTH[m.group("nth").lower()], "plus": False}
        hits.append(Hit("property.stories", value, *m.span(), 0.6, rank=-2))
    for m in note.finditer(_TOTAL_AFTER):
        key = f"property.{m.group('noun').lower().rstrip('s')}_count"
        value = {"count": int(m.group("num")), "plus": False}
        hits.append(Hit(key, value, *m.span(), 0.7, rank=-1))
    for m in note.finditer(_SINGLE_STORY):
        hits.append(Hit("property.stories", {"count": 1, "plus": False}, *m.span(), 0.75))
    return hits


hard_water = flag_rule(
    "property.hard_water",
    re.compile(
        r"(?<!refused:\s)(?<!declined:\s)(?<!declined\s)"
        r"\bhard[\s-]*water(?!\s+(?:remover|cleaner|spray|product))(?:\s+(?:spots?|stains?|marks?"
        r"|deposits?|damage))?\b"
        r"|\b(?:mineral|calcium|lime(?:scale)?)\s+(?:deposits?|build[\s-]?up|spots|stains)\b",
        _I,
    ),
    0.9,
)

_SILL_CARE = re.compile(
    r"\b(?:marble|granite|stone|limestone|wood(?:en)?|painted|rotting|rotten|rotted|soft"
    r"|delicate|fragile|antique|old|special)\s+(?:window\s+)?sills?\b"
    r"|\bsills?\s+(?:are|is)\s+(?:\w+\s+)?(?:rotting|rotten|rotted|soft|fragile|delicate"
    r"|painted|marble|granite|stone|wood(?:en)?|antique|old)\b"
    r"|\bsills?\s+(?:need|needs|require|requires)\s+(?:special\s+)?care\b"
    r"|\bcareful\s+(?:w/|with|of|on)\s*(?:the\s+)?sills?\b",
    _I,
)
special_sills = flag_rule("property.special_sills", _SILL_CARE, 0.8)


# -- equipment -----------------------------------------------------------------------------

_ARTICLE = r"(?:the\s+|a\s+|an\s+|our\s+|my\s+)?"
_LADDER = re.compile(
    rf"\bext(?:ension|\.)?\s*ladders?\b|\b[0-9]{{2}}\s*(?:ft|foot|feet|')\s*(?:ext\S*\s+)?"
    rf"ladders?\b|\bladders?\s*[:-]?\s*[0-9]{{2}}\s*(?:ft|foot|feet|')"
    rf"|\b(?:bring|need|use|take|grab)\s+(?:the\s+)?[0-9]{{2}}\s*(?:ft|foot|')(?=\s*(?:[.,;!]|$))"
    rf"|\b(?:bring|need|needs|needed|use|requires?|take|grab)\s+{_ARTICLE}ladders?\b"
    r"(?!\s+(?:levell?ers?|stabili[sz]ers?|mitts|hooks?|mats?)\b)"
    rf"|\bladders?\s+(?:not\s+)?(?:needed|required|necessary)\b",
    _I,
)


# "need the tall ladder", "Tall ladder.": its own key; "I used the big ladder": today's work.
_TALL_LADDER = re.compile(r"\b(?:tall|big|long|large|tallest|biggest)\s+ladders?\b", _I)
_USED = re.compile(r"\b(?:used|took|brought|had)\b", _I)


_ONLY_AFTER = re.compile(r"(?:\s+[\w']+){0,4}?\s+only\b", _I)


def ladder(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_TALL_LADDER):
        if not note.negated(m.start(), 30) and not _USED.search(note.clause_before(m.start(), 25)):
            hits.append(Hit("equipment.tall_ladder", True, *m.span(), 0.75))
    for m in note.finditer(_LADDER):
        if _ONLY_AFTER.match(note.text, m.end(), note.clause(m.start())[1]):
            continue  # "use ladder only", "use the ladder on the ground only": how, not what
        negation = note.negation_start(m.start(), 30)
        negated = negation is not None or re.search(r"\bnot\b", m.group(), _I) is not None
        start = m.start() if negation is None else negation
        hits.append(Hit("equipment.extension_ladder", not negated, start, m.end(), 0.85))
    return hits


# Other things to bring (open family): "bring the restoration kit", "ladder leveler needed".
_KIT = (
    r"(?P<thing>(?:restoration|scratch\s+removal|hard\s+water)\s+kit|ladder\s+levell?ers?"
    r"|ladder\s+stabili[sz]ers?|stand-?offs?|boom\s+lift|scissor\s+lift|lift|harness|scaffold\w*"
    r"|step\s+stool|a-frame|(?:tall|long|extension)\s+pole|ladder\s+mitts|(?P<lev>levell?ers?)"
    r"|(?:roof|ridge|ladder)\s+hooks?|ladder\s+mats?)"
)
_EQUIPMENT = re.compile(
    rf"\b(?:bring|need|needs|needed|take|grab|pack|requires?|use)\s+(?:the\s+|a\s+|an\s+|our\s+)?"
    rf"{_KIT}\b|\b{_KIT.replace('thing', 'thing2').replace('<lev>', '<lev2>')}\s+(?:needed|required"
    rf"|is\s+a\s+must)\b|\bladders?\s+(?:needs|requires|has\s+to\s+have)\s+(?:the\s+|a\s+)?"
    rf"{_KIT.replace('thing', 'thing3').replace('<lev>', '<lev3>')}\b",
    _I,
)


# "it may need the restoration kit": a guess, not a need.
_MAYBE = re.compile(r"\b(?:may|might|could|maybe|possibly|probably)\b", _I)


# "bring the hard water remover + razor every visit", "BRING MATS", "Tall ladder.": anything
# the crew is told to bring (a ladder or the pole has its own typed key).
_BRING = re.compile(
    r"\b(?:always\s+)?bring\s+(?:the\s+|a\s+|an\s+|our\s+(?:own\s+)?|extra\s+|your\s+)?"
    r"(?:[0-9]{1,2}\s*(?:in|inch|\")[\s-]*)?"
    r"(?P<thing>(?!(?:it|them|him|her|back|in|out|up|down|ladders?|the|a|pole|wfp)\b)[a-z]+"
    r"(?:[ -](?!(?:and|for|to|every|each|on|in|at|with|because|so|when|if|since)\b)[a-z]+){0,2})"
    r"|(?:^|[.;]\s+)(?P<tall>tall|long|big|40\s*ft|32\s*ft)\s+ladder\s*(?:[.!]|$)",
    _I | re.MULTILINE,
)
_HAS_A_KEY = re.compile(r"\b(?:ladders?|pole|wfp)\b", _I)
_ONE_OFF = re.compile(r"\b(?:next\s+time|this\s+time|tomorrow|ours\s+are)\b", _I)
# "bring our own water", "BRING OUR OWN": an instruction about their spigot, not gear.
_NOT_GEAR = re.compile(
    r"^(?:the|back|them|it|in|out|up|your|her|his|their|trash|bins?|cans?|own|water|drinking)\b",
    _I,
)
# "bring Tuan if possible": a person (a capitalised name in a note not written in capitals).
_PERSON = re.compile(r"[A-Z][a-z]+\b")
_IF_POSSIBLE = re.compile(r"\s+if\s+(?:possible|you\s+can|available|needed)\b", _I)


def other_equipment(note: Note) -> list[Hit]:
    """``equipment.<thing>`` = true for other gear the job needs."""
    hits = []
    for m in note.finditer(_BRING):
        if m.group("tall"):
            hits.append(Hit("equipment.tall_ladder", True, *m.span(), 0.65))
            continue
        thing = m.group("thing").lower()
        if _NOT_GEAR.match(thing) or note.negated(m.start(), 20) or _HAS_A_KEY.search(thing):
            continue
        if _ONE_OFF.search(note.text, *note.sentence_window(m.start(), m.end())):
            continue  # "bring new squeegee rubbers next time": for us, not the property
        if _MAYBE.search(note.clause_before(m.start(), 30)) or _IF_POSSIBLE.match(
            note.text, m.end()
        ):
            continue
        if _PERSON.fullmatch(m.group("thing").split()[0]) and not note.text.isupper():
            continue
        key = re.sub(r"[^a-z]+", "_", thing).strip("_")[:40]
        hits.append(Hit(f"equipment.{key}", True, *m.span(), 0.6))
    for m in note.finditer(_EQUIPMENT):
        if note.negated(m.start(), 20) or _MAYBE.search(note.clause_before(m.start(), 30)):
            continue
        name = (m.group("thing") or m.group("thing2") or m.group("thing3")).lower()
        thing = re.sub(r"[^a-z]+", "_", name).strip("_")
        if m.group("lev") or m.group("lev2") or m.group("lev3"):
            thing = f"ladder_{thing}"
        hits.append(Hit(f"equipment.{thing}", True, *m.span(), 0.7))
    return hits


_POLE = re.compile(
    r"\bwfp\b|\bwater[\s-]*fed(?:\s+pole)?\b|\bpure[\s-]*water\s+pole\b"
    r"|\b(?:use|bring|need|needs|grab|with)\s+the\s+pole\b",
    _I,
)
_TOLD_TO_USE = re.compile(r"(?:use|grab|bring)\b", _I)


def _another_deed(between: str) -> bool:
    """ "dont walk it, use the pole": the negation is of something else, said before the pole
    ("no need to bring the pole", "never use the pole" are about the pole)."""
    words = between.split()[1:]
    return bool(words) and words[-1].lower() != "to"


# "too cold for the water fed pole, rescheduled": about one visit, not every visit.
_ONE_VISIT = re.compile(
    r"\b(?:rescheduled|too\s+(?:cold|windy|icy)|next\s+time|this\s+time|ran\s+out)\b", _I
)
# "NO water fed pole on the stained glass": a rule for one part, not the property's gear.
_ON_PART = re.compile(r"\s+(?:on|near|for)\s+(?:the\s+)?\w", _I)


def water_fed_pole(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_POLE):
        if _ONE_VISIT.search(note.text, *note.sentence_window(m.start(), m.end())):
            continue
        negation = note.negation_start(m.start(), 40)
        if negation is not None and _ON_PART.match(note.text, m.end()):
            continue
        if (
            negation is not None
            and _TOLD_TO_USE.match(m.group())
            and _another_deed(note.text[negation : m.start()])
        ):
            negation = None  # "dont walk it use the pole": what not to do, then the pole
        start = m.start() if negation is None else negation
        hits.append(Hit("equipment.water_fed_pole", negation is None, start, m.end(), 0.9))
    return hits


__all__ = [
    "counts",
    "features",
    "hard_water",
    "ladder",
    "other_equipment",
    "special_sills",
    "square_feet",
    "water_fed_pole",
]
