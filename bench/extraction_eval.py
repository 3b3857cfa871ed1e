"""Precision and recall of note extraction on the hand-labelled technician notes.

`python -m bench.extraction_eval [--route rules|configured] [--splits dev,dev2026] [--show dev]
[--blind] [--strict]` scores every labelled file in tests/data per split except the blind ones;
``--blind`` adds them and lists every miss and false positive of them (and ``--show`` lists
another split's). ``--route configured`` scores the OpenAI-compatible model route configured by
the LLM_* environment variables through the app's own extraction path
(docs/llm-and-extraction.md). ``bench_rows()`` gives the rule scores as harness ``Result`` rows.
When two facts match is bench/extraction_match.py.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

from bench.core import Result
from bench.extraction_files import (
    BLIND_SPLITS,
    DEFAULT_PATH,
    LABELLED_FILES,
    SPLITS,
)
from bench.extraction_judged import Judgements, load_judgements
from bench.extraction_match import same_fact
from crm.core import extraction_rules
from crm.core.vocabulary import VOCABULARY, Proposal

PRECISION_TARGET = 0.9
RECALL_TARGET = 0.75

Extract = Callable[[str], list[Proposal]]


@dataclass
class Score:
    notes: int = 0
    tp: int = 0  # expected facts found
    fp: int = 0  # proposals that match no expected fact
    fn: int = 0  # expected facts not found
    correct: int = 0  # proposals that match an expected fact

    @property
    def precision(self) -> float:
        return self.correct / (self.correct + self.fp) if self.correct + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "notes": self.notes,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


@dataclass
class _Tally:
    scores: dict[str, Score] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    routes: dict[str, int] = field(default_factory=dict)
    unscored: dict[str, int] = field(default_factory=dict)


def load(path: Path | str = DEFAULT_PATH) -> list[dict[str, Any]]:
    """The labelled notes, one dict per non-blank line."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# -- matching ------------------------------------------------------------------------------


def rules_route() -> Callable[[str], tuple[list[Proposal], str]]:
    return lambda note: (extraction_rules.extract(note), "rules")


def configured_route() -> Callable[[str], tuple[list[Proposal], str]]:
    """The app's extraction path over the model configured by LLM_* environment variables."""
    from crm.clients.llm_client import LlmClient
    from crm.clients.llm_types import LlmSettings
    from crm.core.extraction import Extractor

    settings = LlmSettings(
        local_endpoint=os.environ.get("LLM_LOCAL_ENDPOINT", ""),
        local_model=os.environ.get("LLM_LOCAL_MODEL", ""),
        remote_provider=os.environ.get("LLM_REMOTE_PROVIDER", ""),
        remote_api_key=os.environ.get("LLM_REMOTE_API_KEY", ""),
        prefer_local=os.environ.get("LLM_PREFER_LOCAL", "true").lower() not in ("0", "false"),
    )
    client = LlmClient(settings, usage_sink=None)
    if not client.routes:
        raise SystemExit("no model configured: set LLM_LOCAL_ENDPOINT and LLM_LOCAL_MODEL")
    extractor = Extractor(client)
    extractor.prepare()
    user_id = uuid4()

    def run(note: str) -> tuple[list[Proposal], str]:
        result = extractor.extract(note, user_id=user_id)
        return result.proposals, result.route

    return run


def evaluate(
    paths: Sequence[Path | str] | Path | str = LABELLED_FILES,
    *,
    route: Callable[[str], tuple[list[Proposal], str]] | None = None,
    splits: Iterable[str] | None = None,
    strict: bool = False,
    exclude: Iterable[str] = (),
    judged: Judgements | None = None,
) -> dict[str, Any]:
    """Scores for all notes and per split, plus each miss and false positive with its note.

    Values match with light paraphrase unless ``strict`` (the matching before round four).
    With ``judged``, a wrong proposal and a missed label that readers judged the same fact
    match too (bench/extraction_judged.py).

    ``splits`` limits which splits are read at all (tuning never touches the blind ones).
    """
    run = route or rules_route()
    wanted = set(splits) if splits is not None else None
    unwanted = set(exclude)
    tally = _Tally()
    files = [paths] if isinstance(paths, str | Path) else list(paths)
    for path in files:
        if not Path(path).exists():
            continue
        rows = load(path)
        # A file labelled before the open families existed cannot judge open-family facts.
        closed = all(e["key"] in VOCABULARY for r in rows for e in r["expected"])
        for row in rows:
            split = row.get("split", "dev")
            if (wanted is None or split in wanted) and split not in unwanted:
                _score_note(tally, row, split, run, closed=closed, loose=not strict, judged=judged)
    order = [s for s in SPLITS if s in tally.scores] + sorted(tally.scores.keys() - set(SPLITS))
    return {
        "splits": order,
        **{name: tally.scores[name].as_dict() for name in order},
        "misses": tally.misses,
        "false_positives": tally.false_positives,
        "routes": tally.routes,
        "unscored": tally.unscored,
        "matching": ("strict" if strict else "light paraphrase")
        + (", and pairs readers judged the same fact" if judged else ""),
        "judged": judged and {"applied": judged.applied, "unjudged": judged.unjudged},
    }


def _score_note(
    tally: _Tally,
    row: dict[str, Any],
    split: str,
    run: Callable[[str], tuple[list[Proposal], str]],
    *,
    closed: bool,
    loose: bool,
    judged: Judgements | None = None,
) -> None:
    note_id, note = row["id"], row["note"]
    expected = [(e["key"], e["value"]) for e in row["expected"]]
    proposals, used = run(note)
    tally.routes[used] = tally.routes.get(used, 0) + 1
    if closed:
        scored = [p for p in proposals if p.key in VOCABULARY]
        tally.unscored[split] = tally.unscored.get(split, 0) + len(proposals) - len(scored)
        proposals = scored
    got = [(p.key, p.value) for p in proposals]
    found = [any(same_fact(e, g, loose=loose) for g in got) for e in expected]
    right = [any(same_fact(e, g, loose=loose) for e in expected) for g in got]
    if judged is not None:
        wrong = [(i, g) for i, (g, ok) in enumerate(zip(got, right, strict=True)) if not ok]
        missed = [(j, e) for j, (e, ok) in enumerate(zip(expected, found, strict=True)) if not ok]
        for i, j in judged.settle(split, note_id, wrong, missed):
            right[i] = found[j] = True
    for name in ("all", split):
        score = tally.scores.setdefault(name, Score())
        score.notes += 1
        score.tp += sum(found)
        score.fn += len(found) - sum(found)
        score.correct += sum(right)
        score.fp += len(right) - sum(right)
    base = {"id": note_id, "split": split, "note": note}
    for (key, value), ok in zip(expected, found, strict=True):
        if not ok:
            tally.misses.append(base | {"key": key, "value": value})
    for proposal, ok in zip(proposals, right, strict=True):
        if not ok:
            tally.false_positives.append(
                base | {"key": proposal.key, "value": proposal.value, "evidence": proposal.evidence}
            )


def bench_rows(path: Sequence[Path | str] | Path | str = LABELLED_FILES) -> list[Result]:
    """The overall and per-split rule scores (except the tuned-on ones) as harness rows."""
    report = evaluate(path)
    rows = []
    for split in report["splits"]:
        if split in ("dev", "dev2026", "dev2026b", "dev2026c", "dev2026d", "val2026e"):
            continue
        scores = report[split]
        suffix = "" if split == "all" else f"_{split}"
        for metric, target in (("precision", PRECISION_TARGET), ("recall", RECALL_TARGET)):
            value = round(scores[metric], 3)
            rows.append(
                Result(
                    name=f"extraction_rules_{metric}{suffix}",
                    value=value,
                    unit="",
                    target=f">= {target}",
                    ok=value >= target,
                    notes=f"{scores['notes']} notes" if metric == "precision" else None,
                )
            )
    return rows


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def format_report(report: dict[str, Any], show: Iterable[str] = BLIND_SPLITS) -> str:
    shown = set(show)
    lines = []
    for name in report["splits"]:
        s = report[name]
        lines.append(
            f"{name:9} precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
            f"(notes {s['notes']}, found {s['tp']}, missed {s['fn']}, wrong {s['fp']})"
        )
    lines.append("routes: " + ", ".join(f"{k} {v}" for k, v in sorted(report["routes"].items())))
    lines.append(f"values matched: {report.get('matching', 'light paraphrase')}")
    if report.get("judged"):
        for what, counts in (
            ("pairs readers judged the same fact", report["judged"]["applied"]),
            ("pairs no reader has judged", report["judged"]["unjudged"]),
        ):
            lines.append(
                f"{what}: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
            )
    if report["unscored"]:
        lines.append(
            "open-family proposals not scored (their split was labelled with typed keys only): "
            + ", ".join(f"{k} {v}" for k, v in sorted(report["unscored"].items()))
        )
    misses = [m for m in report["misses"] if "all" in shown or m["split"] in shown]
    fps = [f for f in report["false_positives"] if "all" in shown or f["split"] in shown]
    lines.append(f"\nmisses ({len(misses)}, splits {', '.join(sorted(shown))}):")
    lines.extend(
        f"  {m['id']} [{m['split']}] {m['key']} = {_value(m['value'])}\n      {m['note']}"
        for m in misses
    )
    lines.append(f"\nfalse positives ({len(fps)}, splits {', '.join(sorted(shown))}):")
    lines.extend(
        f"  {f['id']} [{f['split']}] {f['key']} = {_value(f['value'])}"
        f"  <- {f['evidence']!r}\n      {f['note']}"
        for f in fps
    )
    return "\n".join(lines)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction_eval", description=__doc__)
    parser.add_argument("--route", choices=("rules", "configured"), default="rules")
    parser.add_argument(
        "--path", action="append", help="labelled notes (JSONL); default: every file in tests/data"
    )
    parser.add_argument(
        "--splits", help="score only these splits, comma-separated (default: all but the blind)"
    )
    parser.add_argument(
        "--blind",
        action="store_true",
        help="also score the blind splits and list their misses (once per round, never to tune)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="match values without light paraphrase (plural, number words, frequency synonyms)",
    )
    parser.add_argument(
        "--judged",
        action="store_true",
        help="also match pairs readers judged the same fact (tests/data/same_fact)",
    )
    parser.add_argument("--show", default="", help="also list misses of these splits (or all)")
    args = parser.parse_args(argv)
    route = configured_route() if args.route == "configured" else rules_route()
    report = evaluate(
        args.path or LABELLED_FILES,
        route=route,
        splits=_names(args.splits) if args.splits else None,
        exclude=() if args.blind or args.splits else BLIND_SPLITS,
        strict=args.strict,
        judged=load_judgements() if args.judged else None,
    )
    shown = _names(args.show) + (list(BLIND_SPLITS) if args.blind else [])
    print(format_report(report, shown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
