"""A real connection that counts the statements sent through it (no mock: they all run)."""

from __future__ import annotations

from typing import Any, cast

from crm.clients.postgres_client import Connection


class _CountingCursor:
    def __init__(self, cursor: Any, statements: list[str]) -> None:
        self._cursor = cursor
        self._statements = statements

    def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._statements.append(_text(query, self._cursor))
        return self._cursor.execute(query, *args, **kwargs)

    def executemany(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._statements.append(_text(query, self._cursor))
        return self._cursor.executemany(query, *args, **kwargs)

    def __enter__(self) -> _CountingCursor:
        self._cursor.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cursor.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class CountingConnection:
    """Wraps a live connection; ``statements`` lists every query run through it, in order."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.statements: list[str] = []

    def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self.statements.append(_text(query, self._conn))
        return self._conn.execute(query, *args, **kwargs)

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        return _CountingCursor(self._conn.cursor(*args, **kwargs), self.statements)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def as_connection(self) -> Connection:
        """Typed as the connection the services take."""
        return cast(Connection, self)


def _text(query: Any, context: Any) -> str:
    return query if isinstance(query, str | bytes) else query.as_string(context)
