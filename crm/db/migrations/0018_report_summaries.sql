-- Report facts (docs/reports.md, "How it stays fast"): derived rows the reports read instead of
-- converting every ticket's time to the business's timezone and summing its lines on each
-- request. One row per source row, kept by triggers, the business-local values precomputed:
--   ticket_facts       a visible (not deleted) ticket: local day, week, weekday and hour, its
--                      lines' total (discounts included) and its ended clock time;
--   ticket_line_facts  a completed ticket's lines summed per (kind, service, pricing mode),
--                      with the counters that stand for count(DISTINCT ticket) per grouping;
--   invoice_facts      an invoice that counts as invoiced (sent, partial or paid, not deleted):
--                      its local issued day and total;
--   contact_visit_facts a customer with a completed visit: first and last visit day, the last
--                      visit, how many, and the median days between visit days (the "due for
--                      service" rule and the Customers report read it instead of every visit).
-- Nobody writes them but the SECURITY DEFINER functions below (owned by crm_auth, which has
-- BYPASSRLS: soft deletes run as crm_auth too). They are derived: never exported, rebuilt by
-- report_facts_rebuild(user) when the business's timezone changes (and by the bench after its
-- trigger-less bulk load).

CREATE TABLE ticket_facts (
    user_id          uuid NOT NULL REFERENCES users (id),
    ticket_id        uuid NOT NULL,
    contact_id       uuid NOT NULL,
    address_id       uuid,
    status           text NOT NULL,
    scheduled_start  timestamptz NOT NULL,
    day              date NOT NULL,
    week_start       date NOT NULL,
    weekday          smallint NOT NULL,
    hour             smallint NOT NULL,
    duration_minutes integer NOT NULL,
    cents            bigint NOT NULL,
    -- round(seconds) of the ended clock entries; NULL when none has ended.
    clock_seconds    numeric,
    PRIMARY KEY (ticket_id),
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_facts_day ON ticket_facts (user_id, day)
    INCLUDE (status, week_start, weekday, hour, duration_minutes, clock_seconds);
CREATE INDEX ticket_facts_contact ON ticket_facts (user_id, contact_id, status);
-- A customer's completed visits, for refreshing their contact_visit_facts on every change.
CREATE INDEX ticket_facts_visits ON ticket_facts (contact_id, day) WHERE status = 'completed';
-- The customers' report: who came on which day, and what it was worth (index-only).
CREATE INDEX ticket_facts_completed ON ticket_facts (user_id, day) INCLUDE (contact_id, cents)
    WHERE status = 'completed';

CREATE TABLE ticket_line_facts (
    user_id      uuid NOT NULL REFERENCES users (id),
    ticket_id    uuid NOT NULL,
    day          date NOT NULL,
    kind         text NOT NULL,
    service_id   uuid,
    pricing_mode text NOT NULL,
    cents        bigint NOT NULL,
    -- 1 on one row per (ticket, kind, service), (ticket, kind, mode) and (ticket, kind).
    service_job  smallint NOT NULL,
    mode_job     smallint NOT NULL,
    kind_job     smallint NOT NULL,
    FOREIGN KEY (user_id, ticket_id) REFERENCES tickets (user_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_line_facts_day ON ticket_line_facts (user_id, day)
    INCLUDE (kind, service_id, pricing_mode, cents, service_job, mode_job, kind_job);
CREATE INDEX ticket_line_facts_ticket ON ticket_line_facts (ticket_id);

CREATE TABLE invoice_facts (
    user_id    uuid NOT NULL REFERENCES users (id),
    invoice_id uuid NOT NULL,
    day        date NOT NULL,
    cents      bigint NOT NULL,
    PRIMARY KEY (invoice_id),
    FOREIGN KEY (user_id, invoice_id) REFERENCES invoices (user_id, id) ON DELETE CASCADE
);
CREATE INDEX invoice_facts_day ON invoice_facts (user_id, day) INCLUDE (cents);

CREATE TABLE contact_visit_facts (
    user_id        uuid NOT NULL REFERENCES users (id),
    contact_id     uuid NOT NULL,
    first_day      date NOT NULL,
    last_day       date NOT NULL,
    last_ticket_id uuid NOT NULL,
    visits         integer NOT NULL,
    median_gap     float8,
    PRIMARY KEY (contact_id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_visit_facts_user ON contact_visit_facts (user_id, first_day);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ticket_facts', 'ticket_line_facts', 'invoice_facts',
                             'contact_visit_facts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I '
            'USING (user_id = (SELECT current_setting(''app.current_user_id'')::uuid)) '
            'WITH CHECK (user_id = (SELECT current_setting(''app.current_user_id'')::uuid))',
            t || '_tenant', t);
        -- Read only for the app: the triggers' functions write them.
        EXECUTE format('GRANT SELECT ON %I TO crm_app', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO crm_auth', t);
    END LOOP;
END
$$;
GRANT SELECT ON time_entries, invoices TO crm_auth;

-- The reports' raw reads: money collected by day, clock time by start.
CREATE INDEX payments_report ON payments (user_id, paid_on)
    INCLUDE (invoice_id, amount_cents, tip_cents) WHERE removed_at IS NULL;
CREATE INDEX time_entries_report ON time_entries (user_id, started_at) INCLUDE (ended_at);

-- The customers' visit facts, from their completed tickets' facts (the last visit is the latest
-- by start, then id, as the due rule has always taken it; gaps are between distinct days).
CREATE FUNCTION report_contacts_refresh(p_contacts uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DELETE FROM contact_visit_facts WHERE contact_id = ANY (p_contacts);
INSERT INTO contact_visit_facts (user_id, contact_id, first_day, last_day, last_ticket_id, visits,
                                 median_gap)
SELECT v.user_id, v.contact_id, min(v.day),
       (array_agg(v.day ORDER BY v.scheduled_start DESC, v.ticket_id DESC))[1],
       (array_agg(v.ticket_id ORDER BY v.scheduled_start DESC, v.ticket_id DESC))[1],
       count(*),
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY g.gap::float8)
        FROM (SELECT d.day - lag(d.day) OVER (ORDER BY d.day) AS gap
              FROM (SELECT DISTINCT f.day FROM ticket_facts f
                    WHERE f.contact_id = v.contact_id AND f.status = 'completed') d) g
        WHERE g.gap IS NOT NULL)
FROM ticket_facts v
WHERE v.contact_id = ANY (p_contacts) AND v.status = 'completed'
GROUP BY v.user_id, v.contact_id;
$$;

-- The tickets' facts, recomputed from scratch for the given tickets (any business).
CREATE FUNCTION report_tickets_refresh(p_ids uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DELETE FROM ticket_line_facts WHERE ticket_id = ANY (p_ids);
DELETE FROM ticket_facts WHERE ticket_id = ANY (p_ids);
INSERT INTO ticket_facts (user_id, ticket_id, contact_id, address_id, status, scheduled_start,
                          day, week_start, weekday, hour, duration_minutes, cents,
                          clock_seconds)
SELECT t.user_id, t.id, t.contact_id, t.address_id, t.status, t.scheduled_start, l.local::date,
       date_trunc('week', l.local)::date, extract(isodow FROM l.local),
       extract(hour FROM l.local), t.duration_minutes,
       coalesce((SELECT sum(li.total_cents) FROM line_items li
                 WHERE li.ticket_id = t.id AND li.deleted_at IS NULL), 0),
       (SELECT round(sum(extract(epoch FROM te.ended_at - te.started_at))) FROM time_entries te
        WHERE te.ticket_id = t.id AND te.ended_at IS NOT NULL)
FROM tickets t JOIN users u ON u.id = t.user_id
CROSS JOIN LATERAL (SELECT t.scheduled_start AT TIME ZONE u.timezone AS local) l
WHERE t.id = ANY (p_ids) AND t.deleted_at IS NULL;
INSERT INTO ticket_line_facts (user_id, ticket_id, day, kind, service_id, pricing_mode, cents,
                               service_job, mode_job, kind_job)
SELECT g.user_id, g.ticket_id, g.day, g.kind, g.service_id, g.pricing_mode, g.cents,
       (row_number() OVER (PARTITION BY g.ticket_id, g.kind, g.service_id) = 1)::int,
       (row_number() OVER (PARTITION BY g.ticket_id, g.kind, g.pricing_mode) = 1)::int,
       (row_number() OVER (PARTITION BY g.ticket_id, g.kind) = 1)::int
FROM (
    SELECT f.user_id, f.ticket_id, f.day, li.kind, li.service_id, li.pricing_mode,
           sum(li.total_cents) AS cents
    FROM ticket_facts f JOIN line_items li ON li.ticket_id = f.ticket_id
    WHERE f.ticket_id = ANY (p_ids) AND f.status = 'completed' AND li.deleted_at IS NULL
    GROUP BY f.user_id, f.ticket_id, f.day, li.kind, li.service_id, li.pricing_mode
) g;
SELECT report_contacts_refresh(coalesce(array_agg(DISTINCT contact_id), '{}'))
FROM tickets WHERE id = ANY (p_ids);
$$;

-- The invoices' facts, likewise.
CREATE FUNCTION report_invoices_refresh(p_ids uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DELETE FROM invoice_facts WHERE invoice_id = ANY (p_ids);
INSERT INTO invoice_facts (user_id, invoice_id, day, cents)
SELECT i.user_id, i.id, (coalesce(i.sent_at, i.created_at) AT TIME ZONE u.timezone)::date,
       i.total_cents
FROM invoices i JOIN users u ON u.id = i.user_id
WHERE i.id = ANY (p_ids) AND i.deleted_at IS NULL AND i.status IN ('sent', 'partial', 'paid');
$$;

-- Every fact of one business, from scratch (a timezone change; after a trigger-less load).
CREATE FUNCTION report_facts_rebuild(p_user uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
SELECT report_tickets_refresh(coalesce(array_agg(id), '{}')) FROM tickets WHERE user_id = p_user;
SELECT report_invoices_refresh(coalesce(array_agg(id), '{}')) FROM invoices
WHERE user_id = p_user;
$$;

CREATE FUNCTION report_facts_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    ids uuid[];
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM report_facts_rebuild(NEW.id);
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME IN ('tickets', 'invoices') THEN
        ids := ARRAY[CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END];
    ELSIF TG_OP = 'UPDATE' AND OLD.ticket_id <> NEW.ticket_id THEN
        ids := ARRAY[OLD.ticket_id, NEW.ticket_id];
    ELSE
        ids := ARRAY[CASE WHEN TG_OP = 'DELETE' THEN OLD.ticket_id ELSE NEW.ticket_id END];
    END IF;
    IF TG_TABLE_NAME = 'invoices' THEN
        PERFORM report_invoices_refresh(ids);
    ELSE
        PERFORM report_tickets_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;

-- Row triggers, also under app.bulk_import (0015): contact imports write no tickets, lines,
-- clock time or invoices, and an export's import (crm/exports/load_work.py) writes them row by
-- row through these triggers like the app does.
CREATE TRIGGER tickets_report_facts
    AFTER INSERT OR DELETE OR UPDATE OF contact_id, address_id, status, scheduled_start,
        duration_minutes, deleted_at ON tickets
    FOR EACH ROW EXECUTE FUNCTION report_facts_trigger();
CREATE TRIGGER line_items_report_facts AFTER INSERT OR UPDATE OR DELETE ON line_items
    FOR EACH ROW EXECUTE FUNCTION report_facts_trigger();
CREATE TRIGGER time_entries_report_facts AFTER INSERT OR UPDATE OR DELETE ON time_entries
    FOR EACH ROW EXECUTE FUNCTION report_facts_trigger();
CREATE TRIGGER invoices_report_facts
    AFTER INSERT OR DELETE OR UPDATE OF status, sent_at, created_at, total_cents, deleted_at
    ON invoices
    FOR EACH ROW EXECUTE FUNCTION report_facts_trigger();
CREATE TRIGGER users_report_facts AFTER UPDATE OF timezone ON users
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
    EXECUTE FUNCTION report_facts_trigger();

GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION report_contacts_refresh(uuid[]) OWNER TO crm_auth;
ALTER FUNCTION report_tickets_refresh(uuid[]) OWNER TO crm_auth;
ALTER FUNCTION report_invoices_refresh(uuid[]) OWNER TO crm_auth;
ALTER FUNCTION report_facts_rebuild(uuid) OWNER TO crm_auth;
ALTER FUNCTION report_facts_trigger() OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION report_contacts_refresh(uuid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION report_tickets_refresh(uuid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION report_invoices_refresh(uuid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION report_facts_rebuild(uuid) FROM PUBLIC;

-- The facts of the rows already there, without a business context (as 0012).
SET LOCAL ROLE crm_auth;
SELECT report_facts_rebuild(id) FROM users;
RESET ROLE;
