-- Moving a business in from its export (crm import export-zip, crm/exports/load.py) writes every
-- ticket, line, clock entry and invoice row by row in one transaction, and each refreshed the
-- report facts of its ticket as it was written: 72,000 refreshes, 546 of the 593 s the tickets
-- of the 10,000-contact bench business took. With the transaction-local setting
-- app.report_facts_deferred = 'on' the row triggers stand aside, and the loader rebuilds the
-- business's facts once at the end with report_facts_rebuild_current() (set-based, the same
-- function a timezone change uses), in the same transaction, so reports are never stale after
-- a commit. The setting only ever defers the current business's own facts.
GRANT CREATE ON SCHEMA public TO crm_auth;
SET LOCAL ROLE crm_auth;
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
    IF current_setting('app.report_facts_deferred', true) = 'on' THEN
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

-- The current business's facts, all at once (after a deferred load).
CREATE FUNCTION report_facts_rebuild_current() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM report_facts_rebuild(current_setting('app.current_user_id')::uuid);
END
$$;
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION report_facts_rebuild_current() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_facts_rebuild_current() TO crm_app;
