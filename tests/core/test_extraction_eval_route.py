"""`python -m bench.extraction_eval --route configured` scores a configured model through the
app's extraction path (here the OpenAI-compatible stand-in, acting as a local llama.cpp)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.extraction_eval import main
from tests.stand_ins.openai_server import OpenAiStandIn

NOTE = "Sprinklers by the drive. Her son David translates."


def test_the_configured_route_is_scored_on_the_same_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "mine.jsonl"
    expected = [
        {"key": "hazards.sprinklers", "value": True},
        {"key": "people.son", "value": "David"},
    ]
    row = {"id": "m1", "note": NOTE, "split": "mine", "expected": expected}
    labelled.write_text(json.dumps(row) + "\n")
    with OpenAiStandIn() as server:
        server.answer_json(
            {
                "attributes": [
                    {
                        "key": "people.son",
                        "value": "David",
                        "evidence": "son David",
                        "confidence": 0.9,
                    },
                    {"key": "pets.has_dog", "value": True, "evidence": "drive", "confidence": 0.5},
                ]
            }
        )
        monkeypatch.setenv("LLM_LOCAL_ENDPOINT", server.url)
        monkeypatch.setenv("LLM_LOCAL_MODEL", "qwen3-1.7b")
        assert main(["--route", "configured", "--path", str(labelled), "--show", "mine"]) == 0
    out = capsys.readouterr().out
    assert "mine      precision 0.500  recall 0.500" in out
    assert "routes: llm:local 1" in out
    assert "m1 [mine] hazards.sprinklers = true" in out
    assert "m1 [mine] pets.has_dog = true" in out
