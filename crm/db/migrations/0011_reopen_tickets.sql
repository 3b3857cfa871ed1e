-- A cancelled or no-show ticket can be reopened (ticket.reopen): back to scheduled, usually at a
-- new time. Completed tickets stay frozen. The rest of guard_ticket is as in 0003.
CREATE OR REPLACE FUNCTION guard_ticket() RETURNS trigger
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
        (OLD.status = 'in_progress' AND NEW.status IN ('completed', 'cancelled')) OR
        (OLD.status IN ('cancelled', 'no_show') AND NEW.status = 'scheduled')
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
