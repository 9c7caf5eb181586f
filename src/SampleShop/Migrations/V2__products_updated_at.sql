-- When a product's price or stock last changed. now() is stable, not volatile: since PostgreSQL 11 the default is
-- stored once in the catalog and no row is rewritten.
ALTER TABLE shop.products ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

COMMENT ON COLUMN shop.products.updated_at IS 'When the price or stock last changed';
