-- One login role and one schema per service; each role owns its schema and has no privilege
-- on any other. Local passwords are '<role>-local' (the cluster listens on 127.0.0.1 only;
-- production passwords come from the deployment's secrets). Idempotent.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
REVOKE ALL ON SCHEMA public FROM PUBLIC;

DO $$
DECLARE
    service text;
BEGIN
    FOREACH service IN ARRAY ARRAY['gateway', 'catalog', 'checkout', 'payments', 'orders', 'fulfillment'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service, service || '-local');
        END IF;
        EXECUTE format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE', service);
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, service);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), service);
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = %I', service, current_database(), service);
    END LOOP;
END
$$;
