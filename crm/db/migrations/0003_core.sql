-- Core domain: contacts, addresses, staff, services, tickets (+ staff, time entries, line
-- items), invoices (+ lines, payments, numbering), notes, attributes, scheduled messages.
-- Every table follows the tenancy convention of 0001 (checked by tests/db/test_catalog.py).
-- Delete strategy (seed): soft for contacts, tickets, invoices, notes, line items (and staff,
-- which tickets keep pointing at); hard for addresses, attributes, scheduled messages.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- Raised by triggers; crm/clients/postgres_client.py maps them to 409s.
--   CRM01 ticket_immutable        CRM02 invalid_status_transition

CREATE TABLE contacts (
    id                     uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id                uuid NOT NULL REFERENCES users (id),
    first_name             text NOT NULL DEFAULT '',
    last_name              text NOT NULL DEFAULT '',
    company                text NOT NULL DEFAULT '',
    email                  text NOT NULL DEFAULT '',
    phone                  text NOT NULL DEFAULT '',
    phone_digits           text GENERATED ALWAYS AS (regexp_replace(phone, '\D', '', 'g')) STORED,
    preferred_contact_method text NOT NULL DEFAULT 'any',
    preferred_time_of_day  text NOT NULL DEFAULT '',
    source                 text NOT NULL DEFAULT '',
    external_id            text NOT NULL DEFAULT '',
    referred_by_id         uuid,
    search_names           text NOT NULL DEFAULT '',
    search_text            text NOT NULL DEFAULT '',
    search_vector          tsvector NOT NULL DEFAULT ''::tsvector,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    deleted_at             timestamptz,
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, referred_by_id) REFERENCES contacts (user_id, id),
    CONSTRAINT contacts_named CHECK (
        btrim(first_name) <> '' OR btrim(last_name) <> '' OR btrim(company) <> ''
    ),
    CONSTRAINT contacts_contact_method CHECK (
        preferred_contact_method IN ('any', 'email', 'phone', 'sms', 'none')
    ),
    CONSTRAINT contacts_email_shape CHECK (email = '' OR email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$')
);
CREATE INDEX contacts_recent ON contacts (user_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX contacts_search_vector ON contacts USING gin (search_vector);
CREATE INDEX contacts_search_names ON contacts USING gin (search_names gin_trgm_ops);
CREATE INDEX contacts_phone_digits ON contacts USING gin (phone_digits gin_trgm_ops);

CREATE TABLE addresses (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    contact_id   uuid NOT NULL,
    label        text NOT NULL DEFAULT '',
    line1        text NOT NULL,
    line2        text NOT NULL DEFAULT '',
    city         text NOT NULL DEFAULT '',
    region       text NOT NULL DEFAULT '',
    postal_code  text NOT NULL DEFAULT '',
    country      text NOT NULL DEFAULT 'US',
    access_notes text NOT NULL DEFAULT '',
    is_primary   boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    CONSTRAINT addresses_line1_present CHECK (btrim(line1) <> '')
);
CREATE INDEX addresses_contact ON addresses (user_id, contact_id);
CREATE UNIQUE INDEX addresses_one_primary ON addresses (user_id, contact_id) WHERE is_primary;

CREATE TABLE staff (
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id),
    name       text NOT NULL,
    email      text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    CONSTRAINT staff_name_present CHECK (btrim(name) <> '')
);

CREATE TABLE services (
    id                       uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id                  uuid NOT NULL REFERENCES users (id),
    name                     text NOT NULL,
    description              text NOT NULL DEFAULT '',
    pricing_mode             text NOT NULL,
    unit_price_cents         bigint NOT NULL DEFAULT 0,
    unit_label               text NOT NULL DEFAULT '',
    default_duration_minutes integer NOT NULL DEFAULT 60,
    retired_at               timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    CONSTRAINT services_name_present CHECK (btrim(name) <> ''),
    CONSTRAINT services_pricing_mode CHECK (
        pricing_mode IN ('fixed', 'flexible', 'per_unit', 'product')
    ),
    CONSTRAINT services_price_not_negative CHECK (unit_price_cents >= 0),
    CONSTRAINT services_unit_label CHECK (pricing_mode <> 'per_unit' OR btrim(unit_label) <> ''),
    CONSTRAINT services_duration CHECK (default_duration_minutes BETWEEN 0 AND 1440)
);

CREATE TABLE tickets (
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id             uuid NOT NULL REFERENCES users (id),
    contact_id          uuid NOT NULL,
    address_id          uuid,
    title               text NOT NULL DEFAULT '',
    scheduled_start     timestamptz NOT NULL,
    duration_minutes    integer NOT NULL DEFAULT 60,
    status              text NOT NULL DEFAULT 'scheduled',
    confirmation_status text NOT NULL DEFAULT 'unconfirmed',
    is_price_estimated  boolean NOT NULL DEFAULT false,
    cancel_reason       text NOT NULL DEFAULT '',
    completed_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    FOREIGN KEY (user_id, address_id) REFERENCES addresses (user_id, id),
    CONSTRAINT tickets_status CHECK (
        status IN ('scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')
    ),
    CONSTRAINT tickets_confirmation CHECK (
        confirmation_status IN ('unconfirmed', 'confirmed', 'declined')
    ),
    CONSTRAINT tickets_duration CHECK (duration_minutes BETWEEN 5 AND 1440)
);
CREATE INDEX tickets_schedule ON tickets (user_id, scheduled_start) WHERE deleted_at IS NULL;
CREATE INDEX tickets_in_progress ON tickets (user_id, scheduled_start)
    WHERE status = 'in_progress' AND deleted_at IS NULL;
CREATE INDEX tickets_contact ON tickets (user_id, contact_id);
CREATE INDEX tickets_address ON tickets (user_id, address_id);

CREATE TABLE ticket_staff (
    user_id    uuid NOT NULL REFERENCES users (id),
    ticket_id  uuid NOT NULL,
    staff_id   uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, ticket_id, staff_id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id),
    FOREIGN KEY (user_id, staff_id) REFERENCES staff (user_id, id)
);

CREATE TABLE time_entries (
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id),
    ticket_id  uuid NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id),
    CONSTRAINT time_entries_order CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX time_entries_ticket ON time_entries (user_id, ticket_id);
CREATE UNIQUE INDEX time_entries_one_open ON time_entries (user_id, ticket_id)
    WHERE ended_at IS NULL;

CREATE TABLE line_items (
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id),
    ticket_id        uuid NOT NULL,
    service_id       uuid,
    description      text NOT NULL,
    pricing_mode     text NOT NULL,
    quantity         numeric(12, 3) NOT NULL DEFAULT 1,
    unit_label       text NOT NULL DEFAULT '',
    unit_price_cents bigint NOT NULL,
    total_cents      bigint GENERATED ALWAYS AS (round(quantity * unit_price_cents)::bigint) STORED,
    position         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id),
    FOREIGN KEY (user_id, service_id) REFERENCES services (user_id, id),
    CONSTRAINT line_items_pricing_mode CHECK (
        pricing_mode IN ('fixed', 'flexible', 'per_unit', 'product')
    ),
    CONSTRAINT line_items_quantity CHECK (quantity > 0),
    CONSTRAINT line_items_price CHECK (unit_price_cents >= 0),
    CONSTRAINT line_items_description CHECK (btrim(description) <> '')
);
CREATE INDEX line_items_ticket ON line_items (user_id, ticket_id);

CREATE TABLE notes (
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id),
    contact_id uuid NOT NULL,
    ticket_id  uuid,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id),
    CONSTRAINT notes_body_present CHECK (btrim(body) <> '' AND length(body) <= 20000)
);
CREATE INDEX notes_contact ON notes (user_id, contact_id, created_at DESC);
CREATE INDEX notes_ticket ON notes (user_id, ticket_id);

CREATE TABLE attributes (
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id),
    contact_id       uuid NOT NULL,
    key              text NOT NULL,
    value            jsonb NOT NULL,
    source           text NOT NULL DEFAULT 'manual',
    confidence       numeric(3, 2) NOT NULL DEFAULT 1.00,
    evidence         text NOT NULL DEFAULT '',
    source_note_id   uuid,
    source_ticket_id uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (user_id, contact_id, key),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    FOREIGN KEY (user_id, source_note_id) REFERENCES notes (user_id, id),
    FOREIGN KEY (user_id, source_ticket_id) REFERENCES tickets (user_id, id),
    CONSTRAINT attributes_key_shape CHECK (key ~ '^[a-z][a-z0-9_.]{0,62}$'),
    CONSTRAINT attributes_source CHECK (source IN ('manual', 'rules') OR source LIKE 'llm:%'),
    CONSTRAINT attributes_confidence CHECK (confidence BETWEEN 0 AND 1)
);

CREATE TABLE invoice_counters (
    user_id     uuid NOT NULL REFERENCES users (id),
    next_number integer NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id)
);

CREATE TABLE invoices (
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id),
    number         integer NOT NULL,
    contact_id     uuid NOT NULL,
    ticket_id      uuid,
    status         text NOT NULL DEFAULT 'draft',
    tax_rate_bp    integer NOT NULL DEFAULT 0,
    subtotal_cents bigint NOT NULL DEFAULT 0,
    tax_cents      bigint NOT NULL DEFAULT 0,
    total_cents    bigint NOT NULL DEFAULT 0,
    paid_cents     bigint NOT NULL DEFAULT 0,
    notes          text NOT NULL DEFAULT '',
    due_on         date,
    sent_at        timestamptz,
    voided_at      timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (user_id, number),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id),
    CONSTRAINT invoices_status CHECK (status IN ('draft', 'sent', 'partial', 'paid', 'void')),
    CONSTRAINT invoices_tax CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    CONSTRAINT invoices_paid CHECK (paid_cents >= 0 AND paid_cents <= total_cents)
);
-- A voided invoice stays on record (and keeps its number) but frees its ticket for a new one.
CREATE UNIQUE INDEX invoices_one_per_ticket ON invoices (user_id, ticket_id)
    WHERE ticket_id IS NOT NULL AND deleted_at IS NULL AND status <> 'void';
CREATE INDEX invoices_status_recent ON invoices (user_id, status, created_at DESC);

CREATE TABLE invoice_lines (
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id),
    invoice_id       uuid NOT NULL,
    description      text NOT NULL,
    quantity         numeric(12, 3) NOT NULL,
    unit_label       text NOT NULL DEFAULT '',
    unit_price_cents bigint NOT NULL,
    total_cents      bigint NOT NULL,
    position         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, invoice_id) REFERENCES invoices (user_id, id)
);

CREATE TABLE payments (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    invoice_id   uuid NOT NULL,
    amount_cents bigint NOT NULL,
    method       text NOT NULL DEFAULT 'other',
    paid_on      date NOT NULL,
    reference    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, invoice_id) REFERENCES invoices (user_id, id),
    CONSTRAINT payments_positive CHECK (amount_cents > 0),
    CONSTRAINT payments_method CHECK (
        method IN ('cash', 'check', 'card', 'bank_transfer', 'other')
    )
);

CREATE TABLE scheduled_messages (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id),
    kind          text NOT NULL,
    contact_id    uuid NOT NULL,
    ticket_id     uuid,
    invoice_id    uuid,
    subject       text NOT NULL,
    body          text NOT NULL,
    scheduled_for timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'pending',
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text NOT NULL DEFAULT '',
    sent_at       timestamptz,
    dedupe_key    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (user_id, dedupe_key),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id),
    FOREIGN KEY (user_id, invoice_id) REFERENCES invoices (user_id, id),
    CONSTRAINT scheduled_messages_kind CHECK (kind IN (
        'appointment_confirmation', 'reminder', 'follow_up', 'reach_out', 'invoice', 'custom'
    )),
    CONSTRAINT scheduled_messages_status CHECK (
        status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped')
    )
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (user_id, status, scheduled_for);

-- updated_at everywhere it exists
CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER addresses_touch BEFORE UPDATE ON addresses
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER staff_touch BEFORE UPDATE ON staff
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER services_touch BEFORE UPDATE ON services
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER tickets_touch BEFORE UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER line_items_touch BEFORE UPDATE ON line_items
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER attributes_touch BEFORE UPDATE ON attributes
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER invoices_touch BEFORE UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER scheduled_messages_touch BEFORE UPDATE ON scheduled_messages
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- A completed ticket is frozen, and so is everything hanging off it; the state machine is
-- enforced here too, so a service that forgets cannot break either rule.
CREATE FUNCTION guard_ticket() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'completed' THEN
            RAISE EXCEPTION 'ticket % is completed and cannot change', OLD.id
                USING ERRCODE = 'CRM01';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'completed' THEN
        RAISE EXCEPTION 'ticket % is completed and cannot change', OLD.id USING ERRCODE = 'CRM01';
    END IF;
    IF NEW.status <> OLD.status AND NOT (
        (OLD.status = 'scheduled' AND NEW.status IN ('in_progress', 'cancelled', 'no_show')) OR
        (OLD.status = 'in_progress' AND NEW.status IN ('completed', 'cancelled'))
    ) THEN
        RAISE EXCEPTION 'ticket cannot go from % to %', OLD.status, NEW.status
            USING ERRCODE = 'CRM02';
    END IF;
    IF NEW.status = 'completed' AND NEW.completed_at IS NULL THEN
        NEW.completed_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tickets_guard BEFORE UPDATE OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION guard_ticket();

CREATE FUNCTION guard_ticket_child() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    parent uuid;
BEGIN
    parent := CASE WHEN TG_OP = 'DELETE' THEN OLD.ticket_id ELSE NEW.ticket_id END;
    IF parent IS NOT NULL AND EXISTS (
        SELECT 1 FROM tickets WHERE id = parent AND status = 'completed'
    ) THEN
        RAISE EXCEPTION 'ticket % is completed; its % cannot change', parent, TG_TABLE_NAME
            USING ERRCODE = 'CRM01';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.ticket_id IS NOT NULL AND OLD.ticket_id IS DISTINCT FROM parent
       AND EXISTS (SELECT 1 FROM tickets WHERE id = OLD.ticket_id AND status = 'completed') THEN
        RAISE EXCEPTION 'ticket % is completed; its % cannot change', OLD.ticket_id, TG_TABLE_NAME
            USING ERRCODE = 'CRM01';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER line_items_guard BEFORE INSERT OR UPDATE OR DELETE ON line_items
    FOR EACH ROW EXECUTE FUNCTION guard_ticket_child();
CREATE TRIGGER time_entries_guard BEFORE INSERT OR UPDATE OR DELETE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION guard_ticket_child();
CREATE TRIGGER ticket_staff_guard BEFORE INSERT OR UPDATE OR DELETE ON ticket_staff
    FOR EACH ROW EXECUTE FUNCTION guard_ticket_child();
CREATE TRIGGER notes_guard BEFORE UPDATE OR DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION guard_ticket_child();

-- Search: one document per contact from its names, company, email, phone, addresses, notes and
-- attributes; kept current by triggers on every source table.
CREATE FUNCTION refresh_contact_search(p_contact uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    names text;
    doc text;
BEGIN
    SELECT concat_ws(' ', c.first_name, c.last_name, c.company),
           concat_ws(' ', c.first_name, c.last_name, c.company, c.email,
                     replace(c.email, '@', ' '), c.phone, c.phone_digits, c.preferred_time_of_day,
                     (SELECT string_agg(concat_ws(' ', a.label, a.line1, a.line2, a.city, a.region,
                                                  a.postal_code, a.access_notes), ' ')
                      FROM addresses a WHERE a.contact_id = c.id),
                     (SELECT string_agg(concat_ws(' ', translate(t.key, '._', '  '),
                                                  CASE jsonb_typeof(t.value)
                                                      WHEN 'string' THEN t.value #>> '{}'
                                                      ELSE t.value::text END), ' ')
                      FROM attributes t WHERE t.contact_id = c.id),
                     (SELECT string_agg(n.body, ' ') FROM notes n
                      WHERE n.contact_id = c.id AND n.deleted_at IS NULL))
    INTO names, doc
    FROM contacts c WHERE c.id = p_contact;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE contacts
    SET search_names = lower(names),
        search_text = lower(left(doc, 100000)),
        search_vector = to_tsvector('simple', left(doc, 100000))
    WHERE id = p_contact;
END
$$;

CREATE FUNCTION contacts_search_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    PERFORM refresh_contact_search(NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_search AFTER INSERT OR UPDATE OF
    first_name, last_name, company, email, phone, preferred_time_of_day ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_search_trigger();

CREATE FUNCTION contact_part_search_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM refresh_contact_search(OLD.contact_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.contact_id <> OLD.contact_id) THEN
        PERFORM refresh_contact_search(NEW.contact_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER addresses_search AFTER INSERT OR UPDATE OR DELETE ON addresses
    FOR EACH ROW EXECUTE FUNCTION contact_part_search_trigger();
CREATE TRIGGER attributes_search AFTER INSERT OR UPDATE OR DELETE ON attributes
    FOR EACH ROW EXECUTE FUNCTION contact_part_search_trigger();
CREATE TRIGGER notes_search AFTER INSERT OR UPDATE OR DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION contact_part_search_trigger();

-- Row-level security: one policy per table, as in 0001. On soft-delete tables the policy's
-- USING also hides deleted rows (the seed's rule), so no read anywhere can forget the filter;
-- WITH CHECK stays tenant-only so that setting deleted_at is allowed.
DO $$
DECLARE
    t text;
    soft boolean;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'contacts', 'addresses', 'staff', 'services', 'tickets', 'ticket_staff', 'time_entries',
        'line_items', 'notes', 'attributes', 'invoice_counters', 'invoices', 'invoice_lines',
        'payments', 'scheduled_messages'
    ] LOOP
        soft := t IN ('contacts', 'staff', 'tickets', 'line_items', 'notes', 'invoices');
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I '
            'USING (user_id = (SELECT current_setting(''app.current_user_id'')::uuid)%s) '
            'WITH CHECK (user_id = (SELECT current_setting(''app.current_user_id'')::uuid))',
            t || '_tenant', t, CASE WHEN soft THEN ' AND deleted_at IS NULL' ELSE '' END);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO crm_app', t);
    END LOOP;
END
$$;
-- Soft-deleted and financial rows are never hard-deleted by the app.
REVOKE DELETE ON contacts, staff, tickets, line_items, notes, invoices, invoice_lines, payments,
    invoice_counters FROM crm_app;

-- Soft delete. PostgreSQL checks an UPDATE's new row against the SELECT policy, which hides
-- deleted rows, so setting deleted_at needs this one narrow SECURITY DEFINER function, owned
-- by the NOLOGIN crm_auth role. It re-applies the tenant check itself.
CREATE FUNCTION soft_delete(p_table text, p_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    changed integer;
BEGIN
    IF p_table NOT IN ('contacts', 'staff', 'tickets', 'line_items', 'notes', 'invoices') THEN
        RAISE EXCEPTION 'table % has no soft delete', p_table;
    END IF;
    EXECUTE format(
        'UPDATE %I SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL '
        'AND user_id = (SELECT current_setting(''app.current_user_id'')::uuid)', p_table)
        USING p_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed = 1;
END
$$;
-- What the UPDATE and the triggers it fires (ticket guards, search refresh) need.
GRANT SELECT, UPDATE ON contacts, staff, tickets, line_items, notes, invoices TO crm_auth;
GRANT SELECT ON addresses, attributes TO crm_auth;
GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION soft_delete(text, uuid) OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION soft_delete(text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION soft_delete(text, uuid) TO crm_app;

-- Contact search. Full-text, trigram and LIKE operators are not leakproof, so under RLS the
-- planner may not use their indexes and scans every contact of the business. This function,
-- owned by the NOLOGIN crm_auth role, applies the tenant and soft-delete filters itself and
-- returns ids and ranks; the app then reads those contacts under RLS as usual. Dynamic SQL
-- gives every call its own plan (the phone condition only exists when there are digits).
CREATE FUNCTION search_contacts(
    p_phrase text, p_digits text, p_one_word boolean, p_similar real, p_limit integer
) RETURNS TABLE (id uuid, rank real)
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
    SET search_path = public, pg_temp
    SET pg_trgm.word_similarity_threshold = 0.3
    AS $$
DECLARE
    tsq tsquery;
    query text;
BEGIN
    SELECT to_tsquery('simple', string_agg(quote_literal(word) || ':*', ' & '))
    INTO tsq
    FROM unnest(tsvector_to_array(to_tsvector('simple', p_phrase))) AS word;
    query := 'SELECT c.id, (COALESCE(ts_rank(c.search_vector, $1), 0) * 2'
        || ' + word_similarity($2, c.search_names)'
        || CASE WHEN length(p_digits) >= 4
                THEN ' + CASE WHEN c.phone_digits LIKE $3 THEN 1 ELSE 0 END' ELSE '' END
        || ')::real AS rank'
        || ' FROM contacts c'
        || ' WHERE c.user_id = (SELECT current_setting(''app.current_user_id'')::uuid)'
        || ' AND c.deleted_at IS NULL AND ('
        || CASE WHEN tsq IS NULL THEN 'false' ELSE 'c.search_vector @@ $1' END
        || ' OR ($2 <% c.search_names AND (word_similarity($2, c.search_names) >= $4'
        || CASE WHEN p_one_word
                THEN ' OR EXISTS (SELECT 1 FROM string_to_table(c.search_names, '' '') AS w'
                     || ' WHERE levenshtein_less_equal(w, $2, 1) <= 1)'
                ELSE '' END
        || '))'
        || CASE WHEN length(p_digits) >= 4 THEN ' OR c.phone_digits LIKE $3' ELSE '' END
        || ') ORDER BY rank DESC, c.created_at DESC LIMIT $5';
    RETURN QUERY EXECUTE query USING tsq, p_phrase, '%' || p_digits || '%', p_similar, p_limit;
END
$$;
GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION search_contacts(text, text, boolean, real, integer) OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION search_contacts(text, text, boolean, real, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_contacts(text, text, boolean, real, integer) TO crm_app;
