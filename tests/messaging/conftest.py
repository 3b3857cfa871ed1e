"""A real worker (procrastinate, on the test's own database) sending to the SMTP catcher."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crm.config import Settings
from crm.embedded.smtp import Outbox
from crm.jobs.worker import BackgroundWorker, WorkerOptions


@pytest.fixture
def worker(settings: Settings) -> Iterator[BackgroundWorker]:
    running = BackgroundWorker(settings, WorkerOptions(concurrency=4, name="test"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def outbox(settings: Settings) -> Outbox:
    assert settings.embedded_outbox is not None
    return Outbox(Path(settings.embedded_outbox))


def unique_email(name: str = "customer") -> str:
    """A recipient no other test uses: the catcher's outbox is shared by the whole session."""
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


def calendar_text(message: dict[str, Any]) -> str:
    parts = [a["text"] for a in message["attachments"] if a["content_type"] == "text/calendar"]
    assert len(parts) == 1, message["attachments"]
    return str(parts[0])


@pytest.fixture
def no_quiet_hours(client: Any, signed_in: Any) -> None:
    """Quiet hours off, so a test's messages go out whatever the time of day it runs at."""
    from tests.api.helpers import act, done

    done(act(client, "messaging", "update", quiet_start="00:00", quiet_end="00:00"))
