"""Cleaning instructions: a do or don't, with its object.

``instructions`` turns a do or don't into ``instructions.<object>`` with a short normalised
value ("Do NOT go on the roof" and "not on the roof" -> "don't go on the roof"; "no longer
doing the screens" -> "no longer clean the screens"; "no walking on it" after "Roof is clay
tile" -> "don't walk on the roof"). Several instructions about one object are kept together
("streak sensitive, inspect twice").
"""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, tidy, without_dangling
from crm.core.extraction_rules.instruction_words import KEEP as _KEEP
from crm.core.extraction_rules.instruction_words import NO_X as _NO_X
from crm.core.extraction_rules.instruction_words import OBJECT as _OBJECT
from crm.core.extraction_rules.instruction_words import TAIL as _TAIL
from crm.core.extraction_rules.instruction_words import said as _said
from crm.core.extraction_rules.pets import DOG_WORDS

_I = re.IGNORECASE

_DONT = re.compile(
    rf"\b(?:(?:please|pls)\s+)?(?:don'?t|do\s+not|never|dont|(?<=\s)not\s+to|(?<=please\s)not|stop)\s+"
    rf"(?P<rest>(?:go|walk"
    rf"|step|use|using|jet[\s-]?wash|scrub|dump|get\s+(?:chemicals|water|spray|soap|overspray)|squeegee|slam|force|pry|soak|water|unplug"
    rf"|climb|lean|put|set|stand|sit|touch|spray|pressure|power|clean|do|open|move|prop|drag"
    rf"|block|wash|scrape|leave|bother|ring|knock|enter|drip|run|rest|hose|hook|press|pull|blow"
    rf"|disconnect|seal|drive|lift|remove|take"
    rf"|let(?!\s+(?:him|her|them|it|the\s+(?:cats?|dogs?|kitty|pup))\s+(?:out|escape|get\s+out)))"
    rf"\b{_TAIL})",
    _I,
)
_NOT_ON = re.compile(
    r"\b(?:not|never|no\s+one|nobody)\s+(?:on|up\s+on|onto)?\s*(?:the\s+)?"
    r"(?P<obj>roofs?|deck|balcony|porch\s+roof|garage\s+roof)\b"
    # "NO ROOF ACCESS", "tile roof, no going up there", "cedar shake roof (NO WALKING)",
    # "a metal roof you can't walk on"
    r"|\bno\s+(?P<obj2>roof)\s+access\b(?!\s+(?:from|in|during|between|until|till|dec|jan|feb|nov|winter))"
    r"|\b(?P<obj3>roof)\s*(?:,\s*|\(\s*|\s+-\s+)no\s+(?:going\s+up(?:\s+there)?|(?P<walk>walking)"
    r"|climbing)\b(?!\s+on\s+(?:them|em|'em))"
    r"|\b(?P<obj4>roof)\s+(?:you|u|we)\s+(?:can'?t|cannot|shouldn'?t)\s+(?P<walk2>walk)\s+on\b",
    _I,
)
_NO_LONGER = re.compile(
    r"\bno\s+longer\s+(?:do(?:ing)?|clean(?:ing)?|wants?|need(?:s)?|does|want)?\s*(?:us\s+to\s+"
    r"(?:do|clean)\s+)?(?:the\s+)?(?P<obj>screens?|gutters?|skylights?|inside|interiors?"
    r"|windows?|garage|sunroom|storm\s+windows?|awnings?|solar\s+panels?|downspouts?|tracks"
    r"|sills|basement\s+windows?)\b"
    # "Cancelled gutters for good - they're getting gutter guards"
    r"|\b(?:cancel(?:l?ed|s)?|dropped|stopped)\s+(?:the\s+)?(?P<obj2>screens?|gutters?|skylights?"
    r"|inside|interiors?|awnings?|solar\s+panels?)\s+(?:for\s+good|permanently|for\s+ever)\b"
    # "called to cancel his screen cleaning going forward"
    r"|\bcancel(?:l?ed|s)?\s+(?:his|her|their|the)\s+(?P<obj3>screens?|gutters?|skylights?|inside"
    r"|interiors?|awnings?|solar\s+panels?)(?:\s+(?:cleaning|service))?\s+(?:for\s+good|permanently"
    r"|going\s+forward|from\s+now\s+on)\b",
    _I,
)
# "Frank does not want the screens cleaned anymore".
_CHORES = (
    r"screens?|scrns?|gutters?|skylights?|inside|insides|interiors?|garage(?:\s+windows?)?|sunroom"
    r"|storm\s+windows?|awnings?|solar\s+panels?|tracks|sills|basement\s+windows?|mirrors"
)
# "no more screens", "no screens anymore", "stop doing the inside", "not doing gutters anymore".
_NO_MORE = re.compile(
    rf"\b(?:no\s+more|stop(?:ped)?\s+(?:doing|cleaning)|not\s+doing|quit\s+(?:doing|cleaning)"
    rf"|skip(?=\s+(?:the\s+)?\w+\s+(?:from\s+now\s+on|going\s+forward|for\s+good)))"
    rf"\s+(?:the\s+)?(?P<obj>{_CHORES})\b"
    rf"|\bno\s+(?P<obj2>{_CHORES})\s+(?:any\s*more|from\s+now\s+on)\b"
    rf"|\b(?:doesn'?t|does\s+not|don'?t|do\s+not)\s+want\s+(?:the\s+|us\s+to\s+do\s+(?:the\s+)?)?"
    rf"(?P<obj3>{_CHORES})\s+(?:done|cleaned|washed)\s+(?:any\s*more|from\s+now\s+on)\b"
    rf"|\b(?:don'?t|do\s+not)\s+bother\s+(?:with|w/)\s*(?:the\s+)?(?P<obj4>{_CHORES})"
    rf"\s+(?:any\s*more|from\s+now\s+on)\b",
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
    rf"(?:\s+(?:on|near|around|the)\b{_TAIL})?"
    rf"|\bno\s+ladders?\s+(?:on|against|near|by)\b{_TAIL}"
    rf"|\bno\s+(?:walking|climbing|stepping|standing|leaning)\s+(?:on|up\s+on|against)\b{_TAIL}",
    _I,
)
_DO = re.compile(
    rf"\b(?:(?:low|soft)[\s-]*(?:pressure|press|wash)\s+only|only\s+(?:low|soft)[\s-]*(?:pressure|wash)"
    rf"|keep\s+(?:the\s+)?(?:spray|water|overspray|hoses?|ladders?)\s+(?:off|away\s+from|out\s+of)"
    rf"|(?:shoe\s+covers|booties|shoes\s+off)\s+(?:inside|on|required|always)|no\s+shoes\s+(?:inside|in\s+the\s+house)"
    rf"|hand[\s-](?:clean|wash|dry)(?:ed)?\s+only|[0-9]{{3,4}}\s*psi\s+max|max(?:imum)?\s+[0-9]{{3,4}}\s*psi"
    rf"|(?:blue\s+)?tape\s+(?:off\s+)?the|flag\s+(?:the|them)|cover\s+(?:the|it)\s+\w+"
    rf"|skip|stay\s+off|keep\s+off|stay\s+out\s+of|(?:exterior|outsides?)(?:\s+windows)?\s+only|use\s+only|only\s+use|always\s+(?:close|lock|use|wipe|dry"
    rf"|check|call|text|knock|ring|wear|put|leave|remove|shut|bring)"
    rf"|take\s+(?:your\s+|our\s+|their\s+)?(?:shoes|boots)\s+off|(?:shoes|boots)\s+off"
    rf"|wear\s+(?:shoe\s+covers|booties)|inspect\s+(?:twice|every\w*|all)"
    rf"|leave\s+(?:the\s+)?(?:\w+\s+)?(?:screens?|blinds|windows?|doors?|lights?|curtains)"
    rf"\s+(?:off|on|up|down|open|closed|in|out)"
    rf"|close\s+(?:the\s+)?(?:storm\s+|screen\s+|back\s+|front\s+|slider\s+)?doors?"
    rf"|be\s+(?:gentle|careful|extra\s+careful)\s+with\s+(?:the\s+)?(?:old\s+)?\w+(?:\s+\w+)?"
    rf"|go\s+over\s+(?:every|each|all)|double[\s-]check|check\s+from\s+(?:the\s+)?inside"
    rf"|(?:very\s+)?(?:particular|picky|fussy)\s+about|soft\s*wash\s+only|only\s+soft\s*wash"
    rf"|ladder\s+(?:feet|legs)\s+(?:on|off|only)\b|check\s+for\s+streaks|(?:very\s+)?streak[\s-]sensitive"
    rf"|hand[\s-]dry|dry\s+the\s+sills|wipe\s+(?:the\s+)?(?:sills|frames|tracks)"
    rf"|leave\s+(?:the\s+)?(?:\w+\s+){{0,2}}?(?!them\b)\w+s\s+alone)\b{_TAIL}",
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
    rf"|\b(?:must|has\s+to|needs?\s+to|have\s+to)\s+(?:keep|put)\s+(?:him|her|them|it)"
    rf"\s+(?:inside|indoors|in\s+the\s+house|in|up|away)\b{_TAIL}"
    r"|\bkeep\s+(?:him|her|them|it|the\s+(?P<animal2>cats?|dogs?|kitty|pup))\s+(?:inside|indoors"
    r"|in\s+the\s+house|in)\b",
    _I,
)
_ANIMAL = re.compile(rf"\b(?:(?P<cat>cats?|kitty|kitten)|(?P<dog>{DOG_WORDS}))\b", _I)
# "skip the screens this time": a one-off, not an instruction to keep.
_ONE_OFF = re.compile(
    r"\b(?:this\s+(?:time|visit|month|week|once)|today|just\s+this|for\s+now|next\s+time)\b", _I
)
# A standing do: "wants the sills wiped down every time", "asks we wipe down the sills every
# time", "she likes the tracks vacuumed", "they want us to do those too each visit".
_AGAIN = r"(?:too|also|as\s+well|eve?ry\s+(?:time|visit)|each\s+(?:time|visit))"
_CHORE = r"(?P<obj{n}>(?:[a-z]+\s+){{0,2}}?[a-z]+)"
_STANDING = re.compile(
    rf"\b(?:wants?|would\s+like|likes|asked\s+for|asks\s+for)\s+(?:the\s+|her\s+|his\s+|their\s+)?"
    rf"{_CHORE.format(n=1)}\s+(?P<verb1>wiped(?:\s+down)?|done|cleaned|washed|vacuumed|checked"
    rf"|flushed|pulled|hand[\s-]dried)(?P<again1>(?:\s+{_AGAIN}){{1,2}})?\b"
    rf"|\b(?:wants?|would\s+like|asks?|asked)\s+(?:us\s+to|that\s+we|we|if\s+we\s+can)\s+"
    rf"(?P<verb2>do|clean|wipe(?:\s+down)?|check|vacuum|flush|wash)\s+(?:the\s+|her\s+|his\s+"
    rf"|their\s+)?{_CHORE.format(n=2)}(?P<again2>(?:\s+{_AGAIN}){{1,2}})\b"
    rf"|\b(?:start|started)\s+doing\s+(?:the\s+|her\s+|his\s+|their\s+)?{_CHORE.format(n=3)}"
    rf"(?P<again3>(?:\s+{_AGAIN}){{1,2}})?\b",
    _I,
)
_DONE_AS = (
    (re.compile(r"^(?:done|cleaned|washed|do|clean|wash)?$"), "clean"),
    (re.compile(r"^wiped"), "wipe"),
    (re.compile(r"(?:ed|d)$"), ""),
)


# "did the exterior only", "windows done outside only": this visit's work, not a standing order.
_DONE = re.compile(r"\b(?:did|done|finished|cleaned|washed|completed)\s+(?:the\s+)?$", _I)
# "stay out of Mrs": cut at an abbreviation's full stop, so the sentence is left for a note.
_TRUNCATED = re.compile(r"\b(?:mrs?|ms|dr|st)$", _I)


# "Cats don't go out", "the gutters don't drain": a thing before the "don't" is described.
_SUBJECT_WORD = re.compile(r"(?<![^\W\d_])([a-z]+)\s+$", _I)
_SPEAKERS = frozenset(
    {"please", "pls", "so", "and", "but", "then", "just", "also", "to", "you", "u", "we", "crew"}
    | {"guys", "techs", "tech", "i", "that", "us", "them", "or", "again", "say", "says", "said"}
    | {"asked", "asks", "wants", "told", "prefers", "rather", "pls", "plz", "note", "reminder"}
)


def _described(note: Note, start: int) -> bool:
    """ "Cats don't go out": the clause's own subject (a few words) before "don't", not the crew
    and not someone saying it ("owner says don't touch it")."""
    if not note.text[start : start + 4].lower().startswith(("don", "do ", "do\t")):
        return False
    if re.match(r"do\s+NOT\b|DON'?T\b|DO\s+NOT\b", note.raw[start : start + 8]):
        return False  # "two story do NOT go on the roof": said loud, it is an order
    lo, _ = note.clause(start)
    head = note.text[max(lo, start - 40) : start].split()
    m = _SUBJECT_WORD.search(note.text, max(0, start - 20), start)
    return 0 < len(head) <= 3 and m is not None and m.group(1).lower() not in _SPEAKERS


_INSPECTION = re.compile(r"inspect|streak|particular|picky|fussy|go\s+over|double", _I)


def _key(text: str) -> str:
    if _INSPECTION.search(text):
        return "instructions.inspection"
    m = _OBJECT.search(text)
    return "instructions.general" if m is None else f"instructions.{m.lastgroup}"


def instructions(note: Note) -> list[Hit]:
    """``instructions.<object>``: a do or don't, normalised; a negation is the instruction."""
    hits: list[Hit] = []
    for m in note.finditer(_NOT_ON):
        obj = tidy(m.group("obj") or m.group("obj2") or m.group("obj3") or m.group("obj4"))
        how = "walk on" if m.group("walk") or m.group("walk2") else "go on"
        hits.append(Hit(_key(obj), f"don't {how} the {obj}", *m.span(), 0.75, rank=1))
    for m in note.finditer(_NO_LONGER):
        obj = tidy(m.group("obj") or m.group("obj2") or m.group("obj3"))
        if m.group("obj3") and not obj.endswith("s") and obj not in ("inside", "interior"):
            obj += "s"  # "his screen cleaning": the screens
        hits.append(Hit(_key(obj), f"no longer clean the {obj}", *m.span(), 0.75, rank=1))
    for m in note.finditer(_NO_MORE):
        obj = tidy(m.group("obj") or m.group("obj2") or m.group("obj3") or m.group("obj4"))
        hits.append(Hit(_key(obj), f"no longer clean the {obj}", *m.span(), 0.7, rank=1))
    for m in note.finditer(_NOT_WANTED):
        obj = tidy(m.group("obj"))
        hits.append(Hit(_key(obj), f"don't clean the {obj}", *m.span(), 0.75, rank=1))
    for pattern in (_DONT, _NO_THING, _DO):
        for m in note.finditer(pattern):
            key, value = _key(m.group()), _said(m.group())
            if (
                _one_off(note, m)
                or _TRUNCATED.search(value)
                or _DONE.search(note.text[max(0, m.start() - 25) : m.start()])
                or (pattern is _DONT and _described(note, m.start()))
                or _VAGUE.match(value)
                or (
                    value.startswith("skip")
                    and _ONE_OFF.search(note.text, *note.sentence_window(m.start(), m.end()))
                )
            ):
                continue
            if key == "instructions.general" or _PRONOUN.search(value):
                key, value = _pronoun(note, m.start(), key, value)
            # "Do NOT walk it" (the roof): said the way most write it
            value = re.sub(r"^don't walk (?:the )?(roof|deck)\b", r"don't walk on the \1", value)
            cut = re.search(r"\S+$", m.group())
            if (
                cut is not None
                and note.text[m.end() : m.end() + 1].isalpha()
                and value.endswith(cut.group().lower())
            ):  # cut mid-word at the length limit: "through the hous"
                value = without_dangling(value[: -len(cut.group())])
            hits.append(Hit(key, value, *m.span(), 0.65))
    hits += _only_way(note) + _pets_in(note)
    hits += _more(note, hits)
    return _together(hits)


# "I told him we don't do that": nothing named to do or not to do.
_VAGUE = re.compile(r"^don't\s+do\s+(?:that|this|those|these|it)\b", _I)


def _one_off(note: Note, m: re.Match[str]) -> bool:
    """ "not to use the front door today": the rest of the clause makes it a one-off."""
    _, end = note.clause(m.end())
    return _ONE_OFF.search(note.text, m.start(), min(end, m.end() + 60)) is not None


def _more(note: Note, found: list[Hit]) -> list[Hit]:
    """ "no metal poles", "keep the coop door shut", "wants the sills wiped every time"."""
    hits: list[Hit] = []
    for pattern in (_NO_X, _KEEP):
        for m in note.finditer(pattern):
            if any(h.start < m.end() and m.start() < h.end for h in found):
                continue
            key, value = _key(m.group()), _said(m.group())
            if key == "instructions.general" or _PRONOUN.search(value):
                key, value = _pronoun(note, m.start(), key, value)
            value = re.sub(r"^keep\s+it\s+(quiet|down)\b", r"keep \1", value)
            if re.search(r"\b(?:it|them|em|those)\b", value) or _one_off(note, m):
                continue  # "keep it shut": a gate, most likely, or a thing not known
            hits.append(Hit(key, value, *m.span(), 0.6))
    for m in note.finditer(_STANDING):
        n = next(i for i in "123" if m.group(f"obj{i}"))
        obj, again = tidy(m.group(f"obj{n}")), m.group(f"again{n}") or ""
        if _ONE_OFF.search(note.text, *note.sentence_window(m.start(), m.end())):
            continue
        if not again and not m.group().lower().startswith(("likes", "start")):
            continue
        verb = tidy((m.group(f"verb{n}") if n != "3" else None) or "do")
        for pattern, said in _DONE_AS:
            verb = pattern.sub(said, verb)
        again = re.sub(r"\bevry\b", "every", tidy(again))
        key, value = _key(obj), f"{verb} the {obj}" + (f" {again}" if again else "")
        if _PRONOUN.search(obj):
            key, value = _pronoun(note, m.start(), key, f"{verb} {obj}")
            value += f" {tidy(again)}" if again else ""
        if key != "instructions.general":
            hits.append(Hit(key, value, *m.span(), 0.6))
    return hits


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


_PRONOUN = re.compile(r"\b(?:them|it|there|em|those|that\s+bit)(?=(?:\s+(?:up|down|off|out))?$)")
# The sentence's subject when no known object names it: "Septic lid by the side door".
_SUBJECT = re.compile(
    r"\s*(?:the\s+)?(?!(?:she|he|they|it|we|i|you|this|that|there)\b)"
    r"(?P<thing>[a-z]+(?:\s+[a-z]+)?)\s+(?:right\s+)?(?:by|on|in|near|at|is|are|around|over|under"
    r"|along)\b",
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
    elif start > 0 and (earlier := _earlier(note, start)) is not None:
        thing, name = earlier  # "screens are the old wood kind. dont hose them"
    else:
        return key, value
    said = "on the" if pronoun.group() == "there" else "the"
    return (
        name if key == "instructions.general" else key
    ), f"{value[: pronoun.start()]}{said} {thing}{value[pronoun.end() :]}"


# What a pronoun never stands for: a tool or a substance, not the thing worked on.
_TOOLS = frozenset(
    {"ammonia", "bleach", "vinegar", "pressure_washer", "ladder", "shoes", "razor", "scraper"}
    | {"poles", "squeegee", "hose", "noise"}
)


def _earlier(note: Note, start: int) -> tuple[str, str] | None:
    """The thing the sentence before is about: named near its start, else the last surface."""
    lo, _ = note.sentence(start - 1)
    lo = max(lo, start - 200)
    things = [t for t in _OBJECT.finditer(note.text, lo, start) if t.lastgroup not in _TOOLS]
    if not things:
        return None
    head = note.text[lo : things[0].start()]
    thing = things[0] if len(head.split()) <= 3 else things[-1]
    return tidy(thing.group()), f"instructions.{thing.lastgroup}"


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
