"""Words of the instructions rules: the objects an instruction is about, how a do or don't is
said back in short ("Do NOT go on the roof - its slate" -> "don't go on the roof"), and the
short ones said without a verb ("no metal poles", "keep the coop door shut")."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import tidy

_I = re.IGNORECASE

OBJECT = re.compile(
    r"\b(?:(?P<roof>roofs?)|(?P<flower_beds>flower\s*beds?|beds)|(?P<garden>gardens?)"
    r"|(?P<garage_windows>garage\s+windows?)|(?P<basement_windows>basement\s+windows?)"
    r"|(?P<solar_panels>solar\s+(?:panels?|array))|(?P<sills>sills?)"
    r"|(?P<screens>screens?)|(?P<gutters>gutters?)|(?P<skylights>sky\s?lights?)"
    r"|(?P<ammonia>ammonia|windex)|(?P<bleach>bleach)|(?P<vinegar>vinegar)"
    r"|(?P<pressure_washer>pressure\s*wash\w*|power\s*wash\w*)|(?P<ladder>ladders?)"
    r"|(?P<backyard>back\s*yard)|(?P<stucco>stucco)|(?P<deck>decks?)|(?P<siding>siding)|(?P<shoes>shoes|boots|booties|shoe\s+covers)"
    r"|(?P<basement>basement)|(?P<sunroom>sun\s*room)|(?P<doors>(?:storm\s+|screen\s+)?doors?)"
    r"|(?P<inside>inside|interior)|(?P<stained_glass>stained\s+glass)|(?P<pool>pool|hot\s+tub)"
    r"|(?P<blinds>blinds|curtains)|(?P<plants>plants|shrubs|bushes)|(?P<lawn>lawn)"
    r"|(?P<grass>grass)|(?P<razor>razors?|blades?)|(?P<scraper>scrapers?)|(?P<tint>tint\w*|film)"
    r"|(?P<awning>awnings?)|(?P<lights>lights|lanterns)|(?P<downspouts>downspouts?)"
    r"|(?P<pond>(?:koi\s+|fish\s+)?ponds?)|(?P<fence>fences?)|(?P<spigot>spigots?|faucets?)"
    r"|(?P<poles>(?:metal\s+)?poles?|wfp)|(?P<squeegee>squeegees?)|(?P<tracks>tracks)"
    r"|(?P<mirrors>mirrors)|(?P<hose>hoses?)|(?P<noise>noise|radio|music)"
    r"|(?P<outlets>(?:power\s+)?outlets?))\b",
    _I,
)
TAIL = r"[^.;!?\n,()]{0,50}"
_SAID = (
    (re.compile(r"^(?:please\s+|pls\s+)"), ""),
    (re.compile(r"^(?:do\s+not|never|dont|not\s+to|not|stop)\b"), "don't"),
    (re.compile(r"^(don't\s+)using\b"), r"\1use"),
    (re.compile(r"^make\s+sure\s+(.{1,60}?)\s+stays?\s+"), r"keep \1 "),
    # "don't hose the front porch its old wood": the reason is not the instruction.
    (
        re.compile(
            r"\s+(?:its|it's|since|because|bc|b/c|but|so|cause|cuz|will|the\s+owner|per)\b.*$"
        ),
        "",
    ),
    (re.compile(r"\s+(?:pls|please|thanks|thx)$"), ""),
    (re.compile(r"^no\s+(walk|climb|step|stand|lean)ing\b"), r"don't \1"),
    (re.compile(r"\buse\s+(?:the|a)\s+(pressure|power)\s*washer\s+on\b"), r"\1 wash"),
    (re.compile(r"\s+-\s.*$"), ""),
    (re.compile(r"\s+(?:from\s+now(?:\s+on)?|going\s+forward|any\s*more)$"), ""),
    (re.compile(r"^(outside|exterior)s?\b(\s+windows)?\s+only\b.*$"), r"\1\2 only"),
)


def said(text: str) -> str:
    value = tidy(text)
    for pattern, replacement in _SAID:
        value = pattern.sub(replacement, value)
    return value[:120]


# "no metal poles", "NO radio playing on site", "no squeegee": a tool or a noise not to use.
NO_X = re.compile(
    r"\bno\s+(?:metal\s+|wooden\s+|high\s+|extension\s+)?(?P<obj>poles?|ladders?|squeegees?|radio"
    r"|music|smoking|pressure|hoses?|photo\w*|water[\s-]fed\s+poles?|wfp|surface\s+cleaners?"
    r"|scrubbing|walking|climbing)\b(?!\s+(?:needed|required|necessary|access|problems?|issues?"
    rf"|work|today|this))(?:\s+(?:on|near|around|against|by|over|in|at|there|playing)\b{TAIL})?",
    _I,
)
# "keep the coop door shut", "make sure the back door stays shut", "keep the noise down".
KEEP = re.compile(
    r"\b(?:keep|make\s+sure)\s+(?:the\s+|that\s+|their\s+|her\s+|his\s+)?(?P<thing>(?:[a-z]+\s+)"
    r"{0,2}?(?:doors?|windows?|slider|lids?|blinds|curtains|hatch|noise|it))\s+(?:stays?\s+|is\s+)?"
    r"(?:shut|closed|locked|latched|down|quiet)\b(?:\s+(?:while|when|during|near|by)\b"
    rf"{TAIL})?|\bbe\s+quiet\s+(?:near|around|by|in)\b{TAIL}",
    _I,
)
