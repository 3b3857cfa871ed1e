"""The embedded stack: real PostgreSQL, Valkey, OpenBao and an SMTP catcher from pip wheels."""
