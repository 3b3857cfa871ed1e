-- Agents as clients (docs/agents.md): personal API tokens, and the owner's authorization queue
-- for what a token may only ask for.
--
-- A token is shown once and stored as its SHA-256 (a random 256-bit secret needs no slow hash).
-- It is never deleted: revoking stamps revoked_at, so the audit trail's "token:<id>" always
-- names a row. Looking a token up happens before anyone is signed in, so it goes through
-- crm_auth's SECURITY DEFINER function below, like the sign-in look-ups (0002).
CREATE TABLE api_tokens (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    name         text NOT NULL,
    scope        text NOT NULL,
    token_hash   bytea NOT NULL,
    -- The first characters of the token, shown in the list so the owner can tell them apart.
    prefix       text NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (token_hash),
    CONSTRAINT api_tokens_scope CHECK (scope IN ('read', 'write')),
    CONSTRAINT api_tokens_name CHECK (btrim(name) <> '' AND length(name) <= 100),
    CONSTRAINT api_tokens_hash CHECK (length(token_hash) = 32),
    CONSTRAINT api_tokens_expiry CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_recent ON api_tokens (user_id, created_at DESC);
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_tenant ON api_tokens
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
GRANT SELECT, INSERT, UPDATE ON api_tokens TO crm_app;
GRANT SELECT, UPDATE ON api_tokens TO crm_auth;

-- The token behind a bearer header: 'ok' with its business and scope, or why not. Marks it used
-- (at most once a minute, so a busy agent does not write on every request).
CREATE FUNCTION auth_token(p_hash bytea)
RETURNS TABLE (status text, token_id uuid, account_id uuid, scope text, name text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    token api_tokens%ROWTYPE;
    active boolean;
BEGIN
    SELECT * INTO token FROM api_tokens t WHERE t.token_hash = p_hash;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::text;
        RETURN;
    END IF;
    SELECT u.is_active INTO active FROM users u WHERE u.id = token.user_id;
    IF token.revoked_at IS NOT NULL THEN
        RETURN QUERY SELECT 'revoked'::text, token.id, token.user_id, token.scope, token.name;
    ELSIF token.expires_at <= now() THEN
        RETURN QUERY SELECT 'expired'::text, token.id, token.user_id, token.scope, token.name;
    ELSIF NOT active THEN
        RETURN QUERY SELECT 'inactive'::text, token.id, token.user_id, token.scope, token.name;
    ELSE
        UPDATE api_tokens SET last_used_at = now()
        WHERE id = token.id
          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
        RETURN QUERY SELECT 'ok'::text, token.id, token.user_id, token.scope, token.name;
    END IF;
END
$$;
GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION auth_token(bytea) OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION auth_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_token(bytea) TO crm_app;

-- What a token asked for and may not do alone (a sensitive action): the request exactly as
-- sent (its validated, redacted input), what it would do in words, and what became of it.
-- A 'pending' request past expires_at reads as expired (computed, like an expired waitlist
-- entry in 0014): no job has to sweep it.
CREATE TABLE authorizations (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    token_id     uuid NOT NULL,
    domain       text NOT NULL,
    action       text NOT NULL,
    input        jsonb NOT NULL,
    summary      text NOT NULL,
    status       text NOT NULL DEFAULT 'pending',
    result       jsonb,
    error        jsonb,
    decided_by   text,
    decided_at   timestamptz,
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, token_id) REFERENCES api_tokens (user_id, id),
    CONSTRAINT authorizations_status CHECK (
        status IN ('pending', 'approved', 'denied', 'failed', 'expired')
    ),
    CONSTRAINT authorizations_decided CHECK ((status = 'pending') = (decided_at IS NULL)),
    CONSTRAINT authorizations_summary CHECK (btrim(summary) <> '' AND length(summary) <= 1000)
);
CREATE INDEX authorizations_pending ON authorizations (user_id, created_at)
    WHERE status = 'pending';
CREATE INDEX authorizations_recent ON authorizations (user_id, created_at DESC);
CREATE TRIGGER authorizations_touch BEFORE UPDATE ON authorizations
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
ALTER TABLE authorizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE authorizations FORCE ROW LEVEL SECURITY;
CREATE POLICY authorizations_tenant ON authorizations
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
GRANT SELECT, INSERT, UPDATE ON authorizations TO crm_app;
