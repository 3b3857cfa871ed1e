"""Cleaning instructions: a do or don't, with its object.

``instructions`` turns a do or don't into ``instructions.<object>`` with a short normalised
value ("Do NOT go on the roof" and "not on the roof" -> "don't go on the roof"; "no longer
doing the screens" -> "no longer clean the screens"; "no walking on it" after "Roof is clay
tile" -> "don't walk on the roof"). Several instructions about one object are kept together
("streak sensitive, inspect twice").
"""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, tidy
from crm.core.extraction_rules.pets import DOG_WORDS

_I = re.IGNORECASE

_OBJECT = re.compile(
    r"\b(?:(?P<roof>roofs?)|(?P<flower_beds>flower\s*beds?|beds)|(?P<garden>gardens?)"
    r"|(?P<garage_windows>garage\s+windows?)|(?P<basement_windows>basement\s+windows?)"
    r"|(?P<solar_panels>solar\s+(?:panels?|array))|(?P<sills>sills?)"
    r"|(?P<screens>screens?)|(?P<gutters>gutters?)|(?P<skylights>sky\s?lights?)"
    r"|(?P<ammonia>ammonia|windex)|(?P<bleach>bleach)|(?P<vinegar>vinegar)"
    r"|(?P<pressure_washer>pressure\s*wash\w*|power\s*wash\w*)|(?P<ladder>ladders?)"
    r"|(?P<deck>decks?)|(?P<siding>siding)|(?P<shoes>shoes|boots|booties|shoe\s+covers)"
    r"|(?P<basement>basement)|(?P<sunroom>sun\s*room)|(?P<doors>(?:storm\s+|screen\s+)?doors?)"
    r"|(?P<inside>inside|interior)|(?P<stained_glass>stained\s+glass)|(?P<pool>pool|hot\s+tub)"
    r"|(?P<blinds>blinds|curtains)|(?P<plants>plants|shrubs|bushes)|(?P<lawn>lawn)"
    r"|(?P<grass>grass)|(?P<razor>razors?|blades?)|(?P<scraper>scrapers?)|(?P<tint>tint\w*|film)"
    r"|(?P<awning>awnings?)|(?P<lights>lights|lanterns))\b",
    _I,
)
_TAIL = r"[^.;!?\n,()]{0,50}"
_DONT = re.compile(
    rf"\b(?:(?:please|pls)\s+)?(?:don'?t|do\s+not|never|dont)\s+(?P<rest>(?:go|walk|step|use"
    rf"|climb|lean|put|set|stand|sit|touch|spray|pressure|power|clean|do|open|move|prop|drag"
    rf"|park|block|wash|scrape|leave|bother|ring|knock|enter|drip|run|rest|hose|hook|press|pull|blow"
    rf"|disconnect|seal|drive|lift|remove|take"
    rf"|let(?!\s+(?:him|her|them|it|the\s+(?:cats?|dogs?|kitty|pup))\s+(?:out|escape|get\s+out)))"
    rf"\b{_TAIL})",
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
# "Frank does not want the screens cleaned anymore".
_CHORES = (
    r"screens?|scrns?|gutters?|skylights?|inside|insides|interiors?|garage(?:\s+windows?)?|sunroom"
    r"|storm\s+windows?|awnings?|solar\s+panels?|tracks|sills|basement\s+windows?|mirrors"
)
# "no more screens", "no screens anymore", "stop doing the inside", "not doing gutters anymore".
_NO_MORE = re.compile(
    rf"\b(?:no\s+more|stop(?:ped)?\s+doing|not\s+doing|quit\s+doing)\s+(?:the\s+)?(?P<obj>{_CHORES})\b"
    rf"|\bno\s+(?P<obj2>{_CHORES})\s+(?:any\s*more|from\s+now\s+on)\b"
    rf"|\b(?:doesn'?t|does\s+not|don'?t|do\s+not)\s+want\s+(?:the\s+|us\s+to\s+do\s+(?:the\s+)?)?"
    rf"(?P<obj3>{_CHORES})\s+(?:done|cleaned|washed)\s+(?:any\s*more|from\s+now\s+on)\b",
    _I,
)
_NOT_WANTED = re.compile(
    r"\b(?:does\s+not|doesn'?t|do\s+not|don'?t)\s+want\s+(?:the\s+|us\s+to\s+(?:do|clean)\s+(?:the\s+)?)?"
    r"(?P<obj>screens?|gutters?|skylights?|inside|interiors?|garage|sunroom|storm\s+windows?"
    r"|awnings?|solar\s+panels?)\b(?:\s+(?:cleaned|done|washed))?",
    _I,
)
_NO_THING = re.compile(
    r"\b(?:no|never\s+use|don'?t\s+use|avoid)\s+(?P<obj>ammonia|windex|bleach|vinegar|soap"
    r"|chemicals|razors?|blades?|scrapers?|pressure\s+wash\w*|power\s+wash\w*"
    r"|(?:acid\w*|harsh|abrasive)(?:\s+(?:cleaners?|chemicals?|products?|pads?))?)\b"
    rf"(?:\s+(?:on|near|around)\b{_TAIL})?"
    rf"|\bno\s+ladders?\s+(?:on|against|near|by)\b{_TAIL}"
    rf"|\bno\s+(?:walking|climbing|stepping|standing|leaning)\s+(?:on|up\s+on|against)\b{_TAIL}",
    _I,
)
_DO = re.compile(
    rf"\b(?:(?:low|soft)[\s-]*(?:pressure|press|wash)\s+only|only\s+(?:low|soft)[\s-]*(?:pressure|wash)"
    rf"|keep\s+(?:the\s+)?(?:spray|water|overspray|hoses?|ladders?)\s+(?:off|away\s+from)"
    rf"|(?:shoe\s+covers|booties|shoes\s+off)\s+(?:inside|on|required|always)"
    rf"|hand[\s-](?:clean|wash|dry)(?:ed)?\s+only|[0-9]{{3,4}}\s*psi\s+max|max(?:imum)?\s+[0-9]{{3,4}}\s*psi"
    rf"|(?:blue\s+)?tape\s+(?:off\s+)?the|flag\s+(?:the|them)|cover\s+(?:the|it)\s+\w+"
    rf"|skip|stay\s+off|keep\s+off|use\s+only|only\s+use|always\s+(?:close|lock|use|wipe|dry"
    rf"|check|call|text|knock|ring|wear|take|put|leave|remove|shut|bring)"
    rf"|take\s+(?:your\s+|our\s+|their\s+)?(?:shoes|boots)\s+off|(?:shoes|boots)\s+off"
    rf"|wear\s+(?:shoe\s+covers|booties)|inspect\s+(?:twice|every\w*|all)"
    rf"|leave\s+(?:the\s+)?(?:\w+\s+)?(?:screens?|blinds|windows?|doors?|lights?|curtains)"
    rf"\s+(?:off|on|up|down|open|closed|in|out)"
    rf"|close\s+(?:the\s+)?(?:storm\s+|screen\s+|back\s+|front\s+|slider\s+)?doors?"
    rf"|keep\s+(?:the\s+)?(?:storm\s+|screen\s+|back\s+|front\s+|side\s+)?doors?\s+(?:shut|closed"
    rf"|locked)"
    rf"|be\s+(?:gentle|careful|extra\s+careful)\s+with\s+(?:the\s+)?(?:old\s+)?\w+(?:\s+\w+)?"
    rf"|go\s+over\s+(?:every|each|all)|double[\s-]check|check\s+from\s+(?:the\s+)?inside"
    rf"|(?:very\s+)?(?:particular|picky|fussy)\s+about|soft\s*wash\s+only|only\s+soft\s*wash"
    rf"|ladder\s+(?:feet|legs)|check\s+for\s+streaks|(?:very\s+)?streak[\s-]sensitive"
    rf"|hand[\s-]dry|dry\s+the\s+sills|wipe\s+(?:the\s+)?(?:sills|frames|tracks))\b{_TAIL}",
    _I,
)
# "skylights from inside only", "stained glass by hand only": the clause names the object.
_ONLY_WAY = re.compile(
    r"\b(?:from\s+(?:the\s+)?(?:inside|outside|ground)|by\s+hand|with\s+(?:a\s+)?(?:soft\s+)?"
    r"(?:brush|cloth|towel|squeegee))\s+only\b|\bonly\s+(?:from\s+(?:the\s+)?(?:inside|outside"
    r"|ground)|by\s+hand)\b",
    _I,
)
# An animal that must stay in or be put away: "don't let the cat out", "must be crated".
_PET_IN = re.compile(
    r"\b(?:don'?t|do\s+not|never|dont)\s+let\s+(?:him|her|them|it|the\s+(?P<animal>cats?|dogs?"
    r"|kitty|pup))\s+(?:out|escape|get\s+out)\b"
    rf"|\b(?:must|has\s+to|needs?\s+to|have\s+to)\s+be\s+(?:crated|kenneled|put\s+away"
    rf"|locked\s+up|kept\s+(?:inside|in))\b{_TAIL}"
    r"|\bkeep\s+(?:him|her|them|it|the\s+(?P<animal2>cats?|dogs?|kitty|pup))\s+(?:inside|indoors"
    r"|in\s+the\s+house|in)\b",
    _I,
)
_ANIMAL = re.compile(rf"\b(?:(?P<cat>cats?|kitty|kitten)|(?P<dog>{DOG_WORDS}))\b", _I)
_SAID = (
    (re.compile(r"^(?:please\s+|pls\s+)"), ""),
    (re.compile(r"^(?:do\s+not|never|dont)\b"), "don't"),
    (re.compile(r"^no\s+(walk|climb|step|stand|lean)ing\b"), r"don't \1"),
    (re.compile(r"\buse\s+(?:the|a)\s+(pressure|power)\s*washer\s+on\b"), r"\1 wash"),
    (re.compile(r"\s+-\s.*$"), ""),
    (re.compile(r"\s+(?:from\s+now\s+on|going\s+forward|any\s*more)$"), ""),
)
# "skip the screens this time": a one-off, not an instruction to keep.
_ONE_OFF = re.compile(r"\b(?:this\s+time|today|this\s+visit|just\s+this|for\s+now)\b", _I)


_INSPECTION = re.compile(r"inspect|streak|particular|picky|fussy|go\s+over|double", _I)


def _key(text: str) -> str:
    if _INSPECTION.search(text):
        return "instructions.inspection"
    m = _OBJECT.search(text)
    return "instructions.general" if m is None else f"instructions.{m.lastgroup}"


def _said(text: str) -> str:
    value = tidy(text)
    for pattern, replacement in _SAID:
        value = pattern.sub(replacement, value)
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
    for m in note.finditer(_NO_MORE):
        obj = tidy(m.group("obj") or m.group("obj2") or m.group("obj3"))
        hits.append(Hit(_key(obj), f"no longer clean the {obj}", *m.span(), 0.7, rank=1))
    for m in note.finditer(_NOT_WANTED):
        obj = tidy(m.group("obj"))
        hits.append(Hit(_key(obj), f"don't clean the {obj}", *m.span(), 0.75, rank=1))
    for pattern in (_DONT, _NO_THING, _DO):
        for m in note.finditer(pattern):
            key, value = _key(m.group()), _said(m.group())
            if value.startswith("skip") and _ONE_OFF.search(
                note.text, *note.sentence_window(m.start(), m.end())
            ):
                continue
            if key == "instructions.general" or _PRONOUN.search(value):
                key, value = _pronoun(note, m.start(), key, value)
            hits.append(Hit(key, value, *m.span(), 0.65))
    hits += _only_way(note) + _pets_in(note)
    return _together(hits)


def _only_way(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_ONLY_WAY):
        lo, _ = note.clause(m.start())
        lo = max(lo, m.start() - 40)
        thing = _OBJECT.search(note.text, lo, m.start())
        if thing is None:
            continue
        hits.append(
            Hit(
                f"instructions.{thing.lastgroup}",
                tidy(note.text[thing.start() : m.end()]),
                thing.start(),
                m.end(),
                0.65,
            )
        )
    return hits


def _pets_in(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_PET_IN):
        named = m.group("animal") or m.group("animal2")
        animal = _ANIMAL.search(named) if named else None
        if animal is None:
            before = list(_ANIMAL.finditer(note.text, note.sentence(m.start())[0], m.start()))
            animal = before[-1] if before else None
        if animal is None:
            continue
        kind = "cat" if animal.group("cat") else "dog"
        said = animal.group().lower()  # "keep them inside" -> "keep the cats inside"
        value = re.sub(r"\b(?:him|her|them|it)\b", f"the {said}", _said(m.group()), count=1)
        hits.append(Hit(f"instructions.{kind}", value, *m.span(), 0.65))
    return hits


_PRONOUN = re.compile(r"\b(?:them|it|there)$")
# The sentence's subject when no known object names it: "Septic lid by the side door".
_SUBJECT = re.compile(
    r"\s*(?:the\s+)?(?!(?:she|he|they|it|we|i|you|this|that|there)\b)"
    r"(?P<thing>[a-z]+(?:\s+[a-z]+)?)\s+(?:by|on|in|near|at|is|are)\b",
    _I,
)


def _pronoun(note: Note, pos: int, key: str, value: str) -> tuple[str, str]:
    """ "Solar panels on the roof, don't walk on them": them = the thing named before."""
    pronoun = _PRONOUN.search(value)
    if pronoun is None:
        return key, value
    start, _ = note.sentence(pos)
    subject = _SUBJECT.match(note.text, start, pos)
    things = list(_OBJECT.finditer(note.text, start, pos))
    if subject is not None:  # the sentence's subject, not "on the south roof"
        thing = tidy(subject.group("thing"))
        known = _OBJECT.search(thing)
        name = "instructions." + (
            known.lastgroup
            if known and known.lastgroup
            else re.sub(r"[^a-z]+", "_", thing).strip("_")
        )
    elif things:
        thing, name = tidy(things[0].group()), f"instructions.{things[0].lastgroup}"
    else:
        return key, value
    said = "on the" if pronoun.group() == "there" else "the"
    return (
        name if key == "instructions.general" else key
    ), f"{value[: pronoun.start()]}{said} {thing}"


def _together(hits: list[Hit]) -> list[Hit]:
    """One hit per object: overlapping statements keep the strongest, separate ones join."""
    by_key: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: (-h.rank, h.start - h.end)):
        kept = by_key.setdefault(hit.key, [])
        if not any(h.start < hit.end and hit.start < h.end for h in kept):
            kept.append(hit)
    out = []
    for key, kept in by_key.items():
        kept.sort(key=lambda h: h.start)
        value = ", ".join(dict.fromkeys(h.value for h in kept))[:120]
        rank = max(h.rank for h in kept)
        out.append(Hit(key, value, kept[0].start, kept[-1].end, kept[0].confidence, rank))
    return out
