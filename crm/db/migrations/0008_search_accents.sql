-- Search without accents, with street suffixes spelled both ways, and with typos in any word of
-- the document, not only in names (issue 12; docs/search.md).
--   search_names   folded names (unaccented, lower case): the trigram name path, as before
--   search_text    the folded document
--   search_vector  'simple' full text of the folded document, street suffixes in both spellings
--   search_terms   (new table) each business's vocabulary, for typos in any word
-- unaccent is a trusted extension, so the owner role (the database's owner) may create it.

CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (its dictionary is looked up through search_path); naming the
-- dictionary and the schema makes the result depend on the text alone.
CREATE FUNCTION search_fold(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, p_text));

-- Every street suffix or its abbreviation becomes both ("birch ln" -> "birch ln lane"), so a
-- query with either spelling, or the start of either, prefix-matches. Input is folded text.
CREATE FUNCTION search_street_suffixes(p_text text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
DECLARE
    pair text[];
BEGIN
    FOREACH pair SLICE 1 IN ARRAY ARRAY[
        ['ln', 'lane'], ['st', 'street'], ['rd', 'road'], ['ave', 'avenue'], ['dr', 'drive'],
        ['ct', 'court'], ['blvd', 'boulevard'], ['hwy', 'highway'], ['pkwy', 'parkway'],
        ['pl', 'place']
    ] LOOP
        p_text := regexp_replace(
            p_text, '\m(' || pair[1] || '|' || pair[2] || ')\M', pair[1] || ' ' || pair[2], 'g');
    END LOOP;
    RETURN p_text;
END
$$;

-- Per business, every word (3+ letters) its contacts' documents have used: what a query word
-- with a typo is compared with ("biscut" -> biscuit). Small (a vocabulary, not a document per
-- contact), so the comparison is cheap; the match itself then uses the full-text index. Words
-- are added by refresh_contact_search() and never removed: a stale word costs one lookup and
-- finds nothing, since a contact must still hold it.
CREATE TABLE search_terms (
    user_id uuid NOT NULL REFERENCES users (id),
    word    text NOT NULL,
    PRIMARY KEY (user_id, word)
);
CREATE INDEX search_terms_word ON search_terms USING gin (word gin_trgm_ops);
ALTER TABLE search_terms ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_terms FORCE ROW LEVEL SECURITY;
CREATE POLICY search_terms_tenant ON search_terms
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
GRANT SELECT, INSERT ON search_terms TO crm_app, crm_auth;

CREATE OR REPLACE FUNCTION refresh_contact_search(p_contact uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    owner_id uuid;
    names text;
    doc text;
BEGIN
    SELECT c.user_id, concat_ws(' ', c.first_name, c.last_name, c.company),
           concat_ws(' ', c.first_name, c.last_name, c.company, c.email,
                     replace(c.email, '@', ' '), c.phone, c.phone_digits, c.preferred_time_of_day,
                     (SELECT string_agg(concat_ws(' ', a.label, a.line1, a.line2, a.city, a.region,
                                                  a.postal_code, a.access_notes), ' ')
                      FROM addresses a WHERE a.contact_id = c.id),
                     (SELECT string_agg(concat_ws(' ', translate(t.key, '._', '  '),
                                                  CASE jsonb_typeof(t.value)
                                                      WHEN 'string' THEN t.value #>> '{}'
                                                      ELSE t.value::text END), ' ')
                      FROM attributes t WHERE t.contact_id = c.id),
                     (SELECT string_agg(n.body, ' ') FROM notes n
                      WHERE n.contact_id = c.id AND n.deleted_at IS NULL))
    INTO owner_id, names, doc
    FROM contacts c WHERE c.id = p_contact;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    doc := search_fold(left(doc, 100000));
    UPDATE contacts
    SET search_names = search_fold(names),
        search_text = doc,
        search_vector = to_tsvector('simple', search_street_suffixes(doc))
    WHERE id = p_contact;
    -- In word order, so two writers adding the same new words cannot deadlock.
    INSERT INTO search_terms (user_id, word)
    SELECT DISTINCT owner_id, t.word
    FROM regexp_split_to_table(doc, '[^[:alpha:]]+') AS t (word)
    WHERE length(t.word) >= 3
    ORDER BY 2
    ON CONFLICT DO NOTHING;
END
$$;

-- Rebuild every contact's columns. The owner is subject to forced RLS and there is no business
-- context here, so this runs as crm_auth (BYPASSRLS; it may read the sources and update
-- contacts, see 0003). updated_at is kept: nothing the user wrote has changed.
ALTER TABLE contacts DISABLE TRIGGER contacts_touch;
SET LOCAL ROLE crm_auth;
SELECT count(refresh_contact_search(id)) FROM contacts;
RESET ROLE;
ALTER TABLE contacts ENABLE TRIGGER contacts_touch;

-- Contact search, as in 0003 (same signature, owner and grants), now on folded text. First the
-- exact paths: every query word prefix-matches the document, or the query is close to the name,
-- or its digits are in the phone number. Only when nothing matched through the document or the
-- phone does a second query allow typos in any word: each query word of 4+ letters may also be
-- a word of the business's vocabulary one edit away (two from 7 letters), "biscut" finding
-- Biscuit, while "bees" never brings notes that only say "been" next to real matches.
CREATE OR REPLACE FUNCTION search_contacts(
    p_phrase text, p_digits text, p_one_word boolean, p_similar real, p_limit integer
) RETURNS TABLE (id uuid, rank real)
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
    SET search_path = public, pg_temp
    SET pg_trgm.word_similarity_threshold = 0.3
    SET pg_trgm.similarity_threshold = 0.3
    AS $$
DECLARE
    phrase text := search_fold(p_phrase);
    tenant uuid := current_setting('app.current_user_id')::uuid;
    tsq tsquery;
    query text;
    exact boolean;
    any_exact boolean := false;
    found_ids uuid[] := '{}';
BEGIN
    SELECT to_tsquery('simple', string_agg(quote_literal(word) || ':*', ' & '))
    INTO tsq
    FROM unnest(tsvector_to_array(to_tsvector('simple', phrase))) AS word;
    query := 'SELECT c.id, (COALESCE(ts_rank(c.search_vector, $1), 0) * 2'
        || ' + word_similarity($2, c.search_names)'
        || CASE WHEN length(p_digits) >= 4
                THEN ' + CASE WHEN c.phone_digits LIKE $3 THEN 1 ELSE 0 END' ELSE '' END
        || ')::real AS rank, '
        || CASE WHEN tsq IS NULL THEN 'false' ELSE 'c.search_vector @@ $1' END
        || CASE WHEN length(p_digits) >= 4 THEN ' OR c.phone_digits LIKE $3' ELSE '' END
        || ' AS exact'
        || ' FROM contacts c'
        || ' WHERE c.user_id = $6 AND c.deleted_at IS NULL AND ('
        || CASE WHEN tsq IS NULL THEN 'false' ELSE 'c.search_vector @@ $1' END
        || ' OR ($2 <% c.search_names AND (word_similarity($2, c.search_names) >= $4'
        || CASE WHEN p_one_word
                THEN ' OR EXISTS (SELECT 1 FROM string_to_table(c.search_names, '' '') AS w'
                     || ' WHERE levenshtein_less_equal(w, $2, 1) <= 1)'
                ELSE '' END
        || '))'
        || CASE WHEN length(p_digits) >= 4 THEN ' OR c.phone_digits LIKE $3' ELSE '' END
        || ') ORDER BY rank DESC, c.created_at DESC LIMIT $5';
    FOR id, rank, exact IN EXECUTE query
        USING tsq, phrase, '%' || p_digits || '%', p_similar, p_limit, tenant
    LOOP
        any_exact := any_exact OR exact;
        found_ids := found_ids || id;
        RETURN NEXT;
    END LOOP;
    IF any_exact OR tsq IS NULL OR cardinality(found_ids) >= p_limit THEN
        RETURN;
    END IF;
    -- Each query word, or a known word close to it: ('biscut':* | 'biscuit') & ...
    SELECT string_agg('(' || quote_literal(q.word) || ':*' || COALESCE((
               SELECT string_agg(' | ' || quote_literal(t.word), '')
               FROM search_terms t
               WHERE length(q.word) >= 4 AND t.user_id = tenant AND t.word % q.word
                 AND levenshtein_less_equal(t.word, q.word, 2)
                     <= CASE WHEN length(q.word) >= 7 THEN 2 ELSE 1 END), '') || ')', ' & ')
    INTO query
    FROM unnest(tsvector_to_array(to_tsvector('simple', phrase))) AS q (word);
    IF position(' | ' IN query) = 0 THEN
        RETURN;
    END IF;
    tsq := to_tsquery('simple', query);
    RETURN QUERY EXECUTE
        'SELECT c.id, (ts_rank(c.search_vector, $1) + word_similarity($2, c.search_names))::real'
        || ' FROM contacts c'
        || ' WHERE c.user_id = $3 AND c.deleted_at IS NULL AND c.search_vector @@ $1'
        || ' AND c.id <> ALL ($4)'
        || ' ORDER BY 2 DESC, c.created_at DESC LIMIT $5'
        USING tsq, phrase, tenant, found_ids, p_limit - cardinality(found_ids);
END
$$;
GRANT CREATE ON SCHEMA public TO crm_auth;
ALTER FUNCTION search_contacts(text, text, boolean, real, integer) OWNER TO crm_auth;
REVOKE CREATE ON SCHEMA public FROM crm_auth;
REVOKE ALL ON FUNCTION search_contacts(text, text, boolean, real, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_contacts(text, text, boolean, real, integer) TO crm_app;
