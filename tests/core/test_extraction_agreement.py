"""`python -m bench.extraction_agreement` scores a second reader's labels against the
reference labels of the same notes, the way the eval scores the extractor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.extraction_agreement import agreement, main

NOTES = {
    "a1": "Dog Biscuit, friendly. Gate code 4471.",
    "a2": "Her son David translates, she speaks Spanish.",
}


def _write(path: Path, labels: dict[str, list[dict[str, Any]]], *, notes: bool) -> Path:
    rows = [
        {"id": note_id, **({"note": NOTES[note_id]} if notes else {}), "expected": expected}
        for note_id, expected in labels.items()
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


REFERENCE = {
    "a1": [
        {"key": "pets.dog_name", "value": "Biscuit"},
        {"key": "access.gate_code", "value": "4471"},
    ],
    "a2": [{"key": "people.son", "value": "David"}, {"key": "language.spoken", "value": "Spanish"}],
}


def test_a_reader_who_adds_a_fact_and_misses_one_scores_below_one(tmp_path: Path) -> None:
    reference = _write(tmp_path / "ref.jsonl", REFERENCE, notes=True)
    reader = _write(
        tmp_path / "reader.jsonl",
        {
            "a1": [
                {"key": "pets.dog_name", "value": "Biscuit"},
                {"key": "pets.dog_temperament", "value": "friendly"},
                {"key": "access.gate_code", "value": "4471"},
            ],
            "a2": [{"key": "people.son", "value": "David (translates)"}],
        },
        notes=False,
    )
    score = agreement(reference, reader)
    assert (score.tp, score.fn, score.correct, score.fp) == (3, 1, 3, 1)
    assert agreement(reference, reference).precision == 1.0


def test_the_command_prints_readers_rules_and_readers_against_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _write(tmp_path / "ref.jsonl", REFERENCE, notes=True)
    same = _write(tmp_path / "reader_b.jsonl", REFERENCE, notes=False)
    assert main(["--reference", str(reference), "--labels", str(same)]) == 0
    out = capsys.readouterr().out
    assert "reader_b vs reference" in out and "precision 1.000  recall 1.000" in out
    assert "rules vs reference" in out and "rules vs reader_b" in out


def test_labels_of_other_notes_are_refused(tmp_path: Path) -> None:
    reference = _write(tmp_path / "ref.jsonl", REFERENCE, notes=True)
    other = _write(tmp_path / "other.jsonl", {"a1": REFERENCE["a1"]}, notes=False)
    with pytest.raises(SystemExit, match="not the same notes"):
        agreement(reference, other)
