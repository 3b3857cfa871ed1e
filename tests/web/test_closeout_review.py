"""The review step groups proposed facts by family and highlights their evidence in the note."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from crm.web.closeout_review import highlighted, proposals


def proposal(key: str, value: Any, evidence: str) -> dict[str, Any]:
    return {
        "key": key,
        "value": value,
        "evidence": evidence,
        "source": "rules",
        "confidence": 0.7,
        "address_id": None,
    }


def test_facts_are_grouped_by_family_and_keep_their_form_index() -> None:
    note = "Gate code 4471. Son <b>David</b> translates. Wasps & sprinklers. Pays by check."
    draft = {
        "notes": note,
        "conflicts": [],
        "proposed_attributes": [
            proposal("access.gate_code", "4471", "Gate code 4471"),
            proposal("hazards.sprinklers", True, "sprinklers"),
            proposal("payment.preference", "check", "Pays by check"),
            proposal("people.son", "David", "Son <b>David</b>"),
            proposal("zzz.unknown", "x", "not in the note"),
        ],
    }
    shown = proposals(draft, {})
    assert [(p["group"], p["index"]) for p in shown] == [
        ("People", 3),
        ("Access", 0),
        ("Hazards", 1),
        ("Payment", 2),
        ("Other", 4),
    ]
    son = shown[0]["in_note"]
    assert isinstance(son, Markup)
    assert "<mark>Son &lt;b&gt;David&lt;/b&gt;</mark>" in son
    # Its own sentence only: the neighbours' words belong to their own cards.
    assert "Wasps" not in son and son.endswith("translates.…")
    assert shown[-1]["in_note"] is None


def test_long_notes_show_only_the_evidence_and_its_surroundings() -> None:
    note = "a" * 200 + " key under the mat " + "b" * 200
    shown = highlighted(note, "key under the mat")
    assert shown is not None
    assert shown.startswith("…") and shown.endswith("…")
    assert "<mark>key under the mat</mark>" in shown
    assert len(shown) < 200
