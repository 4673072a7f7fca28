-- Events the order benchmark's services produced (outbox rows) and consumed (inbox rows) since
-- :'since', by type, as kind|name|value lines.
SELECT 'produced', event_type, count(*) FROM (
    SELECT event_type FROM catalog.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_type FROM checkout.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_type FROM payments.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_type FROM orders.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_type FROM fulfillment.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_type FROM gateway.outbox WHERE created_at >= :'since') produced
GROUP BY event_type
UNION ALL
SELECT 'consumed', consumer || ' ← ' || event_type, count(*) FROM (
    SELECT consumer, event_type FROM catalog.inbox WHERE received_at >= :'since'
    UNION ALL SELECT consumer, event_type FROM checkout.inbox WHERE received_at >= :'since'
    UNION ALL SELECT consumer, event_type FROM payments.inbox WHERE received_at >= :'since'
    UNION ALL SELECT consumer, event_type FROM orders.inbox WHERE received_at >= :'since'
    UNION ALL SELECT consumer, event_type FROM fulfillment.inbox WHERE received_at >= :'since'
    UNION ALL SELECT consumer, event_type FROM gateway.inbox WHERE received_at >= :'since') consumed
GROUP BY consumer, event_type;
