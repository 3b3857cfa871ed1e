"""Pets: the dog's breed and how many dogs, cats and other animals live on site."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import NUMBER, Hit, Note, parse_number

_I = re.IGNORECASE

BREEDS = (
    r"labs?|labrador|retrievers?|rottweilers?|rotties?|pit\s?bulls?|pitties|german\s+shepherds?|husky"
    r"|huskies|poodles?|doodles?|goldendoodles?|labradoodles?|terriers?|chihuahuas?|beagles?"
    r"|dobermans?|dachshunds?|corgis?|schnauzers?|bulldogs?|mastiffs?|collies?|spaniels?"
    r"|yorkies?|pugs?|heelers?|goldens|aussies?|boxers?|greyhounds?|pomeranians?|shelties?"
    r"|weimaraners?|vizslas?|akitas?|shibas?|cavaliers?|havanese|bichons?|basset\s+hounds?"
    r"|malteses?|shih\s+tzus?|bernese|newfies?|great\s+pyrenees|cattle\s+dogs?|frenchies?"
    r"|staff(?:y|ies)|sausage\s+dogs?|springers?|whippets?|greyhounds?|collie\s+mix"
    r"|french\s+bulldogs?|pit\s+mix(?:es)?|(?:lab|pitbull|pit\s+bull|shepherd|terrier)\s+mix(?:es)?"
    r"|golden(?=\s*[,.;)]|\s*$|\s+(?:named|called)\b)"
)
_BREEDS = BREEDS

_BREED = re.compile(
    r"\b(?P<mix>(?:lab|pit|pitbull|pit\s+bull|shepherd|terrier|collie|husky|beagle|boxer|poodle"
    r"|heeler|hound|spaniel|retriever|chihuahua|chow)\s+mix)\b"
    rf"|\b(?P<breed>golden\s+retrievers?|german\s+shepherds?|{_BREEDS}|great\s+danes?|shih\s+tzus?"
    r"|malamutes?|akitas?|cane\s+corsos?|heelers?|aussies?|chow\s+chows?)\b",
    _I,
)
_BREED_NAMES = {
    "lab": "Labrador",
    "labrador": "Labrador",
    "frenchie": "French Bulldog",
    "staffy": "Staffordshire Bull Terrier",
    "staffie": "Staffordshire Bull Terrier",
    "sausage dog": "Dachshund",
    "springer": "Springer Spaniel",
    "french bulldog": "French Bulldog",
    "rottie": "Rottweiler",
    "pitty": "Pit Bull",
    "pittie": "Pit Bull",
    "pitbull": "Pit Bull",
    "aussie": "Australian Shepherd",
    "husky": "Husky",
    "golden": "Golden Retriever",
    "golden retriever": "Golden Retriever",
    "heeler": "Heeler",
}


# "2 dogs (pugs)", "three cats", "their two German Shepherds", "they have chickens".
_HOW_MANY = re.compile(
    rf"\b(?P<num>{NUMBER})\s+(?:(?:big|small|little|old|indoor|outdoor|rescue|friendly)\s+)?"
    rf"(?:(?P<dog>dogs|pups|puppies|(?:german\s+)?shepherds|labs|retrievers|pugs|huskies|terriers"
    rf"|poodles|doodles|beagles|chihuahuas|dachshunds|corgis)|(?P<cat>cats|kitties|kittens))\b",
    _I,
)
_OTHER_ANIMALS = re.compile(
    rf"\b(?:(?P<num>{NUMBER})\s+)?(?P<animal>chickens|hens|goats|horses|ponies|rabbits|bunnies"
    r"|ducks|geese|pigs|sheep|alpacas|llamas|parrots?|tortoises?|donkeys)\b",
    _I,
)


# "2 dogs - Pepper + Salt", "two cats named salt and pepper": the names already count them.
_NAMES_LISTED = re.compile(
    r"\s*(?:(?:,|:|-|\u2013|\u2014)\s*(?=(?-i:[A-Z]))|\s(?:named|called)\s+)"
    r"[A-Za-z]{2,15}\s*(?:&|\+|\band\b)\s*[A-Za-z]{2,15}\b",
    _I,
)

_THEIRS = re.compile(r"\b(?:have|has|got|keeps?|their|her|his|own|owns|raise|raises)\b", _I)
# "Chickens and 2 goats in back, keep gates closed", "gate must stay shut, chickens": animals
# kept on site, named with the gate that keeps them in.
_KEPT = re.compile(
    r"\b(?:gates?|pen|coop|pasture|paddock)\b[^.;!?\n]{0,30}?\b(?:clos\w+|shut|latch\w*)\b"
    r"|\b(?:clos\w+|shut|latch\w*)\s+(?:the\s+)?(?:\w+\s+)?gates?\b"
    r"|\b(?:in|out)\s+(?:the\s+)?(?:back|pasture|paddock|coop|pen|barn)\b",
    _I,
)


def how_many(note: Note) -> list[Hit]:
    """``pets.dog_count`` / ``pets.cat_count`` for two or more, and other animals on site
    (``pets.chickens``: true, or a count)."""
    hits = []
    for m in note.finditer(_HOW_MANY):
        number = parse_number(m.group("num"))
        if number is None or number < 2 or note.negated(m.start(), 15):
            continue
        if note.someone_elses(m.start()) or _NAMES_LISTED.match(note.text, m.end()):
            continue
        key = "pets.dog_count" if m.group("dog") else "pets.cat_count"
        hits.append(Hit(key, {"count": number, "plus": False}, *m.span(), 0.75))
    for m in note.finditer(_OTHER_ANIMALS):
        if note.negated(m.start(), 15) or note.someone_elses(m.start()):
            continue
        lo, hi = note.sentence_window(m.start(), m.end())
        if not _THEIRS.search(note.text, max(0, m.start() - 25), m.start()) and not _KEPT.search(
            note.text, max(lo, m.start() - 60), min(hi, m.end() + 60)
        ):
            continue  # "fence along the pasture (horses)": not said to be theirs
        animal = m.group("animal").lower()
        number = parse_number(m.group("num")) if m.group("num") else None
        counted = number is not None and number > 1
        value: bool | dict[str, object] = {"count": number, "plus": False} if counted else True
        hits.append(Hit(f"pets.{animal}", value, *m.span(), 0.65, rank=1 if counted else 0))
    return hits


def dog_breed(note: Note) -> list[Hit]:
    """``pets.dog_breed``: "Rottweiler named Bruno" (capitalised, singular)."""
    hits = []
    for m in note.finditer(_BREED):
        if note.negated(m.start(), 25) or note.someone_elses(m.start(), m.end()):
            continue
        if m.group("mix"):  # "lab mix", "pitbull mix": as written
            value = " ".join(w.capitalize() for w in m.group("mix").split())
            hits.append(Hit("pets.dog_breed", value, m.start(), m.end(), 0.75))
            continue
        word = " ".join(m.group("breed").lower().split())
        word = "husky" if word == "huskies" else re.sub(r"(?<=[a-z])s$", "", word)
        value = _BREED_NAMES.get(word, " ".join(w.capitalize() for w in word.split()))
        hits.append(Hit("pets.dog_breed", value, m.start(), m.end(), 0.75))
    return hits
