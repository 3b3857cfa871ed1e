-- Customer messaging (docs/messaging.md): the job queue, per-business messaging settings and
-- templates, public links (visit page, unsubscribe, invoice view, booking, calendar feed), and
-- what scheduled_messages needs to be sent, retried and shown.

--! include procrastinate sql/schema.sql

-- The job queue holds no tenant data: a job's arguments are a business id and the id of the
-- row to work on; the job body reads that row in the business's own unit of work (RLS). The
-- app role defers jobs (the web process, through the trigger below) and runs them (workers).
GRANT SELECT, INSERT, UPDATE, DELETE ON procrastinate_jobs, procrastinate_events,
    procrastinate_periodic_defers, procrastinate_workers TO crm_app;
GRANT USAGE, SELECT ON SEQUENCE procrastinate_jobs_id_seq, procrastinate_events_id_seq,
    procrastinate_periodic_defers_id_seq TO crm_app;

-- What and when a business tells its customers.
CREATE TABLE messaging_settings (
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id            uuid NOT NULL REFERENCES users (id),
    business_phone     text NOT NULL DEFAULT '',
    reply_to           text NOT NULL DEFAULT '',
    confirmations      boolean NOT NULL DEFAULT true,
    reminder_minutes   integer[] NOT NULL DEFAULT '{2880,120}',
    follow_up_hours    integer NOT NULL DEFAULT 24,
    thank_you          boolean NOT NULL DEFAULT false,
    quiet_start        time NOT NULL DEFAULT '20:00',
    quiet_end          time NOT NULL DEFAULT '08:00',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (user_id),
    CONSTRAINT messaging_settings_reply_to CHECK (
        reply_to = '' OR reply_to ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
    ),
    CONSTRAINT messaging_settings_reminders CHECK (
        cardinality(reminder_minutes) <= 5
        AND 0 < ALL (reminder_minutes) AND 43200 >= ALL (reminder_minutes)
    ),
    CONSTRAINT messaging_settings_follow_up CHECK (follow_up_hours BETWEEN 0 AND 336)
);

-- A business's own wording for one kind of message; the built-in text where there is none.
CREATE TABLE message_templates (
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id),
    kind       text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    sms        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (user_id, kind),
    CONSTRAINT message_templates_size CHECK (
        length(subject) <= 5000 AND length(body) <= 5000 AND length(sms) <= 5000
    )
);

-- Links that work without an account. Only a hash of the token is stored; each link is for
-- one purpose and one object, and expires.
CREATE TABLE public_links (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    purpose      text NOT NULL,
    token_hash   bytea NOT NULL,
    ticket_id    uuid,
    contact_id   uuid,
    invoice_id   uuid,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (token_hash),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    FOREIGN KEY (user_id, invoice_id) REFERENCES invoices (user_id, id),
    CONSTRAINT public_links_purpose CHECK (
        (purpose = 'visit' AND ticket_id IS NOT NULL) OR
        (purpose = 'unsubscribe' AND contact_id IS NOT NULL) OR
        (purpose = 'invoice' AND invoice_id IS NOT NULL) OR
        (purpose = 'book' AND contact_id IS NOT NULL) OR
        (purpose = 'calendar')
    )
);
CREATE INDEX public_links_ticket ON public_links (user_id, ticket_id);

-- Every try at delivering a message, for the owner's Messages page.
CREATE TABLE message_attempts (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    message_id   uuid NOT NULL,
    channel      text NOT NULL,
    outcome      text NOT NULL,
    detail       text NOT NULL DEFAULT '',
    attempted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, message_id) REFERENCES scheduled_messages (user_id, id)
        ON DELETE CASCADE,
    CONSTRAINT message_attempts_outcome CHECK (outcome IN ('sent', 'retry', 'failed'))
);
CREATE INDEX message_attempts_message ON message_attempts (user_id, message_id);

ALTER TABLE scheduled_messages
    ADD COLUMN channel            text NOT NULL DEFAULT 'email',
    ADD COLUMN audience           text NOT NULL DEFAULT 'contact',
    ADD COLUMN lead_minutes       integer,
    ADD COLUMN appointment_at     timestamptz,
    ADD COLUMN message_id         text NOT NULL DEFAULT '',
    ADD COLUMN to_address         text NOT NULL DEFAULT '',
    ADD COLUMN skip_reason        text NOT NULL DEFAULT '',
    ADD COLUMN sending_started_at timestamptz,
    -- Asked for by hand (the owner's own message, an invoice sent): goes even to a contact
    -- who takes no automatic messages. Templated: written from the business's template when
    -- sent; otherwise the subject and body are sent as they are.
    ADD COLUMN requested          boolean NOT NULL DEFAULT false,
    ADD COLUMN templated          boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT scheduled_messages_channel CHECK (channel IN ('email', 'sms')),
    ADD CONSTRAINT scheduled_messages_audience CHECK (audience IN ('contact', 'business')),
    DROP CONSTRAINT scheduled_messages_kind,
    ADD CONSTRAINT scheduled_messages_kind CHECK (kind IN (
        'appointment_confirmation', 'reminder', 'follow_up', 'reach_out', 'invoice', 'custom',
        'thank_you', 'cancellation', 'visit_answer'
    ));
CREATE INDEX scheduled_messages_ticket ON scheduled_messages (user_id, ticket_id);
CREATE INDEX scheduled_messages_sending ON scheduled_messages (sending_started_at)
    WHERE status = 'sending';
CREATE INDEX scheduled_messages_pending ON scheduled_messages (scheduled_for)
    WHERE status = 'pending';

ALTER TABLE tickets
    ADD COLUMN ics_sequence            integer NOT NULL DEFAULT 0,
    ADD COLUMN confirmation_note       text NOT NULL DEFAULT '',
    ADD COLUMN confirmation_answered_at timestamptz,
    DROP CONSTRAINT tickets_confirmation,
    ADD CONSTRAINT tickets_confirmation CHECK (
        confirmation_status IN ('unconfirmed', 'confirmed', 'declined', 'reschedule_requested')
    );

ALTER TABLE contacts ADD COLUMN email_opted_out_at timestamptz;

CREATE TRIGGER messaging_settings_touch BEFORE UPDATE ON messaging_settings
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER message_templates_touch BEFORE UPDATE ON message_templates
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'messaging_settings', 'message_templates', 'public_links', 'message_attempts'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I '
            'USING (user_id = (SELECT current_setting(''app.current_user_id'')::uuid)) '
            'WITH CHECK (user_id = (SELECT current_setting(''app.current_user_id'')::uuid))',
            t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO crm_app', t);
    END LOOP;
END
$$;
-- Attempts are history: the app adds them and never edits them.
REVOKE UPDATE, DELETE ON message_attempts FROM crm_app;

-- A pending message is always backed by a job: every insert, and every change of its time or
-- its return to pending, defers one `crm.send_message` job for its due time, in the same
-- transaction. Extra jobs are harmless: the job sends only a message still pending and due.
CREATE FUNCTION defer_message_job() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.status = 'pending' AND (
        TG_OP = 'INSERT' OR OLD.status <> 'pending' OR OLD.scheduled_for <> NEW.scheduled_for
    ) THEN
        PERFORM procrastinate_defer_jobs_v1(ARRAY[ROW(
            'messages', 'crm.send_message', 0, NULL, NULL,
            jsonb_build_object('user_id', NEW.user_id, 'message_id', NEW.id),
            NEW.scheduled_for
        )::procrastinate_job_to_defer_v1]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER scheduled_messages_job AFTER INSERT OR UPDATE OF status, scheduled_for
    ON scheduled_messages FOR EACH ROW EXECUTE FUNCTION defer_message_job();

-- Cross-tenant look-ups for the worker and the public links, owned by the NOLOGIN crm_auth
-- role. Each returns only (business, row id) pairs; the caller then reads the row inside that
-- business's own unit of work, under RLS.
CREATE FUNCTION messages_overdue(p_grace interval, p_limit integer)
    RETURNS TABLE (user_id uuid, id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT m.user_id, m.id FROM scheduled_messages m
        WHERE m.status = 'pending' AND m.scheduled_for < now() - p_grace
        ORDER BY m.scheduled_for LIMIT p_limit
    $$;

CREATE FUNCTION messages_stuck_sending(p_older interval, p_limit integer)
    RETURNS TABLE (user_id uuid, id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT m.user_id, m.id FROM scheduled_messages m
        WHERE m.status = 'sending' AND m.sending_started_at < now() - p_older
        ORDER BY m.sending_started_at LIMIT p_limit
    $$;

CREATE FUNCTION public_link_find(p_token_hash bytea, p_purpose text)
    RETURNS TABLE (user_id uuid, id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT l.user_id, l.id FROM public_links l
        WHERE l.token_hash = p_token_hash AND l.purpose = p_purpose
          AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > now())
    $$;

GRANT SELECT ON scheduled_messages, public_links TO crm_auth;
GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION messages_overdue(interval, integer) OWNER TO crm_auth;
ALTER FUNCTION messages_stuck_sending(interval, integer) OWNER TO crm_auth;
ALTER FUNCTION public_link_find(bytea, text) OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION messages_overdue(interval, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION messages_stuck_sending(interval, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION public_link_find(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION messages_overdue(interval, integer) TO crm_app;
GRANT EXECUTE ON FUNCTION messages_stuck_sending(interval, integer) TO crm_app;
GRANT EXECUTE ON FUNCTION public_link_find(bytea, text) TO crm_app;
