"""How the customer pays."""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import TITLE_BEFORE, Hit, Note, tidy, titled

_I = re.IGNORECASE

_PAYMENT = re.compile(
    r"(?P<check>\bpays?\s+(?:by\s+|with\s+|w/\s*|via\s+|in\s+)?(?:a\s+)?(?:check|cheque|chk)\b"
    r"|\b(?:checks?|cheques?)\s+only\b|\b(?:leaves?|left|(?:she|he|they)'?ll\s+leave)\s+"
    r"(?:a\s+|the\s+|us\s+a\s+)?(?:check|cheque)\b"
    r"|(?:^|[.;!:]\s*)(?:the\s+)?(?:check|cheque)\s+(?:is\s+|was\s+|will\s+be\s+)?left\b"
    r"|\b(?:paid|mails?|mailed|will\s+mail|sends?|sent)\s+(?:by\s+|with\s+|w/\s*|us\s+|in\s+)?"
    r"(?:a\s+)?(?:check|cheque|chk)\b|\b(?:check|cheque|chk)\s*(?:#|no\.?)\s*[0-9]{3,})"
    r"|(?P<cash>^\s*cash\s*[,;:-]|(?:^|[.;]\s*)cash\s*(?:[.!]|$)|\bcash\s+only\b|\bpaid\s+(?:in\s+|with\s+|w/\s*)?cash\b"
    r"|\bpays?\s+(?:in\s+|with\s+|w/\s*|by\s+)?cash\b|\bonly\s+cash\b"
    r"|\bcash\s+preferred\b|\bleft\s+(?:the\s+)?cash\b|\bcash\s*[,:-]?\s*\$[0-9]|\$[0-9]{1,4}(?:\.[0-9]{2})?\s+(?:in\s+)?cash\b)"
    r"|(?P<card>\bpays?\s+(?:online\s+)?(?:by\s+|with\s+|w/\s*|via\s+)?(?:a\s+|her\s+|his\s+|their\s+)?"
    r"(?:credit\s+|debit\s+)?card\b"
    r"|\b(?:credit\s+)?card\s+(?:only|on\s+file)\b|\b(?:cc|visa|mastercard|amex|discover)\s+on\s+file\b)"
    r"|(?P<invoice>\bpays?\s+(?:by\s+|via\s+|on\s+)invoice\b"
    r"|\binvoice\s+(?:to|the|them|him|her|monthly|only|via)\b|\binvoice\s*,?\s*net\b"
    r"|\bwants\s+invoices\b|\binvoices?\s+(?:e-?mailed|mailed|sent)\s+to\b"
    r"|\bbill\s+(?:to(?!\s+(?:the\s+|her\s+|his\s+|their\s+)?(?:owner|landlord|landlady|hoa|tenant|son"
    r"|daughter|parents?|company|office|management|mom|dad|wife|husband|(?-i:[A-Z])))|them|monthly)\b|\bbill\s+the\s+(?!owner|landlord|hoa|tenant|son|daughter"
    r"|parents?|company|office|management)|\bsend\s+(?:an?\s+|the\s+|all\s+(?:the\s+)?)?invoices?\b"
    r"|\bbilled\s+monthly\b|\bbill(?:ed)?\s+(?:by|via)\s+invoice\b|\binvoiced(?=\s*(?:,\s*)?(?:net\b|to\b|monthly\b|[.;]|$))"
    r"|\b(?:wants|prefers|needs)\s+a\s+paper\s+invoice\b)"
    r"|(?P<card2>\bauto-?pay\s+(?:by|with|on|via)\s+(?:credit\s+|debit\s+)?card\b)",
    _I | re.MULTILINE,
)


# Looser: a paying word, then a method a few words on in the same clause ("Her husband Ray
# pays, always by check", "pd cash", "payments with check"), a method "as always", or an arrow
# ("wife Karen -> chk", "invoice -> church office").
_PAYING = re.compile(
    r"\b(?:pays?|paid|pd|paying|payments?|remit\w*|settles?)\b[^.;!?\n]{0,25}?"
    r"\b(?P<method>check|cheque|chk|cash|card|credit\s+card|invoice)\b"
    r"|\b(?P<method2>cash|check|chk)\s+(?:as\s+always|always|every\s+time)\b"
    r"|(?:->|=>)\s*(?P<method3>chk|check|cash|card)\b"
    r"|\b(?P<invoice>invoice)\s*(?:->|goes\s+to|go\s+to)"
    r"|(?:^|[.;]\s*)(?P<method4>cheque|check|cash|invoice|card)(?:\s+(?:still|only|always))?\s*(?:[.!;]|$)"
    r"|\bwrites?\s+(?:a|the)\s+(?P<method19>check|cheque)\b"
    r"|\b(?P<method5>invoice)s?\s+(?:e-?mailed|by\s+e-?mail|monthly|quarterly|weekly)\b"
    r"|\bbilled\s+(?:by|via)\s+(?P<method6>invoice)\b"
    r"|\b(?:cuts|signs|writes|mails|sends)\s+the\s+(?P<method7>check|cheque)s?\b"
    r"|[$][0-9]{2,4}(?:\.[0-9]{2})?\s+(?:by\s+)?(?P<method15>check|cheque|cash)\b"
    r"|\b(?P<method9>cash)\s+(?:in\s+an?\s+envelope|on\s+the\s+(?:counter|table|fridge)|under\s+the)"
    r"|\b(?P<method16>cash|check|cheque)\s+at\s+the\s+door\b|\b(?P<method17>check|cheque)\s+from\s+(?:the\s+)?(?:diocese|parish|church|office|town"
    r"|city|county|company|landlord|owner|tenant|daughter|son|hoa|school|board|trust|estate)\b"
    r"|\b(?P<method18>cash|check)\s+customers\b"
    r"|\ba\s+(?P<method10>cash|check)\s+customer\b|\b(?:be|to\s+be|get)\s+(?P<method11>invoice)d\b"
    r"|\bswitch(?:ed|ing)?\s+to\s+(?:paying\s+(?:by|with)\s+)?(?P<method12>card|check|cash|invoice)\b"
    r"|\b(?P<method13>invoice)s\s+go(?:es)?\s+to\b"
    r"|\bprefers?\s+(?P<method14>checks?|cash|card|invoices?)\b"
    r"|\b(?:p\.?o\.?\s+number|po\s*#)[^.;!?\n]{0,20}\b(?P<method8>invoice)\b",
    _I | re.MULTILINE,
)
_METHODS = {"chk": "check", "cheque": "check", "credit card": "card"}


_TIP = re.compile(r"\btip(?:s|ped|ping)?\b", _I)
# "pay con Venmo from now, not cheque": the method said not to use.
_NOT_THIS = re.compile(r"\b(?:not|no)\s+$", _I)


def payment(note: Note) -> list[Hit]:
    hits = [
        # the group names the method; "card2" is a card said another way ("autopay by card")
        Hit("payment.preference", (m.lastgroup or "").rstrip("2"), m.start(), m.end(), 0.85)
        for m in _PAYMENT.finditer(note.text)
        if not note.negated(m.start(), 20) and not _TIP.search(note.clause_before(m.start(), 20))
    ]
    for m in note.finditer(_PAYING):
        said = " ".join((next(g for g in m.groups() if g) or "").lower().split())
        said_at = next(m.start(g) for g in range(1, len(m.groups()) + 1) if m.group(g))
        if (
            not note.negated(m.start(), 20)
            and not _NOT_THIS.search(note.text, max(m.start(), said_at - 6), said_at)
            and not _TIP.search(note.clause_before(m.start(), 30))  # "she tips in cash every time"
        ):
            hits.append(Hit("payment.preference", _METHODS.get(said, said), *m.span(), 0.75))
    return hits


# -- who pays, how, discounts, terms (open family) -----------------------------------------

_METHOD = re.compile(
    r"\b(?P<method>venmo|zelle|paypal|apple\s+pay|cash\s*app|google\s+pay|ach|e-?transfer"
    r"|bank\s+transfer|money\s+order|direct\s+debit|standing\s+order|interac)\b"
    r"|\bpays?\s+(?:us\s+)?(?P<portal>online(?:\s+(?:through|via|on|thru)\s+(?:the|our)\s+portal)?)\b",
    _I,
)
_PAYER = re.compile(
    r"\b(?:(?:bill|invoice)(?:\s+to)?|charge|send\s+(?:the\s+)?(?:bill|invoice)\s+to"
    r"|(?:bill|invoice)s?\s+(?:goes|go|gets\s+sent|is\s+sent|are\s+sent)\s+to)\s+(?P<who>(?:the\s+)?"
    r"(?:owner|landlord|landlady|hoa|property\s+manager|management(?:\s+company)?|office"
    r"|son|daughter|parents?|company|corporate|head\s+office|tenant|brokerage|mgmt\s+co"
    r"|management\s+co)\b[^.;!?\n,(]{0,30})"
    r"|\b(?P<who2>(?:the\s+)?(?:owner|landlord|hoa|son|daughter|tenant|company|management))"
    r"(?:\s+(?-i:(?:Mr\.?|Mrs\.?|Ms\.?|Dr\.?)?\s*[A-Z][a-z]+)){0,2}"
    r"(?:\s*\([^)]{1,30}\))?"
    # "The landlord, Mr. Vickers, pays"
    r"(?:\s*,\s*(?-i:(?:Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s*)?(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?,)?"
    # "landlord is still Carol, she pays", "the landlord is Gerald Fitch he pays"
    r"(?:\s+(?:is\s+still|still|is)\s+(?-i:(?:Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s*)?(?-i:[A-Z][a-z]+)"
    r"(?:\s+(?-i:[A-Z][a-z]+))?,?\s+(?:he|she))?"
    r"\s+(?:still\s+|always\s+)?(?:pays?|handles\s+(?:the\s+)?(?:bill|payment))\b(?!\s+nothing)"
    r"|(?-i:\b(?P<who3>[A-Z][a-z]{1,20}))\s+(?:pays\b(?!\s+(?:nothing|attention))|will\s+be\s+paying|is\s+paying"
    r"|sorts\s+(?:out\s+)?the\s+bills|(?:handles|handels)\s+(?:all\s+)?(?:the\s+)?(?:billing|bills?|payments?|money)"
    r"|is\s+the\s+one\s+(?:paying|who\s+pays)"
    r"|does\s+the\s+(?:paying|payments?|bills)"
    r"|cuts\s+the\s+(?:check|cheque))"
    r"|\b(?P<who5>owner|landlord|landlady|tenant)\s*:\s*(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?),\s+pays\b"
    r"|\bthe\s+(?P<who6>owner|landlord|landlady|tenant)\s+and\s+pays\b"
    # "Raj Patel (landlord) pays"
    r"|(?-i:\b(?P<who11>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))\s*\(\s*(?:the\s+)?(?P<role11>landlord|landlady"
    r"|owner|tenant|property\s+manager|manager|son|daughter)\s*\)\s+(?:still\s+|always\s+)?pays\b"
    # "her boyfriend marcus handles the bills", "the treasurer, Gloria Banks, handles payment"
    r"|\b(?P<who9>(?:boyfriend|girlfriend|husband|hubby|wife|partner|son|daughter|treasurer|bookkeeper"
    r"|accountant|secretary|nephew|niece|grandson|granddaughter|brother|sister)\s*,?\s+"
    r"[A-Za-z][a-z'-]{1,20}(?:\s+(?-i:[A-Z][a-z'-]{1,20}))?)\s*,?\s+"
    r"(?:handles|does|takes\s+care\s+of|pays?)\s+(?:all\s+)?(?:the\s+)?(?:bills?|billing|payments?|invoices?)\b"
    # "Invoice Summit Stays, not the owner"
    r"|\binvoice\s+(?P<org3>(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,3}))(?=\s*,?\s+not\s+(?:the\s+)?"
    r"(?:owner|tenant|homeowner|guests?)\b)"
    # "send the bill to his wife Priya"
    r"|\b(?:send\s+(?:the\s+)?)?(?:bill|invoice)s?\s+(?:to\s+)?(?:his|her|their)\s+"
    r"(?P<who13>(?:wife|husband|partner|son|daughter|mother|father)\s+(?-i:[A-Z][a-z]+))"
    r"|\bbill\s+(?:her|his|their)\s+(?P<who7>brokerage|company|employer|office|business|firm)\b"
    r"|\b(?:paid|pays?)\s+(?:thru|through|by|via)\s+the\s+(?P<who8>hoa|association|management\s+company)\b"
    r"|(?-i:\b(?P<org>(?:[A-Z][a-z]+\s+){1,3}(?:Realty|Mgmt|Management|Homes|Properties|PM|Rentals"
    r"|Group|LLC|Inc)))\b(?:\s*,)?\s+(?:still\s+|always\s+)?pays\b"
    r"|\binvoices?\s+(?:to|sent\s+to|go(?:es)?\s+to)\s+(?-i:(?P<org2>(?:[A-Z][a-z]+\s+){0,3}(?:Realty|Mgmt"
    r"|Management|Homes|Properties|PM|Rentals|Group|LLC|Inc|[A-Z][a-z]+)))\b(?=\s*[,.;]|\s*$)"
    r"|\binvoices?\s+(?:to|sent\s+to|go(?:es)?\s+to)\s+(?:the\s+)?"
    r"(?P<who4>(?!(?:him|her|them|his|their|my|our|e-?mail)\b)(?-i:[a-z])"
    r"[a-z][a-z ]{2,30}?)(?=\s*[,.;]|\s+(?:net|by|monthly|and)\b|\s*$)",
    _I,
)
_ROLE_WORDS = frozenset(
    (
        *("owner", "landlord", "landlady", "tenant", "son", "daughter", "office", "company"),
        *("management", "hoa", "the", "property", "manager", "parents", "parent", "corporate"),
        *("head", "brokerage", "mgmt"),
    )
)


def _names_kept(said: str, value: str) -> str:
    """The tidied value with the note's capitalised names back ("daughter Emi")."""
    names = {
        w.lower(): w for w in re.findall(r"\b[A-Z][a-z]+\b", said) if w.lower() not in _ROLE_WORDS
    }
    return re.sub(r"\b[a-z]+\b", lambda w: names.get(w.group(), w.group()), value)


# "the management company, Cascade Property Group": the payer named just after.
_NAMED_AFTER = re.compile(r",\s*((?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,3}))\b")
# "He pays", "Church pays", "Nobody pays": not a person's name.
_ONE_TIME = re.compile(r"\b(?:this\s+time|today|this\s+visit|one[\s-]time)\b", _I)
# "gave the Morrisons 10% off for referring": the amount is the fact.
_GIVEN_OFF = re.compile(
    r"^(?:gave|give|gives|knock(?:ed)?|take|takes|keep)\b.*?([0-9$][0-9.]*%?)\s+off\b"
)
_RENTED = re.compile(r"\b(?:tenants?|renters?|rental|rented|tenant-occupied)\b", _I)
_NOT_A_PAYER = re.compile(
    r"^(?:he|she|they|it|who|nobody|everyone|customer|client|cust|owner|landlord|tenant|church"
    r"|company|hoa|office|mom|dad|mum|son|daughter|management|always|still|also|never|just|only"
    r"|and|then|now|usually|mr|mrs|ms|dr|insurance|city|county|school|store|bank|host|inn|hotel"
    r"|motel|shop|cafe|bakery|library|town|clinic|practice|restaurant|salon|gym|farm)$",
    _I,
)
_PERCENT = r"(?:[0-9]{1,2}\s*(?:%|pct\b|percent\b)|\$[0-9]{1,3})"
_DISCOUNT = re.compile(
    rf"\b{_PERCENT}\s*(?:\w+\s+){{0,2}}discount\b|(?<![$\w])[0-9]{{1,2}}\s*%\s+off\b"
    # "5% off for prepaying the year": the reason is part of the deal
    rf"(?:\s+for\s+(?:\w+ing|being|paying)\b[^.;!?\n,]{{0,25}})?"
    rf"|\b(?:\w+\s+)?discount\s+(?:of\s+)?{_PERCENT}|\b{_PERCENT}\s*(?:\w+\s+)?disc\b\.?"
    rf"|\b(?:gave|give|gives|knock(?:ed)?|take|takes|keep)\s+(?:them\s+|her\s+|him\s+"
    rf"|the\s+\w+\s+)?"
    rf"{_PERCENT}\s+off\b(?:\s+(?:for|because)\s+[^.;!?\n]{{2,30}})?"
    rf"|\bmil(?:itary)?\.?\s+disc(?:ount)?\.?\s+{_PERCENT}"
    rf"|\bdiscount\s*[:=]\s*{_PERCENT}(?:\s+(?:senior|military|veteran|teacher|neighbou?r|loyalty|church))?"
    r"|\b(?:senior|military|veterans?|vet|first\s+responder|teachers?|neighbou?r|loyalty|repeat"
    r"|friends?\s+(?:and|&)\s+family|church|nonprofit|non-profit)\s+(?:rate|pricing|price|discount)\b"
    r"(?:\s*\(?\$[0-9]{1,3}\s+off\b)?",
    _I,
)
# "Landlord is Mr. Greene, bill him": the bill goes to the role named just before.
_BILL_THEM = re.compile(
    r"\b(?:bill|invoice|send\s+(?:the\s+)?(?:bill|invoice)\s+to)\s+(?:him|her|them)\b", _I
)
_PAYER_ROLE = re.compile(
    r"\b(?P<role>owner|landlord|landlady|property\s+(?:manager|mgr)|hoa|son|daughter|management)\b",
    _I,
)
_DAYS_SAID = {"ten": "10", "fifteen": "15", "thirty": "30", "forty-five": "45", "sixty": "60"}
_TERMS = re.compile(
    r"\bnet[\s-]?(?:15|30|45|60)\b|\bdue\s+on\s+receipt\b|\bpays?\s+monthly\b"
    # "asked to be billed quarterly": how often the bill goes out
    r"|\bbilled\s+(?:monthly|quarterly|annually|yearly|weekly)\b"
    r"|\bauto-?pay\b|\bwithin\s+(?:[0-9]{1,2}|two|three|four)\s+weeks\b"
    r"|\bwithin\s+(?:[0-9]{1,2}|ten|fifteen|thirty|forty-five|sixty)\s+days\b(?:\s+(?:of|from|after)"
    r"\s+(?:each\s+|the\s+)?invoice\b)?|\bp\.?o\.?\s+(?:number|#)\s+(?:is\s+)?required\b[^.;!?\n]{0,25}",
    _I,
)


_SPOUSE_WORD = re.compile(r"\b(husband|hubby|wife|partner|missus)\b", _I)


# "her son, Daniel, will be paying", "grandson, Kyle, is now her primary contact and pays the
# bill", "son Ray (he pays, lives in Seattle)": the person just named pays.
_PAYS = (
    r"(?:pays|will\s+be\s+paying|is\s+paying"
    r"|handles\s+(?:\w+\s+and\s+)?(?:the\s+)?(?:bills?|billing|payments?))\b"
)
_PAYS_AFTER = re.compile(
    rf"[^.;!?\n(]{{0,50}}?(?:\band|\bwho|,)\s+(?:now\s+|also\s+)?{_PAYS}"
    rf"|\s*\(\s*(?:he|she)\s+{_PAYS}|,?\s+(?:now\s+|also\s+)?{_PAYS}",
    _I,
)
# Not "owner": "Owner Sal pays cash" is the business itself paying.
_PAYING_ROLES = frozenset(
    {"son", "daughter", "grandson", "granddaughter", "landlord", "niece", "nephew"}
    | {"brother", "sister", "mother", "father"}
)


def payer_said_after(hits: list[Hit], text: str) -> list[Hit]:
    """``payment.payer`` "son Daniel" when a relative or the landlord is named and then said to
    pay, unless the note already names who pays."""
    if any(h.key == "payment.payer" for h in hits):
        return hits
    for hit in hits:
        role = hit.key.removeprefix("people.")
        if (
            role in _PAYING_ROLES
            and isinstance(hit.value, str)
            and _PAYS_AFTER.match(text, hit.end)
        ):
            return [*hits, Hit("payment.payer", f"{role} {hit.value}", hit.start, hit.end, 0.7)]
    return hits


def payer_with_role(hits: list[Hit], text: str = "") -> list[Hit]:
    """Who pays, said both ways when the note gives both: "Mike pays" after "Landlord Mike
    Stavros" is ``Mike (landlord)``, "the landlord pays" is ``landlord (Mike Stavros)``."""
    hits = payer_said_after(hits, text)
    people = [
        (_role_said(h, text), str(h.value))
        for h in hits
        if h.key.startswith("people.") and isinstance(h.value, str)
    ]
    out = []
    for hit in hits:
        if hit.key == "payment.payer" and isinstance(hit.value, str) and people:
            said = hit.value
            for role, name in people:
                if said in (name.split()[0], name.split()[-1], name):
                    hit = Hit(
                        hit.key, f"{name} ({role})", hit.start, hit.end, hit.confidence, hit.rank
                    )
                    break
                if said == role:
                    hit = Hit(
                        hit.key, f"{role} ({name})", hit.start, hit.end, hit.confidence, hit.rank
                    )
                    break
        out.append(hit)
    return out


def _role_said(hit: Hit, text: str) -> str:
    """The role as the note says it: "husband" rather than "spouse" when the note says so."""
    role = hit.key.split(".", 1)[1].replace("_name", "").replace("_", " ")
    if role == "spouse":
        said = _SPOUSE_WORD.search(text, max(0, hit.start - 20), hit.end + 20)
        if said:
            return said.group(1).lower().replace("hubby", "husband")
    return role


def payment_details(note: Note) -> list[Hit]:
    """``payment.method`` (Venmo, Zelle), ``payment.payer``, ``payment.discount``,
    ``payment.terms``."""
    hits: list[Hit] = []
    for m in note.finditer(_METHOD):
        if not note.negated(m.start(), 15):
            if m.group("portal"):  # "pays online through the portal"
                method = "online portal" if "portal" in m.group("portal").lower() else "online"
            else:
                method = " ".join(m.group("method").lower().split())
            hits.append(Hit("payment.method", method, *m.span(), 0.8))
    for m in note.finditer(_PAYER):
        said = next((g for k, g in m.groupdict().items() if g and k not in ("who3", "role11")), "")
        who = _names_kept(said, tidy(said).removeprefix("the "))
        named = _NAMED_AFTER.match(note.text, m.end())
        if m.group("who") and named is not None:  # "invoice the management company, Cascade PG"
            who = named.group(1)
        if m.group("who11"):  # "Raj Patel (landlord) pays"
            who = f"{' '.join(m.group('role11').lower().split())} {m.group('who11')}"
        if m.group("who9"):  # "boyfriend marcus": the role, then the name capitalised
            role, *name = who.replace(",", " ").split()
            who = " ".join([role, *(w[:1].upper() + w[1:] for w in name)])
        if m.group("who3"):
            if re.search(
                r"\b(?:in|at|from|of|near)\s+$", note.text[max(0, m.start() - 8) : m.start()]
            ):
                continue  # "His niece Charlene over in Shreveport pays": a place
            title = TITLE_BEFORE.search(note.text, max(0, m.start() - 6), m.start())
            if _NOT_A_PAYER.match(m.group("who3")) or (title and not _RENTED.search(note.text)):
                continue  # "Mrs. Ahn pays by card": the customer, not someone else
            # "Mr. Ferris pays for the work; the tenants do not": the landlord, by title
            who = titled(title, m.group("who3")) if title else m.group("who3")
        if (
            who.startswith("owner")
            and (m.group("who2") or m.group("who11"))
            and not _RENTED.search(note.text)
        ):
            continue  # "owner Rosa pays cash": the customer pays, nothing to keep
        who = re.sub(r"\b(?:mgmt|management)\s+co\b", "management company", who)
        who = re.sub(r"\s+(?:on|at|in|by|for|to|with)$", "", who)  # "accounts payable on net 45"
        if who and not note.negated(m.start(), 15):
            rank = 1 if m.group("who") else 0  # "bill the owner" outranks "tenant pays"
            hits.append(Hit("payment.payer", who, *m.span(), 0.7, rank))
    for m in note.finditer(_DISCOUNT):
        if _ONE_TIME.search(note.text, *note.sentence_window(m.start(), m.end())):
            continue  # "skip the garage windows this time, knocked $15 off"
        value = re.sub(r"\s*(?:pct|percent)\b", "%", tidy(m.group()).replace("(", ""))
        value = re.sub(r"\bdisc\b\.?", "discount", re.sub(r"^discount\s*[:=]\s*", "", value))
        given = _GIVEN_OFF.search(value)
        if given:
            value = f"{given.group(1)} off"
        value = re.sub(r"^mil(?:itary)?\.? discount (\S+)$", r"\1 military discount", value)
        hits.append(Hit("payment.discount", value, *m.span(), 0.75))
    for m in note.finditer(_BILL_THEM):
        roles = list(_PAYER_ROLE.finditer(note.text, max(0, m.start() - 80), m.start()))
        if roles and not note.negated(m.start(), 15):
            who = " ".join(roles[-1].group("role").lower().split()).replace("landlady", "landlord")
            who = who.replace("mgr", "manager")
            hits.append(Hit("payment.payer", who, roles[-1].start(), m.end(), 0.65))
    for m in note.finditer(_TERMS):
        value = tidy(m.group())
        within = re.match(r"within\s+(\S+)\s+days", value)
        if within:
            value = f"{_DAYS_SAID.get(within.group(1), within.group(1))} days"
        hits.append(Hit("payment.terms", value, *m.span(), 0.75))
    return hits
