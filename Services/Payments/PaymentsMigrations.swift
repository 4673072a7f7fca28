import Persistence
import ServiceKit

/// The payments schema: one payment per order, every provider event received (the attempt
/// log and the dedupe key), refunds, the merchant's append-only ledger, and the orders said
/// to be paid.
enum PaymentsMigrations {
    static var all: [Migration] { [payments, paidOrderNotices, stores, accounts, accountsPerStore] }

    /// The orders the orders service says are paid (`order.settled` with `paid`), so that
    /// reconciliation can hold payments and paid orders against each other both ways.
    static let paidOrderNotices = Migration(version: 101, name: "paid order notices", sql: """
        CREATE TABLE paid_order_notices (
            order_id uuid PRIMARY KEY,
            order_number text NOT NULL,
            noticed_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX payments_succeeded ON payments (updated_at) WHERE status = 'succeeded';
        """)

    static let payments = Migration(version: 100, name: "payments, provider events, refunds, ledger", sql: """
        CREATE TABLE payments (
            id uuid PRIMARY KEY,
            order_id uuid NOT NULL UNIQUE,
            order_number text NOT NULL UNIQUE,
            checkout_id uuid NOT NULL,
            customer_id uuid,
            method text NOT NULL CHECK (method IN ('cod', 'bank_transfer', 'card')),
            status text NOT NULL CHECK (status IN ('awaiting', 'collect_on_delivery', 'succeeded', 'underpaid', 'failed', 'cancelled')),
            currency text NOT NULL,
            amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
            received_minor bigint NOT NULL DEFAULT 0 CHECK (received_minor >= 0),
            captured_minor bigint NOT NULL DEFAULT 0 CHECK (captured_minor >= 0),
            refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
            provider_payment_id text UNIQUE,
            instructions jsonb NOT NULL,
            order_cancelled boolean NOT NULL DEFAULT false,
            flags text[] NOT NULL DEFAULT '{}',
            due_by timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CHECK (refunded_minor <= captured_minor)
        );
        CREATE INDEX payments_flagged ON payments (updated_at DESC) WHERE flags <> '{}';
        CREATE TABLE provider_events (
            provider text NOT NULL,
            event_id text NOT NULL,
            payment_id uuid REFERENCES payments (id),
            kind text NOT NULL,
            amount_minor bigint,
            outcome text NOT NULL,
            payload jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (provider, event_id)
        );
        CREATE INDEX provider_events_payment ON provider_events (payment_id, received_at);
        CREATE TABLE refunds (
            id uuid PRIMARY KEY,
            payment_id uuid NOT NULL REFERENCES payments (id),
            amount_minor bigint NOT NULL CHECK (amount_minor > 0),
            currency text NOT NULL,
            channel text NOT NULL CHECK (channel IN ('provider', 'manual')),
            provider_refund_id text UNIQUE,
            reason text,
            actor text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX refunds_payment ON refunds (payment_id, created_at);
        CREATE TABLE ledger_entries (
            id bigserial PRIMARY KEY,
            payment_id uuid REFERENCES payments (id),
            order_number text,
            kind text NOT NULL CHECK (kind IN ('capture', 'refund', 'fee')),
            amount_minor bigint NOT NULL,
            currency text NOT NULL,
            note text,
            at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX ledger_entries_currency ON ledger_entries (currency, id);
        CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ledger entries are append-only';
        END $$;
        CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
            FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
        """)

    /// Every row belongs to a store. Order numbers are a store's own, and a provider's event
    /// ids are unique within one account: each store has its own (a SePay transaction id of
    /// one shop's bank account may repeat in another's).
    static let stores = Migration.storeOwnership(
        version: 102, name: "rows belong to stores",
        tables: ["payments", "provider_events", "refunds", "ledger_entries", "paid_order_notices"],
        then: """
            ALTER TABLE payments DROP CONSTRAINT payments_order_number_key, ADD CONSTRAINT payments_order_number_key UNIQUE (order_number, store_id);
            ALTER TABLE provider_events DROP CONSTRAINT provider_events_pkey, ADD PRIMARY KEY (provider, event_id, store_id);
            """)

    /// A store's own payment accounts: its bank account, an HMAC of its SePay key, its card
    /// provider keys sealed under `CREDENTIALS_KEY`.
    static let accounts = Migration(version: 103, name: "payment accounts", sql: """
        CREATE TABLE payment_accounts (
            bank_bin text,
            bank_account_number text,
            bank_account_name text,
            sepay_header_digest bytea,
            card_secret_key_sealed bytea,
            card_webhook_secret_sealed bytea,
            updated_by uuid,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        """)

    static let accountsPerStore = Migration.storeOwnership(
        version: 104, name: "payment accounts belong to stores", tables: ["payment_accounts"],
        then: "ALTER TABLE payment_accounts ADD PRIMARY KEY (store_id);")
}
