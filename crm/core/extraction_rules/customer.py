"""The customer as a whole: the language they speak and the kind of customer they are (the age
group is in age_group.py)."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, tidy

_I = re.IGNORECASE

# -- language ------------------------------------------------------------------------------

_LANGUAGES = (
    r"spanish|vietnamese|chinese|mandarin|cantonese|korean|russian|portuguese|french|arabic"
    r"|polish|tagalog|hindi|japanese|german|italian|asl|sign\s+language|creole|haitian\s+creole"
    r"|ukrainian|farsi|persian|somali|hmong|greek|turkish|punjabi|urdu|gujarati|bengali"
    r"|amharic|swahili|thai|khmer|lao|burmese|nepali|tamil|telugu|romanian|albanian|bosnian"
    r"|serbian|croatian|hebrew|armenian|dutch|norwegian|swedish|danish|finnish|czech|slovak|hungarian"
    r"|icelandic|lithuanian|latvian|estonian|georgian|malay|indonesian|samoan|tongan|navajo"
)
_LANGUAGE = re.compile(rf"\b(?P<lang>{_LANGUAGES})\b", _I)
_LANGUAGE_CUE = re.compile(
    r"\b(?:speak\w*|english|translat\w*|interpret\w*|language|habla|fluent|native|deaf|uses"
    r"|signs)\b",
    _I,
)
# "Spanish only", "Spanish speaker", "only Korean": the language said outright.
_LANGUAGE_SAID = re.compile(
    rf"\b(?:{_LANGUAGES})(?:[\s-]+(?:speaker|speaking))?[\s-]+only\b"
    rf"|\b(?:{_LANGUAGES})[\s-]+speak(?:er|ing)\b|\bonly\s+(?:{_LANGUAGES})\b"
    rf"|\bprefers?\s+(?:to\s+speak\s+)?(?:{_LANGUAGES})\b",
    _I,
)
# French doors, Spanish tile, Dutch door, German shepherd: a thing, not a language.
_LANGUAGE_THING = re.compile(
    r"\s+(?:doors?|tiles?|roof|style|drain|windows?|shepherds?|colonial|revival|press|toast"
    r"|fries|braid|pane)\b",
    _I,
)


# A language said on its own, as a note's first word or a line of a list: "- Cantonese; son Kevin
# handles scheduling", "Spanish. hija Maria translates."
_ON_ITS_OWN = re.compile(rf"\s*[-*\u2022]?\s*(?:{_LANGUAGES})\s*(?:[.;,:]|$)", _I | re.MULTILINE)
# ... or as a field of a list written with semicolons: "Account notes: Tran, Bao; Vietnamese; ..."
_FIELD_BEFORE = re.compile(r";\s*$")
_FIELD_AFTER = re.compile(r"\s*(?:;|$)")
# "Sp only", "habla español": shorthand that needs no other cue.
_LANGUAGE_ONLY = re.compile(r"\b(?:sp|span)\.?\s+only\b|\bhabla\s+espa\w+", _I)


def language(note: Note) -> list[Hit]:
    """``language.spoken``: a language named next to a cue about speaking it."""
    hits = [
        Hit("language.spoken", "Spanish", *m.span(), 0.7) for m in note.finditer(_LANGUAGE_ONLY)
    ]
    for m in note.finditer(_LANGUAGE):
        if m.group("lang").lower() == "english" or _LANGUAGE_THING.match(note.text, m.end()):
            continue
        said = _LANGUAGE_SAID.match(note.text, m.start()) or _LANGUAGE_SAID.search(
            note.text, max(0, m.start() - 16), m.end()
        )
        lo, hi = note.sentence_window(m.start(), m.end())
        on_its_own = _ON_ITS_OWN.match(note.text, note.sentence(m.start())[0]) or (
            _FIELD_BEFORE.search(note.text, max(0, m.start() - 4), m.start())
            and _FIELD_AFTER.match(note.text, m.end())
        )
        if not said and _LANGUAGE_CUE.search(note.text, lo, hi) is None and not on_its_own:
            continue
        if note.negated(m.start(), 12):
            continue
        value = " ".join(w.capitalize() for w in m.group("lang").split())
        hits.append(Hit("language.spoken", value.replace("Asl", "ASL"), m.start(), m.end(), 0.8))
    return hits


# -- customer type -------------------------------------------------------------------------

_CUSTOMER_TYPE = re.compile(
    r"(?P<hoa>(?-i:\b(?:[A-Z][a-z]+\s+){1,3}HOA\b|^\s*HOA\s*[-:,]|^\s*HOA\s+[A-Z][a-z]+|\bHOA\s+(?:pays|account|acct))"
    r"|\b[a-z]+\s+(?:creek|ridge|park|hills?|woods|lake|pointe?|glen|meadows?|estates)\s+hoa\b"
    r"|\bhoa\s+(?:building|bldg|community|complex|townhomes|townhouses|condos)\b"
    r"|\b(?:acct|account)\s+type\s*:\s*hoa\b)"
    r"|\b(?P<comml>comm'?l|comm(?=\s+(?:acct|account)\b|\s*[-:]\s|\s*\)))\b"
    r"|(?P<dental>(?-i:\b[A-Z][a-z]+\s+(?:Family\s+)?(?:Dental|Dentistry|Orthodontics)\b)"
    r"|\bdental\s+(?:practice|clinic)\b)"
    r"|(?P<realty>(?-i:\b[A-Z][a-z]+\s+(?:Realty|Realtors|Real\s+Estate))\s+office\b)"
    r"|(?P<gas>\b(?:gas|service|shell|exxon|chevron|mobil|bp|citgo|sunoco)\s+station\b)"
    r"|(?P<apartments>\b(?:apartments|apts)\b(?!\s+(?:next|across)))"
    r"|(?P<pm>(?<!new\s)\bproperty\s+(?:management|mgmt)\b|(?-i:\b[A-Z][a-z]+\s+(?:Mgmt|Management)\b)"
    r"|\bPM\s+co\b)"
    r"|(?P<nails>(?-i:\b[A-Z][a-z]+\s+Nails\b))"
    # a bilingual tech's words: "Restaurante El Farolito", "Iglesia San José", "Condominios Bayside"
    r"|(?P<restaurante>\brestaurante\b)|(?P<iglesia>\biglesia\b)|(?P<condos>\bcondominios?\b"
    r"|(?-i:\b[A-Z][a-z]+\s+)[Cc]ondos\b)|(?P<apartamentos>\bapartamentos\b)"
    r"|(?P<oficina>\boficina\b|(?-i:\b[A-Z][a-z]+\.?\s+)(?:Law\s+Offices|Accountants|Accounting))"
    r"|(?P<rentals>(?-i:\b[A-Z][a-z]+\s+)[Rr]entals\b|\bis\s+now\s+a\s+rental\b|(?:\A|(?<=[.;:!\n]))\s*(?:[\w']+\s+){0,3}?rental"
    r"\s+(?:at|on|in)\s+(?:[0-9]|(?-i:[A-Z]))|\(\s*rental\s*\)|\brental\s+unit\b)"
    r"|(?P<business>\b(?:dentist(?:'?s)?(?:\s+office)?|(?:store|shop)\s+"
    r"(?:mgr|manager)|(?-i:Dr\.?\s+[A-Z][a-z]+'s)\s+(?:office|practice)"
    r"|(?-i:[A-Z][a-z]+\s+(?:Yoga|Fitness|Plumbing|Insurance|Dental|Auto|Hardware"
    r"|Florist|Studio|Salon|Bakery|Brewing|Ales|Liquors?|Books|Taproom|Vet|Cleaners))\b"
    r"|(?-i:[A-Z][a-z]+\s+Credit\s+Union)\b|\b(?:taproom|credit\s+union|liquor\s+store|book\s*store)\b)\b)"
    r"|(?P<medical>(?-i:\b[A-Z][a-z]+\s+Medical\b)(?!\s+(?:Imaging|Office|Clinic))"
    r"|\bmedical\s+(?:center|centre|facility|building|bldg)\b|\bhospital\b)"
    r"|(?P<restaurant>(?-i:\b[A-Z][\w']*\s+(?:BBQ|Grill|Diner|Pizzeria|Pizza|Bistro|Taqueria"
    r"|Tacos?|Sushi|Steakhouse|Cafe|Kitchen|Eatery|Cantina|Bar\s+&\s+Grill)\b|\b(?:Taco|Pizza|Sushi"
    r"|Burger)\s+[A-Z][a-z]+)|\brestaurant\b|\b(?:pizza|taco|burger|sushi|noodle)\s+(?:place|joint|shop)"
    r"\b|\b(?:diner|pizzeria|taqueria|cantina|bistro)\b)"
    r"|(?P<church>(?-i:\b[A-Z][a-z]+(?:'s)?\s+(?:Methodist|Baptist|Lutheran|Presbyterian|Episcopal"
    r"|Catholic|Pentecostal|Adventist|Chapel|Tabernacle|Parish)\b)"
    r"|(?-i:\b(?:St\.?|Saint)\s+[A-Z][a-z]+'s)(?=[^\n]{0,80}\b(?:Father|Pastor|Rev|Reverend"
    r"|Deacon|[Pp]arish|[Mm]ass|[Ss]anctuary|[Cc]hurch|[Cc]ongregation)\b))"
    r"|(?P<dealer>(?-i:\b[A-Z][a-z]+\s+(?:Chevrolet|Chevy|Toyota|Honda|Nissan|Hyundai|Kia"
    r"|Subaru|Chrysler|Dodge|Jeep|Buick|GMC|Cadillac|Lexus|BMW|Audi|Volkswagen|Mazda)\b)"
    r"(?!\s+(?:truck|van|car|suv|pickup)))"
    r"|(?P<bnb>\bB\s?&\s?B\b|\bbed\s+(?:and|&)\s+breakfast\b)"
    r"|(?P<school>(?-i:\b[A-Z][a-z]+\s+(?:Elementary|Middle\s+School|High\s+School)\b))"
    r"|(?P<government>\b(?:courthouse|city\s+hall|town\s+hall|county\s+(?:building|offices?)"
    r"|government\s+(?:building|office)|post\s+office)\b)"
    r"|\b(?:commercial|storefront|store\s*front|cafe|church|office\s+building|laundromat"
    r"|dry\s+cleaners?|nail\s+salon|barber\s*shop|(?:dog\s+|pet\s+)?grooming\s+(?:shop|salon)"
    r"|(?:yoga|dance|pilates|fitness|karate|martial\s+arts|photo(?:graphy)?|art|tattoo|music"
    r"|recording)\s+studio"
    r"|(?:dental|doctor'?s|law|medical)\s+office|clinic|salon|gym|daycare"
    r"|school(?!\s+(?:pickup|pick-up|drop-?off|run|bus|year|holidays?|days?|nights?|zone))"
    r"|bank(?!\s+(?:transfer|account|acct|draft|card|details|barn|deposit|holiday|of\s+windows))"
    r"|(?:air\s*bnb|vrbo)(?:\s+rental)?|(?:short[\s-]term|vacation)\s+(?:rental|home|house|cabin)"
    r"|rental\s+property"
    r"|apartment\s+complex|condo\s+(?:complex|building|bldg|association)|retail|warehouse"
    r"|car\s+dealership|dealership|hotel|motel|office\s+(?:bldg|building|park|complex|suite)"
    r"|(?:apartment|apt)\s+(?:complex|building|bldg)|coffee\s+shop|law\s+firm|car\s+wash|bakery"
    r"|brewery|pharmacy|(?:grocery|convenience|retail|hardware)\s+store|strip\s+mall|boutique"
    r"|(?:bagel|donut|doughnut|sandwich|ice\s+cream|flower|gift|bike|thrift)\s+shop"
    r"|nursing\s+home|assisted\s+living\s+(?:facility|center)|(?:vet|veterinary)\s+clinic"
    r"|(?:real\s+estate|insurance|accounting)\s+office|funeral\s+home|library|museum|strata"
    r"|municipal|farm|ranch\s+(?=house)|this\s+is\s+a\s+rental|it'?s\s+a\s+rental|mosque|synagogue"
    r"|casino|rv\s+(?:park|resort)|senior\s+living|(?:medical|shopping|office)\s+plaza)\b",
    _I,
)
# "Cust is a realtor": the customer's trade says what kind of customer they are.
_TRADE = re.compile(
    r"\b(?:cust(?:omer)?|client|homeowner|owner)\s+is\s+an?\s+(?P<trade>realtor|real\s+estate"
    r"\s+agent|contractor|builder|property\s+manager|landlord|investor|developer|flipper)\b"
    # "Builder is Hanover Homes, they pay by check": the customer is the builder.
    r"|\b(?P<trade2>builder|(?:general\s+)?contractor|developer)\s+is\s+(?-i:[A-Z][a-z]+\s+[A-Z][a-z]+)"
    r"(?=[^.;!?\n]{0,30}\b(?:pays?|invoice|bill)\w*)",
    _I,
)
_GROUPS = {
    "hoa": "hoa",
    "comml": "commercial",
    "apartments": "apartment complex",
    "pm": "property management",
    "medical": "medical facility",
    "restaurant": "restaurant",
    "government": "government",
    "church": "church",
    "dealer": "car dealership",
    "bnb": "bed and breakfast",
    "school": "school",
    "rentals": "rental",
    "business": "commercial",
    "dental": "dental office",
    "realty": "real estate office",
    "gas": "gas station",
    "nails": "nail salon",
    "restaurante": "restaurant",
    "iglesia": "church",
    "condos": "condo",
    "apartamentos": "apartment complex",
    "oficina": "office",
}
# A named business says which kind it is: "Brightside Cafe", "Northside Fitness".
_NAMED_KIND = (
    (re.compile(r"\bcaf[eé]\b", _I), "cafe"),
    (re.compile(r"\bpizz", _I), "pizzeria"),
    (re.compile(r"\bdiner\b", _I), "diner"),
    (re.compile(r"\borthodont", _I), "orthodontist office"),
    (re.compile(r"\b(?:fitness|gym)\b", _I), "gym"),
    (re.compile(r"\byoga\b", _I), "yoga studio"),
    (re.compile(r"\bsalon\b", _I), "salon"),
    (re.compile(r"\bbakery\b", _I), "bakery"),
)
# "the church lot across the street", "steep bank behind the garage": a place nearby or the
# lie of the land, not the kind of customer.
# "10% church member discount", "on Church St", "(church)" said as the reason for a day off.
_NOT_THE_PLACE = re.compile(
    r"\s+(?:members?|st|street|rd|road|ave|avenue|lane|ln|choir|services?|discount|rate|friends?)\b",
    _I,
)
_NEARBY_AFTER = re.compile(r"\s+(?:parking\s+)?(?:lot|parking|next\s+door|across)\b", _I)
_TERRAIN_BEFORE = re.compile(
    r"\b(?:steep|creek|river|stream|grassy|muddy|mossy|slippery|wet|dirt|sloped?|eroded|pond|lake|rocky"
    r"|high)\s+$|\b(?:on|along|down|up)\s+the\s+$",
    _I,
)
# Kinds of business: the customer is commercial too ("dental office" -> "commercial, ...").
_BUSINESS = re.compile(
    r"\b(?:storefront|store\s*front|cafe|office|clinic|salon|gym|bank|retail|warehouse|dealership"
    r"|hotel|motel|coffee|firm|car\s+wash|bakery|brewery|pharmacy|store|mall|boutique|restaurant"
    r"|funeral|medical|daycare|laundromat|cleaners?|salon|shop|studio|station|pizzeria|diner"
    r"|gym|casino|rv\s+(?:park|resort)|senior\s+living|plaza)\b"
)


def _kind(text: str) -> str:
    kind = tidy(text).replace("air bnb", "airbnb")
    kind = re.sub(r"^(?:this is a|it'?s a) rental$", "rental", kind)
    kind = re.sub(r"^dealership$", "car dealership", kind)
    kind = re.sub(r"^vacation (?:house|cabin)$", "vacation home", kind)
    return re.sub(r"\b(?:bldg)\b", "building", re.sub(r"^apt\b", "apartment", kind))


# "Jim from the hardware store", "Bob at the bank": a place someone else came from (not the
# sender of a pasted email, "From the Linwood HOA manager", nor "Gutters @ Brightwater HOA").
_PASSING = re.compile(
    r"(?:(?<!^)(?<!^the\s)(?<!email\s)(?<!message\s)\bfrom"
    r"|(?-i:\b(?!(?:Gutters|Windows|Screens|Job|Work|Service|Cleaning)\b)[A-Z][a-z]+(?<!ed))\s+(?:at|@)|\b(?:above|below|beside|behind|next\s+to"
    r"|across\s+from)|\b(?:with|w/)\s+the"
    r"|\b(?:teach(?:es|ing)?|works?|working|worked|attends?|goes|go|drives?|nurse|retired)"
    # "works night shifts at the hospital"
    r"(?:\s+(?:night|nights|day|days|late|early|the\s+night)(?:\s+shifts?)?)?"
    r"\s+(?:at|for|to|from|in))\s+(?:the\s+|a\s+|his\s+|her\s+)?(?:local\s+|high\s+|elementary\s+"
    r"|middle\s+|grade\s+)?$"
    # "like a bird hotel": a likeness, not a customer
    r"|\blike\s+an?\s+(?:\w+\s+)?$",
    _I,
)
# "Ground floor storefront completed": the work of this visit, not the kind of customer;
# "tipped us in brewery gift cards": a present.
_WORK_DONE = re.compile(
    r"\s+(?:glass\s+)?(?:completed|done|finished|cleaned)\b|\s+gift\s+(?:cards?|certificates?)\b",
    _I,
)
# "they're at church all day", "after church": going to church, not a church customer.
_ATTENDING = re.compile(r"\b(?:at|to|from|after|before|for|in|go(?:es)?)\s+$", _I)
# "Met Pastor Anne at Hillside Methodist": the pastor is at their own church.
_CLERGY = re.compile(r"\b(?:pastor|father|rev|reverend|deacon|priest)\b", _I)


def _named_kind(m: re.Match[str]) -> str | None:
    if m.lastgroup not in ("restaurant", "business", "dental"):
        return None
    kind = next((kind for word, kind in _NAMED_KIND if word.search(m.group())), None)
    if kind is not None and m.lastgroup == "restaurant":
        return f"{kind}, restaurant"  # "Magnolia Cafe": a cafe, and a restaurant to most
    return kind


def customer_type(note: Note) -> list[Hit]:
    """``customer.type``: every kind-of-customer word in the note, in order ("gym, commercial")."""
    found = [
        m
        for m in (*note.finditer(_CUSTOMER_TYPE), *note.finditer(_TRADE))
        if not note.negated(m.start(), 15)
        and not _WORK_DONE.match(note.text, m.end())
        and not _NEARBY_AFTER.match(note.text, m.end())
        and not (
            m.group().lower() == "bank"
            and _TERRAIN_BEFORE.search(note.text, max(0, m.start() - 12), m.start())
        )
        and not note.someone_elses(m.start())  # "her daughter runs a dance studio"
        and not (
            m.group().lower() in ("church", "school")
            and (
                _ATTENDING.search(note.text, max(0, m.start() - 12), m.start())
                or _NOT_THE_PLACE.match(note.text, m.end())
                or note.text[max(0, m.start() - 1) : m.start()] == "("
            )
        )
        and (
            not _PASSING.search(before := note.clause_before(m.start()))
            or (m.lastgroup == "church" and _CLERGY.search(before))
        )
    ]
    if not found:
        return []
    found.sort(key=lambda m: m.start())
    kinds = list(
        dict.fromkeys(
            tidy(m.group("trade") or m.group("trade2"))
            if "trade" in m.re.groupindex
            else _named_kind(m) or _GROUPS.get(m.lastgroup or "") or _kind(m.group())
            for m in found
        )
    )
    if "commercial" not in kinds and any(_BUSINESS.search(k) for k in kinds):
        kinds.append("commercial")
    if "library" in kinds and "municipal" not in kinds:
        kinds.append("municipal")  # a public library is the town's
    return [Hit("customer.type", ", ".join(kinds), found[0].start(), found[0].end(), 0.7)]
