"""Notes → proposed attributes. Local LLM, then remote LLM, then the built-in rules.

Whatever answers is validated against the vocabulary: unknown keys, wrong value shapes and
evidence that is not in the note are dropped, never guessed at. The rules always answer, so a
close-out never waits on a model that is down; the result says which route produced it and
why the others did not.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from crm.core import extraction_rules
from crm.core.vocabulary import (
    OPEN_FAMILIES,
    OPEN_TEXT_MAX,
    VOCABULARY,
    Proposal,
    VocabularyError,
    normalise_value,
)
from crm.errors import ServiceUnavailable

log = logging.getLogger("crm.extraction")

MAX_NOTE_CHARS = 8000


class JsonCompleter(Protocol):
    """What extraction needs from the LLM client (see crm/clients/llm_client.py)."""

    def prepare(self, *schemas: dict[str, Any]) -> None: ...

    def complete_json(
        self,
        *,
        system: str,
        user: str,
        schema: dict[str, Any],
        purpose: str,
        user_id: UUID,
        timeout: float | None = None,
    ) -> Any: ...


@dataclass(frozen=True)
class ExtractionResult:
    proposals: list[Proposal]
    route: str
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"route": self.route, "problems": self.problems}


def answer_schema() -> dict[str, Any]:
    """The JSON the model must return: a list of attributes with quoted evidence."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["attributes"],
        "properties": {
            "attributes": {
                "type": "array",
                "maxItems": 40,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["key", "value", "evidence", "confidence"],
                    "properties": {
                        "key": {
                            "type": "string",
                            "maxLength": 63,
                            "anyOf": [
                                {"enum": sorted(VOCABULARY)},
                                {"pattern": open_key_pattern()},
                            ],
                        },
                        "value": {},
                        "evidence": {"type": "string", "maxLength": 300},
                        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    },
                },
            }
        },
    }


def open_key_pattern() -> str:
    """An open-family key: a known family, a dot, a snake_case thing."""
    return rf"^(?:{'|'.join(sorted(OPEN_FAMILIES))})\.[a-z][a-z0-9_]{{0,40}}$"


def system_prompt() -> str:
    terms = "\n".join(
        f"- {t.key} ({t.kind}{': ' + '|'.join(t.choices) if t.choices else ''}): {t.description}"
        for t in VOCABULARY.values()
    )
    families = "\n".join(f"- {name}.<thing>: {text}" for name, text in OPEN_FAMILIES.items())
    return (
        "You read a window cleaner's note about a customer and list facts worth remembering. "
        "Use these keys where one fits:\n"
        f"{terms}\n"
        "Otherwise use an open family key, <family>.<snake_case thing>, with a short value "
        f"(at most {OPEN_TEXT_MAX} characters, true/false where natural):\n"
        f"{families}\n"
        "A sentence with an instruction, person, measurement or hazard that fits nothing else "
        "goes in instructions.note with the sentence as its value.\n"
        "Values: bool true/false; text and names as strings; counts as "
        '{"count": N, "plus": true if the note says N+}; choices as one listed word; '
        'days as a list. Negated or past facts ("no dog anymore") are stated as false, not '
        'skipped; for a change ("code changed to 0415, was 3321") give only the new value. '
        "Only facts about this customer and property; never guess. evidence must be "
        "the exact words from the note. Answer with JSON only."
    )


class Extractor:
    """Built once at start from the LLM settings (see crm/main.py); the rules need nothing."""

    def __init__(self, llm: JsonCompleter | None = None) -> None:
        self._llm = llm

    def prepare(self) -> None:
        """One-time work at start-up, so the first close-out of the day is not the slow one."""
        if self._llm is not None:
            self._llm.prepare(answer_schema())

    def extract(self, note: str, *, user_id: UUID) -> ExtractionResult:
        text = note[:MAX_NOTE_CHARS]
        if not text.strip():
            return ExtractionResult([], "none")
        problems: list[str] = []
        if self._llm is not None:
            try:
                answer = self._llm.complete_json(
                    system=system_prompt(),
                    user=text,
                    schema=answer_schema(),
                    purpose="extraction",
                    user_id=user_id,
                )
            except ServiceUnavailable as exc:
                if exc.service != "llm":
                    raise
                problems.append(f"language models unavailable: {exc.message}")
            else:
                source = f"llm:{answer.provider}"
                proposals, dropped = validate_answer(answer.data, note=text, source=source)
                problems.extend(dropped)
                return ExtractionResult(proposals, source, problems)
        return ExtractionResult(extraction_rules.extract(text), "rules", problems)


def validate_answer(data: Any, *, note: str, source: str) -> tuple[list[Proposal], list[str]]:
    """Keep each proposed attribute that fits the vocabulary and quotes the note."""
    kept: dict[str, Proposal] = {}
    dropped: list[str] = []
    haystack = _squash(note)
    for item in data.get("attributes", []) if isinstance(data, dict) else []:
        key = item.get("key") if isinstance(item, dict) else None
        try:
            value = normalise_value(str(key), item.get("value"))
        except (VocabularyError, AttributeError):
            dropped.append(f"dropped {key!r}: not a known key or wrong value shape")
            continue
        evidence = str(item.get("evidence") or "").strip()
        if not evidence or _squash(evidence) not in haystack:
            dropped.append(f"dropped {key}: its evidence is not in the note")
            continue
        confidence = item.get("confidence")
        if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
            confidence = 0.5
        if str(key) not in kept:
            kept[str(key)] = Proposal(str(key), value, evidence, float(confidence), source)
    return sorted(kept.values(), key=lambda p: p.key), dropped


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()
