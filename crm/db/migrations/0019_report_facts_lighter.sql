-- Report facts (0018), lighter on the write path (plan expansion had gone from ~260 to ~130
-- visits a second): a ticket's lines and clock entries are looked up by (user_id, ticket_id),
-- the key their indexes have (by ticket_id alone every refresh read the whole table), and a
-- customer's visit facts, which depend only on their completed tickets, are recomputed only for
-- the customers of tickets that are, or were until this change, completed; and the lines and
-- clock entries of a ticket not completed refresh nothing (see the trigger below).
GRANT CREATE ON SCHEMA public TO crm_auth;
SET LOCAL ROLE crm_auth;
CREATE OR REPLACE FUNCTION report_tickets_refresh(p_ids uuid[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    touched uuid[];
BEGIN
    SELECT array_agg(DISTINCT contact_id) INTO touched
    FROM ticket_facts WHERE ticket_id = ANY (p_ids) AND status = 'completed';
    DELETE FROM ticket_line_facts WHERE ticket_id = ANY (p_ids);
    DELETE FROM ticket_facts WHERE ticket_id = ANY (p_ids);
    INSERT INTO ticket_facts (user_id, ticket_id, contact_id, address_id, status,
                              scheduled_start, day, week_start, weekday, hour,
                              duration_minutes, cents, clock_seconds)
    SELECT t.user_id, t.id, t.contact_id, t.address_id, t.status, t.scheduled_start,
           l.local::date, date_trunc('week', l.local)::date, extract(isodow FROM l.local),
           extract(hour FROM l.local), t.duration_minutes,
           coalesce((SELECT sum(li.total_cents) FROM line_items li
                     WHERE li.user_id = t.user_id AND li.ticket_id = t.id
                       AND li.deleted_at IS NULL), 0),
           (SELECT round(sum(extract(epoch FROM te.ended_at - te.started_at)))
            FROM time_entries te
            WHERE te.user_id = t.user_id AND te.ticket_id = t.id AND te.ended_at IS NOT NULL)
    FROM tickets t JOIN users u ON u.id = t.user_id
    CROSS JOIN LATERAL (SELECT t.scheduled_start AT TIME ZONE u.timezone AS local) l
    WHERE t.id = ANY (p_ids) AND t.deleted_at IS NULL;
    INSERT INTO ticket_line_facts (user_id, ticket_id, day, kind, service_id, pricing_mode,
                                   cents, service_job, mode_job, kind_job)
    SELECT g.user_id, g.ticket_id, g.day, g.kind, g.service_id, g.pricing_mode, g.cents,
           (row_number() OVER (PARTITION BY g.ticket_id, g.kind, g.service_id) = 1)::int,
           (row_number() OVER (PARTITION BY g.ticket_id, g.kind, g.pricing_mode) = 1)::int,
           (row_number() OVER (PARTITION BY g.ticket_id, g.kind) = 1)::int
    FROM (
        SELECT f.user_id, f.ticket_id, f.day, li.kind, li.service_id, li.pricing_mode,
               sum(li.total_cents) AS cents
        FROM ticket_facts f
        JOIN line_items li ON li.user_id = f.user_id AND li.ticket_id = f.ticket_id
        WHERE f.ticket_id = ANY (p_ids) AND f.status = 'completed' AND li.deleted_at IS NULL
        GROUP BY f.user_id, f.ticket_id, f.day, li.kind, li.service_id, li.pricing_mode
    ) g;
    SELECT array_agg(DISTINCT c) INTO touched FROM (
        SELECT unnest(touched) AS c
        UNION
        SELECT contact_id FROM ticket_facts WHERE ticket_id = ANY (p_ids) AND status = 'completed'
    ) AS both_sides;
    IF touched IS NOT NULL THEN
        PERFORM report_contacts_refresh(touched);
    END IF;
END
$$;

-- A line or a clock entry counts in the reports only once its ticket is completed (its total
-- and clock time are read for completed tickets only), and completing a ticket refreshes it
-- with everything it has; a completed ticket's lines and clock entries are frozen. So a change
-- to the lines or clock of a ticket not completed refreshes nothing: one refresh per booked
-- visit instead of one per line too.
CREATE OR REPLACE FUNCTION report_facts_trigger() RETURNS trigger
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
    IF TG_TABLE_NAME IN ('line_items', 'time_entries') AND NOT EXISTS (
        SELECT 1 FROM tickets WHERE id = ANY (ids) AND status = 'completed'
    ) THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'invoices' THEN
        PERFORM report_invoices_refresh(ids);
    ELSE
        PERFORM report_tickets_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION report_tickets_refresh(uuid[]) FROM PUBLIC;
