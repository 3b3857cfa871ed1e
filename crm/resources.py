"""Everything a request or job may need, built once at start and handed to the app."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm.clients.llm_client import LlmClient
from crm.clients.postgres_client import Database
from crm.clients.valkey_client import ValkeyClient
from crm.clients.vault_client import VaultClient
from crm.config import Settings
from crm.core.extraction import Extractor
from crm.embedded.smtp import Outbox


@dataclass
class Resources:
    """The app's clients and the extractor built on them; closed when the app stops."""

    settings: Settings
    db: Database
    valkey: ValkeyClient
    vault: VaultClient
    outbox: Outbox | None = None
    llm: LlmClient | None = None
    # The configured models first; with none configured, the rules answer.
    extractor: Extractor = field(default_factory=Extractor)

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()
        self.db.close()
        self.valkey.close()
