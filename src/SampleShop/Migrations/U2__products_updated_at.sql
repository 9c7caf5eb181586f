ALTER TABLE shop.products DROP COLUMN IF EXISTS updated_at;
