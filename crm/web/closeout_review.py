"""The close-out's review step: the proposed facts in words, and the decisions read back.

The routes are in crm/web/closeout.py; this is what they show on the review page (each proposed
fact with its evidence, source and any conflict with a fact on file, and the follow-up) and how
they read the keep / change / reject choices posted from it.
"""

from __future__ import annotations

import re
from typing import Any

from crm.core.models.closeout import CloseTicket
from crm.core.vocabulary import VOCABULARY
from crm.web.forms import limits

_COUNT = re.compile(r"(\d{1,5})\s*(\+?)")
MOST_DECISIONS = limits(CloseTicket, "decisions").max_length or 0
# The preview's whole-ticket fields → the wizard's inputs.
_PREVIEW_INPUTS = {
    "duration_minutes": "duration",
    "confirm_estimated_prices": "confirm",
    "notes": "notes",
}


def _value_text(kind: str, value: Any) -> str:
    """A value as a person reads (and types) it: 20+, yes, Monday, Friday."""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "count" and isinstance(value, dict):
        return f"{value.get('count')}{'+' if value.get('plus') else ''}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _shown(kind: str, value: Any) -> str:
    text = _value_text(kind, value)
    return text.replace("_", " ").capitalize() if kind in ("bool", "choice", "choices") else text


def _source_text(source: str) -> str:
    if source == "rules":
        return "found by the note rules"
    if source.startswith("llm:"):
        return f"suggested by the AI model ({source[4:]})"
    return "entered by hand" if source == "manual" else source


def proposals(draft: dict[str, Any], chosen: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each proposed fact as the review shows it, with what was chosen for it last time."""
    conflicts = {c["key"]: c for c in draft["conflicts"]}
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
                "label": re.sub(r"\s*\(.*?\)", "", term.description if term else key).capitalize(),
                "kind": kind,
                "choices": term.choices if term else (),
                "value": _shown(kind, proposal["value"]),
                "evidence": proposal["evidence"],
                "source": _source_text(proposal["source"]),
                "confidence": round(float(proposal["confidence"]) * 100),
                "conflict": conflict
                and {
                    "same": conflict["same"],
                    "value": _shown(kind, conflict["existing_value"]),
                    "source": _source_text(conflict["existing_source"]),
                },
                "decision": previous.get("decision", "accept"),
                "edit": previous.get("value", _value_text(kind, proposal["value"])),
            }
        )
    return out


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


def parse_edit(kind: str, text: str) -> Any:
    """What a person typed as a new value → the vocabulary's shape (checked by the service)."""
    text = text.strip()
    if not text:
        raise ValueError("Type the new value, or choose Keep or Reject.")
    if kind == "bool":
        if text.lower() in ("yes", "no"):
            return text.lower() == "yes"
        raise ValueError("Choose yes or no.")
    if kind == "count":
        match = _COUNT.fullmatch(text)
        if not match:
            raise ValueError("Type a number like 20, or 20+ for “20 or more”.")
        return {"count": int(match.group(1)), "plus": bool(match.group(2))}
    if kind == "choices":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def read_decisions(
    form: dict[str, str],
) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]], dict[str, str]]:
    """The review's choices: what was picked per fact, the decisions, and per-fact problems."""
    chosen: dict[str, dict[str, str]] = {}
    decisions: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    count = form.get("count", "0")
    shown = int(count) if count.isascii() and count.isdigit() else 0
    for index in range(min(shown, MOST_DECISIONS)):
        key = form.get(f"key-{index}", "")
        decision = form.get(f"decision-{index}", "")
        text = form.get(f"value-{index}", "")
        chosen[key] = {"decision": decision, "value": text}
        term = VOCABULARY.get(key)
        if decision not in ("accept", "edit", "reject"):
            errors[key] = "Choose keep, change or reject."
            continue
        entry: dict[str, Any] = {"key": key, "decision": decision}
        if decision == "edit":
            try:
                entry["value"] = parse_edit(term.kind if term else "text", text)
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
