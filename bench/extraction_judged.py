"""Readers' judgements of proposals the string matcher cannot match (docs/extraction-same-fact.md).

A proposal that matches no label and a label that no proposal matches, in the same note and
of the same key family, may still be one fact said in other words ("don't use ammonia on the
stained glass" / "no ammonia on the stained glass"). Fresh readers judged such pairs without
knowing which side was the rules' and which the writer's; ``tests/data/same_fact/
judgements.jsonl`` keeps each pair with every reader's answer. ``python -m
bench.extraction_eval --judged`` counts a pair as a match when every reader of it said same,
and reports how many pairs of the run no reader has judged (new rules make new pairs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.extraction_match import fact_family

JUDGEMENTS_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "same_fact"
JUDGEMENTS_FILE = JUDGEMENTS_PATH / "judgements.jsonl"

Fact = tuple[str, Any]


def pair_key(split: str, note_id: str, proposal: Fact, label: Fact) -> str:
    """One pair, written the same way whichever side reads it."""
    return json.dumps([split, note_id, list(proposal), list(label)], sort_keys=True)


@dataclass
class Judgements:
    """The pairs readers judged the same fact, and what a run met that nobody judged."""

    same: frozenset[str] = frozenset()
    judged: frozenset[str] = frozenset()
    unjudged: dict[str, int] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)

    def settle(
        self,
        split: str,
        note_id: str,
        wrong: Iterable[tuple[int, Fact]],
        missed: Iterable[tuple[int, Fact]],
    ) -> list[tuple[int, int]]:
        """(proposal index, label index) of each pair the readers judged the same fact."""
        settled = []
        missed = list(missed)
        for i, proposal in wrong:
            for j, label in missed:
                if fact_family(proposal[0]) != fact_family(label[0]):
                    continue
                key = pair_key(split, note_id, proposal, label)
                if key in self.same:
                    settled.append((i, j))
                    self.applied[split] = self.applied.get(split, 0) + 1
                elif key not in self.judged:
                    self.unjudged[split] = self.unjudged.get(split, 0) + 1
        return settled


def load_judgements(path: Path | str = JUDGEMENTS_FILE) -> Judgements:
    """Every judged pair; a pair is the same fact when each of its readers said so."""
    same, judged = set(), set()
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            proposal = (row["proposal"]["key"], row["proposal"]["value"])
            label = (row["label"]["key"], row["label"]["value"])
            key = pair_key(row["split"], row["id"], proposal, label)
            judged.add(key)
            if row["readers"] and all(row["readers"]):
                same.add(key)
    return Judgements(frozenset(same), frozenset(judged))
