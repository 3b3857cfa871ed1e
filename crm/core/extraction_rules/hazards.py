"""Hazards on site: bees and wasps, fragile plants under the windows."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, flag_rule, tidy, without_dangling

_I = re.IGNORECASE

# -- hazards -------------------------------------------------------------------------------

bees = flag_rule(
    "hazards.bees",
    re.compile(
        r"\b(?:bees?|wasps?|hornets?|yellow\s?jackets?|mud\s?daubers?|honey\s?bees?)(?:'?\s*nests?)?\b"
        r"|\b(?:bee\s?)?hives?\b",
        _I,
    ),
    0.85,
    undone=re.compile(
        r"\b(?:gone|removed|none\s+(?:now|this\s+year|any\s*more|left)|no\s+longer"
        r"|not\s+any\s*more|taken\s+care\s+of|exterminated|got\s+rid|all\s+clear"
        r"|got\s+(?:the\s+|it\s+|them\s+)?(?:\w+\s+)?out\s+of|(?:came|come)\s+(?:and\s+)?remove"
        r"|exterminator\s+(?:got|took\s+care\s+of|killed|sprayed)\s+(?:em|'em|them|it))\b"
        # "had a guy come out and pull the hive out of the eave"
        r"|\b(?:pull(?:ed)?|took|knock(?:ed)?)\s+(?:the\s+|that\s+)?$",
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
    "steep_driveway": r"steep\s+(?:\w+\s+)?(?:drive(?:way)?|hill)"
    r"|drive(?:way)?\s+(?:is\s+)?(?:really\s+|very\s+|super\s+|pretty\s+|too\s+)?steep",
    "steep_roof": r"steep\s+(?:\w+\s+)?roof|steep\s+pitch"
    r"|roof\s+(?:is\s+|was\s+)?(?:very\s+|really\s+|super\s+|pretty\s+|too\s+)?steep",
    "steep_slope": r"steep\s+(?:yd|yard|lot|lawn|slope|bank|hill|grade)"
    r"|(?:yard|yd|lot|lawn|ground|grade)\s+(?:is\s+)?(?:really\s+|very\s+|too\s+|pretty\s+)?steep",
    "algae": r"algae|mildew|mou?ld",
    "moss": r"(?:slippery\s+)?moss",
    "slippery": r"slippery|slick|icy",
    # "Ice on back steps", "Ice dams north side"
    "ice": r"ice\s+(?:on|dams?)(?=\s+(?:the\s+)?[a-z])",
    "pond": r"(?:koi\s+)?pond|pool\s+(?:below|under|next\s+to)",
    "deck": r"rott(?:en|ing)\s+(?:deck|boards?|steps?|railing)"
    r"|(?:deck|railing|steps?)(?:\s+boards)?\s+(?:is|are)\s+(?:rotten|loose|weak|unsafe|soft|spongy)"
    r"|loose\s+(?:railing|boards?|steps?)",
    "snakes": r"(?:rattle)?snakes?|rattlers?(?:\s+dens?)?",
    # the desert's own: "watch cactus by bedroom windows", "the cholla next to the windows"
    "cactus": r"cactus|cacti|cholla|prickly\s+pears?",
    "golf_balls": r"golf\s+balls?|hit\s+by\s+(?:golf\s+)?balls",
    "exposed_wiring": r"exposed\s+(?:wiring|wires?)|live\s+wires?",
    "scorpions": r"scorpions?",
    "bird_droppings": r"(?:bird|pigeon|gull)\s+droppings|droppings",
    "broken_glass": r"cracked\s+(?:pane|glass|window)|broken\s+(?:pane|glass|window)",
    "uneven_ground": r"uneven\s+(?:ground|yard|lawn)|slope[ds]?\s+(?:yard|lawn|ground)|hillside"
    r"|(?:ground|yard|lawn|backyard|lot)\s+(?:slopes|is\s+sloped|is\s+on\s+a\s+slope)"
    r"|(?:the|a|steep)\s+slope",
    "drop_off": r"(?<!\bto\s)drop[\s-]?offs?"
    r"(?!\s+(?:the|a|an|his|her|their|invoices?|keys?|receipts?))"
    r"|steep\s+drop|retaining\s+walls?|sheer\s+drop",
    "play_equipment": r"trampolines?|swing\s*sets?|play\s*sets?|kids'?\s+toys",
    "animals": r"(?:mean|aggressive|angry|territorial)\s+(?:goose|geese|rooster|llama|goat|horse)"
    r"|geese|goose|roosters?|(?<!pit\s)(?<!pit)bulls?(?!\s+mix)|ganders?|bats(?=\s+in\b)",
    "covers": r"(?:septic|cistern|well)\s+(?:lid|tank|cover)s?|manhole",
    "electric_fence": r"electric\s+fence",
    "poison_ivy": r"poison\s+(?:ivy|oak)",
    "ants": r"fire\s+ants|ants?\s+nests?",
    "wires": r"(?:cable|satellite|low[\s-]voltage|landscape)\s+(?:wires?|lines?)"
    r"|low(?:[\s-]hanging)?\s+(?:wires?|cables?|lines?)",
    "glass_roof": r"glass\s+roof|sunroom\s+roof",
    "fragile_gutters": r"(?:loose|sagging|fragile)\s+gutters?",
    "low_branches": r"low(?:[\s-]hanging)?\s+(?:branch(?:es)?|limbs?|tree\s+limbs?)",
    "lead_paint": r"lead(?:[\s-]based)?\s+paint",
    "spiders": r"black\s+widows?|brown\s+recluses?",
    "toys": r"toys\s+(?:all\s+)?(?:over|everywhere)"
    r"(?:\s+the\s+(?:\w+\s+)?(?:yard|lawn|patio|deck))?",
    "pool_cover": r"pool\s+cover\s+(?:is\s+)?(?:not|isn'?t|can'?t|won'?t)"
    r"\s+(?:rated|hold|take|safe)",
}
_KEPT_CLEAN = re.compile(r"\b(?:chemicals?|bleach|soap|runoff|drip\w*|solution)\b", _I)
# Today's weather, not the property: "drive was icy in the morning".
_TODAY = re.compile(
    r"\b(?:was|were|today|this\s+morning|in\s+the\s+morning|from\s+the\s+rain)\b", _I
)
_HAZARD = re.compile(r"\b(?:" + "|".join(f"(?P<{k}>{p})" for k, p in _HAZARDS.items()) + r")\b", _I)


# A part of the place in a state that can hurt someone, said either way round: "the deck
# stairs are rotten", "satellite dish on the front is loose", "septic lid soft", "Loose slate
# on the bell tower", "BROKEN CONCRETE STEP AT REAR EXIT", "Rotten fascia on the left side".
_PART = (
    r"(?:steps?|stairs|stairway|staircase|railings?|handrails?|rails?|boards?|decking|deck"
    r"|porch(?:\s+roof)?|walkway|path|paths|tiles?|ladder\s+hooks?|balcony|landing|fascia"
    r"|soffits?|slates?|shingles?|gutters?|gutter\s+guards?|guards?|downspouts?|skylights?"
    r"|(?:satellite|satelite)\s+dish|dish|plate|lid|cover|hatch|pavers?|paving"
    r"|bricks?|branch(?:es)?|limbs?|nails?|anchors?|roof|ramp|fence|concrete|patio|floor"
    r"|canopy|awning|trellis|chimney|ledge|sill|storms?(?:\s+windows?)?)"
)
_STATE = (
    r"(?:rotten|rotted|rotting|cracked|wobbly|loose|broken|weak|soft|spongy|unsafe|slippery"
    r"|slick|crumbling|sagging|uneven|unstable|sketchy|missing|dead|hanging|damaged|rusted|rusty)"
)
# "Back porch roof is soft, dont step on it": the advice that follows belongs to the hazard.
_ADVICE = re.compile(
    r"\s{0,3}[,;:-]{0,2}\s{0,3}(?P<advice>(?:please\s+|pls\s+)?(?:don'?t|do\s+not|never|no)\s+"
    r"[^.;!?\n,]{1,40}?\b(?:it|them|em|there)\b(?:\s+(?:with|w/)\s+(?:the\s+|a\s+)?\w+)?)",
    _I,
)
_DEGREE = (
    r"(?:really\s+|very\s+|super\s+|pretty\s+|all\s+|a\s+bit\s+|kinda\s+|quite\s+|already\s+)?"
)
_WORN = re.compile(
    rf"\b(?P<thing>(?:[a-z]{{1,15}}\s{{1,3}}){{0,2}}?{_PART})(?P<where>\s+(?:on|in|by|at|over|of"
    rf"|near)\s+(?:the\s+)?(?:[\w'-]{{1,15}}\s{{1,3}}){{0,3}}?[\w'-]{{1,15}})?\s+(?:(?:is|are|r"
    rf"|was|were|feels?|looks?|seems?|gets?|got)\s+|(?=(?:really|very|super|pretty|all|a|kinda"
    rf"|quite|rotten|rotted|rotting|cracked|wobbly|loose|broken|soft|spongy|sagging|crumbling)"
    rf"\b)){_DEGREE}(?P<state>{_STATE})\b(?!\s*-?\s*wash)(?:\s+and\s+{_STATE}\b)?"
    rf"(?P<after>\s+(?:on|in|by|at|over|near)\s+(?:the\s+)?(?:[\w'-]{{1,15}}\s{{1,3}}){{0,3}}"
    rf"[\w'-]{{1,15}}\b)?"
    rf"|\b(?P<state2>{_STATE})\s+(?P<thing2>(?:[a-z]{{1,15}}\s{{1,3}}){{0,2}}?{_PART})\b"
    rf"(?P<where2>\s+(?:on|in|by|at|over|of|near)\s+(?:the\s+)?(?:[\w'-]{{1,15}}\s{{1,3}}){{0,3}}"
    rf"[\w'-]{{1,15}}\b)?",
    _I,
)
# A state that is not a hazard today or not the customer's: "broken seals", "loose change".
_NOT_WORN = re.compile(
    r"\b(?:was|were|today|this\s+morning|from\s+the\s+rain|seals?|we\s+(?:fixed|replaced"
    r"|tightened))\b",
    _I,
)
# "Broken step on back porch", "there's a loose railing": a state before its thing is an
# adjective only at a clause's start or after a word like these ("the last guy cracked tiles").
_BEFORE_STATE = re.compile(
    r"(?:^|[^\w\s]|\b(?:a|an|the|some|one|two|few|couple|several|has|have|had|with|watch|mind"
    r"|careful|there'?s|theres|is|are|of|and|also|big|old|very|really|caution|warning|note|fyi"
    r"|beware))\s*$",
    _I,
)
_THE = re.compile(
    r"^(?:(?:the|a|an|one|of|some|their|his|her|our|and|is|are|also|so|but|then|plus|as|several"
    r"|few|many)\s+){1,4}",
    _I,
)


# "he said the cover is broken": who said so is not part of the thing.
_REPORTED = re.compile(r"^(?:\w+\s+)?(?:said|says|told\s+us|thinks?|noticed|mentioned)\s+", _I)


def _snake(text: str) -> str:
    return re.sub(r"[^a-z]+", "_", text.lower()).strip("_")


def worn_parts(note: Note) -> list[Hit]:
    """``hazards.<state>_<thing>`` for a worn, loose or slippery part of the place."""
    hits = []
    for m in note.finditer(_WORN):
        if note.negated(m.start(), 20) or note.someone_elses(m.start()):
            continue
        lo, hi = note.sentence_window(m.start(), m.end())
        if _NOT_WORN.search(note.text, m.start(), min(hi, m.end() + 40)):
            continue  # wet from this morning's rain, or a broken seal
        if _fixed_later(note, m.end()) is not None:
            continue  # already fixed
        if m.group("state2") and not _BEFORE_STATE.search(note.text[lo : m.start()]):
            continue
        thing = _THE.sub("", _REPORTED.sub("", tidy(m.group("thing") or m.group("thing2"))))
        state = tidy(m.group("state") or m.group("state2"))
        state = re.sub(r"^rott(?:ed|ing)$", "rotten", state)
        words = thing.split()
        if len(words) > 1 and words[0] in _STATES_AS_WORDS:
            thing = " ".join(words[1:])
        if m.group("thing"):  # "the deck stairs are rotten": the note's own words
            key, value = f"hazards.{_snake(thing)}", _THE.sub("", _short(m.group()))
        else:  # "Broken step on back porch"
            key = f"hazards.{_snake(state)}_{_snake(thing)}"
            value = _short(f"{state} {thing} {m.group('where2') or ''}")
        end = m.end()
        advice = _ADVICE.match(note.text, end)
        if advice is not None:
            value, end = f"{value}, {tidy(advice.group('advice'))}", advice.end()
        hits.append(Hit(key, value[:100], m.start(), end, 0.7))
    return hits


_STATES_AS_WORDS = frozenset(re.findall(r"[a-z]+", _STATE))
# Technicians' shorthand in a hazard's phrase: "pwr lines over bk yd", "mold on N side + deck".
_SHORT = (
    (re.compile(r"\bpwr\b"), "power"),
    (re.compile(r"\bbk\b"), "back"),
    (re.compile(r"\bfrt\b"), "front"),
    (re.compile(r"\byds?\b(?!\s*[0-9])"), "yard"),
    (re.compile(r"\bn\b(?=\s+(?:side|wall|roof|slope|face))"), "north"),
    (re.compile(r"\bs\b(?=\s+(?:side|wall|roof|slope|face))"), "south"),
    (re.compile(r"\be\b(?=\s+(?:side|wall|roof|slope|face))"), "east"),
    (re.compile(r"\bw\b(?=\s+(?:side|wall|roof|slope|face))"), "west"),
    (re.compile(r"\s\+\s"), " and "),
    (re.compile(r"\brattler(s?)\b"), r"rattlesnake\1"),
)


def _short(text: str) -> str:
    value = tidy(text)
    for pattern, spelt in _SHORT:
        value = pattern.sub(spelt, value)
    return value


# "sprinkler heads along the front bed are fixed now": fixed later in the sentence, not
# "he's getting them replaced in spring".
_FIXED_LATER = re.compile(
    r"\b(?:fixed|repaired|removed|capped|replaced|sorted|resolved|taken\s+care\s+of)\b"
    r"(?!\s+(?:next|in|by|soon"
    r"|someday|later))",
    _I,
)
_NOT_YET = re.compile(
    r"\b(?:getting|get|will|gonna|going\s+to|needs?|to\s+be|should|wants?|until|til|till"
    r"|before|after|if|when)\s+(?:\w{1,15}\s+){0,2}$",
    _I,
)
# A hazard word that is part of a name ("Pastor Daniel Moss", "Hillside Methodist").
_CAPITALISED = re.compile(r"[A-Z][a-z]+")
# The visit itself, not the place: "Moss treatment on the roof", "because of the moss".
_JOB = re.compile(r"^\s*(?:treatment|treated|removal|removed|killer)\b", _I)
_SUBSTANCES = frozenset(("algae", "moss", "scorpions", "snakes", "bird_droppings", "cactus"))
_STATES_OF_PARTS = frozenset(("moss", "algae"))
# Hazards whose key says it all: "windows facing the fairway get hit by balls" is golf balls.
_SAID_AS_IS = frozenset(("golf_balls",))


def _a_name(note: Note, start: int, end: int) -> bool:
    if note.raw.upper() == note.raw or not _CAPITALISED.fullmatch(note.text[start:end].split()[0]):
        return False
    before = note.text[max(0, start - 20) : start].split()
    after = note.text[end : end + 20].split()
    sentence_start = note.sentence(start)[0]
    first = not note.text[sentence_start:start].strip()
    near = ([] if first or not before else [before[-1]]) + after[:1]
    return any(_CAPITALISED.match(w) for w in near)


def _fixed_later(note: Note, end: int) -> int | None:
    _, stop = note.sentence(end)
    fixed = _FIXED_LATER.search(note.text, end, min(stop, end + 60))
    if fixed is None or _NOT_YET.search(note.text, max(end, fixed.start() - 30), fixed.start()):
        return None
    return fixed.end()


_DASH = re.compile(r"\s[-\u2013\u2014]+\s|\s*\u2014\s*")
# Talk around a hazard that a short value does without: "theres a", "right", "like", "lol".
_LEAD_IN = re.compile(
    r"^(?:(?:theres|there'?s|there\s+is|there\s+are|also|and|so|but|fyi|note|omg|ok|okay|uh|um"
    r"|watch\s+(?:out\s+)?for"
    r"|careful|caution)\s+)+(?:(?:a|an|some)\s+)?",
    _I,
)
_FILLER = re.compile(
    r"\s+(?:right|really|super|like|kinda|pretty|just|totally|lol|haha|ngl|af|tbh)(?=\s|$)", _I
)


def _plain(phrase: str) -> str:
    return without_dangling(_FILLER.sub("", _LEAD_IN.sub("", phrase)))


def other_hazards(note: Note) -> list[Hit]:
    """``hazards.<thing>``: the phrase ("steep gravel drive"); false once "fixed" or "removed";
    and the worn parts of the place, found once and used for both."""
    parts = worn_parts(note)
    return _named_hazards(note, parts) + parts


def _named_hazards(note: Note, parts: list[Hit]) -> list[Hit]:
    hits = []
    # "Side steps are slick when wet (moss)": the worn part is the hazard, this is its state.
    worn = [(w.start, w.end + 15) for w in parts]
    for m in note.finditer(_HAZARD):
        thing = m.lastgroup or ""
        if thing in _STATES_OF_PARTS and any(a <= m.start() <= b for a, b in worn):
            continue
        if _a_name(note, m.start(), m.end()) or _JOB.match(note.text, m.end()):
            continue
        fixed = _FIXED.match(note.text, m.end())
        gone = fixed.end() if fixed is not None else _fixed_later(note, m.end())
        if gone is not None:
            hits.append(Hit(f"hazards.{thing}", False, m.start(), gone, 0.7))
            continue
        if note.negated(m.start(), 20) or note.someone_elses(m.start()):
            continue
        before = note.text[max(0, m.start() - 15) : m.start()].lower()
        if before.endswith(("because of the ", "from the ", "from ")):
            continue  # the cause of a stain ("spots from the sprinklers"), not a hazard
        if thing == "pond" and _KEPT_CLEAN.search(
            note.text, max(0, m.start() - 150), m.end() + 150
        ):
            continue  # "no chemicals near the koi pond": the instruction's object, not a hazard
        if thing == "slippery" and _TODAY.search(note.text, *note.sentence_window(m.start())):
            continue
        lo, end = note.clause(m.start())
        lo, hi = max(lo, m.start() - 30), min(end, m.end() + 40)
        if thing in _SUBSTANCES:
            lo = m.start()  # "mold on the north side siding", not what came before it
        while lo > 0 and note.text[lo - 1].isalnum() and lo < m.start():
            lo += 1  # start on a whole word
        while hi < end and note.text[hi].isalnum():
            hi += 1  # and end on one
        dash = _DASH.search(note.text, m.end(), hi)
        if dash is not None:
            hi = dash.start()  # "deck is rotted near the stairs — third and fourth boards give"
        phrase = _plain(_short(note.text[lo:hi]).strip("()[] "))
        value: bool | str = phrase if 0 < len(phrase) <= 80 and thing not in _SAID_AS_IS else True
        hits.append(Hit(f"hazards.{thing}", value, m.start(), m.end(), 0.7))
    return hits
