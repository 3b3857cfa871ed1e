"""`python -m bench.extraction_eval --judged`: a proposal and a label in other words count as one
fact only when every reader who judged the pair said so (docs/extraction-same-fact.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.extraction_eval import evaluate, load
from bench.extraction_files import DATA
from bench.extraction_judged import JUDGEMENTS_FILE, load_judgements
from bench.extraction_match import fact_family
from crm.core.vocabulary import Proposal

NOTE = "Stained glass in the entry: don't use ammonia on it. Gate 4411."
SAID = Proposal(
    "instructions.ammonia", "don't use ammonia on the stained glass", "ammonia", 0.7, "test"
)
GATE = Proposal("access.gate_code", "4411", "Gate 4411", 0.9, "test")
LABEL = {"key": "instructions.ammonia", "value": "no ammonia on the stained glass"}


def _files(tmp_path: Path, readers: list[bool] | None) -> tuple[Path, Path]:
    labelled = tmp_path / "notes.jsonl"
    row = {
        "id": "n1",
        "note": NOTE,
        "split": "mine",
        "expected": [LABEL, {"key": "access.gate_code", "value": "4411"}],
    }
    labelled.write_text(json.dumps(row) + "\n")
    judgements = tmp_path / "judgements.jsonl"
    lines = []
    if readers is not None:
        proposal = {"key": SAID.key, "value": SAID.value}
        pair = {"split": "mine", "id": "n1", "proposal": proposal, "label": LABEL}
        lines.append(json.dumps(pair | {"readers": readers}))
    judgements.write_text("\n".join(lines) + "\n")
    return labelled, judgements


def _score(labelled: Path, judgements: Path | None) -> dict[str, Any]:
    def route(note: str) -> tuple[list[Proposal], str]:
        return [SAID, GATE], "test"

    judged = load_judgements(judgements) if judgements else None
    return evaluate(labelled, route=route, judged=judged)


def test_the_string_matcher_alone_counts_other_words_twice(tmp_path: Path) -> None:
    labelled, _ = _files(tmp_path, None)
    report = _score(labelled, None)
    assert (report["mine"]["precision"], report["mine"]["recall"]) == (0.5, 0.5)
    assert [m["value"] for m in report["misses"]] == [LABEL["value"]]


def test_a_pair_every_reader_called_the_same_fact_matches(tmp_path: Path) -> None:
    labelled, judgements = _files(tmp_path, [True, True])
    report = _score(labelled, judgements)
    assert (report["mine"]["precision"], report["mine"]["recall"]) == (1.0, 1.0)
    assert report["misses"] == [] and report["false_positives"] == []
    assert report["judged"] == {"applied": {"mine": 1}, "unjudged": {}}


@pytest.mark.parametrize("readers", [[True, False], [False], []])
def test_one_doubting_reader_or_none_keeps_the_pair_apart(
    tmp_path: Path, readers: list[bool]
) -> None:
    labelled, judgements = _files(tmp_path, readers)
    report = _score(labelled, judgements)
    assert (report["mine"]["precision"], report["mine"]["recall"]) == (0.5, 0.5)
    assert report["judged"]["applied"] == {}


def test_a_pair_nobody_judged_is_reported(tmp_path: Path) -> None:
    labelled, judgements = _files(tmp_path, None)
    report = _score(labelled, judgements)
    assert report["mine"]["recall"] == 0.5
    assert report["judged"]["unjudged"] == {"mine": 1}


def test_every_stored_judgement_names_a_labelled_fact_of_its_note() -> None:
    notes = {
        (row.get("split"), row["id"]): row
        for path in DATA.glob("notes_*.jsonl")
        for row in load(path)
    }
    lines = [json.loads(line) for line in JUDGEMENTS_FILE.read_text().splitlines() if line]
    assert len(lines) > 300
    for line in lines:
        row = notes[(line["split"], line["id"])]
        assert line["label"] in row["expected"], line["pid"]
        assert fact_family(line["label"]["key"]) == fact_family(line["proposal"]["key"])
        assert line["readers"] and len(line["readers"]) == len(line["why"])
