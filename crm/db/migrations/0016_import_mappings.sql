-- Any other CSV (docs/imports.md): the file's columns and how each maps to a contact field, an
-- address field, a note, an attribute or nothing. The mapping of an import is kept on its row
-- (the worker reads the file with it); the business's last mapping for the same headers is
-- remembered in import_mappings and suggested next time.
ALTER TABLE imports ADD COLUMN mapping jsonb;
-- [{"header", "samples", "suggested"}] for a CSV import, read at upload.
ALTER TABLE imports ADD COLUMN columns jsonb NOT NULL DEFAULT '[]';
ALTER TABLE imports ADD CONSTRAINT imports_mapping CHECK (
    (mapping IS NULL OR jsonb_typeof(mapping) = 'object')
    AND jsonb_typeof(columns) = 'array' AND jsonb_array_length(columns) <= 200
);

CREATE TABLE import_mappings (
    user_id     uuid NOT NULL REFERENCES users (id),
    -- md5 of the file's normalised headers, in order.
    signature   text NOT NULL,
    mapping     jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, signature),
    CONSTRAINT import_mappings_shape CHECK (
        jsonb_typeof(mapping) = 'object' AND length(signature) <= 64
    )
);
CREATE TRIGGER import_mappings_touch BEFORE UPDATE ON import_mappings
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
ALTER TABLE import_mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE import_mappings FORCE ROW LEVEL SECURITY;
CREATE POLICY import_mappings_tenant ON import_mappings
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
GRANT SELECT, INSERT, UPDATE ON import_mappings TO crm_app;
