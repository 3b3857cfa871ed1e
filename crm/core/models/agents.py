"""Inputs of API tokens and the authorization queue (docs/agents.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crm.core.models.common import Input, Text

MAX_DAYS = 365
DEFAULT_DAYS = 90


class TokenCreate(Input):
    """A personal API token: shown once, then only its first characters."""

    name: Text = Field(min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"
    days: int = Field(DEFAULT_DAYS, ge=1, le=MAX_DAYS)
