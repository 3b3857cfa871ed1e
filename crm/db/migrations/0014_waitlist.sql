-- The waitlist (docs/waitlist.md): customers who want a visit sooner, with their wishes — the
-- services, the weekdays and the local time window that suit them, and the dates between which
-- the visit is still worth doing. A cancelled, declined or no-show ticket, or a free gap on the
-- day view, offers the entries that fit; booking one creates its ticket and closes the entry.
--
-- An entry is never deleted: it is booked (pointing at its ticket) or removed. "Expired" is
-- not stored: an open entry whose latest_date is before today in the business's timezone,
-- computed when read, so no job has to sweep it.
--
-- The address must be one of the same contact's (the key runs over contact_id, as for
-- attributes, 0012). Deleting the address keeps the wish and forgets the place: the entry is
-- then booked at the contact's primary address.
CREATE TABLE waitlist_entries (
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id           uuid NOT NULL REFERENCES users (id),
    contact_id        uuid NOT NULL,
    address_id        uuid,
    -- [{"service_id": uuid, "quantity": "20"}], copied to the ticket's lines when booked.
    services          jsonb NOT NULL DEFAULT '[]',
    duration_minutes  integer NOT NULL,
    -- ISO weekdays (1 = Monday … 7 = Sunday); empty = any day.
    weekdays          smallint[] NOT NULL DEFAULT '{}',
    -- The whole visit lies inside [earliest_time, latest_time] local time; NULL = open-ended.
    earliest_time     time,
    latest_time       time,
    earliest_date     date NOT NULL,
    latest_date       date NOT NULL,
    note              text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'open',
    booked_ticket_id  uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id),
    CONSTRAINT waitlist_entries_address_fk FOREIGN KEY (user_id, contact_id, address_id)
        REFERENCES addresses (user_id, contact_id, id) ON DELETE SET NULL (address_id),
    FOREIGN KEY (user_id, booked_ticket_id) REFERENCES tickets (user_id, id),
    CONSTRAINT waitlist_entries_status CHECK (status IN ('open', 'booked', 'removed')),
    CONSTRAINT waitlist_entries_booked CHECK ((status = 'booked') = (booked_ticket_id IS NOT NULL)),
    CONSTRAINT waitlist_entries_duration CHECK (duration_minutes BETWEEN 5 AND 1440),
    CONSTRAINT waitlist_entries_weekdays CHECK (
        weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[] AND cardinality(weekdays) <= 7
    ),
    CONSTRAINT waitlist_entries_window CHECK (
        earliest_time IS NULL OR latest_time IS NULL OR earliest_time < latest_time
    ),
    CONSTRAINT waitlist_entries_dates CHECK (earliest_date <= latest_date),
    CONSTRAINT waitlist_entries_sizes CHECK (
        length(note) <= 2000 AND jsonb_typeof(services) = 'array'
        AND jsonb_array_length(services) BETWEEN 1 AND 20
    )
);
CREATE INDEX waitlist_entries_open ON waitlist_entries (user_id, latest_date)
    WHERE status = 'open';
CREATE INDEX waitlist_entries_contact ON waitlist_entries (user_id, contact_id);
CREATE INDEX waitlist_entries_address ON waitlist_entries (user_id, address_id)
    WHERE address_id IS NOT NULL;
CREATE TRIGGER waitlist_entries_touch BEFORE UPDATE ON waitlist_entries
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER waitlist_entries_redact BEFORE INSERT OR UPDATE OF note ON waitlist_entries
    FOR EACH ROW EXECUTE FUNCTION redact_columns('note');
ALTER TABLE waitlist_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE waitlist_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY waitlist_entries_tenant ON waitlist_entries
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
-- Entries are booked or removed, never deleted: the audit log keeps their history.
GRANT SELECT, INSERT, UPDATE ON waitlist_entries TO crm_app;
