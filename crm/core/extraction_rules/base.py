"""What every rule family shares: the folded note with its sentences, clauses, negations
and other-person cues; the hit a rule returns; names; numbers; the yes/no rule."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# Numbers live in numbers.py; the rules import them from here with the rest.
from crm.core.extraction_rules.numbers import MONTHS as MONTHS
from crm.core.extraction_rules.numbers import NUMBER as NUMBER
from crm.core.extraction_rules.numbers import NUMBER_WORDS as NUMBER_WORDS
from crm.core.extraction_rules.numbers import parse_number as parse_number

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
class Hit:
    key: str
    value: Any
    start: int
    end: int
    confidence: float
    rank: int = 0  # a more specific statement of the same key outranks a vaguer one


# -- the prepared note ---------------------------------------------------------------------

# "Mrs. Alvarez", "Dr. Nguyen", "Fr. Dominic": a title's dot does not end the sentence.
_SENTENCE_END = re.compile(
    r"(?<!\bmrs)(?<!\bmr)(?<!\bms)(?<!\bdr)(?<!\bfr)(?<!\bst)(?<!\bapprox)"
    r"[.!?]+(?=[\s\"')\]]|$)|\n",
    _I,
)
_LIST_ITEM = re.compile(r"(?:(?<=\s)|^)\d{1,2}\)(?=\s)")
_NUMBERED = re.compile(r"(?:^|\s)1\)\s.*?\s2\)\s", re.DOTALL)
_FIELD_BAR = re.compile(r"(?<=\s)\|(?=\s)")
_STRUCK = re.compile(r"~~[^~\n]{1,60}~~")
_CLAUSE_END = re.compile(
    r"[.!?;:,()\[\]\n+&]|\s-+\s|\s/+\s|\s\|\s|->|=>|\u2192"
    r"|\b(?:but|so|because|bc|b/c|although|though|however|then)\b",
    _I,
)
NEGATION = re.compile(
    r"\b(?:no|not|never|without|none|nor|neither|dont|doesnt|didnt|wont|cant|isnt|arent"
    r"|wasnt|werent|shouldnt|no\s+longer|no\s+need)\b|n't\b",
    _I,
)
# Someone else's animal or relative: "her neighbor's dog", "the old man next door".
_OTHER_PERSON = re.compile(
    r"\b(?:neighbou?rs?|vecinos?|next\s+door|across\s+the\s+street|in-laws?"
    r"|(?:her|his|their|my)\s+(?:mother|father|mom|dad|parents?|grand\w{0,8}|daughter|son"
    r"|sister|brother|friend|aunt|uncle)|(?:daughter|son|sister|brother|friend|mother|mom"
    r"|father|dad)'s|dog[\s-]*sitting|sitting\s+for)\b",
    _I,
)

_OTHERS_AFTER = re.compile(
    r"\s*(?:\([^)]{0,20}\)\s*)?(?:(?:from|of|at|belonging\s+to)\s+(?:the\s+)?)?"
    r"(?:next\s+door|across\s+the\s+(?:street|road)|down\s+the\s+(?:street|road)"
    r"|neighbou?rs?\b|vecinos?\b|next\s+house\s+over)",
    _I,
)

_REACH = 150
# The word a voice note says for a full stop (same length once replaced, so offsets hold).
_SPOKEN_STOP = re.compile(r"(?<=\w)\s+period\b(?=\s|$)", _I)


def _capitalise_words(text: str) -> str:
    """Each word with a capital first letter and the rest in lower case, same length."""
    return re.sub(r"[A-Za-z]+", lambda m: m.group()[0] + m.group()[1:].lower(), text)


def _full_stop(m: re.Match[str]) -> str:
    """The same number of characters, as a full stop: positions in the note stay put."""
    return " " * (len(m.group()) - 1) + "."


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group())


class Note:
    """The note folded once, with sentence and clause boundaries for context checks."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        # "1) gate 4411 2) dog Max 3) 2 story", "Pets: none | Pay: check": each item of a
        # one-line list is a sentence; "Gate code: ~~1188~~ now 3092": struck out is no more.
        text = _STRUCK.sub(_blank, _FIELD_BAR.sub(".", raw.translate(_FOLD)))
        if _NUMBERED.search(text):  # "1) ... 2) ...", not "(strip ctr unit 6)"
            text = _LIST_ITEM.sub(_full_stop, text)
        self.text = text
        if not any(c.islower() for c in self.text):
            # ALL CAPS ("SON ROBERT HANDLES EVERYTHING"): read with names capitalised only.
            self.text = _capitalise_words(self.text)
        if "." not in self.text and _SPOKEN_STOP.search(self.text):
            # Dictated without punctuation: "three story period park at the bottom period".
            self.text = _SPOKEN_STOP.sub(lambda m: " " * (len(m.group()) - 1) + ".", self.text)
        self._sentences = [0, *(m.end() for m in _SENTENCE_END.finditer(self.text))]
        self._clauses = [0, *(m.end() for m in _CLAUSE_END.finditer(self.text))]
        # Negation and other-person cues are found once; rules look them up by position.
        self._negations = [m.span() for m in NEGATION.finditer(self.text)]
        self._others = [m.span() for m in _OTHER_PERSON.finditer(self.text)]
        # A dictated note ("his wife carol says ...") writes names in lower case too.
        self.all_lower = not any(c.isupper() for c in raw)

    @property
    def clause_starts(self) -> list[int]:
        return self._clauses

    @staticmethod
    def _span(starts: list[int], pos: int, length: int) -> tuple[int, int]:
        i = bisect_right(starts, pos) - 1
        end = starts[i + 1] if i + 1 < len(starts) else length
        return starts[i], end

    def sentences(self) -> list[tuple[int, int]]:
        """Every sentence's span, in order, with its end punctuation."""
        ends = [*self._sentences[1:], len(self.text)]
        return [(s, e) for s, e in zip(self._sentences, ends, strict=True) if e > s]

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

    def someone_elses(self, pos: int, end: int | None = None) -> bool:
        """The mention at pos is about a neighbour or relative, not the customer's household;
        with ``end``, also when the words right after say so ("the pit bull next door")."""
        start, _ = self.sentence_window(pos)
        if self._first_within(self._others, start, pos) is not None:
            return True
        return end is not None and _OTHERS_AFTER.match(self.text, end) is not None

    def someone_else_near(self, start: int, end: int) -> bool:
        """A neighbour or relative is mentioned anywhere in the sentence around [start, end)."""
        lo, hi = self.sentence_window(start, end)
        return self._first_within(self._others, lo, hi) is not None

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.text)


Rule = Callable[[Note], list[Hit]]


# -- names ---------------------------------------------------------------------------------

NAME = r"(?P<name>[A-Za-z][A-Za-z'-]{1,20})(?![A-Za-z0-9])"
# "dog named Rex", "husband's name is Bob", "name: Zeus".
NAMED = r"(?:\s+is)?\s+(?:named|called)\s+|'?s\s+name\s+is\s+|\s+name\s*(?:is|:)\s*"


# Words that follow "dog named", "husband", "tenant" ... but are never a name.
def words(text: str) -> list[str]:
    return text.split()


_NOT_NAMES = frozenset(
    words(
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
    passed died caller customer client hello hi hey thanks regards dear
    skittish timid anxious hyper crazy wild bites barks jumps gets got runs comes came goes went
    says said works working stays sits lives live knows lets let keep keeps handles handle pays
    paid wants likes loves will wont cant usually handles takes took left leaves answers asked
    fine okay chill loud calm asleep sleeping barking
    dog dogs cat cats pup puppy kitten kitty lab mr mrs ms miss dr sir madam owner owners tenant
    tenants renter husband wife spouse partner customer client lady man woman guy girl boy kid
    kids baby family couple neighbor neighbour yes ok okay lol na unknown none nothing something
    anything everything everyone someone mostly also too around approx about maybe please pls
    thanks works needs need wants home late early sometimes today tomorrow yesterday there
    beware careful watch gate code door front back side yard house window windows screens
    made makes making brought brings gave gives sent sends texted
    """
    )
)


def name_value(word: str) -> str | None:
    """The word as a name (capitalised), or None when it cannot be one."""
    word = word.strip("'-")
    if word.lower().endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word.lower() in _NOT_NAMES or not word.isalpha():
        return None
    if word.isupper() or word.islower():
        word = word.capitalize()
    return word


# A title said before a name ("Mr. Vickers", "mister Ali"), and how a value writes it.
TITLE_BEFORE = re.compile(r"\b(mrs|mr|ms|dr|mister|miss)\.?\s+$", _I)
_TITLES = {"mr": "Mr.", "mister": "Mr.", "mrs": "Mrs.", "ms": "Ms.", "miss": "Ms.", "dr": "Dr."}


def titled(title: re.Match[str], name: str) -> str:
    """ "Mr. Vickers" from a TITLE_BEFORE match and a bare surname."""
    return f"{_TITLES[title.group(1).lower()]} {name}"


def capitalised(word: str) -> bool:
    return word[:1].isupper()


_CONTRAST = re.compile(r"not\s", re.IGNORECASE)


def flag_rule(
    key: str,
    pattern: re.Pattern[str],
    confidence: float,
    undone: re.Pattern[str] | None = None,
) -> Rule:
    """A yes/no fact: true where ``pattern`` matches, false where that match is negated or
    ``undone`` follows it in the same sentence ("bees gone", "hive removed")."""

    def rule(note: Note) -> list[Hit]:
        hits: list[Hit] = []
        for m in note.finditer(pattern):
            negation = note.negation_start(m.start())
            value = negation is None
            if (
                negation is not None
                and _CONTRAST.match(note.text, negation)
                and any(h.value is True and h.start >= note.sentence(m.start())[0] for h in hits)
            ):
                continue  # "Bees (honeybees, not wasps)": which kind, not that there are none
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
            hits.append(Hit(key, value, start, m.end(), confidence))
        return hits

    rule.__name__ = f"_flag_{key.replace('.', '_')}"
    return rule


def phrase_rule(
    key: str,
    pattern: re.Pattern[str],
    value: Callable[[re.Match[str]], Any] | Any = True,
    *,
    confidence: float = 0.7,
    undone: re.Pattern[str] | None = None,
    negatable: bool = True,
) -> Rule:
    """An open-family fact where ``pattern`` matches: ``value`` (or value(match)), skipped when
    the clause is negated; false where ``undone`` follows ("sprinklers fixed")."""

    def rule(note: Note) -> list[Hit]:
        hits = []
        for m in note.finditer(pattern):
            if note.someone_elses(m.start()):
                continue
            gone = undone.match(note.text, m.end()) if undone is not None else None
            if gone is not None:
                hits.append(Hit(key, False, m.start(), gone.end(), 0.7))
                continue
            if negatable and note.negated(m.start(), 20):
                continue
            found = value(m) if callable(value) else value
            if found is not None:
                hits.append(Hit(key, found, m.start(), m.end(), confidence))
        return hits

    rule.__name__ = f"phrase_{key.replace('.', '_')}"
    return rule


# Technicians' shorthand spelt out in values, so "2nd flr" and "2nd floor" read the same.
_SHORTHAND = (
    (re.compile(r"\bflrs?\b"), "floor"),
    (re.compile(r"\bbldgs?\b"), "building"),
    (re.compile(r"\bbsmt\b"), "basement"),
    (re.compile(r"\bthru\b"), "through"),
    (re.compile(r"\bw/o\b"), "without"),
    (re.compile(r"\bw/\s*"), "with "),
    (re.compile(r"\bmgmt\b"), "management"),
    (re.compile(r"\bmgr\b"), "manager"),
    (re.compile(r"\bapprox\b\.?"), "about"),
    (re.compile(r"\bwndws?\b|\bwindws?\b"), "windows"),
    (re.compile(r"\bscrns?\b"), "screens"),
)


# An estimate the customer took: "Estimate w/ owner: $385, spring + fall, he's good w/ that".
ACCEPTED = re.compile(
    r"^\s*(?:agreed|sold|signed|booked)\b|\b(?:agreed|accepted|signed|approved|ok'?d|okay'?d"
    r"|(?:is|he'?s|she'?s|they'?re)\s+good\s+w(?:ith|/)\s*(?:that|it)|go\s+ahead)\b",
    re.IGNORECASE,
)


# A phrase cut at its length ends on a whole word, not on "and", "so" or "about".
_DANGLING = re.compile(
    r"(?:[\s,;:-]+(?:and|so|at|about|the|or|but|to|of|in|on|with|a|an|its|it'?s|near|is|are"
    r"|was|that|which|when|for|by|from|like|just|only|very))+[\s,;:-]*$|[\s,;:-]+$",
    re.IGNORECASE,
)


def without_dangling(text: str) -> str:
    return _DANGLING.sub("", text)


def tidy(text: str) -> str:
    """A matched phrase as a short value: one line, no trailing punctuation, lower case, with
    shorthand spelt out."""
    value = " ".join(text.split()).strip(" ,;:-.!").lower()
    for pattern, spelt in _SHORTHAND:
        value = pattern.sub(spelt, value)
    return value
