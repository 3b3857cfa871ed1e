"""The pieces every measurement shares: a result row and the run context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.session import Session

DEFAULT_ITERATIONS = 2000


@dataclass(frozen=True)
class Result:
    """One row of the report: a named number, optionally checked against a target."""

    name: str
    value: float | int | None
    unit: str
    target: str | None = None
    ok: bool | None = None
    notes: str | None = None


@dataclass
class Context:
    """What a measurement gets: the iteration count and the session's shared stack."""

    iterations: int
    session: Session


Measurement = Callable[[Context], list[Result]]
