-- Facts about a property: an attribute belongs to a contact or to one of its addresses
-- (docs/property-facts.md). A landlord's home has 26 windows and a gate code; the rental has
-- 14 and a lockbox. address_id NULL = a fact about the person (preferences, payment, people).
--
-- The address must be one of the same contact's: the foreign key runs over
-- (user_id, contact_id, address_id), so a fact can never point at another customer's house.
-- Deleting an address deletes its facts first (address.delete, audited); the key is
-- RESTRICT so nothing else can orphan them silently.
ALTER TABLE addresses ADD CONSTRAINT addresses_contact_id_key UNIQUE (user_id, contact_id, id);

ALTER TABLE attributes ADD COLUMN address_id uuid;
-- Adding the key checks existing rows through attributes' forced RLS policy, which needs a
-- business id to evaluate: give it one that matches no row. Every address_id is NULL here, so
-- there is nothing to check; rows moved below are checked as they change.
SELECT set_config('app.current_user_id', '00000000-0000-0000-0000-000000000000', true);
ALTER TABLE attributes ADD CONSTRAINT attributes_address_fk
    FOREIGN KEY (user_id, contact_id, address_id)
    REFERENCES addresses (user_id, contact_id, id);

-- One value per key per place: the contact itself, or each of its addresses.
ALTER TABLE attributes DROP CONSTRAINT attributes_user_id_contact_id_key_key;
ALTER TABLE attributes ADD CONSTRAINT attributes_one_per_place
    UNIQUE NULLS NOT DISTINCT (user_id, contact_id, address_id, key);
CREATE INDEX attributes_address ON attributes (user_id, address_id) WHERE address_id IS NOT NULL;

-- Existing rows, by rule: a property fact (the vocabulary's property keys, crm/core/vocabulary.py
-- PROPERTY_PREFIXES / PROPERTY_KEYS) moves to the contact's primary address, or its oldest
-- address when none is marked primary; a contact with no address keeps it on the person.
-- Runs as crm_auth (BYPASSRLS, see 0003): the owner is subject to forced RLS and there is no
-- business context in a migration. updated_at is kept: nothing the user wrote has changed.
GRANT UPDATE (address_id) ON attributes TO crm_auth;
ALTER TABLE attributes DISABLE TRIGGER attributes_touch;
SET LOCAL ROLE crm_auth;
UPDATE attributes t
SET address_id = home.id
FROM (
    SELECT DISTINCT ON (a.contact_id) a.contact_id, a.id
    FROM addresses a
    ORDER BY a.contact_id, a.is_primary DESC, a.created_at, a.id
) AS home
WHERE home.contact_id = t.contact_id
  AND t.address_id IS NULL
  AND (split_part(t.key, '.', 1) IN ('pets', 'access', 'property', 'equipment', 'hazards',
                                    'duration')
       OR t.key IN ('people.tenant_name'));
RESET ROLE;
ALTER TABLE attributes ENABLE TRIGGER attributes_touch;
REVOKE UPDATE (address_id) ON attributes FROM crm_auth;
