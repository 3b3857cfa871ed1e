-- Sensitive numbers: the database's copy of crm/core/sanitise.py, as the last line of defence.
-- And the close-out flow: drafts between preview and close, and the minutes actually worked.

CREATE FUNCTION luhn_valid(digits text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $$
DECLARE
    total integer := 0;
    value integer;
    i integer;
    n integer := length(digits);
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        value := substr(digits, n - i, 1)::integer;
        IF i % 2 = 1 THEN
            value := value * 2;
            IF value > 9 THEN
                value := value - 9;
            END IF;
        END IF;
        total := total + value;
    END LOOP;
    RETURN total % 10 = 0;
END
$$;

-- Card numbers (13-19 digits, single spaces/dashes allowed, Luhn-valid) and SSNs
-- (123-45-6789, or 9 digits after "SSN"/"social security") become [REDACTED]. Phone numbers,
-- ZIP+4, dates, prices and invoice numbers do not match these shapes.
CREATE FUNCTION redact_sensitive(input text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    result text := input;
    candidate text;
    digits text;
BEGIN
    IF input IS NULL OR input !~ '\d{3}' THEN
        RETURN input;
    END IF;
    FOR candidate IN
        SELECT m[1] FROM regexp_matches(input, '(?<![\d-])(\d(?:[ -]?\d){12,18})(?![\d-])', 'g') AS m
    LOOP
        digits := regexp_replace(candidate, '\D', '', 'g');
        IF length(digits) BETWEEN 13 AND 19 AND luhn_valid(digits) THEN
            result := replace(result, candidate, '[REDACTED]');
        END IF;
    END LOOP;
    result := regexp_replace(
        result,
        '\m(ssn|social security(?: number| no\.?| #)?)(\s*[:#]?\s*)(?!000|666|9\d\d)\d{3}[ -]?(?!00)\d{2}[ -]?(?!0000)\d{4}(?!\d)',
        '\1\2[REDACTED]', 'gi');
    result := regexp_replace(
        result,
        '(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])',
        '[REDACTED]', 'g');
    RETURN result;
END
$$;

-- BEFORE INSERT/UPDATE: redact the text columns named in the trigger's arguments, and write a
-- security event (never the number) when the backend let something through.
CREATE FUNCTION redact_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    col text;
    original text;
    cleaned text;
    patch jsonb := '{}'::jsonb;
BEGIN
    FOREACH col IN ARRAY TG_ARGV LOOP
        original := to_jsonb(NEW) ->> col;
        cleaned := redact_sensitive(original);
        IF cleaned IS DISTINCT FROM original THEN
            patch := patch || jsonb_build_object(col, cleaned);
        END IF;
    END LOOP;
    IF patch <> '{}'::jsonb THEN
        NEW := jsonb_populate_record(NEW, patch);
        INSERT INTO security_events (event, account_id, details)
        VALUES ('redacted_by_database', NEW.user_id,
                jsonb_build_object('table', TG_TABLE_NAME,
                                   'columns', (SELECT jsonb_agg(k) FROM jsonb_object_keys(patch) k)));
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER notes_redact BEFORE INSERT OR UPDATE OF body ON notes
    FOR EACH ROW EXECUTE FUNCTION redact_columns('body');
CREATE TRIGGER scheduled_messages_redact BEFORE INSERT OR UPDATE OF subject, body, last_error ON scheduled_messages
    FOR EACH ROW EXECUTE FUNCTION redact_columns('subject', 'body', 'last_error');
CREATE TRIGGER tickets_redact BEFORE INSERT OR UPDATE OF title, cancel_reason ON tickets
    FOR EACH ROW EXECUTE FUNCTION redact_columns('title', 'cancel_reason');
CREATE TRIGGER contacts_redact BEFORE INSERT OR UPDATE OF first_name, last_name, company, preferred_time_of_day, source ON contacts
    FOR EACH ROW EXECUTE FUNCTION redact_columns(
        'first_name', 'last_name', 'company', 'preferred_time_of_day', 'source');
CREATE TRIGGER addresses_redact BEFORE INSERT OR UPDATE OF label, line1, line2, access_notes ON addresses
    FOR EACH ROW EXECUTE FUNCTION redact_columns('label', 'line1', 'line2', 'access_notes');
CREATE TRIGGER attributes_redact BEFORE INSERT OR UPDATE OF evidence ON attributes
    FOR EACH ROW EXECUTE FUNCTION redact_columns('evidence');
CREATE TRIGGER line_items_redact BEFORE INSERT OR UPDATE OF description ON line_items
    FOR EACH ROW EXECUTE FUNCTION redact_columns('description');
CREATE TRIGGER invoices_redact BEFORE INSERT OR UPDATE OF notes ON invoices
    FOR EACH ROW EXECUTE FUNCTION redact_columns('notes');
CREATE TRIGGER invoice_lines_redact BEFORE INSERT OR UPDATE OF description ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION redact_columns('description');
CREATE TRIGGER staff_redact BEFORE INSERT OR UPDATE OF name ON staff
    FOR EACH ROW EXECUTE FUNCTION redact_columns('name');

-- Close-out: what the technician confirmed at preview, until they complete (or it expires).
CREATE TABLE closeout_drafts (
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id),
    ticket_id   uuid NOT NULL,
    payload     jsonb NOT NULL,
    fingerprint text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL DEFAULT now() + interval '2 hours',
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id)
);
CREATE INDEX closeout_drafts_ticket ON closeout_drafts (user_id, ticket_id);
ALTER TABLE closeout_drafts ENABLE ROW LEVEL SECURITY;
ALTER TABLE closeout_drafts FORCE ROW LEVEL SECURITY;
CREATE POLICY closeout_drafts_tenant ON closeout_drafts
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
GRANT SELECT, INSERT, DELETE ON closeout_drafts TO crm_app;

ALTER TABLE tickets ADD COLUMN worked_minutes integer
    CONSTRAINT tickets_worked_minutes CHECK (worked_minutes BETWEEN 0 AND 1440);
