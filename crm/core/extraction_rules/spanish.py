"""A bilingual crew's Spanish: the everyday facts a technician writes in Spanish ("Tiene un perro,
Chispa, muy nervioso", "Paga con cheque", "los jueves no", "Código del portón: 1212"), proposed
with the same keys and English values as the English rules.

Only what is said plainly is read: the common words for pets, people, payment, days, times,
codes and a few hazards. Anything else in Spanish is left to the technician's review.
"""

from __future__ import annotations

import re

from crm.core.extraction_rules.base import Hit, Note, name_value
from crm.core.extraction_rules.time_windows import with_half_of_day

_I = re.IGNORECASE

_NAME = r"(?P<name>[A-ZÁÉÍÓÚÑ][a-záéíóúñ]{1,20})"
_ANIMAL = r"(?P<animal>perr[oa]s?|perrit[oa]s?|gat[oa]s?|gatit[oa]s?)"
_HAS = re.compile(
    rf"\b(?:tiene|tienen|hay)\s+(?:un|una|dos|tres|[0-9])\s+{_ANIMAL}(?:\s*,\s*(?-i:{_NAME}))?", _I
)
_NAMED = re.compile(
    rf"\b{_ANIMAL}(?:\s+(?:nuevo|nueva|chiquit[oa]|grande|negr[oa]|blanc[oa]))?\s*[:,]\s*{_NAME}"
    rf"|\b{_ANIMAL.replace('animal', 'animal2')}\s+(?:que\s+)?se\s+llama\s+"
    rf"{_NAME.replace('name', 'name2')}",
)
_NONE = re.compile(
    rf"\bno\s+tienen?\s+{_ANIMAL}|\bya\s+no\s+(?:está|hay|tienen?)\s+(?:el|la|un|una)?\s*"
    rf"{_ANIMAL.replace('animal', 'animal2')}"
    rf"|\b(?:el|la)\s+{_ANIMAL.replace('animal', 'animal3')}[^.;!?\n]{{0,25}}\bse\s+muri[óo]",
    _I,
)
_SOMEONE_ELSES = re.compile(r"^\s+(?:del|de\s+la)\s+vecin[oa]", _I)
_TEMPERAMENT = re.compile(
    r"\b(?P<nervous>nervios[oa]|miedos[oa])\b|(?<!no\s)\b(?P<aggressive>brav[oa]|muerde)\b"
    r"|\b(?P<friendly>amigables?|cariños[oa]s?|muy\s+buen[oa]|tranquil[oa])\b",
    _I,
)

_LANGUAGE = re.compile(
    r"\b(?:habla|hablan)\s+(?:solo\s+|solamente\s+|sólo\s+)?español\b|\bno\s+habla\s+inglés\b", _I
)
_PAY = re.compile(
    r"\b(?:paga|pagan|pagar)\s+(?:siempre\s+)?(?:con|en|por)\s+(?P<how>cheque|efectivo|tarjeta"
    r"|zelle|venmo)\b|\b(?:pay|pays)\s+(?:with|con)\s+(?P<how2>tarjeta|efectivo|cheque)\b",
    _I,
)
_HOW = {"cheque": "check", "efectivo": "cash", "tarjeta": "card"}
_KIN = {
    "esposa": "spouse_name",
    "esposo": "spouse_name",
    "hija": "daughter",
    "hijo": "son",
    "nieta": "granddaughter",
    "nieto": "grandson",
    "sobrina": "niece",
    "sobrino": "nephew",
}
_RELATIVE = re.compile(
    rf"\bsu\s+(?P<kin>{'|'.join(_KIN)})\s+(?:se\s+llama\s+)?{_NAME}"
    rf"|\b(?:soy\s+)?(?:la|el)\s+(?P<kin2>{'|'.join(_KIN)})\s+de\s+"
    rf"(?:[^,.;\n]|(?<=Sr)\.|(?<=Sra)\.){{2,30}},\s*"
    rf"{_NAME.replace('name', 'name2')}",
    _I,
)
_TRANSLATES = re.compile(r"\b(?:traduce|traduzco|le\s+traduce|nos\s+traduce)\b", _I)
_PAYS = re.compile(r"\s*(?:paga|pagan)\b", _I)
_BUSINESS = re.compile(r"\b(?P<pharmacy>farmacia)\b|\blocal\s+comercial\b", _I)
_SOLAR = re.compile(r"\bpaneles\s+solares\b(?:[^.;\n(]{0,30}\((?P<n>[0-9]{1,3})\))?", _I)

_DAYS = {
    "lunes": "monday",
    "martes": "tuesday",
    "miércoles": "wednesday",
    "miercoles": "wednesday",
    "jueves": "thursday",
    "viernes": "friday",
    "sábado": "saturday",
    "sábados": "saturday",
    "sabado": "saturday",
    "domingo": "sunday",
    "domingos": "sunday",
}
_DAY = r"(?:lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bados?|domingos?)"
_NOT_DAYS = re.compile(
    rf"\b(?:los\s+)?(?P<day>{_DAY})\s+no\b|\bno\s+(?:los\s+)?(?P<day2>{_DAY})", _I
)
_WANT_DAYS = re.compile(
    rf"(?:^|[.:;]\s*|\b(?:quiere|prefiere|solo|venir|want\s+us|los)\s+)(?P<days>{_DAY}(?:\s+(?:o|y)\s+{_DAY})?)"
    rf"(?!\s+no\b)",
    _I,
)
_PART = re.compile(
    r"\b(?:por\s+la|prefiere\s+(?:la|las))\s+(?P<part>mañanas?|tardes?|noches?)\b", _I
)
_PARTS = {"mañana": "morning", "tarde": "afternoon", "noche": "evening"}
_EVERY = re.compile(
    r"\bcada\s+(?P<n>dos|tres|cuatro|seis|[0-9]{1,2})\s+(?P<unit>semanas|meses)\b"
    r"|\bcada\s+(?P<one>mes|semana|año)\b",
    _I,
)
_NUMBERS = {"dos": "2", "tres": "3", "cuatro": "4", "seis": "6"}
_BEFORE = re.compile(
    r"\bantes\s+de\s+las\s+(?P<h>[0-9]{1,2})\b|\babren\s+a\s+las\s+(?P<h2>[0-9]{1,2})\b[^.;!?\n]{0,12}"
    r"\bantes\b|\bdespu[ée]s\s+de\s+las\s+(?P<after>[0-9]{1,2})\b",
    _I,
)
_CODES = (
    (
        re.compile(r"\bc[óo]digo\s+del\s+port[óo]n\s*:?\s*(?P<code>[0-9]{3,8})\b", _I),
        "access.gate_code",
    ),
    (re.compile(r"\balarma\s*:?\s*(?P<code>[0-9]{3,8})\b", _I), "access.alarm_code"),
)
_GATE_SHUT = re.compile(
    r"\b(?:port[óo]n|gate)\s+(?:tiene\s+que\s+quedar\s+|siempre\s+)+cerrad[oa]\b", _I
)
_BEES = re.compile(r"\b(?:avispas?|abejas?|avispero|panal)\b", _I)
_SLICK = re.compile(r"\bresbala\b", _I)
_NO_ROOF = re.compile(r"\bno\s+subir(?:\s+al\s+techo)?\b", _I)
_AGE = re.compile(r"\b(?P<age>[1-9][0-9])\s+años\b|\bmuy\s+mayor\b", _I)


# A cheap look before the scans: a Spanish letter or one of the words the rules read that English
# does not use ("no", "la" and "su" are English too).
_SPANISH = re.compile(
    r"[ñáéíóú¿¡]|\b(?:los|las|tiene|tienen|paga|pagan|perr\w*|gat[oa]s?|alarma|cada|hay|prefiere"
    r"|abren|soy|habla|portón|porton|subir|años|hija|hijo|nieto|nieta|esposa|esposo|local\s+comercial)\b",
    _I,
)


def spanish(note: Note) -> list[Hit]:
    """Facts said in Spanish, with the keys and English values the other rules use."""
    if not _SPANISH.search(note.text):
        return []
    return [*_pets(note), *_people(note), *_when(note), *_others(note)]


def _kind(m: re.Match[str]) -> str:
    said = next((g for g in ("animal", "animal2", "animal3") if m.groupdict().get(g)), None)
    return "dog" if said and m.group(said).lower().startswith("perr") else "cat"


def _pets(note: Note) -> list[Hit]:
    hits: list[Hit] = []
    gone = {_kind(m) for m in note.finditer(_NONE)}
    for m in note.finditer(_NONE):
        hits.append(Hit(f"pets.has_{_kind(m)}", False, *m.span(), 0.8))
    for m in (*note.finditer(_HAS), *note.finditer(_NAMED)):
        kind = _kind(m)
        said = "animal" if m.groupdict().get("animal") else "animal2"
        if kind in gone or _SOMEONE_ELSES.match(note.text, m.end(said)):
            continue
        hits.append(Hit(f"pets.has_{kind}", True, *m.span(), 0.75))
        name = m.groupdict().get("name") or m.groupdict().get("name2")
        if name and name_value(name):
            hits.append(Hit(f"pets.{kind}_name", name_value(name), *m.span(), 0.8))
    if "dog" not in gone:
        for m in note.finditer(_TEMPERAMENT):
            lo, hi = note.sentence(m.start())
            sentence = note.text[lo:hi].lower()
            if "perr" not in sentence or "vecin" in sentence or not m.lastgroup:
                continue  # only the customer's own dog, said in the same sentence
            hits.append(Hit("pets.dog_temperament", m.lastgroup, *m.span(), 0.7))
            if m.lastgroup == "aggressive":
                hits.append(Hit("hazards.aggressive_dog", True, *m.span(), 0.75))
    return hits


def _people(note: Note) -> list[Hit]:
    hits = []
    for m in note.finditer(_LANGUAGE):
        hits.append(Hit("language.spoken", "Spanish", *m.span(), 0.8))
    for m in note.finditer(_RELATIVE):
        kin = (m.group("kin") or m.group("kin2")).lower()
        name = name_value(m.group("name") or m.group("name2"))
        if name is None:
            continue
        hits.append(Hit(f"people.{_KIN[kin]}", name, *m.span(), 0.75))
        if _PAYS.match(note.text, m.end()):  # "Su nieto Alejandro paga por Zelle"
            role = "spouse" if _KIN[kin] == "spouse_name" else _KIN[kin]
            hits.append(Hit("payment.payer", f"{role} {name}", *m.span(), 0.7))
        lo, hi = note.sentence_window(m.start(), m.end())
        if _TRANSLATES.search(note.text, lo, min(len(note.text), hi + 60)):
            hits.append(Hit("people.translator", name, *m.span(), 0.7))
    for m in note.finditer(_PAY):
        how = (m.group("how") or m.group("how2")).lower()
        if how in _HOW:
            hits.append(Hit("payment.preference", _HOW[how], *m.span(), 0.8))
        else:
            hits.append(Hit("payment.method", how.capitalize(), *m.span(), 0.8))
    for m in note.finditer(_AGE):
        age = m.group("age")
        group = "elderly" if age is None or int(age) >= 70 else "senior" if int(age) >= 60 else None
        if group is not None:
            hits.append(Hit("demographic.age_group", group, *m.span(), 0.75))
    return hits


def _when(note: Note) -> list[Hit]:
    hits = []
    avoided = []
    for m in note.finditer(_NOT_DAYS):
        day = _DAYS.get((m.group("day") or m.group("day2")).lower())
        if day:
            avoided.append(day)
            hits.append(Hit("schedule.unavailable_days", day, *m.span(), 0.7))
    for m in note.finditer(_WANT_DAYS):
        days = [
            _DAYS[d.lower()] for d in re.findall(_DAY, m.group("days"), _I) if d.lower() in _DAYS
        ]
        days = [d for d in days if d not in avoided]
        if days:
            hits.append(Hit("preferences.days", days, m.start("days"), m.end(), 0.7))
    for m in note.finditer(_PART):
        part = m.group("part").lower().rstrip("s")
        hits.append(Hit("preferences.time_of_day", _PARTS[part], *m.span(), 0.7))
    for m in note.finditer(_EVERY):
        if m.group("one"):
            value = {"mes": "monthly", "semana": "weekly", "año": "once a year"}[
                m.group("one").lower()
            ]
        else:
            n = _NUMBERS.get(m.group("n").lower(), m.group("n"))
            value = f"every {n} {'weeks' if m.group('unit').lower() == 'semanas' else 'months'}"
        hits.append(Hit("schedule.frequency", value, *m.span(), 0.7))
    for m in note.finditer(_BEFORE):
        if m.group("after"):
            hits.append(
                Hit(
                    "schedule.time_window",
                    f"after {with_half_of_day(m.group('after'))}",
                    *m.span(),
                    0.7,
                )
            )
        else:
            hits.append(
                Hit(
                    "schedule.time_window",
                    f"before {with_half_of_day(m.group('h') or m.group('h2'))}",
                    *m.span(),
                    0.7,
                )
            )
    return hits


def _others(note: Note) -> list[Hit]:
    hits = []
    for pattern, key in _CODES:
        for m in note.finditer(pattern):
            hits.append(Hit(key, m.group("code"), *m.span(), 0.85))
    for m in note.finditer(_GATE_SHUT):
        hits.append(Hit("access.gate_closed", True, *m.span(), 0.8))
    for m in note.finditer(_BEES):
        hits.append(Hit("hazards.bees", True, *m.span(), 0.8))
    for m in note.finditer(_SLICK):
        lo, hi = note.sentence(m.start())
        pool = re.search(r"\bpiscina\b", note.text[lo:hi], _I)
        hits.append(Hit("hazards.slippery", "slippery pool deck" if pool else True, *m.span(), 0.6))
    for m in note.finditer(_BUSINESS):
        kind = "pharmacy, commercial" if m.group("pharmacy") else "commercial"
        hits.append(Hit("customer.type", kind, *m.span(), 0.65))
    for m in note.finditer(_SOLAR):
        said = f"{m.group('n')} solar panels" if m.group("n") else "solar panels"
        hits.append(Hit("property.features", said, *m.span(), 0.65))
    for m in note.finditer(_NO_ROOF):
        if "techo" in note.text[max(0, m.start() - 80) : m.end() + 20].lower():
            hits.append(Hit("instructions.roof", "don't go on the roof", *m.span(), 0.7))
    return hits
