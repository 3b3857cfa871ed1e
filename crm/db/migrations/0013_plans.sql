-- Recurring service plans (docs/plans.md). A plan is a rule (RFC 5545 RRULE text, expanded by
-- python-dateutil in crm/core/plan_rules.py) at a local start time from a local start date,
-- with the visit's defaults. Its occurrences are real tickets, created ahead by the worker;
-- each remembers which occurrence it is (plan_occurrence, the local date the rule gave), so
-- generating twice creates nothing new, and whether it was changed on its own (plan_detached).
CREATE TABLE plans (
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id           uuid NOT NULL REFERENCES users (id),
    contact_id        uuid NOT NULL,
    address_id        uuid,
    title             text NOT NULL DEFAULT '',
    rrule             text NOT NULL,
    start_date        date NOT NULL,
    start_time        time NOT NULL,
    duration_minutes  integer NOT NULL,
    until_date        date,
    max_count         integer,
    skip_dates        date[] NOT NULL DEFAULT '{}',
    lines             jsonb NOT NULL DEFAULT '[]',
    staff_ids         uuid[] NOT NULL DEFAULT '{}',
    crew_note         text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'active',
    status_reason     text NOT NULL DEFAULT '',
    -- Every occurrence up to this local date exists as a ticket (NULL: none generated yet).
    generated_through date,
    -- "This and following" ends a plan and starts a new one: the new one's first visit keeps
    -- counting from the old plan's numbering (first_number).
    split_from        uuid,
    first_number      integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    FOREIGN KEY (user_id, contact_id, address_id) REFERENCES addresses (user_id, contact_id, id),
    FOREIGN KEY (user_id, split_from) REFERENCES plans (user_id, id),
    CONSTRAINT plans_status CHECK (status IN ('active', 'paused', 'ended')),
    CONSTRAINT plans_duration CHECK (duration_minutes BETWEEN 5 AND 1440),
    CONSTRAINT plans_count CHECK (max_count IS NULL OR max_count BETWEEN 1 AND 1000),
    CONSTRAINT plans_until CHECK (until_date IS NULL OR until_date >= start_date),
    CONSTRAINT plans_first CHECK (first_number >= 1),
    CONSTRAINT plans_sizes CHECK (
        length(rrule) <= 500 AND length(title) <= 200 AND length(crew_note) <= 2000
        AND length(status_reason) <= 500 AND cardinality(skip_dates) <= 400
        AND cardinality(staff_ids) <= 20 AND jsonb_typeof(lines) = 'array'
        AND jsonb_array_length(lines) <= 50
    )
);
CREATE INDEX plans_contact ON plans (user_id, contact_id);
CREATE INDEX plans_to_extend ON plans (generated_through) WHERE status = 'active';
CREATE TRIGGER plans_touch BEFORE UPDATE ON plans
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER plans_redact BEFORE INSERT OR UPDATE OF crew_note, status_reason ON plans
    FOR EACH ROW EXECUTE FUNCTION redact_columns('crew_note', 'status_reason');
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;
CREATE POLICY plans_tenant ON plans
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
-- Plans end; they are never deleted (their tickets point at them).
GRANT SELECT, INSERT, UPDATE ON plans TO crm_app;

ALTER TABLE tickets
    ADD COLUMN plan_id uuid,
    ADD COLUMN plan_occurrence date,
    ADD COLUMN plan_detached boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT tickets_plan_fk FOREIGN KEY (user_id, plan_id) REFERENCES plans (user_id, id),
    ADD CONSTRAINT tickets_plan_occurrence CHECK ((plan_id IS NULL) = (plan_occurrence IS NULL));
-- One live ticket per occurrence: the generator's ON CONFLICT DO NOTHING makes a second run (or
-- a second worker) create nothing. A deleted one (a paused plan's) frees its occurrence.
CREATE UNIQUE INDEX tickets_plan_occurrence_once ON tickets (plan_id, plan_occurrence)
    WHERE deleted_at IS NULL;

-- The daily extension runs across businesses: this returns only (business, plan) pairs of
-- active plans not yet generated through ``p_through``; each plan is then extended in its
-- business's own unit of work, under RLS. Owned by crm_auth (BYPASSRLS, NOLOGIN) as in 0007.
CREATE FUNCTION plans_to_extend(p_through date, p_limit integer)
    RETURNS TABLE (user_id uuid, plan_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT p.user_id, p.id FROM plans p
        WHERE p.status = 'active'
          AND (p.generated_through IS NULL OR p.generated_through < p_through)
          AND (p.until_date IS NULL OR p.generated_through IS NULL
               OR p.generated_through < p.until_date)
        ORDER BY p.generated_through NULLS FIRST, p.id
        LIMIT p_limit
    $$;
GRANT SELECT ON plans TO crm_auth;
GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION plans_to_extend(date, integer) OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION plans_to_extend(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION plans_to_extend(date, integer) TO crm_app;
