-- An optional phone number for delivery notices. Nullable and without a default: a catalog-only change.
ALTER TABLE shop.customers ADD COLUMN phone text;

ALTER TABLE shop.customers
    ADD CONSTRAINT customers_phone_e164 CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$') NOT VALID;

COMMENT ON COLUMN shop.customers.phone IS 'E.164 phone number for delivery notices (personal data)';
