import Persistence
import ServiceKit

/// The fulfilment schema: each order's snapshot as the orders service announced it, and the
/// shipments that carry its goods (split shipments allowed; a line's quantity may be spread
/// over several).
enum FulfillmentMigrations {
    static var all: [Migration] { [shipments, webhooks, pos, notifications, downloads, posWithdrawals, reminderOptOuts, endpointChanges, stores, customersPerStore, posAccounts, posAccountsPerStore] }

    static let shipments = Migration(version: 100, name: "orders to fulfil, shipments", sql: """
        CREATE TABLE fulfilment_orders (
            order_id uuid PRIMARY KEY,
            order_number text NOT NULL UNIQUE,
            customer_id uuid,
            email text NOT NULL,
            payment_method text NOT NULL,
            contact jsonb,
            shipping_address jsonb,
            lines jsonb NOT NULL DEFAULT '[]',
            state text NOT NULL DEFAULT 'awaiting_payment' CHECK (state IN ('awaiting_payment', 'ready', 'cancelled')),
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX fulfilment_orders_customer ON fulfilment_orders (customer_id);
        CREATE TABLE shipments (
            id uuid PRIMARY KEY,
            order_id uuid NOT NULL REFERENCES fulfilment_orders (order_id),
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'shipped', 'delivered', 'cancelled')),
            carrier text,
            tracking_number text,
            tracking_url text,
            split_from uuid REFERENCES shipments (id),
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            shipped_at timestamptz,
            delivered_at timestamptz,
            cancelled_at timestamptz,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX shipments_order ON shipments (order_id, created_at);
        CREATE INDEX shipments_status ON shipments (status, created_at);
        CREATE TABLE shipment_lines (
            shipment_id uuid NOT NULL REFERENCES shipments (id),
            variant_id uuid NOT NULL,
            sku text NOT NULL,
            title text NOT NULL,
            quantity int NOT NULL CHECK (quantity > 0),
            PRIMARY KEY (shipment_id, variant_id)
        );
        """)

    static let webhooks = Migration(version: 101, name: "merchant webhook endpoints, deliveries, attempts", sql: """
        CREATE TABLE webhook_endpoints (
            id uuid PRIMARY KEY,
            url text NOT NULL,
            description text,
            event_types text[] NOT NULL,
            secret text NOT NULL,
            active boolean NOT NULL DEFAULT true,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE webhook_deliveries (
            id uuid PRIMARY KEY,
            endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
            event_id text NOT NULL,
            event_type text NOT NULL,
            payload bytea NOT NULL,
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
            attempts int NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            locked_until timestamptz,
            last_status_code int,
            last_error text,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            delivered_at timestamptz,
            UNIQUE (endpoint_id, event_id)
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
        CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);
        CREATE TABLE webhook_attempts (
            id bigserial PRIMARY KEY,
            delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id),
            attempt int NOT NULL,
            at timestamptz NOT NULL DEFAULT clock_timestamp(),
            status_code int,
            error text,
            duration_ms int NOT NULL
        );
        CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
        """)

    static let pos = Migration(version: 102, name: "POS pushes, POS webhook events, POS stock counts", sql: """
        CREATE TABLE pos_pushes (
            order_id uuid PRIMARY KEY REFERENCES fulfilment_orders (order_id),
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'pushed', 'dead', 'cancelled')),
            attempts int NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            locked_until timestamptz,
            last_error text,
            pos_order_id text UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now(),
            pushed_at timestamptz,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX pos_pushes_due ON pos_pushes (next_attempt_at) WHERE status = 'pending';
        CREATE TABLE pos_webhook_events (
            event_id text PRIMARY KEY,
            pos_order_id text,
            status text,
            outcome text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE pos_stock_counts (
            sku text PRIMARY KEY,
            on_hand int NOT NULL,
            counted_at timestamptz NOT NULL DEFAULT now()
        );
        """)

    static let notifications = Migration(version: 103, name: "customer emails and who to write to", sql: """
        ALTER TABLE fulfilment_orders ADD COLUMN total jsonb, ADD COLUMN payment_due_by timestamptz;
        CREATE TABLE recipients (
            customer_id uuid PRIMARY KEY,
            email text NOT NULL,
            name text,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE customer_emails (
            id uuid PRIMARY KEY,
            event_id text NOT NULL,
            kind text NOT NULL,
            order_id uuid,
            customer_id uuid,
            recipient text NOT NULL,
            recipient_name text,
            language text NOT NULL,
            subject text NOT NULL,
            text_body text NOT NULL,
            html_body text NOT NULL,
            status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
            attempts int NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            locked_until timestamptz,
            last_error text,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            sent_at timestamptz,
            UNIQUE (event_id, kind)
        );
        CREATE INDEX customer_emails_due ON customer_emails (next_attempt_at) WHERE status = 'pending';
        CREATE INDEX customer_emails_order ON customer_emails (order_id, created_at);
        CREATE INDEX customer_emails_listing ON customer_emails (created_at DESC);
        """)

    static let downloads = Migration(version: 104, name: "download grants for digital goods", sql: """
        CREATE TABLE download_grants (
            id uuid PRIMARY KEY,
            order_id uuid NOT NULL REFERENCES fulfilment_orders (order_id),
            variant_id uuid NOT NULL,
            title text NOT NULL,
            file_ref text NOT NULL,
            expires_at timestamptz NOT NULL,
            revoked_at timestamptz,
            downloads int NOT NULL DEFAULT 0,
            last_downloaded_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (order_id, variant_id)
        );
        """)

    /// An order cancelled after it reached the POS is withdrawn there.
    static let posWithdrawals = Migration(version: 105, name: "POS withdrawals of cancelled orders", sql: """
        ALTER TABLE pos_pushes DROP CONSTRAINT pos_pushes_status_check;
        ALTER TABLE pos_pushes ADD CONSTRAINT pos_pushes_status_check
            CHECK (status IN ('pending', 'pushed', 'dead', 'cancelled', 'withdrawing', 'withdrawn', 'withdraw_dead'));
        DROP INDEX pos_pushes_due;
        CREATE INDEX pos_pushes_due ON pos_pushes (next_attempt_at) WHERE status IN ('pending', 'withdrawing');
        """)

    /// Customers who asked for no more reminders (the abandoned-cart email); order emails
    /// are not affected.
    static let reminderOptOuts = Migration(version: 106, name: "reminder opt-outs", sql: """
        ALTER TABLE customer_emails ADD COLUMN unsubscribe_url text;
        CREATE TABLE reminder_opt_outs (
            customer_id uuid PRIMARY KEY,
            opted_out_at timestamptz NOT NULL DEFAULT now()
        );
        """)

    /// Any committed change to merchant endpoints notifies `<schema>_changed` with the key
    /// `webhook_endpoints`, once per statement: every replica forgets which event types have
    /// subscribers (``WebhookSubscriptions``), whoever made the change.
    static let endpointChanges = Migration.changeNotifications(
        version: 107, name: "endpoint changes notify", key: "webhook_endpoints", tables: ["webhook_endpoints"])

    /// Every row belongs to a store. Order numbers, POS order ids, POS webhook event ids and
    /// POS SKUs are a store's own (each store has its own POS account).
    static let stores = Migration.storeOwnership(
        version: 108, name: "rows belong to stores",
        tables: ["fulfilment_orders", "shipments", "shipment_lines", "webhook_endpoints", "webhook_deliveries", "webhook_attempts",
                 "pos_pushes", "pos_webhook_events", "pos_stock_counts", "recipients", "customer_emails", "download_grants",
                 "reminder_opt_outs"],
        then: """
            ALTER TABLE fulfilment_orders DROP CONSTRAINT fulfilment_orders_order_number_key,
                ADD CONSTRAINT fulfilment_orders_order_number_key UNIQUE (order_number, store_id);
            ALTER TABLE pos_pushes DROP CONSTRAINT pos_pushes_pos_order_id_key, ADD CONSTRAINT pos_pushes_pos_order_id_key UNIQUE (pos_order_id, store_id);
            ALTER TABLE pos_webhook_events DROP CONSTRAINT pos_webhook_events_pkey, ADD PRIMARY KEY (event_id, store_id);
            ALTER TABLE pos_stock_counts DROP CONSTRAINT pos_stock_counts_pkey, ADD PRIMARY KEY (sku, store_id);
            CREATE INDEX webhook_endpoints_store ON webhook_endpoints (store_id);
            """)

    /// A customer is a customer of one store: their opt-out and address are kept per store.
    static let customersPerStore = Migration(version: 109, name: "recipients and opt-outs per store", sql: """
        ALTER TABLE reminder_opt_outs DROP CONSTRAINT reminder_opt_outs_pkey, ADD PRIMARY KEY (customer_id, store_id);
        ALTER TABLE recipients DROP CONSTRAINT recipients_pkey, ADD PRIMARY KEY (customer_id, store_id);
        """)
}

extension FulfillmentMigrations {
    /// Each store's account at the POS provider (``PosAccount``), its secrets sealed under
    /// `CREDENTIALS_KEY`: a store without a row (the original one runs on the settings) has no
    /// POS sync.
    static let posAccounts = Migration(version: 110, name: "POS accounts", sql: """
        CREATE TABLE pos_accounts (
            api_key_sealed bytea NOT NULL,
            shop_id text NOT NULL,
            webhook_secret_sealed bytea NOT NULL,
            updated_by uuid,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        """)

    static let posAccountsPerStore = Migration.storeOwnership(
        version: 111, name: "POS accounts belong to stores", tables: ["pos_accounts"],
        then: "ALTER TABLE pos_accounts ADD PRIMARY KEY (store_id);")
}
