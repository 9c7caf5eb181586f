ALTER TABLE shop.customers DROP COLUMN IF EXISTS phone;
