import EventContracts
import Persistence

/// The tables every service gets from the kit, in its own schema. Versions below 100 are the
/// kit's; a service numbers its own migrations from 100.
public enum KitMigrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "outbox", sql: """
            CREATE TABLE outbox (
                id bigserial PRIMARY KEY,
                event_id uuid NOT NULL UNIQUE,
                topic text NOT NULL,
                message_key text NOT NULL,
                event_type text NOT NULL,
                payload bytea NOT NULL,
                headers jsonb NOT NULL DEFAULT '{}',
                created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                published_at timestamptz,
                bucket smallint NOT NULL
            );
            CREATE INDEX outbox_unpublished ON outbox (bucket, id) WHERE published_at IS NULL;
            CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
            """),
        Migration(version: 2, name: "inbox", sql: """
            CREATE TABLE inbox (
                event_id text NOT NULL,
                consumer text NOT NULL,
                event_type text NOT NULL,
                topic text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (event_id, consumer)
            );
            CREATE INDEX inbox_received_at ON inbox (received_at);
            """),
        Migration(version: 3, name: "probes", sql: """
            CREATE TABLE probes (
                probe_id uuid PRIMARY KEY,
                note text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE probe_receipts (
                probe_id uuid PRIMARY KEY,
                sent_by text NOT NULL,
                note text NOT NULL,
                event_id text NOT NULL,
                correlation_id text,
                received_at timestamptz NOT NULL DEFAULT now()
            );
            """),
        Migration(version: 4, name: "idempotency keys", sql: """
            CREATE TABLE idempotency_keys (
                scope text NOT NULL,
                key text NOT NULL,
                fingerprint bytea NOT NULL,
                state text NOT NULL CHECK (state IN ('in_progress', 'done')),
                response_status int,
                response_body bytea,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (scope, key)
            );
            CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
            """),
        Migration(version: 5, name: "idempotency claim tokens", sql: """
            ALTER TABLE idempotency_keys ADD COLUMN claim_token uuid;
            """),
        Migration(version: 6, name: "dead letters and operator actions", sql: """
            CREATE TABLE dead_letters (
                id bigserial PRIMARY KEY,
                consumer_group text NOT NULL,
                message_identity text NOT NULL,
                topic text NOT NULL,
                partition int NOT NULL,
                "offset" bigint NOT NULL,
                message_key text,
                event_id text,
                event_type text,
                payload bytea NOT NULL,
                headers jsonb NOT NULL DEFAULT '{}',
                error text NOT NULL,
                attempts int NOT NULL,
                replay_attempts int NOT NULL DEFAULT 0,
                status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'discarded')),
                dead_lettered_at timestamptz NOT NULL DEFAULT now(),
                resolved_at timestamptz,
                resolved_by uuid,
                note text,
                UNIQUE (consumer_group, message_identity)
            );
            CREATE INDEX dead_letters_open ON dead_letters (id) WHERE status = 'open';
            CREATE TABLE operator_actions (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT now(),
                staff_id uuid,
                action text NOT NULL,
                subject text NOT NULL,
                detail jsonb NOT NULL DEFAULT '{}'
            );
            CREATE INDEX operator_actions_at ON operator_actions (at);
            """),
        Migration(version: 7, name: "reconciliation", sql: """
            CREATE TABLE reconciliation_runs (
                check_name text PRIMARY KEY,
                ran_at timestamptz NOT NULL,
                mismatches int NOT NULL,
                error text
            );
            CREATE TABLE reconciliation_findings (
                id bigserial PRIMARY KEY,
                check_name text NOT NULL,
                subject text NOT NULL,
                detail text NOT NULL,
                first_seen_at timestamptz NOT NULL DEFAULT now(),
                last_seen_at timestamptz NOT NULL DEFAULT now(),
                resolved_at timestamptz
            );
            CREATE UNIQUE INDEX reconciliation_findings_open ON reconciliation_findings (check_name, subject) WHERE resolved_at IS NULL;
            """),
        // Each service's copy of the stores it serves (``StoreProvisioning``). The original
        // store is there from the start; its settings are the service's own (NULL).
        Migration(version: 8, name: "store settings", sql: """
            CREATE TABLE store_settings (
                store_id uuid PRIMARY KEY,
                settings jsonb,
                status text NOT NULL CHECK (status IN ('active', 'suspended')),
                provisioned_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            INSERT INTO store_settings (store_id, settings, status) VALUES ('\(StoreID.original)', NULL, 'active');
            """),
        // A copy follows the registry: a store is being set up until every service has done
        // its part (StoreStatusChanged active), not open as soon as this one has.
        Migration(version: 9, name: "store settings: provisioning", sql: """
            ALTER TABLE store_settings DROP CONSTRAINT store_settings_status_check;
            ALTER TABLE store_settings ADD CONSTRAINT store_settings_status_check CHECK (status IN ('provisioning', 'active', 'suspended'));
            """),
        // Store-owned tables (``Migration/storeOwnership``) default their rows' store to the
        // session's.
        Migration(version: 10, name: "the session's store", sql: Migration.scopedStoreFunction),
        // The same key sent to two stores is two requests.
        Migration.storeOwnership(version: 11, name: "idempotency keys per store", tables: ["idempotency_keys"], then: """
            ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
            ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, key, store_id);
            """),
        // The policy reads the session's store once per statement, not for every row.
        Migration(version: 12, name: "store policy read once per statement", sql: Migration.restatedStorePolicies),
    ]
}
