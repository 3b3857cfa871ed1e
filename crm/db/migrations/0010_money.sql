-- Money that can be corrected: discount lines, a price override with its reason, the
-- business's invoice defaults and contact details, editing a draft invoice, and refunds or the
-- removal of a wrong payment (kept on record, never deleted).

-- Line kinds. 'item' is work or goods (price >= 0). 'discount' takes money off: a fixed amount
-- (a negative unit price, quantity 1) or a percent (percent_bp, basis points) of the other
-- lines, which the database recomputes whenever those lines change.
ALTER TABLE line_items
    ADD COLUMN kind text NOT NULL DEFAULT 'item',
    ADD COLUMN percent_bp integer,
    ADD COLUMN price_note text NOT NULL DEFAULT '',
    DROP CONSTRAINT line_items_price,
    ADD CONSTRAINT line_items_kind CHECK (kind IN ('item', 'discount')),
    ADD CONSTRAINT line_items_price CHECK (
        (kind = 'item' AND unit_price_cents >= 0 AND percent_bp IS NULL)
        OR (kind = 'discount' AND unit_price_cents <= 0 AND quantity = 1
            AND (percent_bp IS NULL OR percent_bp BETWEEN 1 AND 10000))
    ),
    ADD CONSTRAINT line_items_price_note CHECK (length(price_note) <= 500);

ALTER TABLE invoice_lines
    ADD COLUMN kind text NOT NULL DEFAULT 'item',
    ADD COLUMN percent_bp integer,
    ADD CONSTRAINT invoice_lines_kind CHECK (kind IN ('item', 'discount')),
    ADD CONSTRAINT invoice_lines_price CHECK (
        (kind = 'item' AND unit_price_cents >= 0 AND total_cents >= 0 AND percent_bp IS NULL)
        OR (kind = 'discount' AND unit_price_cents <= 0 AND total_cents <= 0
            AND (percent_bp IS NULL OR percent_bp BETWEEN 1 AND 10000))
    );

-- Totals never go below zero: discounts stop at the value of the other lines.
ALTER TABLE invoices
    ADD CONSTRAINT invoices_totals CHECK (subtotal_cents >= 0 AND tax_cents >= 0
                                         AND total_cents >= 0);

-- A percent discount's price: minus the percent of the ticket's other (item) lines, rounded
-- half up in cents.
CREATE FUNCTION price_percent_discount() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.kind = 'discount' AND NEW.percent_bp IS NOT NULL THEN
        -- Whole cents throughout: sum() is numeric, so it is cast before the division.
        NEW.unit_price_cents := -(((
            SELECT COALESCE(sum(total_cents), 0)::bigint FROM line_items
            WHERE ticket_id = NEW.ticket_id AND kind = 'item' AND deleted_at IS NULL
        ) * NEW.percent_bp + 5000) / 10000);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER line_items_percent BEFORE INSERT OR UPDATE ON line_items
    FOR EACH ROW EXECUTE FUNCTION price_percent_discount();

CREATE FUNCTION reprice_percent_discounts() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    parent uuid;
    items bigint;
BEGIN
    IF (CASE WHEN TG_OP = 'DELETE' THEN OLD.kind ELSE NEW.kind END) <> 'item' THEN
        RETURN NULL;
    END IF;
    parent := CASE WHEN TG_OP = 'DELETE' THEN OLD.ticket_id ELSE NEW.ticket_id END;
    SELECT COALESCE(sum(total_cents), 0) INTO items FROM line_items
    WHERE ticket_id = parent AND kind = 'item' AND deleted_at IS NULL;
    UPDATE line_items SET unit_price_cents = -((items * percent_bp + 5000) / 10000)
    WHERE ticket_id = parent AND kind = 'discount' AND percent_bp IS NOT NULL
      AND deleted_at IS NULL AND unit_price_cents <> -((items * percent_bp + 5000) / 10000);
    RETURN NULL;
END
$$;
CREATE TRIGGER line_items_reprice AFTER INSERT OR UPDATE OR DELETE ON line_items
    FOR EACH ROW EXECUTE FUNCTION reprice_percent_discounts();

-- An invoice's lines change only while it is a draft (edit while draft); afterwards they are
-- the record of what was billed.
CREATE FUNCTION guard_invoice_lines() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    parent uuid;
BEGIN
    parent := CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF EXISTS (SELECT 1 FROM invoices WHERE id = parent AND status <> 'draft') THEN
        RAISE EXCEPTION 'invoice % is not a draft; its lines cannot change', parent
            USING ERRCODE = 'CRM02';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER invoice_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION guard_invoice_lines();
GRANT DELETE ON invoice_lines TO crm_app;

-- Payments. A refund is a row of its own: negative, pointing at the payment it returns. A wrong
-- payment (or refund) is removed by marking it, with the reason: it stays on record. A tip is
-- money received beyond the balance, kept apart from what pays the invoice.
ALTER TABLE payments
    ADD COLUMN kind text NOT NULL DEFAULT 'payment',
    ADD COLUMN refund_of uuid,
    ADD COLUMN tip_cents bigint NOT NULL DEFAULT 0,
    ADD COLUMN reason text NOT NULL DEFAULT '',
    ADD COLUMN removed_at timestamptz,
    ADD COLUMN removed_reason text NOT NULL DEFAULT '',
    -- NOT VALID: the column is new (all NULL), and validating would read the table under
    -- its RLS policy without a tenant. New rows are checked as usual.
    ADD FOREIGN KEY (user_id, refund_of) REFERENCES payments (user_id, id) NOT VALID,
    DROP CONSTRAINT payments_positive,
    ADD CONSTRAINT payments_kind CHECK (
        (kind = 'payment' AND amount_cents > 0 AND refund_of IS NULL)
        OR (kind = 'refund' AND amount_cents < 0 AND refund_of IS NOT NULL AND tip_cents = 0)
    ),
    ADD CONSTRAINT payments_tip CHECK (tip_cents BETWEEN 0 AND 10000000000),
    ADD CONSTRAINT payments_removed CHECK (
        (removed_at IS NULL AND removed_reason = '')
        OR (removed_at IS NOT NULL AND btrim(removed_reason) <> '')
    ),
    ADD CONSTRAINT payments_text CHECK (length(reason) <= 500 AND length(removed_reason) <= 500);
CREATE INDEX payments_refunds ON payments (user_id, refund_of) WHERE refund_of IS NOT NULL;

-- What a business puts on its invoices: default tax and terms, and how customers reach it.
CREATE TABLE invoice_settings (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id),
    tax_rate_bp   integer NOT NULL DEFAULT 0,
    due_days      integer NOT NULL DEFAULT 14,
    default_notes text NOT NULL DEFAULT '',
    address       text NOT NULL DEFAULT '',
    phone         text NOT NULL DEFAULT '',
    email         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (user_id, id),
    UNIQUE (user_id),
    CONSTRAINT invoice_settings_tax CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    CONSTRAINT invoice_settings_due CHECK (due_days BETWEEN 0 AND 365),
    CONSTRAINT invoice_settings_email CHECK (email = '' OR email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    CONSTRAINT invoice_settings_size CHECK (
        length(default_notes) <= 5000 AND length(address) <= 500 AND length(phone) <= 40
        AND length(email) <= 254
    )
);
CREATE TRIGGER invoice_settings_touch BEFORE UPDATE ON invoice_settings
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
ALTER TABLE invoice_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY invoice_settings_tenant ON invoice_settings
    USING (user_id = (SELECT current_setting('app.current_user_id')::uuid))
    WITH CHECK (user_id = (SELECT current_setting('app.current_user_id')::uuid));
GRANT SELECT, INSERT, UPDATE ON invoice_settings TO crm_app;

CREATE TRIGGER line_items_redact_note BEFORE INSERT OR UPDATE OF price_note ON line_items
    FOR EACH ROW EXECUTE FUNCTION redact_columns('price_note');
CREATE TRIGGER payments_redact BEFORE INSERT OR UPDATE OF reason, removed_reason ON payments
    FOR EACH ROW EXECUTE FUNCTION redact_columns('reason', 'removed_reason');
CREATE TRIGGER invoice_settings_redact BEFORE INSERT OR UPDATE OF default_notes ON invoice_settings
    FOR EACH ROW EXECUTE FUNCTION redact_columns('default_notes');
