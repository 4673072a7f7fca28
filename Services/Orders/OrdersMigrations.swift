import EventContracts
import Persistence
import ServiceKit

/// The orders schema: orders with their snapshot, the daily order-number counters, each
/// order's timeline and the customers' running statistics.
enum OrdersMigrations {
    static var all: [Migration] { [orders, shipmentTimeline, sequencedNumbers, stores, perStoreKeys, pageAnswers, billingAndNote] }

    static let orders = Migration(version: 100, name: "orders, numbers, timeline, customer stats", sql: """
        CREATE TABLE order_number_days (
            day date PRIMARY KEY,
            last int NOT NULL
        );
        CREATE TABLE orders (
            id uuid PRIMARY KEY,
            number text NOT NULL UNIQUE,
            checkout_id uuid NOT NULL UNIQUE,
            customer_id uuid,
            email text NOT NULL,
            phone text NOT NULL,
            contact jsonb NOT NULL,
            shipping_address jsonb NOT NULL,
            lines jsonb NOT NULL,
            price jsonb NOT NULL,
            currency text NOT NULL,
            total_minor bigint NOT NULL CHECK (total_minor >= 0),
            refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
            voucher_code text,
            payment_method text NOT NULL CHECK (payment_method IN ('cod', 'bank_transfer', 'card')),
            status text NOT NULL CHECK (status IN ('pending_payment', 'confirmed', 'paid', 'processing', 'shipped', 'delivered',
                                                   'cancelled', 'refunded', 'partially_refunded')),
            payment_status text NOT NULL CHECK (payment_status IN ('unpaid', 'collect_on_delivery', 'underpaid', 'paid',
                                                                   'partially_refunded', 'refunded', 'refund_due')),
            cancel_reason text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX orders_customer ON orders (customer_id, created_at DESC);
        CREATE INDEX orders_created ON orders (created_at DESC, id);
        CREATE INDEX orders_status ON orders (status, created_at DESC);
        CREATE INDEX orders_email ON orders (lower(email));
        CREATE TABLE order_timeline (
            id bigserial PRIMARY KEY,
            order_id uuid NOT NULL REFERENCES orders (id),
            kind text NOT NULL CHECK (kind IN ('status', 'payment', 'refund', 'note')),
            from_status text,
            to_status text,
            actor text NOT NULL,
            note text,
            at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX order_timeline_order ON order_timeline (order_id, id);
        CREATE TABLE customer_stats (
            customer_id uuid NOT NULL,
            currency text NOT NULL,
            order_count int NOT NULL DEFAULT 0,
            lifetime_spend_minor bigint NOT NULL DEFAULT 0,
            last_order_at timestamptz,
            PRIMARY KEY (customer_id, currency)
        );
        """)

    /// Shipments (from the fulfilment service) have their own kind of timeline entry.
    static let shipmentTimeline = Migration(version: 101, name: "shipment timeline entries", sql: """
        ALTER TABLE order_timeline DROP CONSTRAINT order_timeline_kind_check;
        ALTER TABLE order_timeline ADD CONSTRAINT order_timeline_kind_check CHECK (kind IN ('status', 'payment', 'refund', 'note', 'shipment'));
        """)

    /// Order numbers from a sequence instead of a locked counter row: `nextval` never waits
    /// and is never rolled back, so concurrent placements no longer queue on the day's row
    /// until their transactions commit. A day keeps the first sequence value it saw as its
    /// base; numbers already handed out today stay below the next ones.
    static let sequencedNumbers = Migration(version: 102, name: "order numbers from a sequence", sql: """
        CREATE SEQUENCE order_number_sequence AS bigint;
        ALTER TABLE order_number_days ADD COLUMN base bigint;
        UPDATE order_number_days SET base = 1 - last;
        ALTER TABLE order_number_days ALTER COLUMN base SET NOT NULL, DROP COLUMN last;
        """)

    /// Every row belongs to a store, and each store counts its own order numbers: a day's
    /// counter row per store (the sequences per store come with migration 104).
    static let stores = Migration.storeOwnership(
        version: 103, name: "rows belong to stores; order numbers per store",
        tables: ["orders", "order_timeline", "customer_stats", "order_number_days"],
        then: """
            ALTER TABLE orders DROP CONSTRAINT orders_number_key, ADD CONSTRAINT orders_number_key UNIQUE (number, store_id);
            ALTER TABLE order_number_days DROP CONSTRAINT order_number_days_pkey, ADD PRIMARY KEY (store_id, day);
            CREATE INDEX orders_store ON orders (store_id, created_at DESC, id);
            """)

    /// A customer's figures are kept per store, and a new store's order-number sequence is
    /// made when the store is provisioned (the orders service's `StoreProvisioning` defaults), not by
    /// its first order.
    static let perStoreKeys = Migration(version: 104, name: "customer figures per store; order sequences made ahead", sql: """
        ALTER TABLE customer_stats DROP CONSTRAINT customer_stats_pkey, ADD PRIMARY KEY (customer_id, currency, store_id);
        CREATE FUNCTION order_sequence(store uuid) RETURNS regclass LANGUAGE plpgsql AS $$
        DECLARE
            name text := CASE WHEN store = '\(StoreID.original)' THEN 'order_number_sequence'
                              ELSE 'order_numbers_' || replace(store::text, '-', '') END;
        BEGIN
            IF to_regclass(name) IS NULL THEN
                EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS bigint', name);
            END IF;
            RETURN name::regclass;
        END
        $$;
        CREATE OR REPLACE FUNCTION next_order_count(store uuid) RETURNS bigint LANGUAGE sql AS $$
            SELECT nextval(order_sequence(store))
        $$;
        """)
}

extension OrdersMigrations {
    /// The checkout page an order was bought on and the buyer's answers to its custom fields.
    static let pageAnswers = Migration(version: 105, name: "checkout pages and custom field answers", sql: """
        ALTER TABLE orders ADD COLUMN page jsonb, ADD COLUMN answers jsonb;
        """)
}

extension OrdersMigrations {
    /// Where the invoice goes and the buyer's note to the shop.
    static let billingAndNote = Migration(version: 106, name: "billing address and customer note", sql: """
        ALTER TABLE orders ADD COLUMN billing_address jsonb, ADD COLUMN customer_note text;
        """)
}
