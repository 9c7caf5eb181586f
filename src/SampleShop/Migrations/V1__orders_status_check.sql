-- Only the order states the shop knows. Added NOT VALID (a brief lock, no scan), then validated: VALIDATE CONSTRAINT
-- scans the table under SHARE UPDATE EXCLUSIVE, which lets orders keep coming in.
ALTER TABLE shop.orders
    ADD CONSTRAINT orders_status_known CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')) NOT VALID;

ALTER TABLE shop.orders VALIDATE CONSTRAINT orders_status_known;
