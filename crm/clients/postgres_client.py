"""PostgreSQL access: pooled connections, one transaction per unit of work, RLS context first.

Driver errors are translated here so services never import psycopg exception types.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from crm.errors import (
    AppError,
    Conflict,
    InvalidStatusTransition,
    ServiceUnavailable,
    TicketImmutable,
    ValidationFailed,
)
from crm.utils.blocking import forbid_event_loop

# SQLSTATEs raised by our own triggers (see migrations), and the errors they mean.
_TRIGGER_ERRORS: dict[str, type[AppError]] = {
    "CRM01": TicketImmutable,
    "CRM02": InvalidStatusTransition,
}

log = logging.getLogger("crm.postgres")

Connection = psycopg.Connection[dict[str, Any]]

# set_config(..., true) is transaction-local: it can never leak into the next checkout.
_SET_CONTEXT = "SELECT set_config('app.current_user_id', {}, true)"
_SET_CONTEXT_READ_ONLY = (
    "SELECT set_config('app.current_user_id', {}, true), "
    "set_config('transaction_read_only', 'on', true)"
)


@dataclass(frozen=True)
class PoolSettings:
    min_size: int = 1
    max_size: int = 10
    # How long a request waits for a connection before it is told the database is unavailable.
    checkout_timeout: float = 3.0
    connect_timeout: int = 3


class Database:
    """The app role's pool. Every query runs inside unit_of_work, read_only or system."""

    def __init__(self, conninfo: str, *, settings: PoolSettings | None = None) -> None:
        self._settings = settings or PoolSettings()
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            conninfo,
            connection_class=psycopg.Connection[dict[str, Any]],
            min_size=self._settings.min_size,
            max_size=self._settings.max_size,
            timeout=self._settings.checkout_timeout,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": self._settings.connect_timeout,
                "application_name": "crm",
            },
            reconnect_timeout=0,
            open=False,
            name="crm-app",
        )

    def open(self, *, wait: bool = True) -> None:
        """Open the pool; with ``wait`` fail now (503) if the database cannot be reached."""
        try:
            self._pool.open(wait=wait, timeout=self._settings.checkout_timeout + 2)
        except PoolTimeout as exc:
            raise ServiceUnavailable(
                "PostgreSQL is unreachable: no connection could be opened", service="postgres"
            ) from exc

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def unit_of_work(self, user_id: UUID) -> Iterator[Connection]:
        """One read-write transaction acting as ``user_id``; commits on success."""
        with self._transaction(_context_statement(_SET_CONTEXT, user_id)) as conn:
            yield conn

    @contextmanager
    def read_only(self, user_id: UUID) -> Iterator[Connection]:
        """One read-only transaction acting as ``user_id``, for GET handlers."""
        with self._transaction(_context_statement(_SET_CONTEXT_READ_ONLY, user_id)) as conn:
            yield conn

    @contextmanager
    def snapshot(self, user_id: UUID) -> Iterator[Connection]:
        """One read-only REPEATABLE READ transaction: many queries, one consistent view."""
        with self._transaction(
            _context_statement(_SET_CONTEXT, user_id),
            begin="BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ",
        ) as conn:
            yield conn

    @contextmanager
    def system(self) -> Iterator[Connection]:
        """A transaction with no user context, for the few queries that run before one is known.

        Row-level security still applies: only SECURITY DEFINER functions made for this
        purpose (sign-in look-ups) return anything here; tenant tables raise.
        """
        with self._transaction(sql.SQL("SELECT 1")) as conn:
            yield conn

    def ping(self) -> None:
        """Round-trip to the database; ServiceUnavailable if it does not answer."""
        with self._transaction(sql.SQL("SELECT 1")):
            pass

    def check(self) -> None:
        """Drop broken idle connections (after a database restart)."""
        self._pool.check()

    @contextmanager
    def _transaction(
        self, first: sql.Composable, *, begin: str = "BEGIN; "
    ) -> Iterator[Connection]:
        forbid_event_loop("A PostgreSQL transaction")
        with translate_errors():
            conn = self._checkout(first, begin=begin)
            try:
                yield conn
            except BaseException:
                _rollback_quietly(conn)
                self._pool.putconn(conn)
                raise
            else:
                try:
                    conn.execute("COMMIT")
                finally:
                    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                        _rollback_quietly(conn)
                    self._pool.putconn(conn)

    def _checkout(self, first: sql.Composable, *, begin: str = "BEGIN; ") -> Connection:
        """Get a connection and run BEGIN + the first statement in one round trip.

        After a database restart the idle connections are dead; nothing has happened in the
        transaction yet, so one retry on a freshly checked pool is safe.
        """
        statement = sql.SQL(begin) + first
        for attempt in (1, 2):
            conn = self._pool.getconn()
            try:
                conn.execute(statement)
                return conn
            except psycopg.OperationalError:
                self._pool.putconn(conn)
                if attempt == 2 or not conn.closed:
                    raise
                self._pool.check()
        raise AssertionError("unreachable")


def _context_statement(template: str, user_id: UUID) -> sql.Composable:
    if not isinstance(user_id, UUID):
        raise TypeError("unit of work needs a UUID user id")
    return sql.SQL(template).format(sql.Literal(str(user_id)))


def _rollback_quietly(conn: Connection) -> None:
    if conn.closed:
        return
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error:
        log.debug("rollback failed on a broken connection", exc_info=True)


ConstraintErrors = Mapping[str, AppError | Callable[[], AppError]]
"""Constraint name -> the domain error its violation means (an error, or a class or function
that makes one)."""


@contextmanager
def translate_errors(constraint_errors: ConstraintErrors | None = None) -> Iterator[None]:
    """Turn driver errors into domain errors at the boundary; a violated constraint named in
    ``constraint_errors`` becomes the error given for it."""
    try:
        yield
    except AppError:
        raise
    except PoolTimeout as exc:
        raise ServiceUnavailable(
            "The database is unavailable: no connection became free in time", service="postgres"
        ) from exc
    except psycopg.Error as exc:
        error = _domain_error(exc, constraint_errors or {})
        if error is None:
            raise
        raise error from exc


def _domain_error(exc: psycopg.Error, constraint_errors: ConstraintErrors) -> AppError | None:
    trigger_error = _TRIGGER_ERRORS.get(exc.sqlstate or "")
    if trigger_error is not None:
        return trigger_error()
    named = constraint_errors.get(exc.diag.constraint_name or "")
    if named is not None:
        return named if isinstance(named, AppError) else named()
    constraint = {"constraint": exc.diag.constraint_name} if exc.diag.constraint_name else {}
    if isinstance(exc, pg_errors.UniqueViolation):
        return Conflict("That conflicts with an existing record.", details=constraint)
    if isinstance(exc, pg_errors.CheckViolation | pg_errors.NotNullViolation):
        return ValidationFailed("A value is not allowed.", details=constraint)
    if isinstance(exc, pg_errors.ForeignKeyViolation):
        return Conflict(
            "That refers to a record that does not exist or is still in use.", details=constraint
        )
    if isinstance(exc, psycopg.OperationalError):
        return ServiceUnavailable(
            "The database is unavailable. Please try again shortly.", service="postgres"
        )
    if isinstance(exc, psycopg.InterfaceError):
        return ServiceUnavailable(
            "The database connection was lost. Please try again.", service="postgres"
        )
    return None


@contextmanager
def savepoint(
    conn: Connection, *, constraint_errors: ConstraintErrors | None = None
) -> Iterator[Connection]:
    """Run the block in a savepoint, translating its driver errors here: a violation of a
    constraint named in ``constraint_errors`` becomes that domain error (``AddressInUse`` for
    a ticket's address key), anything else as everywhere. The transaction stays usable."""
    with translate_errors(constraint_errors), conn.transaction():
        yield conn


def connect_direct(conninfo: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """A single unpooled connection (migrations, admin commands); errors become 503s."""
    with translate_errors():
        return psycopg.connect(conninfo, connect_timeout=5, **kwargs)
