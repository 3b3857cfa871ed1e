-- Imports (docs/imports.md): a file a business brings in from Square (customers now;
-- appointments and any CSV later). The file is kept on the row from the preview until the
-- import has finished, so the worker reads it from the database, not from a web process's
-- disk; a successful import clears it.
CREATE TABLE imports (
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    kind         text NOT NULL,
    filename     text NOT NULL DEFAULT '',
    content      bytea,
    status       text NOT NULL DEFAULT 'previewed',
    total_rows   integer NOT NULL DEFAULT 0,
    done_rows    integer NOT NULL DEFAULT 0,
    -- {"new", "updated", "unchanged", "invalid"}: predicted by the preview, then counted by the
    -- import as it goes.
    counts       jsonb NOT NULL DEFAULT '{"new": 0, "updated": 0, "unchanged": 0, "invalid": 0}',
    -- [{"line": 12, "reason": "..."}], the first 1,000 bad rows.
    errors       jsonb NOT NULL DEFAULT '[]',
    -- The first 20 rows as they will be stored, each with its outcome.
    preview      jsonb NOT NULL DEFAULT '[]',
    failure      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    CONSTRAINT imports_kind CHECK (kind IN ('square_customers', 'square_appointments', 'csv')),
    CONSTRAINT imports_status CHECK (
        status IN ('previewed', 'queued', 'running', 'done', 'failed')
    ),
    CONSTRAINT imports_rows CHECK (total_rows >= 0 AND done_rows BETWEEN 0 AND total_rows),
    CONSTRAINT imports_sizes CHECK (
        (content IS NULL OR octet_length(content) <= 26214400)
        AND length(filename) <= 255 AND length(failure) <= 2000
        AND jsonb_typeof(counts) = 'object'
        AND jsonb_typeof(errors) = 'array' AND jsonb_array_length(errors) <= 1000
        AND jsonb_typeof(preview) = 'array' AND jsonb_array_length(preview) <= 20
    )
);
CREATE INDEX imports_recent ON imports (user_id, created_at DESC);
CREATE TRIGGER imports_touch BEFORE UPDATE ON imports
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE imports FORCE ROW LEVEL SECURITY;
CREATE POLICY imports_tenant ON imports
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
-- Imports are history (the audit log points at them): never deleted by the app.
GRANT SELECT, INSERT, UPDATE ON imports TO crm_app;

-- Imported facts say where they came from.
ALTER TABLE attributes DROP CONSTRAINT attributes_source;
ALTER TABLE attributes ADD CONSTRAINT attributes_source
    CHECK (source IN ('manual', 'rules', 'import') OR source LIKE 'llm:%');

-- Matching an imported row to an existing contact (external id, then email, then phone): one
-- query per batch of rows, through these.
CREATE INDEX contacts_external_id ON contacts (user_id, external_id) WHERE external_id <> '';
CREATE INDEX contacts_email ON contacts (user_id, email) WHERE email <> '';
CREATE INDEX contacts_phone ON contacts (user_id, phone) WHERE phone <> '';

-- Square's appointment id (and any other system's) for a ticket: the key of a re-import.
ALTER TABLE tickets ADD COLUMN external_id text;
CREATE UNIQUE INDEX tickets_external_id ON tickets (user_id, external_id)
    WHERE external_id IS NOT NULL;

-- Bulk imports: with the transaction-local setting app.bulk_import = 'on', the per-row search
-- triggers skip their work and the import refreshes each contact it touched once, at the end
-- of its batch (crm/imports/apply.py). A 20,000-row file would otherwise rebuild each new
-- contact's document five times (the contact, its address, its note, each fact).
CREATE OR REPLACE FUNCTION contacts_search_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF pg_trigger_depth() > 1 OR current_setting('app.bulk_import', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM refresh_contact_search(NEW.id);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION contact_part_search_trigger() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF current_setting('app.bulk_import', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM refresh_contact_search(OLD.contact_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.contact_id <> OLD.contact_id) THEN
        PERFORM refresh_contact_search(NEW.contact_id);
    END IF;
    RETURN NULL;
END
$$;
