"""The property's features (open family ``property.features``) and its size in square feet."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, tidy

_I = re.IGNORECASE

# -- features and size (open family) -------------------------------------------------------

_FEATURE = re.compile(
    r"\b(?:solar\s*x\s*(?P<solar>[0-9]{1,3})\b|solar\s+(?P<solar2>[0-9]{1,3})\s+panels"
    r"|solar\s+panels?|storm\s+windows?|french\s+(?:panes?|doors?|windows?)|ADU"
    r"|divided\s+lites?(?:\s+windows?)?|mullions?|grids?|leaded\s+glass|stained\s+glass|transoms?"
    r"|(?:pool|screen|lanai)\s+(?:enclosure|cage)|screened(?:[\s-]in)?\s+(?:porch|lanai)|lanai"
    r"|(?:swimming|in-?ground|above[\s-]ground)\s+pool|(?<=a\s)pool(?!\s+(?:guy|company|service))"
    r"|sun\s*room|conservatory|greenhouse|atrium|(?<!service\s)bay\s+windows?|bow\s+windows?"
    r"|picture\s+windows?|casement(?:\s+windows?|s)|awning\s+windows?|jalousie\s+windows?"
    r"|double[\s-]hung|tilt[\s-]ins?|(?<=[0-9]\s)sliders|grilles|bungalow|semi[\s-]detached|cape\s+cod"
    r"|log\s+(?:home|cabin)|granny\s+flat|basement\s+(?:suite|apartment)|wrap-?around\s+porch"
    r"|koi\s+pond|dormers?(?:\s+on\s+the\s+\w+\s+floor)?|turrets?"
    # buildings beside the house
    r"|casitas?|carriage\s+house|in-?law\s+(?:suite|unit|apartment)"
    r"|cupolas?|chandeliers?|glass\s+(?:(?:entry|front|double)\s+)?(?:railings?|doors?|block)|sliding\s+glass\s+doors?"
    r"|balcon(?:y|ies)|widow'?s\s+walk|vaulted\s+ceilings?|clerestory(?:\s+windows?)?"
    r"|security\s+film|window\s+film|tinted\s+(?:windows?|glass)|low[\s-]e(?:\s+glass)?"
    r"|solar\s+array|(?:clay|concrete|spanish|terra\s*cotta)\s+tiles?(?:\s+roof)?"
    r"|hurricane\s+(?:shutters|windows)|shutters|awnings?|pergola|gutter\s+guards?"
    r"|copper\s+gutters?|metal\s+roof|tile\s+roof|slate\s+roof|composite\s+deck|tint\s+film"
    r"|window\s+tint|storm\s+wndws|sun\s*porch|pool(?=\s+(?:cover|fence)\b)"
    r"|crank[\s-]?out(?=\s+(?:windows?|kind|type|ones|style)\b)|(?:arched|half[\s-]moon"
    r"|palladian|round|octagon(?:al)?|eyebrow)\s+windows?|(?:old\s+)?wood(?:en)?\s+screens"
    r"|[0-9]{1,3}[\s-]units?\s+(?:apt|apartment)\s+(?:bldg|building|complex)"
    r"|(?:cedar|vinyl|wood(?:en)?|chain[\s-]link|aluminum|iron|privacy|split[\s-]rail)\s+fence"
    r"|fence\s*(?:is\s+|-\s*)?(?:cedar|vinyl|wood|white\s+vinyl|chain[\s-]link)"
    r"|(?:composite|cedar|trex|pressure[\s-]treated(?:\s+pine)?|redwood|ipe)\s+deck"
    r"|deck\s+is\s+(?:composite|cedar|trex|pressure[\s-]treated(?:\s+pine)?|redwood)"
    r"|(?:k-style|box|half[\s-]round|seamless|copper|aluminum)\s+gutters?"
    r"|(?:micro[\s-]?mesh|leaf|gutter)\s+guards?|leaf\s+filters?|helix\s+guards?"
    r"|(?<=\bgot\s)guards(?=\s+put\s+on\b)"
    r"|(?:asphalt\s+)?shingle\s+roof|asphalt\s+shingles?|cedar\s+shake|stucco"
    r"|stamped\s+concrete|boat\s*house|(?<!loading\s)(?<!\bst\s)dock(?!\s+(?:plate|doors?|bays?))"
    r"|sun\s+screens?|arcadia\s+doors?"
    r"|davits?|roof\s+anchors?|victorian|historic\s+home|sash\s+windows?|bay\s+window|velux(?:\s+windows?)?"
    r"|greenhouse|conservatory|leaded\s+lights?|walkout\s+(?:basement|bsmt)|wavy\s+glass|wood\s+windows?)\b"
    r"|\b(?:its|it'?s|is)\s+(?P<roof>slate|clay\s+tile|tile|metal|cedar\s+shake)\b"
    r"|\bscreens\s+(?:are|r)\s+(?:the\s+|all\s+)?(?P<screens>(?:old\s+)?wood(?:en)?|aluminum|metal)"
    r"\s+(?:kind|type|ones|style)\b|\b(?P<narrow>side\s+yard|driveway|drive)\s+(?:is\s+)?(?:too\s+|very\s+"
    r"|really\s+)?narrow\b",
    _I,
)
_SQUARE_FEET = re.compile(
    r"\b(?P<num>[0-9]{1,2}(?:,[0-9]{3}|[0-9]{3})|[0-9](?:\.[0-9])?k)\s*(?:sq\.?\s*(?:ft|feet)\.?"
    r"|square\s+(?:ft|feet|foot)|sf)\b"
    r"|\b(?:sq\.?\s*(?:ft|feet)|square\s+(?:feet|footage))\.?\s*(?:is\s+|of\s+)?[:~=]?\s*(?:approx\.?\s*|about\s+|~\s*)?"
    r"(?P<num2>[0-9]{1,2}(?:,[0-9]{3}|[0-9]{3}))\b",
    _I,
)
# One name per feature: "solar array" and "Solar panel" are both "solar panels".
_FEATURE_NAMES = {
    "solar panel": "solar panels",
    "solar array": "solar panels",
    "adu": "ADU",
    "casements": "casement windows",
    "walkout bsmt": "walkout basement",
    "tilt-ins": "tilt-in windows",
    "tilt-in": "tilt-in windows",
    "tilt ins": "tilt-in windows",
    "screen cage": "pool enclosure",
    "pool cage": "pool enclosure",
    "sliders": "sliders (sliding doors)",
    "leaf guard": "gutter guards",
    "leaf guards": "gutter guards",
    "gutter guard": "gutter guards",
    "guards": "gutter guards",
    "wood screens": "wooden screens",
    "old wood screens": "old wooden screens",
}


# "tint film on all the south windows", "dormers on the front": where the feature is.
_FEATURE_WHERE = re.compile(
    r"\s+(?:on|in|over|along|above)\s+(?:all\s+)?(?:the\s+)?(?:[a-z]+\s+){0,2}?(?:front|back|rear|loft"
    r"|foyer|porch|windows?|door|entry|stairs|staircase)\b(?!\s+(?:roof|yard|lawn|garden|wall))",
    _I,
)


_FEATURE_COUNT = re.compile(r"(?<![\w.,$#/-])([0-9]{1,2})\s+$")


def _feature_name(m: re.Match[str]) -> str:
    if m.group("solar") or m.group("solar2"):  # "WFP for solar x18", "solar 12 panels"
        return f"{m.group('solar') or m.group('solar2')} solar panels"
    if m.group("roof"):
        return f"{tidy(m.group('roof'))} roof"
    if m.group("screens"):
        name = f"{tidy(m.group('screens'))} screens"
        return _FEATURE_NAMES.get(name, name)
    if m.group("narrow"):
        return f"narrow {tidy(m.group('narrow'))}"
    name = tidy(m.group())
    if name.startswith("crank"):
        return "crank-out windows"
    name = re.sub(r"\bapt\b", "apartment", name)
    return _FEATURE_NAMES.get(name, name)


# Selling, not describing: "told her about the gutter guard special", "quote for shutters".
_SALES = re.compile(
    r"\b(?:special|promo|quoted?(?!\s+sheet)|estimate|upsell|upsold|offered|interested\s+in|told\s+(?:her|him"
    r"|them)\s+about|brochure|flyer|install(?:ation|ing)?|pitched|recommended|suggested"
    r"|mentioned\s+(?:our|the|a))\b",
    _I,
)


# "lubed rollers on 3 sliders", "cleaned the skylights": today's work, not a description.
_WORKED_ON = re.compile(
    r"\b(?:lubed|cleaned|washed|scrubbed|vacuumed|replaced|repaired|fixed|did)\b", _I
)


# "quick touch up on the front picture window", "this time only ... the sunroom", "will swing
# by Fri to redo the pane on the sunroom", "bay windows cleaned": a job, not a description.
_JOB = re.compile(
    r"\b(?:this\s+time|touch[\s-]?up|redo|re-do|swing\s+by|today|tonight|rescheduled)\b", _I
)
_DONE_AFTER = re.compile(r"\s+(?:cleaned|washed|done\s+today)\b", _I)
# "14 skylights over the atrium", "glass roof over atrium", "Atrium skylights": where something
# else is, in passing.
_PLACE_OF = re.compile(
    r"\b(?:sky\s?lights?|roof|panes?)\s+(?:over|above|in|on)\s+(?:the\s+|a\s+)?$", _I
)
_SKYLIGHTS_AFTER = re.compile(r"\s+sky\s?lights?\b", _I)
# "LOOSE RAILING ON 2ND FLR BALCONY", "wasp nest under the awning", "NO LADDERS ON THE AWNING",
# "bay window has a cracked pane": a warning about a spot, not a description of the house.
_ON_SPOT = re.compile(r"\b(?:on|under|over|onto|against)\s+(?:the\s+)?(?:[0-9a-z]+\s+){0,2}$", _I)
_WARNING = re.compile(
    r"\b(?:loose|nests?|wasps?|hornets?|bees|cracked|broken|rotten|rotted|do\s+not|don'?t|dont"
    r"|no\s+ladders?|never)\b",
    _I,
)
_BROKEN_AFTER = re.compile(
    r"\s+(?:has|have|is|are)\s+(?:a\s+|one\s+|some\s+)?(?:cracked|broken|loose|damaged)\b", _I
)


# "she is VERY picky about streaks on the picture window", "particular about the French doors",
# "Tinted glass - pure water only": the feature is what a cleaning preference is about.
_CARE = re.compile(
    r"\b(?:picky|particular\s+about|fussy|pure\s+water|(?:outside|inside)\s+only"
    r"|never\s+the\s+(?:inside|outside))\b",
    _I,
)


def _in_passing(note: Note, m: re.Match[str]) -> bool:
    """The feature is named as where today's job or a warning is, not to describe the house."""
    window = note.sentence_window(m.start(), m.end())
    if _CARE.search(note.text, *window):
        return True
    if _JOB.search(note.text, *window) or _DONE_AFTER.match(note.text, m.end()):
        return True
    before = note.clause_before(m.start(), 30)
    if _PLACE_OF.search(before) or _SKYLIGHTS_AFTER.match(note.text, m.end()):
        return True
    if _BROKEN_AFTER.match(note.text, m.end()):
        return True
    return bool(_ON_SPOT.search(before)) and _WARNING.search(note.text, *window) is not None


def features(note: Note) -> list[Hit]:
    """``property.features``: every feature phrase, in order ("solar panels, storm windows")."""
    found = [
        m
        for m in note.finditer(_FEATURE)
        if not note.negated(m.start(), 15)
        and not _SALES.search(note.text, *note.sentence_window(m.start(), m.end()))
        and not _WORKED_ON.search(note.clause_before(m.start(), 30))
        and not _in_passing(note, m)
    ]
    if not found:
        return []
    # One fact per feature: the first is ``property.features``, each other one its own key.
    hits: dict[str, Hit] = {}
    for m in found:
        name = _feature_name(m)
        key = "property.features" if not hits else "property." + re.sub(r"[^a-z]+", "_", name)
        key = key.strip("_")[:49]
        if key in hits or any(h.value.startswith(name) for h in hits.values()):
            continue
        where = _FEATURE_WHERE.match(note.text, m.end())
        end = where.end() if where else m.end()
        value = f"{name} {tidy(where.group())}" if where else name
        count = _FEATURE_COUNT.search(note.text, max(0, m.start() - 4), m.start())
        if count and m.group().lower().endswith("s"):
            start, value = count.start(), f"{count.group(1)} {value}"
        else:
            start = m.start()
        hits[key] = Hit(key, value, start, end, 0.65)
    return list(hits.values())


def square_feet(note: Note) -> list[Hit]:
    """``property.square_feet`` as a count: "approx 2,800 sq ft"."""
    hits = []
    for m in note.finditer(_SQUARE_FEET):
        text = (m.group("num") or m.group("num2")).lower().replace(",", "")
        number = int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)
        if 100 <= number <= 10_000:
            value = {"count": number, "plus": False}
            hits.append(Hit("property.square_feet", value, m.start(), m.end(), 0.8))
    return hits
