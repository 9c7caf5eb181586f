-- opsconsole:no-transaction
-- "Which orders contain product X" scans order_lines today. CONCURRENTLY builds the index without blocking writes,
-- which PostgreSQL only allows outside a transaction, hence the marker above. IF NOT EXISTS makes a re-run after a
-- failure safe (drop an INVALID index left by a failed build first).
CREATE INDEX CONCURRENTLY IF NOT EXISTS order_lines_product_idx ON shop.order_lines (product_id);
