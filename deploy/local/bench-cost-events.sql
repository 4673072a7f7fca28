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

-- How long each hop took (milliseconds, p50 and p99): from the outbox row's insert to the
-- relay's publication, and to the consuming transaction's start. Shows which hop queues.
WITH produced AS (
    SELECT event_id::text AS event_id, event_type, created_at, published_at FROM catalog.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_id::text, event_type, created_at, published_at FROM checkout.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_id::text, event_type, created_at, published_at FROM payments.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_id::text, event_type, created_at, published_at FROM orders.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_id::text, event_type, created_at, published_at FROM fulfillment.outbox WHERE created_at >= :'since'
    UNION ALL SELECT event_id::text, event_type, created_at, published_at FROM gateway.outbox WHERE created_at >= :'since'),
consumed AS (
    SELECT event_id, consumer, event_type, received_at FROM catalog.inbox WHERE received_at >= :'since'
    UNION ALL SELECT event_id, consumer, event_type, received_at FROM checkout.inbox WHERE received_at >= :'since'
    UNION ALL SELECT event_id, consumer, event_type, received_at FROM payments.inbox WHERE received_at >= :'since'
    UNION ALL SELECT event_id, consumer, event_type, received_at FROM orders.inbox WHERE received_at >= :'since'
    UNION ALL SELECT event_id, consumer, event_type, received_at FROM fulfillment.inbox WHERE received_at >= :'since'
    UNION ALL SELECT event_id, consumer, event_type, received_at FROM gateway.inbox WHERE received_at >= :'since'),
relayed AS (SELECT event_type, 1000 * extract(epoch FROM published_at - created_at) AS ms FROM produced WHERE published_at IS NOT NULL),
hops AS (
    SELECT c.consumer || ' ← ' || c.event_type AS hop, 1000 * extract(epoch FROM c.received_at - p.created_at) AS ms
    FROM consumed c JOIN produced p USING (event_id))
SELECT 'relay_ms_p50', event_type, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM relayed GROUP BY event_type
UNION ALL SELECT 'relay_ms_p99', event_type, round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM relayed GROUP BY event_type
UNION ALL SELECT 'hop_ms_p50', hop, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM hops GROUP BY hop
UNION ALL SELECT 'hop_ms_p99', hop, round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM hops GROUP BY hop;
