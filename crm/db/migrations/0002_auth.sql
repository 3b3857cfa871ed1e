-- Passwordless sign-in: login attempts (ephemeral, hard-deleted) and the security event log.
--
-- Neither table is tenant data and the app role has no direct access to login_attempts at all:
-- it calls SECURITY DEFINER functions owned by crm_auth (NOLOGIN, BYPASSRLS), the only code
-- that may look a user up by email before anyone is signed in.

CREATE TABLE login_attempts (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id    uuid NOT NULL REFERENCES users (id),
    token_hash    bytea NOT NULL UNIQUE,  -- sha256 of the emailed link token
    pending_hash  bytea NOT NULL,         -- sha256 of the pending-login cookie
    code_hash     bytea NOT NULL,         -- sha256 of cookie value + code: useless without both
    code_attempts integer NOT NULL DEFAULT 0,
    next_path     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    CONSTRAINT login_attempts_hashes CHECK (
        length(token_hash) = 32 AND length(pending_hash) = 32 AND length(code_hash) = 32
    )
);
CREATE INDEX login_attempts_pending ON login_attempts (pending_hash, created_at DESC);
CREATE INDEX login_attempts_expiry ON login_attempts (expires_at);

CREATE TABLE security_events (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event      text NOT NULL,
    account_id uuid,
    email_hash text,
    ip         text,
    user_agent text,
    request_id text,
    details    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT security_events_event_present CHECK (event <> '')
);
CREATE INDEX security_events_created ON security_events (created_at);
CREATE INDEX security_events_account ON security_events (account_id, created_at);

GRANT USAGE ON SCHEMA public TO crm_auth;

-- The app may write security events but never read them back.
GRANT INSERT ON security_events TO crm_app;

GRANT SELECT, INSERT, UPDATE ON users TO crm_auth;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_attempts TO crm_auth;
GRANT INSERT ON security_events TO crm_auth;

-- Start a sign-in for an active user; for any other email return nothing (and store nothing).
CREATE FUNCTION auth_start_login(
    p_email text, p_token_hash bytea, p_pending_hash bytea, p_code_hash bytea,
    p_next_path text, p_ttl interval
) RETURNS TABLE (account_id uuid, display_name text, business_name text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    account users%ROWTYPE;
BEGIN
    DELETE FROM login_attempts WHERE expires_at < now() - interval '1 day';
    SELECT * INTO account FROM users WHERE email = p_email AND is_active;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO login_attempts (account_id, token_hash, pending_hash, code_hash, next_path,
                                expires_at)
    VALUES (account.id, p_token_hash, p_pending_hash, p_code_hash, p_next_path, now() + p_ttl);
    RETURN QUERY SELECT account.id, account.display_name, account.business_name;
END
$$;

-- Consume an emailed link. One atomic UPDATE ... RETURNING: of two concurrent calls exactly
-- one gets 'ok'; the other waits for the row lock, re-checks used_at and gets 'replayed'.
CREATE FUNCTION auth_consume_link(p_token_hash bytea)
RETURNS TABLE (status text, account_id uuid, next_path text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    attempt login_attempts%ROWTYPE;
BEGIN
    UPDATE login_attempts a SET used_at = now()
    FROM users u
    WHERE a.token_hash = p_token_hash AND a.used_at IS NULL AND a.expires_at > now()
      AND u.id = a.account_id AND u.is_active
    RETURNING a.* INTO attempt;
    IF FOUND THEN
        RETURN QUERY SELECT 'ok'::text, attempt.account_id, attempt.next_path;
        RETURN;
    END IF;
    SELECT * INTO attempt FROM login_attempts a WHERE a.token_hash = p_token_hash;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::text;
    ELSIF attempt.used_at IS NOT NULL THEN
        RETURN QUERY SELECT 'replayed'::text, attempt.account_id, NULL::text;
    ELSIF attempt.expires_at <= now() THEN
        RETURN QUERY SELECT 'expired'::text, attempt.account_id, NULL::text;
    ELSE
        RETURN QUERY SELECT 'inactive'::text, attempt.account_id, NULL::text;
    END IF;
END
$$;

-- Check a 6-digit code for the newest sign-in started by this browser (its pending cookie).
-- After p_max_attempts wrong codes the attempt is dead.
CREATE FUNCTION auth_consume_code(p_pending_hash bytea, p_code_hash bytea, p_max_attempts integer)
RETURNS TABLE (status text, account_id uuid, next_path text, attempts_left integer)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    attempt login_attempts%ROWTYPE;
    active boolean;
BEGIN
    SELECT * INTO attempt FROM login_attempts a
    WHERE a.pending_hash = p_pending_hash
    ORDER BY a.created_at DESC LIMIT 1
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::text, 0;
        RETURN;
    END IF;
    IF attempt.used_at IS NOT NULL THEN
        RETURN QUERY SELECT 'replayed'::text, attempt.account_id, NULL::text, 0;
        RETURN;
    END IF;
    IF attempt.expires_at <= now() THEN
        RETURN QUERY SELECT 'expired'::text, attempt.account_id, NULL::text, 0;
        RETURN;
    END IF;
    IF attempt.code_attempts >= p_max_attempts THEN
        RETURN QUERY SELECT 'locked'::text, attempt.account_id, NULL::text, 0;
        RETURN;
    END IF;
    IF attempt.code_hash = p_code_hash THEN
        SELECT u.is_active INTO active FROM users u WHERE u.id = attempt.account_id;
        IF NOT active THEN
            RETURN QUERY SELECT 'inactive'::text, attempt.account_id, NULL::text, 0;
            RETURN;
        END IF;
        UPDATE login_attempts SET used_at = now() WHERE id = attempt.id;
        RETURN QUERY SELECT 'ok'::text, attempt.account_id, attempt.next_path, 0;
        RETURN;
    END IF;
    -- The last allowed wrong code ends the whole attempt: link and code alike.
    UPDATE login_attempts
    SET code_attempts = code_attempts + 1,
        expires_at = CASE WHEN code_attempts + 1 >= p_max_attempts THEN now() ELSE expires_at END
    WHERE id = attempt.id;
    RETURN QUERY SELECT 'wrong'::text, attempt.account_id, NULL::text,
                        p_max_attempts - attempt.code_attempts - 1;
END
$$;

-- A new function owner needs CREATE on the schema at the moment ownership changes, no longer.
GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION auth_start_login(text, bytea, bytea, bytea, text, interval) OWNER TO crm_auth;
ALTER FUNCTION auth_consume_link(bytea) OWNER TO crm_auth;
ALTER FUNCTION auth_consume_code(bytea, bytea, integer) OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION auth_start_login(text, bytea, bytea, bytea, text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_consume_link(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_consume_code(bytea, bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_start_login(text, bytea, bytea, bytea, text, interval) TO crm_app;
GRANT EXECUTE ON FUNCTION auth_consume_link(bytea) TO crm_app;
GRANT EXECUTE ON FUNCTION auth_consume_code(bytea, bytea, integer) TO crm_app;
