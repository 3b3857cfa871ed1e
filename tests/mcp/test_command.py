"""`crm mcp`'s token file: only the token, readable by its owner alone (as ssh insists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.cli import main
from crm.mcp.command import TokenFileError, read_token

TOKEN = "crm_" + "a" * 43


def _file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "token"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_token_is_read_with_its_whitespace_stripped(tmp_path: Path) -> None:
    assert read_token(_file(tmp_path, f"  {TOKEN}\n\n")) == TOKEN


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    with pytest.raises(TokenFileError, match=f"permissions {mode:04o} .* too open.*chmod 600"):
        read_token(_file(tmp_path, TOKEN, mode))


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "is empty"), ("\n  \n", "is empty"), (f"{TOKEN}\nsecond line", "only the API token")],
)
def test_an_empty_or_odd_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TokenFileError, match=message):
        read_token(_file(tmp_path, text))


def test_the_command_says_what_is_wrong_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope"
    assert main(["mcp", "--token-file", str(missing)]) == 2
    assert f"crm mcp: {missing} does not exist" in capsys.readouterr().err
    loose = _file(tmp_path, TOKEN, 0o644)
    assert main(["mcp", "--token-file", str(loose)]) == 2
    assert "too open" in capsys.readouterr().err
