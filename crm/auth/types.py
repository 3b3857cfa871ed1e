"""Values that describe who is signed in."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: UUID
    email: str
    display_name: str
    business_name: str
    timezone: str

    def as_dict(self) -> dict[str, str]:
        return {
            "id": str(self.id),
            "email": self.email,
            "display_name": self.display_name,
            "business_name": self.business_name,
            "timezone": self.timezone,
        }


@dataclass(frozen=True, slots=True)
class Session:
    """A server-side session; ``key`` is the hash of the cookie value, never the value."""

    key: str
    user_id: UUID
    csrf_token: str
    created_at: int
    last_seen: int


@dataclass(frozen=True, slots=True)
class ClientInfo:
    ip: str
    user_agent: str
