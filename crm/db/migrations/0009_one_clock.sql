-- One running clock per user (issue 12): ticket.clock_in stops a clock running on another ticket,
-- and the database refuses a second open time entry. Clocks left running side by side before
-- this rule are ended when the next one started, as the rule would have done, and audited on
-- their ticket. Open entries only exist on tickets in progress (completing, cancelling and
-- deleting a ticket stop its clock), so the completed-ticket guard is not in the way.
DO $$
DECLARE
    owners uuid[];
    owner_id uuid;
BEGIN
    -- Row-level security applies to the owner too: list the businesses as the auth role (it
    -- reads every account), then act as each business in turn.
    SET LOCAL ROLE crm_auth;
    SELECT coalesce(array_agg(id), '{}') INTO owners FROM users;
    RESET ROLE;
    FOREACH owner_id IN ARRAY owners LOOP
        PERFORM set_config('app.current_user_id', owner_id::text, true);
        WITH open AS (
            SELECT id, ticket_id,
                   lead(started_at) OVER (ORDER BY started_at, created_at, id) AS next_start
            FROM time_entries
            WHERE ended_at IS NULL
        ), ended AS (
            UPDATE time_entries e SET ended_at = greatest(e.started_at, o.next_start)
            FROM open o
            WHERE e.id = o.id AND o.next_start IS NOT NULL
            RETURNING e.id, e.ticket_id, e.ended_at
        )
        INSERT INTO audit_log (user_id, entity_type, entity_id, action, changes, actor)
        SELECT owner_id, 'ticket', ended.ticket_id, 'clock_out',
               jsonb_build_object(
                   'time_entry_id', jsonb_build_object('old', NULL, 'new', ended.id),
                   'ended_at', jsonb_build_object('old', NULL, 'new', ended.ended_at)),
               'migration:0009_one_clock'
        FROM ended;
    END LOOP;
    -- Later migrations of this transaction must not run as the last business.
    PERFORM set_config('app.current_user_id', '', true);
END
$$;

CREATE UNIQUE INDEX time_entries_one_running ON time_entries (user_id) WHERE ended_at IS NULL;
