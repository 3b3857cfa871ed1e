-- Foundation: businesses (users) and the append-only audit log.
--
-- Convention for every business table, now and later:
--   user_id uuid NOT NULL, UNIQUE (user_id, id), composite foreign keys that include user_id,
--   ROW LEVEL SECURITY enabled and forced, one policy with USING and WITH CHECK on
--   current_setting('app.current_user_id') -- without missing_ok, so no context = error.
--   The setting is read in a sub-select so PostgreSQL evaluates it once per query (an
--   initplan), not once per row.
-- tests/db/test_catalog.py enforces it for every table that has a user_id column.

CREATE FUNCTION is_iana_timezone(name text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE pg_timezone_names.name = $1) $$;

CREATE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- One row per business (today one login = one business).
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL,
    display_name  text NOT NULL,
    business_name text NOT NULL,
    timezone      text NOT NULL,
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email))),
    CONSTRAINT users_email_shape CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    CONSTRAINT users_display_name_present CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    CONSTRAINT users_business_name_present CHECK (length(btrim(business_name)) BETWEEN 1 AND 200),
    CONSTRAINT users_timezone_iana CHECK (is_iana_timezone(timezone))
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TRIGGER users_touch_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_self ON users
    USING (id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (id = (SELECT current_setting('app.current_user_id')::uuid));

GRANT SELECT ON users TO crm_app;
GRANT UPDATE (display_name, business_name, timezone) ON users TO crm_app;

-- Every create/update/delete/transition of every entity, written in the same transaction.
CREATE TABLE audit_log (
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id),
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    action      text NOT NULL,
    changes     jsonb NOT NULL DEFAULT '{}'::jsonb,
    actor       text NOT NULL,
    request_id  text,
    -- clock_timestamp, not now(): several rows of one transaction keep their order.
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    CONSTRAINT audit_log_changes_object CHECK (jsonb_typeof(changes) = 'object'),
    CONSTRAINT audit_log_entity_type_present CHECK (entity_type <> ''),
    CONSTRAINT audit_log_action_present CHECK (action <> '')
);
CREATE INDEX audit_log_entity ON audit_log (user_id, entity_type, entity_id, created_at);

CREATE FUNCTION refuse_audit_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant ON audit_log
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));

GRANT SELECT, INSERT ON audit_log TO crm_app;
