-- opsconsole:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS shop.order_lines_product_idx;
