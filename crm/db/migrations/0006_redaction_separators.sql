-- Redaction catches card numbers written with dots, slashes, runs of spaces or line breaks
-- between the printed groups, and SSNs written 123.45.6789 / 123 45 6789 (issue 10, finding 8).
-- The database's copy of crm/core/sanitise.py; 0004's rules stay and run first.

-- A run of digit groups (joined by a dot, slash or dash with optional spaces around it, a run of
-- spaces or tabs, or one line break): replace every window of consecutive groups laid out like
-- a card (4-4-4-4, 4-4-4-4-1..3, 4-6-5, 4-6-4, 4-4-4-1..3; longest first, left to right) whose
-- digits pass the Luhn check.
CREATE FUNCTION redact_card_groups(run text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $$
DECLARE
    groups text[] := ARRAY(SELECT m[1] FROM regexp_matches(run, '(\d+)', 'g') AS m);
    -- separators[k] comes before groups[k]; separators[1] is the empty text before the first.
    separators text[] := regexp_split_to_array(run, '\d+');
    layouts text[] := ARRAY['4,4,4,4,3', '4,4,4,4,2', '4,4,4,4,1', '4,4,4,4', '4,6,5',
                            '4,4,4,3', '4,6,4', '4,4,4,2', '4,4,4,1'];
    n integer := coalesce(array_length(groups, 1), 0);
    i integer := 1;
    width integer;
    layout text;
    sizes text;
    matched boolean;
    result text := '';
BEGIN
    WHILE i <= n LOOP
        matched := false;
        FOREACH layout IN ARRAY layouts LOOP
            width := array_length(string_to_array(layout, ','), 1);
            CONTINUE WHEN i + width - 1 > n;
            SELECT string_agg(length(g)::text, ',' ORDER BY k) INTO sizes
                FROM unnest(groups[i:i + width - 1]) WITH ORDINALITY AS t(g, k);
            CONTINUE WHEN sizes <> layout;
            CONTINUE WHEN NOT luhn_valid(array_to_string(groups[i:i + width - 1], ''));
            result := result || '[REDACTED]';
            i := i + width;
            matched := true;
            EXIT;
        END LOOP;
        IF NOT matched THEN
            result := result || groups[i];
            i := i + 1;
        END IF;
        IF i <= n THEN
            result := result || separators[i];
        END IF;
    END LOOP;
    RETURN result;
END
$$;

CREATE OR REPLACE FUNCTION redact_sensitive(input text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    result text := input;
    candidate text;
    digits text;
    cleaned text;
BEGIN
    IF input IS NULL OR input !~ '\d{3}' THEN
        RETURN input;
    END IF;
    -- One number with at most single spaces or dashes between digits (as in 0004).
    FOR candidate IN
        SELECT m[1] FROM regexp_matches(input, '(?<![\d-])(\d(?:[ -]?\d){12,18})(?![\d-])', 'g') AS m
    LOOP
        digits := regexp_replace(candidate, '\D', '', 'g');
        IF length(digits) BETWEEN 13 AND 19 AND luhn_valid(digits) THEN
            result := replace(result, candidate, '[REDACTED]');
        END IF;
    END LOOP;
    -- Digit groups with any separator, laid out like a card.
    FOR candidate IN
        SELECT m[1] FROM regexp_matches(
            result,
            '(?<!\d)(\d+(?:(?:[ \t]*(?:\r\n?|\n)[ \t]*|[ \t]*[./-][ \t]*|[ \t]+)\d+)+)',
            'g') AS m
    LOOP
        cleaned := redact_card_groups(candidate);
        IF cleaned <> candidate THEN
            result := replace(result, candidate, cleaned);
        END IF;
    END LOOP;
    result := regexp_replace(
        result,
        '\m(ssn|social security(?: number| no\.?| #)?)(\s*[:#]?\s*)(?!000|666|9\d\d)\d{3}[ .-]?(?!00)\d{2}[ .-]?(?!0000)\d{4}(?!\d)',
        '\1\2[REDACTED]', 'gi');
    result := regexp_replace(
        result,
        '(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])',
        '[REDACTED]', 'g');
    result := regexp_replace(
        result,
        '(?<!\d)(?<!\d[-./ ])(?!000|666|9\d\d)\d{3}(?:\.(?!00)\d{2}\.| (?!00)\d{2} )(?!0000)\d{4}(?!\d)(?![-./ ]\d)',
        '[REDACTED]', 'g');
    RETURN result;
END
$$;
