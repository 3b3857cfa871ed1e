"""`crm config`: the settings a one-machine install would keep in Vault, in ``DIR/config.json``.

The embedded stack has no Vault of its own to edit (its OpenBao is in-memory), so the values a
production Vault holds under ``crm/smtp``, ``crm/llm``, ``crm/app`` and ``crm/sms`` are kept in
``DIR/config.json`` (0600, written atomically) and written into the embedded OpenBao on top of
the stack's own defaults at every start. Only the keys the app reads are accepted (see
crm.embedded.config_keys); the stack's own secrets (``SECRET_KEY``, ``DATABASE_*``,
``VALKEY_*``) are not configurable here.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from crm.embedded.config_keys import (
    DEFAULTS_NOTE,
    PATHS,
    SCHEMA,
    ConfigFileError,
    check_combination,
    check_key,
    check_path,
    check_value,
    incomplete,
    is_secret,
    relay_gap,
)

log = logging.getLogger("crm.embedded")

FILE_NAME = "config.json"
MASK = "********"

Config = dict[str, dict[str, str]]


def config_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


# -- the file ---------------------------------------------------------------------------------


# Keys an older version wrote under another name: read under the new one.
RENAMED_KEYS: dict[tuple[str, str], str] = {("crm/sms", "SMS_FROM"): "TWILIO_FROM"}


def load(data_dir: Path) -> Config:
    """Read and check ``DIR/config.json`` ({} when absent); errors name the file."""
    path = config_path(data_dir)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror}") from None
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigFileError(
            f"{path} is not valid JSON (line {exc.lineno}); fix or delete it"
        ) from None
    if not isinstance(raw, dict):
        raise ConfigFileError(f"{path} must hold a JSON object of paths")
    config: Config = {}
    try:
        for name, values in raw.items():
            check_path(name)
            if not isinstance(values, dict):
                raise ConfigFileError(f"{name} must be an object of KEY: value")
            checked = {}
            for given, value in values.items():
                key = RENAMED_KEYS.get((name, str(given)), str(given))
                check_key(name, key)
                text_value = _scalar(value)
                if text_value is None:
                    raise ConfigFileError(f"{name} {key} must be a string")
                if text_value.strip():
                    checked[key] = check_value(name, key, text_value)
            if checked:
                config[name] = checked
        check_combination(config)
    except ConfigFileError as exc:
        raise ConfigFileError(f"{path}: {exc}") from None
    return config


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def save(data_dir: Path, config: Config) -> Path:
    """Replace ``DIR/config.json`` atomically; the file is 0600 from its first byte."""
    path = config_path(data_dir)
    ordered = {name: config[name] for name in PATHS if config.get(name)}
    text = json.dumps(ordered, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".config.", suffix=".tmp", dir=data_dir)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(data_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Serialise read-modify-write between two `crm config set` runs."""
    fd = os.open(data_dir, os.O_RDONLY)  # the folder itself: no lock file to leave behind
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# -- the commands -----------------------------------------------------------------------------

SecretReader = Callable[[str], str]


def read_secret_from_stdin(key: str) -> str:
    """`KEY=-` for a secret: prompt without echo on a terminal, else one line of stdin."""
    if sys.stdin.isatty():
        return getpass.getpass(f"{key}: ")
    return sys.stdin.readline().rstrip("\r\n")


def parse_assignments(
    path: str, assignments: Iterable[str], read_secret: SecretReader = read_secret_from_stdin
) -> dict[str, str | None]:
    """``KEY=VALUE`` → checked value; ``KEY=`` → None (remove); secrets may be ``KEY=-``."""
    check_path(path)
    changes: dict[str, str | None] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        if not sep or not key:
            raise ConfigFileError(f"expected KEY=VALUE (KEY= removes it), got {key or item!r}")
        spec = check_key(path, key)
        if is_secret(key) and value == "-":
            value = read_secret(key)
        empty = value == "" if spec.secret else not value.strip()
        changes[key] = None if empty else check_value(path, key, value)
    return changes


@dataclass(frozen=True)
class SetResult:
    file: Path
    changed: list[str]
    removed: list[str]
    notes: list[str]


def set_values(
    data_dir: Path,
    path: str,
    assignments: Iterable[str],
    read_secret: SecretReader = read_secret_from_stdin,
) -> SetResult:
    """Apply ``KEY=VALUE`` assignments to one path; all or nothing."""
    changes = parse_assignments(path, assignments, read_secret)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(data_dir):
        config = load(data_dir)
        values = dict(config.get(path, {}))
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        config[path] = values
        check_combination(config)
        file = save(data_dir, config)
    return SetResult(
        file=file,
        changed=[k for k, v in changes.items() if v is not None],
        removed=[k for k, v in changes.items() if v is None],
        notes=incomplete(config),
    )


def stack_running(data_dir: Path) -> bool:
    """Whether a `crm serve` is running from ``data_dir`` (its stack.json names a live pid)."""
    try:
        pid = int(json.loads((data_dir / "stack.json").read_text()).get("pid", 0))
    except (OSError, ValueError, AttributeError):
        return False
    return pid > 0 and psutil.pid_exists(pid)


def set_report(result: SetResult, path: str) -> list[str]:
    """What `crm config set` prints (key names only, never values)."""
    running = stack_running(result.file.parent)
    parts = []
    if result.changed:
        parts.append(f"set {', '.join(result.changed)}")
    if result.removed:
        parts.append(f"removed {', '.join(result.removed)}")
    when = (
        "restart `crm serve` to apply it (a stack is running from this folder)"
        if running
        else "it applies at the next `crm serve`"
    )
    lines = [f"{path}: {'; '.join(parts)} in {result.file}; {when}"]
    lines += [f"note: {note}" for note in result.notes]
    return lines


def show_lines(data_dir: Path, path: str | None = None) -> list[str]:
    """What `crm config show [PATH]` prints: secrets as ********."""
    names = [path] if path is not None else list(PATHS)
    for name in names:
        check_path(name)
    config = load(data_dir)
    lines = [f"# {config_path(data_dir)} (applied at every `crm serve` start)"]
    for name in names:
        values = config.get(name, {})
        lines.append(f"[{name}]")
        for key in SCHEMA[name]:
            if key in values:
                lines.append(f"{key}={MASK if is_secret(key) else values[key]}")
        unset = [key for key in SCHEMA[name] if key not in values]
        if not values:
            lines.append(f"# nothing set: {DEFAULTS_NOTE[name]}")
        elif unset:
            lines.append(f"# not set: {', '.join(unset)}")
    lines += [f"# note: {note}" for note in incomplete(config) if path is None or path in note]
    return lines


# -- applying it at start ---------------------------------------------------------------------


def check_ready(config: Mapping[str, Mapping[str, str]], file: Path) -> None:
    """At start: an incomplete SMTP relay stops it; other gaps are logged."""
    relay = relay_gap(config)
    if relay:
        raise ConfigFileError(f"{file}: {relay}")
    for note in incomplete(config):
        log.warning("%s: %s", file, note)


def apply(
    defaults: Mapping[str, Mapping[str, Any]], config: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, Any]]:
    """The secrets to write to the embedded Vault: the stack's defaults, then the overrides.

    A configured relay (SMTP_HOST) replaces the catcher's host, port, sender and login as a
    whole; a BASE_URL of its own adds its host to the default ALLOWED_HOSTS.
    """
    merged = {name: dict(values) for name, values in defaults.items()}
    for path, values in config.items():
        name = path.removeprefix("crm/")
        base = merged.setdefault(name, {})
        if name == "smtp" and "SMTP_HOST" in values:
            base.update({key: "" for key in SCHEMA[path]})
        if name == "app" and "BASE_URL" in values and "ALLOWED_HOSTS" not in values:
            own = urlsplit(values["BASE_URL"]).netloc.lower()
            hosts = [h for h in str(base.get("ALLOWED_HOSTS", "")).split(",") if h]
            base["ALLOWED_HOSTS"] = ",".join(dict.fromkeys([own, *hosts]))
        base.update(values)
    return merged
