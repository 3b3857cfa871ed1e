"""The close-out's review step: the proposed facts in words, and the decisions read back.

The routes are in crm/web/closeout.py; this is what they show on the review page (each proposed
fact with its evidence, source and any conflict with a fact on file, and the follow-up) and how
they read the keep / change / reject choices posted from it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from markupsafe import Markup, escape

from crm.core.models.closeout import CloseTicket, ReachOut
from crm.core.vocabulary import VOCABULARY, family
from crm.utils.timezone import get_zone, utc_now
from crm.utils.user_context import get_current_user
from crm.web.contact_facts import parse_value, term_label, value_display, value_text
from crm.web.forms import limits, small_count

MOST_DECISIONS = limits(CloseTicket, "decisions").max_length or 0
MONTHS = limits(ReachOut, "months").whole_numbers()
# The preview's whole-ticket fields → the wizard's inputs.
_PREVIEW_INPUTS = {
    "duration_minutes": "duration",
    "confirm_estimated_prices": "confirm",
    "notes": "notes",
}


# The review groups proposed facts by family, in this order; the rest are "Other".
FAMILY_GROUPS = (
    ("People", ("people", "language", "demographic", "customer")),
    ("Access", ("access",)),
    ("Hazards", ("hazards",)),
    ("Property", ("property", "equipment", "duration")),
    ("Pets", ("pets",)),
    ("Payment", ("payment",)),
    ("Schedule", ("schedule", "preferences")),
    ("Instructions", ("instructions",)),
)
_GROUP_OF = {
    prefix: (i, name) for i, (name, prefixes) in enumerate(FAMILY_GROUPS) for prefix in prefixes
}
_OTHER = (len(FAMILY_GROUPS), "Other")
_CONTEXT = 60  # characters of the note shown either side of the evidence, at most
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")


def fact_group(key: str) -> tuple[int, str]:
    """Where the review lists a fact: its family's place and heading."""
    return _GROUP_OF.get(family(key), _OTHER)


def highlighted(note: str, evidence: str) -> Markup | None:
    """The part of the note around ``evidence``, escaped, with the evidence in <mark>."""
    at = note.find(evidence) if evidence else -1
    if at < 0 and evidence:
        at = note.lower().find(evidence.lower())
    if at < 0:
        return None
    end = at + len(evidence)
    # The sentence the evidence is in (at most _CONTEXT characters either side), so each
    # card shows its own words, not its neighbours'.
    stops = [m.end() for m in _SENTENCE_END.finditer(note, 0, at)]
    lo = max(stops[-1] if stops else 0, at - _CONTEXT)
    after = _SENTENCE_END.search(note, end)
    hi = min(after.end() if after else len(note), end + _CONTEXT)
    while lo < at and note[lo].isspace():
        lo += 1
    return Markup("{}{}<mark>{}</mark>{}{}").format(
        "…" if lo else "",
        escape(note[lo:at]),
        escape(note[at:end]),
        escape(note[end:hi]),
        "…" if hi < len(note) else "",
    )


def _source_text(source: str) -> str:
    if source == "rules":
        return "found by the note rules"
    if source.startswith("llm:"):
        return f"suggested by the AI model ({source[4:]})"
    return "entered by hand" if source == "manual" else source


def proposals(draft: dict[str, Any], chosen: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each proposed fact as the review shows it, with what was chosen for it last time."""
    conflicts = {c["key"]: c for c in draft["conflicts"]}
    note = str(draft.get("notes") or "")
    out = []
    for index, proposal in enumerate(draft["proposed_attributes"]):
        key = proposal["key"]
        term = VOCABULARY.get(key)
        kind = term.kind if term else "text"
        conflict = conflicts.get(key)
        previous = chosen.get(key, {})
        out.append(
            {
                "index": index,
                "key": key,
                "label": term_label(key),
                "kind": kind,
                "choices": term.choices if term else (),
                "value": value_display(key, proposal["value"]),
                "evidence": proposal["evidence"],
                "in_note": highlighted(note, proposal["evidence"]),
                "group": fact_group(key)[1],
                "group_order": fact_group(key)[0],
                "source": _source_text(proposal["source"]),
                "confidence": round(float(proposal["confidence"]) * 100),
                "conflict": conflict
                and {
                    "same": conflict["same"],
                    "value": value_display(key, conflict["existing_value"]),
                    "source": _source_text(conflict["existing_source"]),
                },
                # docs/property-facts.md: saved for the ticket's address, or the customer.
                "property": bool(proposal.get("address_id")),
                "decision": previous.get("decision", "accept"),
                "edit": previous.get("value", value_text(proposal["value"])),
            }
        )
    # Grouped for reading; each keeps its index, so the posted decisions still line up.
    return sorted(out, key=lambda p: (p["group_order"], p["index"]))


def follow_up_text(follow_up: dict[str, Any]) -> dict[str, Any]:
    """What happens after the visit, as the review page words it."""
    kind = follow_up["kind"]
    if kind == "reach_out":
        return {"kind": kind, "when": follow_up["scheduled_for"], "months": follow_up["months"]}
    if kind == "schedule_now":
        return {"kind": kind, "when": follow_up["start"]}
    return {"kind": "none"}


def preview_inputs(fields: dict[str, str], line_ids: list[str]) -> dict[str, str]:
    """The preview's field names (``line_items.0.quantity``) → the wizard's inputs."""
    out: dict[str, str] = {}
    for name, message in fields.items():
        parts = name.split(".")
        if parts[0] == "line_items" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            lid = line_ids[index] if index < len(line_ids) else ""
            key = f"{'price' if parts[2] == 'unit_price_cents' else 'qty'}-{lid}"
        elif parts[0] == "next_step":
            key = "months" if parts[-1] == "months" else "next_date"
        else:
            key = _PREVIEW_INPUTS.get(parts[0], "")
        out.setdefault(key or "duration", message)
    return out


def read_decisions(
    form: dict[str, str],
) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]], dict[str, str]]:
    """The review's choices: what was picked per fact, the decisions, and per-fact problems."""
    chosen: dict[str, dict[str, str]] = {}
    decisions: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index in range(small_count(form.get("count", ""), default=0, most=MOST_DECISIONS)):
        key = form.get(f"key-{index}", "")
        decision = form.get(f"decision-{index}", "")
        text = form.get(f"value-{index}", "")
        chosen[key] = {"decision": decision, "value": text}
        if decision not in ("accept", "edit", "reject"):
            errors[key] = "Choose keep, change or reject."
            continue
        entry: dict[str, Any] = {"key": key, "decision": decision}
        if decision == "edit":
            try:
                if not text.strip():
                    raise ValueError("Type the new value, or choose Keep or Reject.")
                entry["value"] = parse_value(key, text)
            except ValueError as exc:
                errors[key] = str(exc)
        decisions.append(entry)
    return chosen, decisions, errors


def decision_errors(fields: dict[str, str], decisions: list[dict[str, Any]]) -> dict[str, str]:
    """A refused close's fields (``decisions.2.value``) → the fact each one is about."""
    errors: dict[str, str] = {}
    for name, message in fields.items():
        parts = name.split(".")
        if parts[0] == "decisions" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(decisions):
                errors[decisions[index]["key"]] = message
    return errors


def next_step_input(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The next-step choice posted by the wizard → the preview's `next_step`, or field errors."""
    kind = values.get("next_kind", "")
    if kind == "none":
        return {"kind": "none"}, {}
    if kind == "reach_out":
        months = small_count(values.get("months", ""), default=0, most=MONTHS[-1] + 1)
        if months not in MONTHS:
            return {}, {"months": f"Pick {MONTHS[0]} to {MONTHS[-1]} months."}
        return {"kind": "reach_out", "months": months}, {}
    if kind == "schedule_now":
        try:
            day = date.fromisoformat(values.get("next_date", ""))
            at = time.fromisoformat(values.get("next_time", ""))
        except ValueError:
            return {}, {"next_date": "Pick the day and time of the next visit."}
        start = datetime.combine(day, at, tzinfo=get_zone(get_current_user().timezone))
        if start <= utc_now():
            return {}, {"next_date": "The next visit must be in the future."}
        return {"kind": "schedule_now", "start": start}, {}
    return {}, {"next_kind": "Choose what happens next."}
