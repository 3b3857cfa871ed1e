"""Deterministic, offline extraction of customer attributes from a technician's free-text note.

``extract(note)`` runs a set of small rule functions, one per fact family (dogs, gate, counts,
preferences ...). Each rule scans the whole note with bounded regular expressions and returns
``_Hit``s: a key, a value and the span of the note it came from. ``_resolve`` then keeps one hit
per key (the highest rank, then the last stated), removes facts a later statement contradicts
("dog named Rex ... no dog anymore") and turns the rest into vocabulary-checked ``Proposal``s.

Precision matters more than recall: a rule only fires on wording that states the fact, and
negations ("no dog", "doesn't need the ladder") either flip a yes/no fact or silence the rule.
All patterns use bounded gaps and no nested repetition, so a huge note stays linear.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from crm.core.vocabulary import Proposal, VocabularyError, normalise_value

RULES_VERSION = "1"
SOURCE = "rules"

# Typographic variants folded to ASCII one character for one, so offsets into the folded text
# are offsets into the original note and evidence can be sliced from the original.
_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u00d7": "x",
    }
)

_I = re.IGNORECASE


@dataclass(frozen=True)
class _Hit:
    key: str
    value: Any
    start: int
    end: int
    confidence: float
    rank: int = 0  # a more specific statement of the same key outranks a vaguer one


# -- the prepared note ---------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"')\]]|$)|\n")
_CLAUSE_END = re.compile(
    r"[.!?;:,()\[\]\n+&]|\s-+\s|\b(?:but|so|because|bc|b/c|although|though|however|then)\b", _I
)
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|none|nor|neither|dont|doesnt|didnt|wont|cant|isnt|arent"
    r"|wasnt|werent|shouldnt|no\s+longer|no\s+need)\b|n't\b",
    _I,
)
# Someone else's animal or relative: "her neighbor's dog", "the old man next door".
_OTHER_PERSON = re.compile(
    r"\b(?:neighbou?rs?|next\s+door|across\s+the\s+street|in-laws?"
    r"|(?:her|his|their|my)\s+(?:mother|father|mom|dad|parents?|grand\w{0,8}|daughter|son"
    r"|sister|brother|friend|aunt|uncle)|(?:daughter|son|sister|brother|friend|mother|mom"
    r"|father|dad)'s|dog[\s-]*sitting|sitting\s+for)\b",
    _I,
)


_REACH = 150


class _Note:
    """The note folded once, with sentence and clause boundaries for context checks."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = raw.translate(_FOLD)
        self._sentences = [0, *(m.end() for m in _SENTENCE_END.finditer(self.text))]
        self._clauses = [0, *(m.end() for m in _CLAUSE_END.finditer(self.text))]
        # Negation and other-person cues are found once; rules look them up by position.
        self._negations = [m.span() for m in _NEGATION.finditer(self.text)]
        self._others = [m.span() for m in _OTHER_PERSON.finditer(self.text)]

    @property
    def clause_starts(self) -> list[int]:
        return self._clauses

    @staticmethod
    def _span(starts: list[int], pos: int, length: int) -> tuple[int, int]:
        i = bisect_right(starts, pos) - 1
        end = starts[i + 1] if i + 1 < len(starts) else length
        return starts[i], end

    def sentence(self, pos: int) -> tuple[int, int]:
        return self._span(self._sentences, pos, len(self.text))

    def clause(self, pos: int) -> tuple[int, int]:
        return self._span(self._clauses, pos, len(self.text))

    def clause_before(self, pos: int, limit: int = 40) -> str:
        """The text between the start of pos's clause (at most ``limit`` back) and pos."""
        start, _ = self.clause(pos)
        return self.text[max(start, pos - limit) : pos]

    # Sentence-wide looks are capped at _REACH characters so a note with no punctuation
    # at all still costs linear time.
    def sentence_window(self, pos: int, end: int | None = None) -> tuple[int, int]:
        start, stop = self.sentence(pos)
        return max(start, pos - _REACH), min(stop, (pos if end is None else end) + _REACH)

    def sentence_before(self, pos: int) -> str:
        start, _ = self.sentence_window(pos)
        return self.text[start:pos]

    def sentence_after(self, pos: int) -> str:
        _, end = self.sentence_window(pos)
        return self.text[pos:end]

    @staticmethod
    def _first_within(spans: list[tuple[int, int]], lo: int, hi: int) -> int | None:
        """The start of the first span lying wholly inside [lo, hi), if any."""
        i = bisect_left(spans, (lo, lo))
        while i < len(spans) and spans[i][0] < hi:
            if spans[i][1] <= hi:
                return spans[i][0]
            i += 1
        return None

    def negation_start(self, pos: int, limit: int = 40) -> int | None:
        """Where a negation word earlier in pos's clause starts ("no bees", "doesn't need the
        ladder"), so the evidence can include it; None when the clause is not negated."""
        start, _ = self.clause(pos)
        start = max(start, pos - limit)
        begin = self._first_within(self._negations, start, pos)
        if begin is None:
            return None
        while begin > start and self.text[begin - 1].isalpha():  # "doesn't", not "n't"
            begin -= 1
        return begin

    def negated(self, pos: int, limit: int = 40) -> bool:
        return self.negation_start(pos, limit) is not None

    def someone_elses(self, pos: int) -> bool:
        """The mention at pos is about a neighbour or relative, not the customer's household."""
        start, _ = self.sentence_window(pos)
        return self._first_within(self._others, start, pos) is not None

    def someone_else_near(self, start: int, end: int) -> bool:
        """A neighbour or relative is mentioned anywhere in the sentence around [start, end)."""
        lo, hi = self.sentence_window(start, end)
        return self._first_within(self._others, lo, hi) is not None

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.text)


Rule = Callable[[_Note], list[_Hit]]


# -- names ---------------------------------------------------------------------------------

_NAME = r"(?P<name>[A-Za-z][A-Za-z'-]{1,20})(?![A-Za-z0-9])"


# Words that follow "dog named", "husband", "tenant" ... but are never a name.
def _words(text: str) -> list[str]:
    return text.split()


_NOT_NAMES = frozenset(
    _words(
        """
    a an the this that these those it its he she him her his hers they them their we us our
    you your i me my who which what when where why how all any both each few more most other
    some such no nor not only own same so than too very can will just should now is are was
    were be been being have has had do does did would could might must shall may to of in on
    at by for with about from up down out off over under again then once here there and but or
    if because as until while also yet either neither named called name names is isnt doesnt
    friendly nice sweet big small little old young large huge tiny good bad great mean nervous
    shy aggressive gentle calm quiet loud happy sad cute super really quite pretty black white
    brown grey gray golden yellow red tan spotted fluffy fat skinny older elderly new usually
    always never sometimes often still inside outside indoor outdoor indoors outdoors home away
    gone dead sick deaf blind retired lovely particular picky fussy harmless yappy barky scared
    skittish timid anxious hyper crazy wild bites barks jumps gets got runs comes came goes went
    says said works working stays sits lives live knows lets let keep keeps handles handle pays
    paid wants likes loves will wont cant usually handles takes took left leaves answers asked
    dog dogs cat cats pup puppy kitten kitty lab mr mrs ms miss dr sir madam owner owners tenant
    tenants renter husband wife spouse partner customer client lady man woman guy girl boy kid
    kids baby family couple neighbor neighbour yes ok okay lol na unknown none nothing something
    anything everything everyone someone mostly also too around approx about maybe please pls
    thanks works needs need wants home late early sometimes today tomorrow yesterday there
    beware careful watch gate code door front back side yard house window windows screens
    """
    )
)


def _name_value(word: str) -> str | None:
    """The word as a name (capitalised), or None when it cannot be one."""
    word = word.strip("'-")
    if word.lower().endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word.lower() in _NOT_NAMES or not word.isalpha():
        return None
    if word.isupper() or word.islower():
        word = word.capitalize()
    return word


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


# -- numbers -------------------------------------------------------------------------------

_UNITS = {
    w: i
    for i, w in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"))
}
_WORD_NUMBER = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine)\b)?"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|(?:a\s+)?dozen)"
)
# Digits that are not part of a price, phone number, time, decimal or ordinal.
_DIGITS = r"(?<![\w$#.,/:+-])[0-9]{1,4}(?![0-9]|[.,:/][0-9]|%|st\b|nd\b|rd\b|th\b)"
_NUMBER = rf"(?:{_DIGITS}|\b{_WORD_NUMBER}\b)"


def _parse_number(text: str) -> int | None:
    words = text.lower().replace("-", " ").split()
    if not words:
        return None
    if words[0].isdigit():
        return int(words[0])
    if words[-1] == "dozen":
        return 12
    if len(words) == 1:
        return _UNITS.get(words[0], _TENS.get(words[0]))
    if words[0] in _TENS and words[1] in _UNITS:
        return _TENS[words[0]] + _UNITS[words[1]]
    return None


# -- pets ----------------------------------------------------------------------------------

_BREEDS = (
    r"labs?|labrador|retrievers?|rottweilers?|rotties?|pit\s?bulls?|pitties|german\s+shepherds?|husky"
    r"|huskies|poodles?|doodles?|goldendoodles?|labradoodles?|terriers?|chihuahuas?|beagles?"
    r"|dobermans?|dachshunds?|corgis?|schnauzers?|bulldogs?|mastiffs?|collies?|spaniels?"
    r"|yorkies?|pugs?"
)
_DOG_WORDS = rf"(?:dogs?|doggy|doggie|pups?|puppy|puppies|{_BREEDS})"
_CAT_WORDS = r"(?:cats?|kitty|kitties|kittens?)"


@dataclass(frozen=True)
class _Animal:
    key_has: str
    key_name: str
    words: str


_DOG = _Animal("pets.has_dog", "pets.dog_name", _DOG_WORDS)
_CAT = _Animal("pets.has_cat", "pets.cat_name", _CAT_WORDS)

_NAMED = r"(?:\s+is)?\s+(?:named|called)\s+|'?s\s+name\s+is\s+|\s+name\s*(?:is|:)\s*"


def _animal_patterns(words: str) -> dict[str, re.Pattern[str]]:
    return {
        "mention": re.compile(rf"\b{words}\b", _I),
        # "no dog(s)", "no more dog", "no longer has the dog", "don't have a dog anymore"
        "none": re.compile(
            rf"\b(?:no\s+(?:more\s+|longer\s+(?:any\s+|a\s+)?)?|(?:no\s+longer|don'?t|doesn'?t"
            rf"|do\s+not|does\s+not|didn'?t)\s+(?:have|has|own|owns)\s+(?:a\s+|the\s+|any\s+"
            rf"|their\s+|her\s+|his\s+)?|used\s+to\s+have\s+(?:a\s+|the\s+)?){words}\b",
            _I,
        ),
        # "dog passed away", "the cat died", "dog is gone", "dog was rehomed"
        "gone": re.compile(
            rf"\b{words}\s+(?:has\s+|have\s+|had\s+|is\s+|was\s+|got\s+)?(?:passed(?:\s+away)?"
            rf"|died|gone|put\s+down|put\s+to\s+sleep|rehomed|given\s+away|no\s+longer)\b",
            _I,
        ),
        "named": re.compile(rf"\b{words}(?:{_NAMED}){_NAME}", _I),
        # "the dog, Rocky, friendly" / "dog: Zeus" / "cat (Oreo)"
        "apposition": re.compile(
            rf"\b{words}\s*(?:,|:|-|\()\s*{_NAME}\s*(?=[,.;:!)\-]|$)", _I | re.MULTILINE
        ),
    }


_NAME_GONE = re.compile(
    rf"\b{_NAME}\s+(?:has\s+|is\s+|was\s+)?(?:passed(?:\s+away)?|died|gone|put\s+down"
    rf"|rehomed)\b",
    _I,
)
_DOG_RE = _animal_patterns(_DOG_WORDS)
_CAT_RE = _animal_patterns(_CAT_WORDS)


def _animal_rule(note: _Note, animal: _Animal, patterns: dict[str, re.Pattern[str]]) -> list[_Hit]:
    hits: list[_Hit] = []
    consumed: list[tuple[int, int]] = []
    for kind in ("none", "gone"):
        for m in note.finditer(patterns[kind]):
            if not note.someone_elses(m.start()):
                hits.append(_Hit(animal.key_has, False, m.start(), m.end(), 0.85))
                consumed.append(m.span())
    names: list[_Hit] = []
    for kind in ("named", "apposition"):
        for m in note.finditer(patterns[kind]):
            if note.someone_elses(m.start()) or note.negated(m.start()):
                continue
            word = m.group("name")
            # A bare apposition is only a name when written like one ("dog, Rocky,").
            if kind == "apposition" and not _capitalised(word):
                continue
            value = _name_value(word)
            if value is None:
                continue
            names.append(_Hit(animal.key_name, value, m.start(), m.end(), 0.9))
            hits.append(_Hit(animal.key_has, True, m.start(), m.end(), 0.9))
    hits.extend(names)
    for m in note.finditer(patterns["mention"]):
        if any(s <= m.start() < e for s, e in consumed):
            continue
        if note.someone_elses(m.start()) or note.negated(m.start(), 25):
            continue
        hits.append(_Hit(animal.key_has, True, m.start(), m.end(), 0.75))
    # "Rex passed away" where Rex was named as this animal earlier in the note.
    known = {h.value.lower() for h in names}
    if known:
        for m in note.finditer(_NAME_GONE):
            if m.group("name").lower() in known:
                hits.append(_Hit(animal.key_has, False, m.start(), m.end(), 0.8))
    return hits


def _dog(note: _Note) -> list[_Hit]:
    return _animal_rule(note, _DOG, _DOG_RE)


def _cat(note: _Note) -> list[_Hit]:
    return _animal_rule(note, _CAT, _CAT_RE)


_ANY_ANIMAL = re.compile(rf"\b(?:(?P<dog>{_DOG_WORDS})|(?P<cat>{_CAT_WORDS}))\b", _I)
_TEMPERAMENT = re.compile(
    r"\b(?:(?P<aggressive>aggressive|vicious|dangerous|bit(?:es?|ing|er|ten)|attacks?"
    r"|territorial|unfriendly|beware\s+of\s+(?:the\s+)?dogs?)"
    r"|(?P<friendly>friendly|sweet|gentle|loves\s+people|good\s+with\s+people)"
    r"|(?P<nervous>nervous|skittish|scared|shy|anxious|timid|fearful))\b",
    _I,
)


def _dog_temperament(note: _Note) -> list[_Hit]:
    """A temperament word describes the nearest animal before it in the sentence (or, with
    none before, the nearest after it in the same clause): "cat is super friendly" is not
    about the dog."""
    hits: list[_Hit] = []
    animals = [(a.start(), a.end(), a.lastgroup == "dog") for a in note.finditer(_ANY_ANIMAL)]
    starts = [a[0] for a in animals]
    for m in note.finditer(_TEMPERAMENT):
        kind = m.lastgroup or ""
        if note.negated(m.start(), 25):
            continue
        if kind == "aggressive" and m.group().lower().startswith("beware"):
            animal_start, animal_end, is_dog = m.start(), m.end(), True
        else:
            s_start, s_end = note.sentence_window(m.start(), m.end())
            i = bisect_left(starts, m.start())  # animals[i] is the first after the word
            if i > 0 and animals[i - 1][0] >= s_start:
                animal_start, animal_end, is_dog = animals[i - 1]
            elif i < len(animals) and animals[i][1] <= min(note.clause(m.start())[1], s_end):
                animal_start, animal_end, is_dog = animals[i]
            else:
                continue
        if not is_dog or note.someone_elses(animal_start) or note.negated(animal_start, 25):
            continue
        start, end = min(animal_start, m.start()), max(animal_end, m.end())
        hits.append(_Hit("pets.dog_temperament", kind, start, end, 0.8))
        if kind == "aggressive":
            hits.append(_Hit("hazards.aggressive_dog", True, start, end, 0.85))
            hits.append(_Hit("pets.has_dog", True, start, end, 0.85))
    return hits


# -- access --------------------------------------------------------------------------------

_CODE = r"(?P<code>[#*]?[0-9]{3,8}[#*]?)(?![0-9]|-[0-9]|\s*(?:am|pm|a\.m|p\.m)\b|:[0-9])"
_GATE_CODE = re.compile(
    rf"\b(?:(?:gate|keypad|entry)\s*(?:code|cd|combo|pin|#)"
    rf"|code\s+(?:for|to)\s+(?:the\s+)?(?:\w+\s+)?gate)[^.!?\n\d$]{{0,20}}?{_CODE}",
    _I,
)
_LOCKBOX_CODE = re.compile(rf"\block\s*-?\s*box\b[^.!?\n\d$]{{0,25}}?{_CODE}", _I)


def _code_value(code: str) -> str:
    return code[1:] if code.startswith("#") else code


def _gate_code(note: _Note) -> list[_Hit]:
    return [
        _Hit("access.gate_code", _code_value(m.group("code")), m.start(), m.end(), 0.9)
        for m in note.finditer(_GATE_CODE)
        if not note.negated(m.start(), 15)
    ]


def _lockbox_code(note: _Note) -> list[_Hit]:
    return [
        _Hit("access.lockbox_code", _code_value(m.group("code")), m.start(), m.end(), 0.9)
        for m in note.finditer(_LOCKBOX_CODE)
    ]


_SHUT = r"(?:closed|shut|latched|locked)"
_GATE_CLOSED = re.compile(
    rf"\bgate\b[^.!?;\n]{{0,25}}?\b(?:kept|keep|stay|stays|remain|be)\s+{_SHUT}\b"
    rf"|\bkeep\s+(?:the\s+)?(?:\w+\s+)?gates?\s+{_SHUT}\b"
    rf"|\b(?:close|shut|latch|lock)\s+(?:the\s+)?(?:(?!to\b)\w+\s+)?gates?\b(?!\s*(?:code|cd))",
    _I,
)
_GATE_OPEN = re.compile(
    r"\bgates?\s+(?:can|may|must|should|is\s+ok\s+to|ok\s+to|is\s+fine\s+to)"
    r"(?:\s+not|\s+never|n't)?\s+(?:stay|be\s+left|be|remain)\s+open\b"
    r"|\bleave\s+(?:the\s+)?(?:\w+\s+)?gates?\s+open\b",
    _I,
)


def _gate_closed(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_GATE_CLOSED):
        # "gate doesn't need to be closed": the negation sits inside the match.
        negation = note.negation_start(m.start(), 30)
        negated = negation is not None or _NEGATION.search(m.group()) is not None
        start = m.start() if negation is None else negation
        hits.append(_Hit("access.gate_closed", not negated, start, m.end(), 0.85))
    for m in note.finditer(_GATE_OPEN):
        # "don't leave the gate open" / "gate must not be left open" ask for it closed.
        negation = note.negation_start(m.start(), 20)
        closed = negation is not None or _NEGATION.search(m.group()) is not None
        start = m.start() if negation is None else negation
        hits.append(_Hit("access.gate_closed", closed, start, m.end(), 0.8))
    return hits


_PARKING = re.compile(
    r"(?<!the\s)(?<!a\s)\bpark(?:ing)?\s+(?P<where>(?:in|on|at|behind|across|along|by|near"
    r"|out\s+front|in\s+front)\b[^.,;!?()\n]{1,40})",
    _I,
)
_PARKING_STOP = re.compile(r"\s+(?:and|but|or|so|bc|b/c|because|not|if|when|unless)\b.*", _I)


def _parking(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_PARKING):
        if note.negated(m.start(), 20):
            continue  # "don't park on the grass" says where not to park
        where = _PARKING_STOP.sub("", m.group("where")).strip()
        if where:
            end = m.start("where") + len(where)
            hits.append(_Hit("access.parking", where, m.start(), end, 0.7))
    return hits


# -- property ------------------------------------------------------------------------------

_COUNT_NOUNS = {
    "property.window_count": r"windows?|windws|windw|windos|wndws|wndw|windoes",
    "property.screen_count": r"screens?|scrns?|scrn",
    "property.skylight_count": r"sky\s?lights?|skylites?",
    "property.stories": r"stor(?:y|ies|ey|eys)|sty|stry|levels?|floors?",
}
_NOUN = "|".join(f"(?P<n{i}>{alt})" for i, alt in enumerate(_COUNT_NOUNS.values()))
_COUNT_KEYS = list(_COUNT_NOUNS)
_QUALIFIER = (
    r"(?P<pre>\b(?:about|approx(?:imately|\.)?|around|roughly|maybe|almost|nearly|est\.?"
    r"|estimated|like|(?P<over>over|more\s+than|at\s+least|upwards\s+of))\s*|~\s*)?"
)
_COUNT_BEFORE = re.compile(
    rf"{_QUALIFIER}(?P<num>{_NUMBER})(?P<plus>\s*\+|\s+plus\b|\s+or\s+more\b)?(?:-?ish\b)?"
    rf"[\s-]{{0,3}}(?:(?:big|small|large|tall|double|single|picture|sliding|french|storm"
    rf"|old|new|wood|vinyl|total)[\s-]+)?(?:{_NOUN})\b",
    _I,
)
_COUNT_AFTER = re.compile(
    rf"\b(?:{_NOUN})\s*(?:x|:|=|count\s*:?)\s*(?P<num>[0-9]{{1,4}})(?P<plus>\+)?(?![0-9])", _I
)
# "20-25 windows": at least the lower bound.
_COUNT_RANGE = re.compile(
    rf"(?<![\w$#.,/:+-])(?P<num>[0-9]{{1,4}})\s*(?:-|to)\s*[0-9]{{1,4}}(?![0-9])\s*(?:{_NOUN})\b",
    _I,
)
_NO_COUNT = re.compile(r"\bno\s+(?P<n1>screens?|scrns)\b|\bno\s+(?P<n2>sky\s?lights?)\b", _I)
# "10 windows on the second floor" counts part of the house, not all of it.
_PART_OF_HOUSE = re.compile(
    r"\s+(?:on|in)\s+(?:the\s+)?(?:(?:first|1st|second|2nd|third|3rd|ground|upper|lower|top"
    r"|main)\s+(?:floor|level|story)|(?:back|front|rear|side|north|south|east|west)\b)"
    r"|\s+(?:upstairs|downstairs)\b",
    _I,
)
_SINGLE_STORY = re.compile(
    r"\bsingle[\s-]*(?:stor(?:y|ey)|level)\b|\ball\s+(?:on\s+)?(?:the\s+)?ground\s+"
    r"(?:floor|level)\b",
    _I,
)


def _count_key(m: re.Match[str]) -> str | None:
    for i, key in enumerate(_COUNT_KEYS):
        if m.group(f"n{i}"):
            return key
    return None


def _counts(note: _Note) -> list[_Hit]:
    hits = []
    for pattern in (_COUNT_BEFORE, _COUNT_AFTER):
        for m in note.finditer(pattern):
            key = _count_key(m)
            number = _parse_number(m.group("num"))
            if key is None or number is None or note.negated(m.start(), 15):
                continue
            if key != "property.stories" and _PART_OF_HOUSE.match(note.text, m.end()):
                continue
            groups = m.groupdict()
            plus = bool(groups.get("plus") or groups.get("over"))
            value = {"count": number, "plus": plus}
            hits.append(_Hit(key, value, m.start(), m.end(), 0.9))
    for m in note.finditer(_COUNT_RANGE):
        key = _count_key(m)
        if key is not None and not note.negated(m.start(), 15):
            value = {"count": int(m.group("num")), "plus": True}
            hits.append(_Hit(key, value, m.start(), m.end(), 0.8))
    for m in note.finditer(_NO_COUNT):
        key = "property.screen_count" if m.group("n1") else "property.skylight_count"
        hits.append(_Hit(key, {"count": 0, "plus": False}, m.start(), m.end(), 0.75))
    for m in note.finditer(_SINGLE_STORY):
        hits.append(_Hit("property.stories", {"count": 1, "plus": False}, *m.span(), 0.75))
    return hits


def _flag_rule(
    key: str,
    pattern: re.Pattern[str],
    confidence: float,
    undone: re.Pattern[str] | None = None,
) -> Rule:
    """A yes/no fact: true where ``pattern`` matches, false where that match is negated or
    ``undone`` follows it in the same sentence ("bees gone", "hive removed")."""

    def rule(note: _Note) -> list[_Hit]:
        hits = []
        for m in note.finditer(pattern):
            negation = note.negation_start(m.start())
            value = negation is None
            if (
                value
                and undone is not None
                and (
                    undone.search(note.sentence_after(m.end()))
                    or undone.search(note.clause_before(m.start()))
                )
            ):
                value = False
            start = m.start() if negation is None else negation
            hits.append(_Hit(key, value, start, m.end(), confidence))
        return hits

    rule.__name__ = f"_flag_{key.replace('.', '_')}"
    return rule


_hard_water = _flag_rule(
    "property.hard_water",
    re.compile(
        r"\bhard[\s-]*water(?:\s+(?:spots?|stains?|marks?|deposits?|damage))?\b"
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
_special_sills = _flag_rule("property.special_sills", _SILL_CARE, 0.8)


# -- equipment -----------------------------------------------------------------------------

_ARTICLE = r"(?:the\s+|a\s+|an\s+|our\s+|my\s+)?"
_LADDER = re.compile(
    rf"\bext(?:ension|\.)?\s*ladders?\b|\b[0-9]{{2}}\s*(?:ft|foot|feet|')\s*(?:ext\S*\s+)?"
    rf"ladders?\b|\b(?:tall|big|long|large)\s+ladders?\b"
    rf"|\b(?:bring|need|needs|needed|use|requires?|take|grab)\s+{_ARTICLE}ladders?\b"
    rf"|\bladders?\s+(?:not\s+)?(?:needed|required|necessary)\b",
    _I,
)


def _ladder(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_LADDER):
        negation = note.negation_start(m.start(), 30)
        negated = negation is not None or re.search(r"\bnot\b", m.group(), _I) is not None
        start = m.start() if negation is None else negation
        hits.append(_Hit("equipment.extension_ladder", not negated, start, m.end(), 0.85))
    return hits


_water_fed_pole = _flag_rule(
    "equipment.water_fed_pole",
    re.compile(r"\bwfp\b|\bwater[\s-]*fed(?:\s+pole)?\b|\bpure[\s-]*water\s+pole\b", _I),
    0.9,
)


# -- hazards -------------------------------------------------------------------------------

_bees = _flag_rule(
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


def _fragile_plants(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_PLANTS):
        if note.negated(m.start(), 20) or note.someone_elses(m.start()):
            continue
        s_start, s_end = note.sentence_window(m.start(), m.end())
        cue = _PLANT_CARE.search(note.text, s_start, s_end)
        if cue is None:
            continue
        start, end = min(m.start(), cue.start()), max(m.end(), cue.end())
        hits.append(_Hit("hazards.fragile_plants", True, start, end, 0.8))
    return hits


# -- the customer --------------------------------------------------------------------------

_AGE = re.compile(
    r"(?P<elderly>\belderly\b|\b(?:older|old|very\s+old)\s+(?:lady|woman|man|gentleman|gent"
    r"|guy|couple|folks|fella|fellow|widow|widower)\b|\bfrail\b)"
    r"|(?P<senior>\bseniors?(?:\s+citizens?)?\b|\bpensioners?\b)"
    r"|(?P<retired>\bretired\b|\bretirees?\b)"
    r"|(?P<young_family>\byoung\s+(?:family|families|kids|children|ones)\b|\b(?:small|little)"
    r"\s+(?:kids|children|ones)\b|\btoddlers?\b|\bnewborn\b|\bnew\s+baby\b)"
    r"|(?P<young_adult>\byoung\s+(?:couple|guy|man|woman|lady|professionals?)\b"
    r"|\bcollege\s+(?:students?|kids)\b)"
    r"|(?P<middle_aged>\bmiddle[\s-]aged\b)"
    r"|\bin\s+(?:her|his|their)\s+(?:late\s+|early\s+|mid[\s-]?)?(?P<decade>[2-9])0'?s\b"
    r"|\b(?:she|he)(?:'s|\s+is)\s+(?:about\s+|maybe\s+|around\s+|like\s+|probably\s+)?"
    r"(?P<age>[1-9][0-9])\b(?!\s*(?:min|%|ft|'|\$|windows?|screens?))"
    r"|\b(?:mrs?|ms|miss)\.?\s+[A-Za-z]{2,20}\s+is\s+(?P<age2>[1-9][0-9])\b(?!\s*(?:min|%))",
    _I,
)


def _age_bracket(age: int) -> str | None:
    if age >= 70:
        return "elderly"
    if age >= 60:
        return "senior"
    if age >= 40:
        return "middle_aged"
    if age >= 18:
        return "young_adult"
    return None


def _age_group(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_AGE):
        if note.negated(m.start(), 20):
            continue  # "not elderly" says nothing we can use
        if note.someone_else_near(m.start(), m.end()):
            continue  # "the old man next door"
        kind = m.lastgroup or ""
        rank = 2
        if kind == "retired":
            group: str | None = "senior"
            rank = 1  # "retired couple in their 80s" is elderly, not just senior
        elif kind == "decade":
            group = _age_bracket(int(m.group("decade")) * 10)
        elif kind in ("age", "age2"):
            group = _age_bracket(int(m.group(kind)))
        else:
            group = kind
        if group is not None:
            confidence = 0.6 if kind == "retired" else 0.8
            hits.append(_Hit("demographic.age_group", group, m.start(), m.end(), confidence, rank))
    return hits


_SPOUSE = re.compile(
    rf"(?<!ex-)(?<!ex\s)(?<!my\s)\b(?:husband|hubby|wife|spouse|partner|boyfriend|girlfriend)"
    rf"(?P<form>{_NAMED}|'?s\s+name\s*:?\s*|\s+is\s+|\s*[:(,-]\s*|\s+){_NAME}",
    _I,
)
_TENANT = re.compile(
    rf"\b(?:tenant|tenent|renter)(?P<form>{_NAMED}|'?s\s+name\s*:?\s*|\s+is\s+|\s*[:(,-]\s*"
    rf"|\s+){_NAME}"
    rf"|\b{_NAME.replace('name', 'name2')},?\s+(?:is\s+)?(?:the\s+|our\s+)?(?:tenant|renter)\b"
    rf"|\b{_NAME.replace('name', 'name3')}\s*\((?:the\s+)?(?:tenant|renter)\)",
    _I,
)


def _person(note: _Note, key: str, pattern: re.Pattern[str]) -> list[_Hit]:
    hits = []
    for m in note.finditer(pattern):
        groups = m.groupdict()
        word = groups.get("name") or groups.get("name2") or groups.get("name3") or ""
        form = (groups.get("form") or "").strip().lower()
        named = "name" in form or "call" in form
        # "husband Bob", "wife is Linda": only a word written as a name ("tenant is moving").
        if not named and (not _capitalised(word) or word.lower().endswith("ing")):
            continue
        explicit = named or form.startswith(("is", ":"))
        value = _name_value(word)
        if value is None or note.negated(m.start(), 15):
            continue
        hits.append(_Hit(key, value, m.start(), m.end(), 0.85 if explicit else 0.75))
    return hits


def _spouse(note: _Note) -> list[_Hit]:
    return _person(note, "people.spouse_name", _SPOUSE)


def _tenant(note: _Note) -> list[_Hit]:
    return _person(note, "people.tenant_name", _TENANT)


# -- preferences ---------------------------------------------------------------------------

_PREFER = r"(?:pref(?:ers|erred|s)?\.?|likes|wants|only|best)"
_TIME_OF_DAY = re.compile(
    rf"(?P<morning>\b{_PREFER}\s+(?:the\s+|in\s+the\s+)?(?:am|a\.m\.|mornings?|early)\b"
    rf"|\b(?:mornings?|am)\s+(?:only|pref(?:erred)?|best|is\s+best|are\s+best)\b"
    rf"|\bbefore\s+(?:noon|lunch|(?:8|9|10|11|12)(?::[0-9]{{2}})?\s*(?:am|a\.m\.)?)\b)"
    rf"|(?P<afternoon>\b{_PREFER}\s+(?:the\s+|in\s+the\s+)?(?:pm|p\.m\.|afternoons?)\b"
    rf"|\b(?:afternoons?|pm)\s+(?:only|pref(?:erred)?|best|is\s+best|are\s+best)\b"
    rf"|\bafter\s+(?:noon|lunch|(?:12|1|2|3|4)(?::[0-9]{{2}})?\s*(?:pm|p\.m\.)?)\b)"
    rf"|(?P<evening>\b{_PREFER}\s+(?:the\s+|in\s+the\s+)?evenings?\b"
    rf"|\bevenings?\s+(?:(?:appts?|appointments?)\s+)?(?:only|pref(?:erred)?|best)\b"
    rf"|\bafter\s+(?:5|6|7|8)(?::[0-9]{{2}})?\s*(?:pm|p\.m\.)?\b)",
    _I,
)
_NOT_A_TIME = re.compile(
    r"\s*(?:weeks?|days?|months?|years?|hrs?|hours?|mins?|minutes?|visits?|times?|windows?)\b",
    _I,
)


def _time_of_day(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_TIME_OF_DAY):
        if note.negated(m.start(), 20) or _NOT_A_TIME.match(note.text, m.end()):
            continue
        hits.append(_Hit("preferences.time_of_day", m.lastgroup, m.start(), m.end(), 0.8))
    return hits


_DAY_NAMES = (
    ("monday", r"mon(?:day)?s?"),
    ("tuesday", r"tue(?:s(?:day)?)?s?"),
    ("wednesday", r"wed(?:nesday)?s?"),
    ("thursday", r"thu(?:r(?:s(?:day)?)?)?s?"),
    ("friday", r"fri(?:day)?s?"),
    ("saturday", r"sat(?:urday)?s?"),
    ("sunday", r"sun(?:day)?s?"),
)
_WEEKDAYS = [d for d, _ in _DAY_NAMES[:5]]
_DAY_TOKEN = (
    r"(?:weekdays?|weekends?|m-f|mon-fri|" + "|".join(p for _, p in _DAY_NAMES) + r")(?![\w-])"
)
_DAY_LIST = re.compile(rf"\b{_DAY_TOKEN}(?:\s*(?:,|/|&|\bor\b|\band\b)\s*{_DAY_TOKEN}){{0,6}}", _I)
_DAY_CUE_BEFORE = re.compile(
    r"\b(?:only|prefers?|pref'?d?\.?|preferred|likes|wants|best)\s+"
    r"(?:(?:us\s+to|we|you|to)\s+come\s+)?(?:on\s+)?$",
    _I,
)
_DAY_CUE_AFTER = re.compile(
    r"\s*(?:only|works?\s+best|are\s+best|is\s+best|best|preferred|pref)\b", _I
)
_DAY_EXCLUDE = re.compile(r"\b(?:not|no|never|except|but|besides)\b|n't\b", _I)


def _days_in(text: str) -> list[str]:
    days: set[str] = set()
    for token in re.findall(_DAY_TOKEN, text, _I):
        token = token.lower()
        if token.startswith("weekday") or token in ("m-f", "mon-fri"):
            days.update(_WEEKDAYS)
        elif token.startswith("weekend"):
            days.update(("saturday", "sunday"))
        else:
            days.update(day for day, pattern in _DAY_NAMES if re.fullmatch(pattern, token))
    return sorted(days)


def _days(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_DAY_LIST):
        before = note.clause_before(m.start(), 25)
        cue_before = _DAY_CUE_BEFORE.search(before)
        cue_after = _DAY_CUE_AFTER.match(note.text, m.end())
        if not (cue_before or cue_after) or _DAY_EXCLUDE.search(before):
            continue
        days = _days_in(m.group())
        if days:
            start = m.start() - len(before) + cue_before.start() if cue_before else m.start()
            end = cue_after.end() if cue_after else m.end()
            hits.append(_Hit("preferences.days", days, start, end, 0.8))
    return hits


_CONTACT = re.compile(
    r"(?P<text>\b(?:texts?|txts?|sms|texting)\s+only\b|\bonly\s+(?:text|txt|sms)\b"
    r"|\bpref(?:ers|erred|s)?\.?\s+(?:a\s+)?(?:texts?|txts?|texting|sms)\b"
    r"|\b(?:texts?|txt)\s+(?:is|are)\s+best\b"
    r"|\b(?:text|txt)\s+(?:her|him|them|first|before|b4|ahead|instead)\b)"
    r"|(?P<call>\bpref(?:ers|erred|s)?\.?\s+(?:a\s+)?(?:phone\s+)?calls?\b"
    r"|\b(?:phone\s+)?calls?\s+only\b|\bcall\s+(?:first|ahead)\b"
    r"|\bcall\s+(?:her|him|them)\s+(?:first|before)\b)"
    r"|(?P<email>\bpref(?:ers|erred|s)?\.?\s+e-?mail\b|\bonly\s+e-?mail\b"
    r"|\be-?mail\s+(?:only|preferred|is\s+best|her|him|them|receipts?|invoices?)\b)",
    _I,
)
# A clause that starts with an instruction to text: "Text mom to confirm", "txt b4 coming".
_TEXT_FIRST = re.compile(
    r"\s{0,3}(?P<cmd>(?:pls\s+|please\s+)?(?:text|txt))\b"
    r"(?!\s*(?:from|message|msg|said|says|was|is)\b)",
    _I,
)


def _contact_method(note: _Note) -> list[_Hit]:
    hits = []
    for m in note.finditer(_CONTACT):
        if not note.negated(m.start(), 20):
            hits.append(_Hit("preferences.contact_method", m.lastgroup, *m.span(), 0.8))
    for start in note.clause_starts:
        first = _TEXT_FIRST.match(note.text, start)
        if first and not _CONTACT.match(note.text, first.start("cmd")):
            hits.append(_Hit("preferences.contact_method", "text", *first.span("cmd"), 0.7))
    return hits


_PAYMENT = re.compile(
    r"(?P<check>\bpays?\s+(?:by\s+|with\s+|w/\s*|via\s+|in\s+)?(?:a\s+)?(?:check|cheque|chk)\b"
    r"|\b(?:checks?|cheques?)\s+only\b|\bleaves?\s+(?:a\s+)?(?:check|cheque)\b)"
    r"|(?P<cash>\bcash\s+only\b|\bpays?\s+(?:in\s+|with\s+|w/\s*|by\s+)?cash\b|\bonly\s+cash\b"
    r"|\bcash\s+preferred\b)"
    r"|(?P<card>\bpays?\s+(?:by\s+|with\s+|w/\s*|via\s+)?(?:a\s+)?(?:credit\s+|debit\s+)?card\b"
    r"|\b(?:credit\s+)?card\s+(?:only|on\s+file)\b|\bcc\s+on\s+file\b)"
    r"|(?P<invoice>\bpays?\s+(?:by\s+|via\s+|on\s+)invoice\b"
    r"|\binvoice\s+(?:to|the|them|monthly|only|via)\b|\bnet[\s-]?(?:15|30|45|60)\b"
    r"|\bbill\s+(?:to|the|them|monthly)\b|\bsend\s+(?:an?\s+|the\s+)?invoice\b"
    r"|\bbilled\s+monthly\b)",
    _I,
)


def _payment(note: _Note) -> list[_Hit]:
    return [
        _Hit("payment.preference", m.lastgroup, m.start(), m.end(), 0.85)
        for m in note.finditer(_PAYMENT)
        if not note.negated(m.start(), 20)
    ]


_LONGER = re.compile(
    r"\b(?:takes?|took|taking)\s+(?:us\s+|me\s+)?(?:forever|ages|a\s+long\s+time|a\s+while)\b"
    r"|\b(?:takes?|took|ran|runs)\b[^.!?;\n]{0,30}?\blonger\s+than\s+(?:usual|normal|expected"
    r"|average|quoted)\b|\blonger\s+than\s+(?:usual|normal|expected|average)\b"
    r"|\b(?:allow|budget|plan|schedule|block)\s+(?:for\s+)?(?:extra|more)\s+time\b"
    r"|\b(?:slow|long)\s+job\b",
    _I,
)


def _duration(note: _Note) -> list[_Hit]:
    return [
        _Hit("duration.longer_than_usual", True, m.start(), m.end(), 0.8)
        for m in note.finditer(_LONGER)
        if not note.negated(m.start(), 20)
    ]


RULES: tuple[Rule, ...] = (
    _dog,
    _cat,
    _dog_temperament,
    _gate_code,
    _lockbox_code,
    _gate_closed,
    _parking,
    _counts,
    _hard_water,
    _special_sills,
    _ladder,
    _water_fed_pole,
    _bees,
    _fragile_plants,
    _age_group,
    _spouse,
    _tenant,
    _time_of_day,
    _days,
    _contact_method,
    _payment,
    _duration,
)


# -- resolution ----------------------------------------------------------------------------

# Facts that cannot stand once the animal itself is gone.
_DEPENDENTS = {
    "pets.has_dog": ("pets.dog_name", "pets.dog_temperament", "hazards.aggressive_dog"),
    "pets.has_cat": ("pets.cat_name",),
}


def _resolve(hits: list[_Hit]) -> dict[str, _Hit]:
    best: dict[str, _Hit] = {}
    for hit in hits:
        current = best.get(hit.key)
        if current is None or (hit.rank, hit.start, hit.confidence) >= (
            current.rank,
            current.start,
            current.confidence,
        ):
            best[hit.key] = hit
    for key, dependents in _DEPENDENTS.items():
        if key in best and best[key].value is False:
            for dependent in dependents:
                best.pop(dependent, None)
    return best


def extract(note: str) -> list[Proposal]:
    """Attributes the note states, one proposal per key, sorted by key. Never raises."""
    if not isinstance(note, str) or not note.strip():
        return []
    prepared = _Note(note)
    hits = [hit for rule in RULES for hit in rule(prepared)]
    proposals = []
    for key, hit in sorted(_resolve(hits).items()):
        evidence = note[hit.start : hit.end].strip()
        try:
            value = normalise_value(key, hit.value)
        except VocabularyError:
            continue
        if evidence:
            proposals.append(Proposal(key, value, evidence, hit.confidence, SOURCE))
    return proposals
