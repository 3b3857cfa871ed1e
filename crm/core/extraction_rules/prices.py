"""The usual price (``property.usual_price``): the price agreed for this property, said the
many ways a note says it ("$310 in+out agreed", "usual price $285", "quarterly, $240", "$260 /
3x yr", a sale written up: "Agreed w/ Paula: $410"), and not this visit's bill or a price only
quoted."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import ACCEPTED, Hit, Note, tidy

_I = re.IGNORECASE

# The agreed recurring price ("$350/visit agreed", "usual price $180"), not this visit's bill.
_MONEY = r"[$\u00a3\u20ac](?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,4})(?:\.[0-9]{2})?"
_USUAL_PRICE = re.compile(
    rf"{_MONEY}\s*(?:/\s*|per\s+|a\s+|each\s+|ea\.?\s+|every\s+)(?:visit|clean(?:ing)?|service"
    rf"|month|mo|time|panel|window|home|house)\b"
    rf"|\b(?:usual|regular|standard|flat|normal|per[\s-]\w+)\s+(?:price|rate|charge|fee)\s*"
    rf"(?:is\s+|of\s+|[:=]\s*)?{_MONEY}"
    rf"|\b(?:agreed(?:\s+on)?|(?:i|we)\s+charge\s+(?:them|her|him)|still)\s+{_MONEY}"
    rf"(?:\s+(?:for|per)\s+[^.;!?\n,]{{2,25}})?"
    rf"|\bprice\s+locked\s+(?:in\s+)?(?:at\s+)?{_MONEY}(?:\s*/\s*(?:yr|year))?|\brate\s*[:=]?\s*{_MONEY}"
    rf"|{_MONEY}\s+(?:monthly|quarterly|weekly|per\s+month|a\s+month)\b"
    rf"|{_MONEY}\s+(?:(?:in\s*[+&/]\s*out|in\s+and\s+out)\s+)?(?:agreed|going\s+forward|from\s+now\s+on)(?:\s+as\s+the\s+price)?"
    rf"|{_MONEY}\s+is\s+(?:her|his|their|the)\s+(?:usual\s+)?price"
    rf"|\b(?:same|usual)\s+{_MONEY}"
    rf"|\bprice\s+(?:is|stays|remains|still)\s+(?:our\s+)?{_MONEY}(?:\s+for\s+[^.;!?\n,]{{2,25}})?"
    rf"|\breg(?:ular)?\.?\s+price\s*(?:is\s+|[:=]\s*)?{_MONEY}"
    rf"|{_MONEY}\s+for\s+(?:in/out|everything|inside\s+and\s+out|ins?\s+and\s+outs?|in\s*&\s*out)",
    _I,
)
# "usual price $285", "price is $275 for ins and outs": the price is the value.
_PRICE_WORDS = re.compile(
    r"^(?:(?:usual|regular|reg\.?|standard|flat|normal)\s+(?:price|rate|charge|fee)|price(?:\s+locked)?|rate"
    r"|(?:i|we)\s+charge\s+(?:them|her|him)|agreed(?:\s+on)?|still|same|usual)\s*"
    r"(?:is\s+|of\s+|stays\s+|remains\s+|still\s+|in\s+at\s+|in\s+|at\s+|[:=]\s*)?(?:our\s+)?"
)
# The price of a sale written up, not a price per window or an amount off.
_SOLD_PRICE = re.compile(
    rf"(?P<price>{_MONEY})(?![0-9]|,[0-9])(?!\s*(?:/\s*|per\s+|a\s+|an\s+)(?:window|pane|hr|hour"
    rf"|screen|panel)|\s*off\b|\s+(?:tip|deposit|extra)\b)"
)
# "$310 in+out agreed": the price and what it covers; that it was agreed goes without saying.
_AGREED_AFTER = re.compile(
    r"\s+(?:agreed|going\s+forward|from\s+now\s+on)(?:\s+as\s+the\s+price)?$"
)
# "$140 reg price", "Regular price for the whole house is $265", "paid cash 180 which is her
# usual": the usual price, said around the amount.
_USUAL_SAID = re.compile(
    rf"(?P<price>{_MONEY})\s+(?:reg(?:ular)?|usual|normal|standard|std)(?:\s+(?:price|rate))?\b(?!\s+tip)"
    # "$260 / 3x yr": a price said with how often it is paid
    rf"|(?P<price4>{_MONEY})\s*/\s*[1-9]\s*x\s*(?:/\s*|a\s+|per\s+)?(?:yr|year)\b"
    # "Price 240 dollar every time"
    rf"|\bprice\s+(?:is\s+)?(?P<price5>[0-9]{{2,4}})\s+dollars?\b"
    rf"|\b(?:usual|regular|standard|normal)\s+(?:price|rate)\s+for\s+[^.;!?\n,$]{{2,30}}?\s+"
    rf"(?:is\s+)?(?P<price2>{_MONEY})"
    rf"|\b(?:paid|pays)\s+(?:\w+\s+)?\$?(?P<price3>[0-9]{{2,4}})\s*,?\s*(?:which|that)(?:\s+is|'s)\s+"
    rf"(?:her|his|their|the)\s+usual\b",
    _I,
)
# "quarterly, in and out, $240": a price said with the plan it belongs to.
_PRICE_WITH_PLAN = re.compile(
    rf"\b(?:quarterly|monthly|weekly|twice\s+a\s+year|[1-9]x\s+a\s+year|every\s+other\s+(?:week|month)"
    rf"|every\s+[0-9]{{1,2}}\s+(?:weeks|wks|months))"
    rf"(?:,\s*(?:in\s+and\s+out|outside\s+only|ext(?:erior)?\s+only))?,\s*(?P<price>{_MONEY})"
    rf"(?![0-9]|\s*(?:tip|cash\s+tip))",
    _I,
)
# A price offered, not agreed: "Quote for 2x a year: $320/visit, she'll let us know".
_NOT_AGREED = re.compile(
    r"\b(?:quoted?|estimate[ds]?|would\s+be|let\s+us\s+know|think\s+about\s+it|get\s+back)\b", _I
)


# "agreed to a one-time move-out clean for $375": one job's price, not the usual one.
_ONE_OFF = re.compile(r"\b(?:one[\s-]?time|one[\s-]?off|just\s+this\s+once)\b", _I)


def _agreed(note: Note, m: re.Match[str]) -> bool:
    """Not only quoted, or quoted and then taken ("Estimate ... he's good w/ that"), and not
    a one-off job's price."""
    window = note.sentence_window(m.start(), m.end())
    if _ONE_OFF.search(note.text, *window):
        return False
    offered = _NOT_AGREED.search(note.text, *window)
    return offered is None or ACCEPTED.search(note.text) is not None


def _per_month(price: str) -> str:
    """ "$600/mo" is "$600/month", as a labeller writes it."""
    return re.sub(r"\s*/\s*mo\b\.?", "/month", price, flags=re.I)


def usual_price(note: Note) -> list[Hit]:
    hits: list[Hit] = []
    for m in note.finditer(_PRICE_WITH_PLAN):
        if _agreed(note, m):
            hits.append(Hit("property.usual_price", m.group("price"), *m.span("price"), 0.6))
    for m in note.finditer(_USUAL_SAID):
        said = (
            m.group("price")
            or m.group("price2")
            or m.group("price4")
            or f"${m.group('price3') or m.group('price5')}"
        )
        hits.append(Hit("property.usual_price", said, *m.span(), 0.7))
    for m in note.finditer(_USUAL_PRICE):
        if _agreed(note, m):
            value = _PRICE_WORDS.sub("", tidy(m.group()))
            value = _AGREED_AFTER.sub("", re.sub(r"\b(?:ea|each)\.?\s+", "per ", value))
            hits.append(Hit("property.usual_price", _per_month(value), *m.span(), 0.7))
    if ACCEPTED.search(note.text) and not any(h.key == "property.usual_price" for h in hits):
        # a sale written up: "Agreed w/ Paula Reyes: gutters + windows $410, fall only"
        for m in note.finditer(_SOLD_PRICE):
            if _ONE_OFF.search(note.text, *note.sentence_window(m.start(), m.end())):
                break
            hits.append(Hit("property.usual_price", m.group("price"), *m.span("price"), 0.6))
            break
    return hits
