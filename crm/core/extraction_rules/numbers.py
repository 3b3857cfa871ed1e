"""Numbers in a note: digits that are not prices, times or ordinals, and numbers in words
("twenty-six", "a dozen"); numbers and months in words are shared with the eval's paraphrase."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Numbers and months in words, shared by the rules and the eval's light paraphrase.
NUMBER_WORDS = _words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
MONTHS = _words(
    "january february march april may june july august september october november december"
)
_UNITS = {w: i for i, w in enumerate(NUMBER_WORDS)}
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
NUMBER = rf"(?:{_DIGITS}|\b{_WORD_NUMBER}\b)"


def parse_number(text: str) -> int | None:
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
