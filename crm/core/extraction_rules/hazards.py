"""Hazards on site: bees and wasps, fragile plants under the windows."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, flag_rule, tidy

_I = re.IGNORECASE

# -- hazards -------------------------------------------------------------------------------

bees = flag_rule(
    "hazards.bees",
    re.compile(r"\b(?:bees?|wasps?|hornets?|yellow\s?jackets?)(?:'?\s*nests?)?\b|\bhives?\b", _I),
    0.85,
    undone=re.compile(
        r"\b(?:gone|removed|none\s+(?:now|this\s+year|any\s*more|left)|no\s+longer"
        r"|not\s+any\s*more|taken\s+care\s+of|exterminated|got\s+rid)\b",
        _I,
    ),
)

_PLANTS = re.compile(
    r"\b(?:rose\s*bushes|roses|flower\s*beds?|flowers|garden\s+beds?|gardens?|plants"
    r"|shrubs|bushes|hydrangeas?|azaleas?|hedges?|landscaping)\b",
    _I,
)
_PLANT_CARE = re.compile(
    r"\b(?:careful|watch|mind|avoid|protect|don'?t\s+(?:step|trample|walk)|stay\s+off|particular"
    r"|under\s+(?:the\s+|every\s+|all\s+|each\s+|front\s+|back\s+)*windows?"
    r"|below\s+(?:the\s+)?windows?|beneath\s+(?:the\s+)?windows?)\b",
    _I,
)


def fragile_plants(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_PLANTS):
        if note.negated(m.start(), 20) or note.someone_elses(m.start()):
            continue
        s_start, s_end = note.sentence_window(m.start(), m.end())
        cue = _PLANT_CARE.search(note.text, s_start, s_end)
        if cue is None:
            continue
        start, end = min(m.start(), cue.start()), max(m.end(), cue.end())
        hits.append(Hit("hazards.fragile_plants", True, start, end, 0.8))
    return hits


# -- other hazards (open family) -----------------------------------------------------------

# "sprinklers fixed", "moss cleaned off": the hazard is gone.
_FIXED = re.compile(
    r"\s*(?:(?:has|have|had|is|are|was|were|got|been)\s+){0,2}(?:fixed|repaired|removed|gone"
    r"|replaced|taken\s+care\s+of|turned\s+off|capped|cleaned\s+off|trimmed|cut\s+back)\b",
    _I,
)
# hazards.<key>: (pattern, value). A value of None keeps the matched phrase.
_HAZARDS: dict[str, str] = {
    "sprinklers": r"sprinklers?(?:\s+heads?)?|irrigation",
    "power_lines": r"(?:power|pwr)\s*lines?|electric(?:al)?\s+(?:lines?|wires?)|service\s+drop",
    "steep_driveway": r"(?:steep|long|narrow)\s+(?:\w+\s+)?(?:drive(?:way)?|hill)",
    "steep_roof": r"steep\s+(?:\w+\s+)?roof|steep\s+pitch"
    r"|roof\s+(?:is\s+|was\s+)?(?:very\s+|really\s+|super\s+|pretty\s+|too\s+)?steep",
    "steep_slope": r"steep\s+(?:yd|yard|lot|lawn|slope|bank|hill)",
    "algae": r"algae|mildew|mold",
    "moss": r"(?:slippery\s+)?moss",
    "slippery": r"slippery|slick|icy",
    "pond": r"(?:koi\s+)?pond|pool\s+(?:below|under|next\s+to)",
    "deck": r"rott(?:en|ing)\s+(?:deck|boards?|steps?|railing)"
    r"|(?:deck|railing|steps?)(?:\s+boards)?\s+(?:is|are)\s+(?:rotten|loose|weak|unsafe|soft|spongy)"
    r"|loose\s+(?:railing|boards?|steps?)",
    "snakes": r"snakes?",
    "broken_glass": r"cracked\s+(?:pane|glass|window)|broken\s+(?:pane|glass|window)",
    "uneven_ground": r"uneven\s+(?:ground|yard|lawn)|slope[ds]?\s+(?:yard|lawn|ground)|hillside"
    r"|(?:ground|yard|lawn|backyard|lot)\s+(?:slopes|is\s+sloped|is\s+on\s+a\s+slope)"
    r"|(?:the|a|steep)\s+slope",
    "drop_off": r"drop[\s-]?offs?|steep\s+drop|retaining\s+walls?|sheer\s+drop",
    "play_equipment": r"trampolines?|swing\s*sets?|play\s*sets?|kids'?\s+toys",
    "animals": r"(?:mean|aggressive|angry|territorial)\s+(?:goose|geese|rooster|llama|goat|horse)"
    r"|geese|roosters?",
    "covers": r"(?:septic|cistern|well)\s+(?:lid|tank|cover)s?|manhole",
    "electric_fence": r"electric\s+fence",
    "poison_ivy": r"poison\s+(?:ivy|oak)",
    "ants": r"fire\s+ants|ants?\s+nests?",
    "wires": r"(?:cable|satellite|low[\s-]voltage|landscape)\s+(?:wires?|lines?)",
    "glass_roof": r"glass\s+roof|sunroom\s+roof",
    "fragile_gutters": r"(?:loose|sagging|fragile)\s+gutters?",
}
# Today's weather, not the property: "drive was icy in the morning".
_TODAY = re.compile(
    r"\b(?:was|were|today|this\s+morning|in\s+the\s+morning|from\s+the\s+rain)\b", _I
)
_HAZARD = re.compile(r"\b(?:" + "|".join(f"(?P<{k}>{p})" for k, p in _HAZARDS.items()) + r")\b", _I)


# "the deck stairs are rotten", "back steps, the second one is cracked and wobbly": a part of
# the place in a state that can hurt someone.
_WORN = re.compile(
    r"\b(?P<thing>(?:(?:deck|back|front|porch|side|basement|garage|patio|attic)\s+)?(?:steps?|stairs"
    r"|stairway|railings?|handrail|boards?|deck|porch|walkway|path|tiles?|ladder\s+hooks?"
    r"|balcony|landing))\s+(?:is|are)\s+(?:really\s+|very\s+|super\s+|pretty\s+|all\s+)?"
    r"(?P<state>rotten|rotting|cracked|wobbly|loose|broken|weak|soft|unsafe|slippery|slick"
    r"|crumbling|uneven)\b(?:\s+and\s+(?:rotten|cracked|wobbly|loose|broken|weak|soft|unsafe))?",
    _I,
)


def worn_parts(note: Note) -> list[Hit]:
    """``hazards.<thing>`` for a worn or slippery part of the place ("deck stairs are rotten")."""
    hits = []
    for m in note.finditer(_WORN):
        if note.negated(m.start(), 20) or note.someone_elses(m.start()):
            continue
        if _TODAY.search(note.text, *note.sentence_window(m.start())):
            continue  # wet from this morning's rain, not the place
        thing = re.sub(r"[^a-z]+", "_", m.group("thing").lower()).strip("_")
        hits.append(Hit(f"hazards.{thing}", tidy(m.group()), *m.span(), 0.7))
    return hits


def other_hazards(note: Note) -> list[Hit]:
    """``hazards.<thing>``: the phrase ("steep gravel drive"); false once "fixed" or "removed"."""
    hits = []
    for m in note.finditer(_HAZARD):
        thing = m.lastgroup or ""
        fixed = _FIXED.match(note.text, m.end())
        if fixed is not None:
            hits.append(Hit(f"hazards.{thing}", False, m.start(), fixed.end(), 0.7))
            continue
        if note.negated(m.start(), 20) or note.someone_elses(m.start()):
            continue
        if thing == "slippery" and _TODAY.search(note.text, *note.sentence_window(m.start())):
            continue
        lo, end = note.clause(m.start())
        lo, hi = max(lo, m.start() - 30), min(end, m.end() + 40)
        while lo > 0 and note.text[lo - 1].isalnum() and lo < m.start():
            lo += 1  # start on a whole word
        while hi < end and note.text[hi].isalnum():
            hi += 1  # and end on one
        phrase = tidy(note.text[lo:hi])
        value: bool | str = phrase if 0 < len(phrase) <= 80 else True
        hits.append(Hit(f"hazards.{thing}", value, m.start(), m.end(), 0.7))
    return hits
