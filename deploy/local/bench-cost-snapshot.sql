-- One snapshot of what the order benchmark's services have done in this database, as
-- kind|name|value lines (psql -At -F'|'); the benchmark takes one before and one after a run
-- and deploy/local/bench_cost.py reports the difference per purchase. :'since' is when the
-- measured run began (outbox and inbox rows are counted from then).
SELECT 'statements', r.rolname, sum(s.calls) FILTER (WHERE s.query !~* '^\s*(begin|commit|rollback|start transaction)')
FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database() AND r.rolname IN ('gateway', 'catalog', 'checkout', 'payments', 'orders', 'fulfillment')
GROUP BY r.rolname
UNION ALL
SELECT 'transactions', r.rolname, coalesce(sum(s.calls) FILTER (WHERE s.query ~* '^\s*commit'), 0)
FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database() AND r.rolname IN ('gateway', 'catalog', 'checkout', 'payments', 'orders', 'fulfillment')
GROUP BY r.rolname
UNION ALL
SELECT 'rows_written', schemaname, sum(n_tup_ins + n_tup_upd + n_tup_del)
FROM pg_stat_user_tables WHERE schemaname IN ('gateway', 'catalog', 'checkout', 'payments', 'orders', 'fulfillment')
GROUP BY schemaname
UNION ALL
SELECT 'commits', 'database', xact_commit FROM pg_stat_database WHERE datname = current_database();
