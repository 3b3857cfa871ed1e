"""How far two careful labellers agree on the same notes: the ceiling for any extractor.

`python -m bench.extraction_agreement --reference FILE --labels FILE [--labels FILE ...]
[--strict]` scores each second labelling of a file's notes against the reference labels
exactly as ``bench.extraction_eval`` scores the extractor (same matching, same precision and
recall), and each pair of second labellings against each other. A second labeller saw the
notes, the labelling conventions and the vocabulary, never the reference labels or the rules
(docs/extraction-rounds.md, "How far labellers agree"). Only totals are printed: a blind
file's facts are never listed.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from typing import Any

from bench.extraction_eval import Score, load
from bench.extraction_match import same_fact
from crm.core import extraction_rules


def _facts(row: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(e["key"], e["value"]) for e in row["expected"]]


def _rules(reference: Path | str) -> dict[str, list[tuple[str, Any]]]:
    """What the rule extractor proposes for each of the reference's notes."""
    return {
        row["id"]: [(p.key, p.value) for p in extraction_rules.extract(row["note"])]
        for row in load(reference)
    }


def agreement(
    reference: Path | str,
    labels: Path | str | dict[str, list[tuple[str, Any]]],
    *,
    strict: bool = False,
) -> Score:
    """``labels`` scored as if they were proposals against ``reference`` (by note id)."""
    expected = {row["id"]: _facts(row) for row in load(reference)}
    got = labels if isinstance(labels, dict) else {row["id"]: _facts(row) for row in load(labels)}
    if set(expected) != set(got):
        missing = sorted(set(expected) ^ set(got))[:5]
        raise SystemExit(f"{labels}: not the same notes as {reference} (e.g. {missing})")
    score = Score()
    for note_id, want in expected.items():
        have = got[note_id]
        found = [any(same_fact(e, g, loose=not strict) for g in have) for e in want]
        right = [any(same_fact(e, g, loose=not strict) for e in want) for g in have]
        score.notes += 1
        score.tp += sum(found)
        score.fn += len(found) - sum(found)
        score.correct += sum(right)
        score.fp += len(right) - sum(right)
    return score


def _line(name: str, score: Score) -> str:
    return (
        f"{name:36} precision {score.precision:.3f}  recall {score.recall:.3f}"
        f"  (notes {score.notes}, found {score.tp}, missed {score.fn}, extra {score.fp})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.extraction_agreement", description=__doc__
    )
    parser.add_argument("--reference", required=True, help="the labels the eval scores against")
    parser.add_argument("--labels", action="append", required=True, help="a second labelling")
    parser.add_argument("--strict", action="store_true", help="match without light paraphrase")
    args = parser.parse_args(argv)
    for path in args.labels:
        score = agreement(args.reference, path, strict=args.strict)
        print(_line(f"{Path(path).stem} vs reference", score))
    rules = _rules(args.reference)
    print(_line("rules vs reference", agreement(args.reference, rules, strict=args.strict)))
    for a, b in itertools.combinations(args.labels, 2):
        print(_line(f"{Path(b).stem} vs {Path(a).stem}", agreement(a, b, strict=args.strict)))
    for path in args.labels:  # the same notes, another careful reader as the reference
        print(_line(f"rules vs {Path(path).stem}", agreement(path, rules, strict=args.strict)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
