"""The LLM client against stand-in model servers on loopback and the real PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from crm.clients.llm_client import (
    LlmClient,
    LlmUnavailable,
    Timeouts,
    Tool,
    ToolCall,
    UsageRecord,
    chat_completions_url,
    database_usage_sink,
    record_usage,
)
from crm.clients.postgres_client import Database, PoolSettings
from crm.config import LlmSettings
from crm.embedded.processes import free_port
from crm.errors import ConfigurationError, ServiceUnavailable
from tests.factories import make_user
from tests.stand_ins.anthropic_server import AnthropicStandIn
from tests.stand_ins.openai_server import OpenAiStandIn

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "windows": {"type": "integer"}},
    "required": ["name", "windows"],
    "additionalProperties": False,
}
ANSWER = {"name": "Rex", "windows": 12}
FAST = Timeouts(connect=0.5, local=1.0, remote=2.0)
STALL = 5.0  # longer than any timeout above: a stalled attempt must give up well before this
API_KEY = "sk-test-SECRET-4f9a1c"
PROMPT = "Gate code 4411, dog named Rex, 12 windows."
SET_ATTRIBUTE = Tool(
    name="set_attribute",
    description="Record one fact about the customer.",
    parameters_schema={
        "type": "object",
        "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
        "required": ["key", "value"],
        "additionalProperties": False,
    },
)


@pytest.fixture
def local_llm() -> Iterator[OpenAiStandIn]:
    with OpenAiStandIn() as server:
        yield server


@pytest.fixture
def remote_openai() -> Iterator[OpenAiStandIn]:
    with OpenAiStandIn() as server:
        yield server


@pytest.fixture
def remote_anthropic() -> Iterator[AnthropicStandIn]:
    with AnthropicStandIn() as server:
        yield server


@pytest.fixture
def business(owner: psycopg.Connection) -> dict[str, Any]:
    return make_user(owner)


def _settings(
    *,
    local: OpenAiStandIn | str | None = None,
    provider: str = "",
    api_key: str = API_KEY,
    prefer_local: bool = True,
) -> LlmSettings:
    endpoint = local.url if isinstance(local, OpenAiStandIn) else (local or "")
    return LlmSettings(
        local_endpoint=endpoint,
        local_model="qwen2.5-3b-instruct" if endpoint else "",
        remote_provider=provider,
        remote_api_key=api_key if provider else "",
        prefer_local=prefer_local,
    )


def _client(
    settings: LlmSettings,
    *,
    remote: OpenAiStandIn | AnthropicStandIn | None = None,
    sink: Any = None,
    timeouts: Timeouts = FAST,
) -> LlmClient:
    base_url = None
    if isinstance(remote, OpenAiStandIn):
        base_url = f"{remote.url}/v1"
    elif isinstance(remote, AnthropicStandIn):
        base_url = remote.url
    return LlmClient(settings, usage_sink=sink, timeouts=timeouts, remote_base_url=base_url)


def _extract(client: LlmClient, user_id: uuid.UUID, **kwargs: Any) -> Any:
    return client.complete_json(
        system="Extract facts as JSON.",
        user=PROMPT,
        schema=SCHEMA,
        purpose="extraction",
        user_id=user_id,
        **kwargs,
    )


def _usage_rows(db: Database, user_id: uuid.UUID) -> list[dict[str, Any]]:
    with db.read_only(user_id) as conn:
        return conn.execute(
            "SELECT user_id, purpose, provider, model, input_tokens, output_tokens, latency_ms, "
            "ok, error FROM llm_usage ORDER BY created_at, latency_ms"
        ).fetchall()


def _errors(client_result_or_exc: Any) -> list[str | None]:
    return [a.error for a in client_result_or_exc.attempts]


# --- the local route ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_local_answer_is_requested_with_json_schema_and_validated(
    local_llm: OpenAiStandIn, suffix: str
) -> None:
    local_llm.answer_json(ANSWER)
    client = _client(_settings(local=local_llm.url + suffix))

    result = _extract(client, uuid.uuid4())

    assert (result.provider, result.model, result.data) == ("local", "qwen2.5-3b-instruct", ANSWER)
    [request] = local_llm.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "qwen2.5-3b-instruct"
    assert request.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "extraction", "schema": SCHEMA, "strict": True},
    }
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    assert request.body["messages"][1]["content"] == PROMPT
    assert [(a.provider, a.ok, a.input_tokens, a.output_tokens) for a in result.attempts] == [
        ("local", True, 12, 7)
    ]


def test_endpoint_forms_all_reach_the_same_path() -> None:
    expected = "http://gpu-box:8080/v1/chat/completions"
    for endpoint in ("http://gpu-box:8080", "http://gpu-box:8080/", "http://gpu-box:8080/v1/"):
        assert chat_completions_url(endpoint) == expected


def test_a_fenced_json_answer_is_accepted(local_llm: OpenAiStandIn) -> None:
    local_llm.answer_text('```json\n{"name": "Rex", "windows": 12}\n```')
    assert _extract(_client(_settings(local=local_llm)), uuid.uuid4()).data == ANSWER


def test_missing_usage_leaves_token_counts_empty(local_llm: OpenAiStandIn) -> None:
    local_llm.answer_json(ANSWER, usage=False)
    [attempt] = _extract(_client(_settings(local=local_llm)), uuid.uuid4()).attempts
    assert (attempt.ok, attempt.input_tokens, attempt.output_tokens) == (True, None, None)


# --- fallback --------------------------------------------------------------------------------


def test_slow_local_times_out_and_falls_back_to_remote(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn
) -> None:
    local_llm.stall(STALL)
    remote_openai.answer_json(ANSWER)
    client = _client(_settings(local=local_llm, provider="openai"), remote=remote_openai)

    result = _extract(client, uuid.uuid4())

    assert (result.provider, result.data) == ("openai", ANSWER)
    local, remote = result.attempts
    assert (local.provider, local.ok, local.error) == ("local", False, "timed out after 1 s")
    assert local.latency_ms < STALL * 1000 / 2
    assert (remote.provider, remote.ok) == ("openai", True)
    assert sum(a.latency_ms for a in result.attempts) < STALL * 1000 / 2


def test_a_per_call_timeout_replaces_the_default(local_llm: OpenAiStandIn) -> None:
    local_llm.stall(STALL)
    client = _client(_settings(local=local_llm))
    with pytest.raises(LlmUnavailable) as caught:
        _extract(client, uuid.uuid4(), timeout=0.3)
    assert _errors(caught.value) == ["timed out after 0.3 s"]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_rate_limits_fall_back(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn, status: int
) -> None:
    local_llm.fail(status)
    remote_openai.answer_json(ANSWER)
    client = _client(_settings(local=local_llm, provider="openai"), remote=remote_openai)

    result = _extract(client, uuid.uuid4())

    assert result.provider == "openai"
    assert _errors(result) == [f"HTTP {status}", None]


def test_connection_refused_falls_back(remote_openai: OpenAiStandIn) -> None:
    remote_openai.answer_json(ANSWER)
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    client = _client(_settings(local=nothing_listens, provider="openai"), remote=remote_openai)

    result = _extract(client, uuid.uuid4())

    assert result.provider == "openai"
    assert _errors(result) == ["connection failed", None]


def test_malformed_json_answer_falls_back(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn
) -> None:
    local_llm.answer_text('{"name": "Rex", "windows": ')
    remote_openai.answer_json(ANSWER)
    client = _client(_settings(local=local_llm, provider="openai"), remote=remote_openai)

    result = _extract(client, uuid.uuid4())

    assert (result.provider, result.data) == ("openai", ANSWER)
    assert _errors(result) == ["answer is not JSON", None]


def test_a_response_that_is_not_a_chat_completion_falls_back(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn
) -> None:
    local_llm.respond(lambda request: (200, {"unexpected": True}))
    remote_openai.answer_json(ANSWER)
    client = _client(_settings(local=local_llm, provider="openai"), remote=remote_openai)
    assert _errors(_extract(client, uuid.uuid4())) == ["response is not a chat completion", None]


def test_schema_invalid_answer_falls_back_and_keeps_its_token_counts(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn
) -> None:
    local_llm.answer_json({"name": "Rex", "windows": "twelve"})
    remote_openai.answer_json(ANSWER)
    client = _client(_settings(local=local_llm, provider="openai"), remote=remote_openai)

    result = _extract(client, uuid.uuid4())

    assert result.data == ANSWER
    local = result.attempts[0]
    assert local.error == "answer does not match the schema (at properties/windows/type)"
    assert (local.input_tokens, local.output_tokens) == (12, 7)
    assert "twelve" not in (local.error or "")


def test_prefer_local_false_tries_the_remote_first(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn
) -> None:
    remote_openai.fail(503)
    local_llm.answer_json(ANSWER)
    settings = _settings(local=local_llm, provider="openai", prefer_local=False)
    client = _client(settings, remote=remote_openai)

    assert client.routes == ("openai", "local")
    result = _extract(client, uuid.uuid4())

    assert result.provider == "local"
    assert [(a.provider, a.error) for a in result.attempts] == [
        ("openai", "HTTP 503"),
        ("local", None),
    ]


def test_a_remote_answer_is_not_followed_by_the_local_route(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn
) -> None:
    remote_openai.answer_json(ANSWER)
    settings = _settings(local=local_llm, provider="openai", prefer_local=False)
    result = _extract(_client(settings, remote=remote_openai), uuid.uuid4())
    assert result.provider == "openai"
    assert local_llm.requests == []


# --- configuration ---------------------------------------------------------------------------


def test_unconfigured_routes_are_skipped(remote_openai: OpenAiStandIn) -> None:
    remote_openai.answer_json(ANSWER)
    client = _client(_settings(provider="openai"), remote=remote_openai)

    assert client.routes == ("openai",)
    result = _extract(client, uuid.uuid4())
    assert [a.provider for a in result.attempts] == ["openai"]


def test_a_local_endpoint_without_a_model_or_a_provider_without_a_key_is_off() -> None:
    settings = LlmSettings(
        local_endpoint="http://127.0.0.1:9", remote_provider="anthropic", remote_api_key=""
    )
    assert _client(settings).routes == ()


def test_nothing_configured_is_unavailable_without_any_attempt() -> None:
    with pytest.raises(LlmUnavailable, match="no LLM route is configured") as caught:
        _extract(_client(LlmSettings()), uuid.uuid4())
    assert caught.value.attempts == ()


def test_an_unknown_remote_provider_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match="LLM_REMOTE_PROVIDER"):
        LlmClient(LlmSettings(remote_provider="gemini", remote_api_key="k"), usage_sink=None)


def test_a_non_object_schema_is_a_programming_error(local_llm: OpenAiStandIn) -> None:
    client = _client(_settings(local=local_llm))
    with pytest.raises(ValueError, match="JSON object"):
        client.complete_json(
            system="s", user="u", schema={"type": "array"}, purpose="x", user_id=uuid.uuid4()
        )
    assert local_llm.requests == []


def test_every_route_failing_raises_llm_unavailable_naming_each(
    local_llm: OpenAiStandIn, remote_openai: OpenAiStandIn
) -> None:
    local_llm.fail(500)
    remote_openai.answer_text("not json at all")
    client = _client(_settings(local=local_llm, provider="openai"), remote=remote_openai)

    with pytest.raises(LlmUnavailable) as caught:
        _extract(client, uuid.uuid4())

    error = caught.value
    assert isinstance(error, ServiceUnavailable)
    assert (error.status, error.service) == (503, "llm")
    assert "local: HTTP 500" in error.message
    assert "openai: answer is not JSON" in error.message
    assert error.details["routes"] == [
        {"provider": "local", "model": "qwen2.5-3b-instruct", "error": "HTTP 500"},
        {"provider": "openai", "model": "gpt-4.1-mini", "error": "answer is not JSON"},
    ]


# --- remote providers through their SDKs ------------------------------------------------------


def test_openai_remote_sends_the_key_model_and_json_schema(remote_openai: OpenAiStandIn) -> None:
    remote_openai.answer_json(ANSWER)
    result = _extract(_client(_settings(provider="openai"), remote=remote_openai), uuid.uuid4())

    assert (result.provider, result.model, result.data) == ("openai", "gpt-4.1-mini", ANSWER)
    [request] = remote_openai.requests
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "gpt-4.1-mini"
    assert request.body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert request.body["response_format"]["json_schema"]["strict"] is True


def test_anthropic_remote_answers_json_through_a_forced_tool(
    remote_anthropic: AnthropicStandIn,
) -> None:
    remote_anthropic.answer_json(ANSWER)
    client = _client(_settings(provider="anthropic"), remote=remote_anthropic)

    result = _extract(client, uuid.uuid4())

    assert (result.provider, result.model, result.data) == ("anthropic", "claude-haiku-4-5", ANSWER)
    assert [(a.input_tokens, a.output_tokens) for a in result.attempts] == [(20, 9)]
    [request] = remote_anthropic.requests
    assert request.path == "/v1/messages"
    # Older SDKs send x-api-key, newer ones a bearer token: either carries the Vault key.
    sent = request.headers.get("x-api-key") or request.headers["authorization"].split()[-1]
    assert sent == API_KEY
    assert request.body["system"] == "Extract facts as JSON."
    assert request.body["tools"] == [
        {"name": "extraction", "description": "Give the answer.", "input_schema": SCHEMA}
    ]
    assert request.body["tool_choice"] == {"type": "tool", "name": "extraction"}


def test_slow_local_falls_back_to_anthropic(
    local_llm: OpenAiStandIn, remote_anthropic: AnthropicStandIn
) -> None:
    local_llm.stall(STALL)
    remote_anthropic.answer_json(ANSWER)
    client = _client(_settings(local=local_llm, provider="anthropic"), remote=remote_anthropic)

    result = _extract(client, uuid.uuid4())

    assert result.provider == "anthropic"
    assert _errors(result) == ["timed out after 1 s", None]


def test_slow_remote_is_cut_off_at_its_own_timeout(remote_anthropic: AnthropicStandIn) -> None:
    remote_anthropic.stall(STALL)
    client = _client(_settings(provider="anthropic"), remote=remote_anthropic)
    with pytest.raises(LlmUnavailable) as caught:
        _extract(client, uuid.uuid4())
    [attempt] = caught.value.attempts
    assert attempt.error == "timed out after 2 s"
    assert attempt.latency_ms < STALL * 1000
    assert len(remote_anthropic.requests) == 1  # no retry on a timeout


@pytest.mark.parametrize("stand_in", [OpenAiStandIn, AnthropicStandIn])
def test_no_secret_or_prompt_reaches_usage_errors_or_logs(
    stand_in: type[OpenAiStandIn] | type[AnthropicStandIn], caplog: pytest.LogCaptureFixture
) -> None:
    provider = "openai" if stand_in is OpenAiStandIn else "anthropic"
    echo = {"error": {"message": f"Incorrect API key provided: {API_KEY} for '{PROMPT}'"}}
    caplog.set_level(logging.DEBUG, logger="crm")
    with stand_in() as server:
        server.fail(401, echo)
        client = _client(_settings(provider=provider), remote=server)
        with pytest.raises(LlmUnavailable) as caught:
            _extract(client, uuid.uuid4())

    error = caught.value
    assert _errors(error) == ["HTTP 401"]
    visible = f"{error.message} {error.details} {caplog.text} {error.__cause__}"
    assert API_KEY not in visible
    assert "code 4411" not in visible and "Rex" not in visible
    assert error.__cause__ is None


# --- tools -----------------------------------------------------------------------------------


def test_tool_call_round_trip_on_the_local_route(local_llm: OpenAiStandIn) -> None:
    local_llm.call_tool("set_attribute", {"key": "pets.dog_name", "value": "Rex"})
    client = _client(_settings(local=local_llm))

    result = client.complete_with_tools(
        system="Record what you learn.",
        user=PROMPT,
        tools=[SET_ATTRIBUTE],
        purpose="extraction",
        user_id=uuid.uuid4(),
        require_tool=True,
    )

    assert result.tool_calls == (
        ToolCall(name="set_attribute", arguments={"key": "pets.dog_name", "value": "Rex"}),
    )
    [request] = local_llm.requests
    assert request.body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "set_attribute",
                "description": "Record one fact about the customer.",
                "parameters": SET_ATTRIBUTE.parameters_schema,
            },
        }
    ]
    assert request.body["tool_choice"] == "required"
    assert "response_format" not in request.body


def test_plain_text_is_a_valid_answer_when_no_tool_is_required(local_llm: OpenAiStandIn) -> None:
    local_llm.answer_text("Nothing to record.")
    result = _client(_settings(local=local_llm)).complete_with_tools(
        system="s", user="u", tools=[SET_ATTRIBUTE], purpose="chat", user_id=uuid.uuid4()
    )
    assert (result.text, result.tool_calls) == ("Nothing to record.", ())
    assert local_llm.requests[0].body["tool_choice"] == "auto"


@pytest.mark.parametrize(
    ("name", "arguments", "reason"),
    [
        (
            "set_attribute",
            {"key": "pets.dog_name"},
            "answer does not match the schema (at required)",
        ),
        ("delete_everything", {}, "answer calls an unknown tool"),
        ("set_attribute", '{"key": ', "answer is not JSON"),
    ],
)
def test_a_bad_tool_call_falls_back(
    local_llm: OpenAiStandIn,
    remote_anthropic: AnthropicStandIn,
    name: str,
    arguments: Any,
    reason: str,
) -> None:
    local_llm.call_tool(name, arguments)
    remote_anthropic.call_tool("set_attribute", {"key": "pets.dog_name", "value": "Rex"})
    client = _client(_settings(local=local_llm, provider="anthropic"), remote=remote_anthropic)

    result = client.complete_with_tools(
        system="s", user="u", tools=[SET_ATTRIBUTE], purpose="extraction", user_id=uuid.uuid4()
    )

    assert _errors(result) == [reason, None]
    assert result.provider == "anthropic"
    assert result.text == "Let me do that."
    assert result.tool_calls == (
        ToolCall(name="set_attribute", arguments={"key": "pets.dog_name", "value": "Rex"}),
    )
    [request] = remote_anthropic.requests
    assert request.body["tools"] == [
        {
            "name": "set_attribute",
            "description": "Record one fact about the customer.",
            "input_schema": SET_ATTRIBUTE.parameters_schema,
        }
    ]
    assert request.body["tool_choice"] == {"type": "auto"}


# --- usage rows --------------------------------------------------------------------------------


def test_every_attempt_is_recorded_and_visible_only_to_its_business(
    db: Database,
    owner: psycopg.Connection,
    business: dict[str, Any],
    local_llm: OpenAiStandIn,
    remote_openai: OpenAiStandIn,
) -> None:
    other = make_user(owner)
    local_llm.fail(500)
    remote_openai.answer_json(ANSWER)
    client = _client(
        _settings(local=local_llm, provider="openai"),
        remote=remote_openai,
        sink=database_usage_sink(db),
    )

    result = _extract(client, business["id"])

    rows = _usage_rows(db, business["id"])
    assert [{k: v for k, v in r.items() if k != "latency_ms"} for r in rows] == [
        {
            "user_id": business["id"],
            "purpose": "extraction",
            "provider": "local",
            "model": "qwen2.5-3b-instruct",
            "input_tokens": None,
            "output_tokens": None,
            "ok": False,
            "error": "HTTP 500",
        },
        {
            "user_id": business["id"],
            "purpose": "extraction",
            "provider": "openai",
            "model": "gpt-4.1-mini",
            "input_tokens": 12,
            "output_tokens": 7,
            "ok": True,
            "error": None,
        },
    ]
    assert [r["latency_ms"] for r in rows] == [a.latency_ms for a in result.attempts]
    assert _usage_rows(db, other["id"]) == []


def test_failed_attempts_are_recorded_when_every_route_fails(
    db: Database, business: dict[str, Any], local_llm: OpenAiStandIn
) -> None:
    local_llm.answer_json({"name": "Rex"})
    client = _client(_settings(local=local_llm), sink=database_usage_sink(db))
    with pytest.raises(LlmUnavailable):
        _extract(client, business["id"])
    [row] = _usage_rows(db, business["id"])
    assert (row["ok"], row["error"]) == (False, "answer does not match the schema (at required)")


def test_usage_survives_a_caller_whose_transaction_rolls_back(
    db: Database, business: dict[str, Any], local_llm: OpenAiStandIn
) -> None:
    local_llm.answer_json(ANSWER)
    client = _client(_settings(local=local_llm), sink=database_usage_sink(db))

    with pytest.raises(RuntimeError), db.unit_of_work(business["id"]):
        _extract(client, business["id"])
        raise RuntimeError("the caller's own work failed")

    assert [r["ok"] for r in _usage_rows(db, business["id"])] == [True]


def test_record_usage_writes_in_the_callers_transaction(
    db: Database, business: dict[str, Any]
) -> None:
    record = UsageRecord(
        user_id=business["id"],
        purpose="extraction",
        provider="anthropic",
        model="claude-haiku-4-5",
        input_tokens=20,
        output_tokens=9,
        latency_ms=840,
        ok=True,
    )
    with pytest.raises(RuntimeError), db.unit_of_work(business["id"]) as conn:
        record_usage(conn, record)
        raise RuntimeError("rolled back")
    assert _usage_rows(db, business["id"]) == []

    with db.unit_of_work(business["id"]) as conn:
        record_usage(conn, record)
    assert len(_usage_rows(db, business["id"])) == 1


def test_usage_cannot_be_written_for_another_business(
    db: Database, owner: psycopg.Connection, business: dict[str, Any]
) -> None:
    other = make_user(owner)
    record = UsageRecord(
        user_id=other["id"],
        purpose="extraction",
        provider="local",
        model="m",
        input_tokens=None,
        output_tokens=None,
        latency_ms=1,
        ok=False,
        error="HTTP 500",
    )
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        db.unit_of_work(business["id"]) as conn,
    ):
        record_usage(conn, record)


def test_a_usage_sink_failure_is_logged_and_the_answer_still_returned(
    local_llm: OpenAiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """The model answered (and was paid for): losing the usage row must not lose the answer."""
    local_llm.answer_json(ANSWER)
    down = Database(
        f"postgresql://crm_app@127.0.0.1:{free_port()}/crm",
        settings=PoolSettings(checkout_timeout=0.5, connect_timeout=1),
    )
    down.open(wait=False)
    try:
        client = _client(_settings(local=local_llm), sink=database_usage_sink(down))
        with caplog.at_level(logging.ERROR, logger="crm.llm"):
            result = _extract(client, uuid.uuid4())
    finally:
        down.close()
    assert result.provider == "local"
    assert result.data == ANSWER
    assert "could not record LLM usage" in caplog.text
