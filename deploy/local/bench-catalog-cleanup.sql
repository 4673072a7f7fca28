-- Release what the catalog benchmark left held (its products are titled 'Bench …').
WITH bench AS (
    SELECT r.id FROM catalog.reservations r
    WHERE r.status = 'held' AND EXISTS (
        SELECT 1 FROM catalog.reservation_lines l JOIN catalog.variants v ON v.id = l.variant_id
        JOIN catalog.products p ON p.id = v.product_id WHERE l.reservation_id = r.id AND p.title LIKE 'Bench %'))
UPDATE catalog.reservations SET status = 'released', settled_at = now(), settle_reason = 'benchmark cleanup'
WHERE id IN (SELECT id FROM bench);
UPDATE catalog.variants v SET reserved = 0 FROM catalog.products p WHERE p.id = v.product_id AND p.title LIKE 'Bench %';
UPDATE catalog.products SET status = 'archived' WHERE title LIKE 'Bench %';
-- The order benchmark's guest carts (holding 'Bench …' goods) count as already announced, so
-- the tests' abandoned-cart scans do not wade through thousands of them.
UPDATE catalog.carts c SET abandoned_at = now()
WHERE c.abandoned_at IS NULL AND EXISTS (
    SELECT 1 FROM catalog.cart_lines l JOIN catalog.variants v ON v.id = l.variant_id
    JOIN catalog.products p ON p.id = v.product_id WHERE l.cart_id = c.id AND p.title LIKE 'Bench %');
-- Unpaid benchmark checkouts would keep the tests' expiry sweeper busy (the catalog benchmark
-- runs without checkout, whose tables may then not exist in this database yet).
DO $$
BEGIN
    IF to_regclass('checkout.checkouts') IS NOT NULL THEN
        UPDATE checkout.checkouts SET status = 'expired', problem = 'benchmark cleanup'
        WHERE status IN ('submitted', 'reserved', 'awaiting_payment') AND contact->>'name' = 'Bench';
    END IF;
END
$$;
