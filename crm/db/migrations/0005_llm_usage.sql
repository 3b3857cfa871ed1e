-- LLM usage: one row per attempt at a model (local or remote, answered or failed), for cost
-- and reliability reporting. Written by crm/clients/llm_client.py, normally in its own short
-- transaction so failed attempts are kept even when the caller's work rolls back.
-- error holds a short fixed reason ("HTTP 500", "timed out after 4 s"): never prompt text,
-- answers or keys. Tokens are null when the provider did not report them.

CREATE TABLE llm_usage (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id),
    purpose       text NOT NULL,
    provider      text NOT NULL,
    model         text NOT NULL,
    input_tokens  integer,
    output_tokens integer,
    latency_ms    integer NOT NULL,
    ok            boolean NOT NULL,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    CONSTRAINT llm_usage_purpose_present CHECK (btrim(purpose) <> '' AND length(purpose) <= 64),
    CONSTRAINT llm_usage_provider CHECK (provider IN ('local', 'anthropic', 'openai')),
    CONSTRAINT llm_usage_model_present CHECK (btrim(model) <> ''),
    CONSTRAINT llm_usage_tokens CHECK (input_tokens >= 0 AND output_tokens >= 0),
    CONSTRAINT llm_usage_latency CHECK (latency_ms >= 0),
    CONSTRAINT llm_usage_error_iff_failed CHECK (ok = (error IS NULL)),
    CONSTRAINT llm_usage_error_short CHECK (length(error) <= 500)
);
CREATE INDEX llm_usage_recent ON llm_usage (user_id, created_at DESC);

ALTER TABLE llm_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE llm_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY llm_usage_tenant ON llm_usage
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));

-- Append-only for the app: usage is a record of what happened.
GRANT SELECT, INSERT ON llm_usage TO crm_app;
