-- After an import has written thousands of contacts, the planner's statistics still describe the
-- table as it was (autovacuum analyses it a minute or more later). The next batch's look-up of
-- existing contacts was then planned as a loop over every contact for each hit: 1.3 s a batch
-- at 20,000 contacts, a re-import of the same file 40 s instead of 8 (bench/imports.py). The
-- import runner calls this now and then; it only refreshes statistics (no rows are read by the
-- caller, and pg_stats hides tables with row level security from crm_app). Owned by the tables'
-- owner, as ANALYZE needs.
CREATE FUNCTION refresh_import_statistics() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    ANALYZE contacts;
    ANALYZE addresses;
    ANALYZE attributes;
    ANALYZE notes;
END
$$;
REVOKE ALL ON FUNCTION refresh_import_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_import_statistics() TO crm_app;
