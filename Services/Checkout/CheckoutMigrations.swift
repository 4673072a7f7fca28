import Persistence
import ServiceKit

/// The checkout schema: the cart replica built from the catalog's cart snapshots, checkout
/// sessions and every move they made.
enum CheckoutMigrations {
    static var all: [Migration] { [sessions, completedCarts, stores, salesRules, salesRulesPerStore, offers, offersPerStore, cartlessCheckouts, pages, pagesPerStore, billingAndNote] }

    static let sessions = Migration(version: 100, name: "cart replicas and checkout sessions", sql: """
        CREATE TABLE cart_replicas (
            cart_id uuid PRIMARY KEY,
            customer_id uuid,
            guest_token_digest text,
            status text NOT NULL,
            version int NOT NULL,
            currency text,
            voucher_code text,
            lines jsonb NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE checkouts (
            id uuid PRIMARY KEY,
            cart_id uuid NOT NULL,
            cart_version int NOT NULL,
            customer_id uuid,
            guest_token_digest text,
            status text NOT NULL CHECK (status IN ('open', 'submitted', 'reserved', 'awaiting_payment', 'completed',
                                                   'rejected', 'expired', 'failed', 'abandoned')),
            contact jsonb NOT NULL,
            shipping_address jsonb NOT NULL,
            payment_method text NOT NULL CHECK (payment_method IN ('cod', 'bank_transfer', 'card')),
            voucher_code text,
            currency text NOT NULL,
            lines jsonb,
            price jsonb,
            short_lines jsonb,
            problem text,
            order_id uuid,
            order_number text,
            payment jsonb,
            payment_due_by timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX checkouts_one_live_per_cart ON checkouts (cart_id) WHERE status IN ('submitted', 'reserved', 'awaiting_payment');
        CREATE INDEX checkouts_payment_due ON checkouts (payment_due_by) WHERE status IN ('reserved', 'awaiting_payment');
        CREATE INDEX checkouts_customer ON checkouts (customer_id, created_at DESC);
        CREATE TABLE checkout_transitions (
            id bigserial PRIMARY KEY,
            checkout_id uuid NOT NULL REFERENCES checkouts (id),
            from_status text,
            to_status text NOT NULL,
            reason text,
            at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX checkout_transitions_checkout ON checkout_transitions (checkout_id, id);
        """)
}

extension CheckoutMigrations {
    /// A cart's completed checkout closes it (the catalog publishes no snapshot for that):
    /// found by cart and version on every submission.
    static let completedCarts = Migration(version: 101, name: "completed checkouts by cart version", sql: """
        CREATE INDEX checkouts_completed_cart ON checkouts (cart_id, cart_version) WHERE status = 'completed';
        """)
}

extension CheckoutMigrations {
    /// Every row belongs to a store: a cart of one store cannot be checked out in another,
    /// whose session cannot see its replica.
    static let stores = Migration.storeOwnership(
        version: 102, name: "rows belong to stores", tables: ["cart_replicas", "checkouts", "checkout_transitions"])
}

extension CheckoutMigrations {
    /// Each store's sales rules (``SalesRules``), as one JSON document: a store without a row
    /// (the original one, until its admins set rules) is priced by the service's settings.
    static let salesRules = Migration(version: 103, name: "sales rules", sql: """
        CREATE TABLE sales_rules (
            rules jsonb NOT NULL,
            updated_by uuid,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        """)

    static let salesRulesPerStore = Migration.storeOwnership(
        version: 104, name: "sales rules belong to stores", tables: ["sales_rules"],
        then: "ALTER TABLE sales_rules ADD PRIMARY KEY (store_id);")
}

extension CheckoutMigrations {
    /// Checkout's copy of the variants on sale (``OfferStore``).
    static let offers = Migration(version: 105, name: "offers on sale", sql: """
        CREATE TABLE offers (
            variant_id uuid PRIMARY KEY,
            product_id uuid NOT NULL,
            product_title text NOT NULL,
            sku text NOT NULL,
            title text NOT NULL,
            options jsonb NOT NULL,
            price_minor bigint NOT NULL,
            currency text NOT NULL,
            digital boolean NOT NULL,
            on_sale boolean NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX offers_product ON offers (product_id);
        """)

    static let offersPerStore = Migration.storeOwnership(version: 106, name: "offers belong to stores", tables: ["offers"])

    /// A checkout need not come from a cart (Buy Now, a checkout page): a guest then follows
    /// it with the access token it was given (kept as its digest).
    static let cartlessCheckouts = Migration(version: 107, name: "checkouts without a cart", sql: """
        ALTER TABLE checkouts ALTER COLUMN cart_id DROP NOT NULL, ALTER COLUMN cart_version DROP NOT NULL,
            ADD COLUMN access_token_digest text;
        """)
}

extension CheckoutMigrations {
    /// Checkout pages (``CheckoutPage``), their figures, the day's unique visitors (a digest
    /// under a salt that is dropped after a day, so no visitor can be told again), and on a
    /// checkout the page it came from and the buyer's answers.
    static let pages = Migration(version: 108, name: "checkout pages", sql: """
        CREATE TABLE checkout_pages (
            id uuid PRIMARY KEY,
            slug text NOT NULL,
            title text NOT NULL,
            status text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
            content jsonb NOT NULL,
            created_by uuid,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz
        );
        CREATE TABLE checkout_page_stats (
            page_id uuid PRIMARY KEY REFERENCES checkout_pages (id),
            views bigint NOT NULL DEFAULT 0,
            checkouts_started bigint NOT NULL DEFAULT 0,
            conversions bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE checkout_page_revenue (
            page_id uuid NOT NULL REFERENCES checkout_pages (id),
            currency text NOT NULL,
            amount_minor bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (page_id, currency)
        );
        CREATE TABLE checkout_page_visits (
            page_id uuid NOT NULL REFERENCES checkout_pages (id),
            day date NOT NULL,
            visitor bytea NOT NULL,
            PRIMARY KEY (page_id, day, visitor)
        );
        CREATE TABLE visitor_salts (
            day date NOT NULL,
            salt bytea NOT NULL
        );
        ALTER TABLE checkouts ADD COLUMN page_id uuid, ADD COLUMN page jsonb, ADD COLUMN answers jsonb;
        """)

    static let pagesPerStore = Migration.storeOwnership(
        version: 109, name: "checkout pages belong to stores",
        tables: ["checkout_pages", "checkout_page_stats", "checkout_page_revenue", "checkout_page_visits", "visitor_salts"],
        then: """
            CREATE UNIQUE INDEX checkout_pages_slug ON checkout_pages (store_id, slug);
            ALTER TABLE visitor_salts ADD PRIMARY KEY (store_id, day);
            """)
}

extension CheckoutMigrations {
    /// Where the invoice goes (nil: where the goods go) and the buyer's note to the shop.
    static let billingAndNote = Migration(version: 110, name: "billing address and customer note", sql: """
        ALTER TABLE checkouts ADD COLUMN billing_address jsonb, ADD COLUMN customer_note text;
        """)
}
