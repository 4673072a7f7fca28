import EventContracts
import Persistence

/// The store registry in the gateway's schema: the stores of the deployment, who may work in
/// which (memberships), and each new store's provisioning receipts.
enum StoreMigrations {
    static var all: [Migration] { [registry, customersPerStore, contactAndStock, orderNumberStyle] }

    /// The original store (``EventContracts/StoreID/original``) holds everything from before
    /// stores; every staff account of that time becomes a member of it, and its admins become
    /// platform operators (in a one-shop deployment they ran the whole deployment).
    static let registry = Migration(version: 105, name: "store registry", sql: """
        CREATE TABLE stores (
            id uuid PRIMARY KEY,
            slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
            name text NOT NULL,
            status text NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended')),
            country text NOT NULL,
            currency text NOT NULL,
            language text NOT NULL CHECK (language IN ('vi', 'en')),
            time_zone text NOT NULL,
            order_prefix text NOT NULL,
            owner_email text,
            publishable_key text NOT NULL UNIQUE,
            suspended_reason text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX stores_slug ON stores (slug);
        CREATE UNIQUE INDEX stores_order_prefix ON stores (order_prefix);
        CREATE TABLE store_provisioning (
            store_id uuid NOT NULL REFERENCES stores (id),
            service text NOT NULL,
            done_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, service)
        );
        CREATE TABLE store_memberships (
            store_id uuid NOT NULL REFERENCES stores (id),
            staff_id uuid NOT NULL REFERENCES staff_users (id),
            role text NOT NULL CHECK (role IN ('owner', 'admin', 'staff')),
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, staff_id)
        );
        CREATE INDEX store_memberships_staff ON store_memberships (staff_id);
        ALTER TABLE staff_users ADD COLUMN platform_admin boolean NOT NULL DEFAULT false;
        INSERT INTO stores (id, slug, name, status, country, currency, language, time_zone, order_prefix, publishable_key)
        VALUES ('\(StoreID.original)', 'shop', 'Shop', 'active', 'VN', 'VND', 'vi', 'Asia/Ho_Chi_Minh', 'SHOP',
                'pk_' || replace(gen_random_uuid()::text, '-', ''));
        INSERT INTO store_memberships (store_id, staff_id, role)
        SELECT '\(StoreID.original)', id, role FROM staff_users WHERE removed_at IS NULL;
        UPDATE staff_users SET platform_admin = true WHERE role = 'admin' AND removed_at IS NULL;
        """)

    /// A customer account belongs to one store: the same email may be a customer of two
    /// stores, with two passwords. Existing accounts belong to the original store.
    static let customersPerStore = Migration(version: 106, name: "customers per store", sql: """
        ALTER TABLE customers ADD COLUMN store_id uuid REFERENCES stores (id);
        UPDATE customers SET store_id = '\(StoreID.original)';
        ALTER TABLE customers ALTER COLUMN store_id SET NOT NULL;
        DROP INDEX customers_email;
        CREATE UNIQUE INDEX customers_email ON customers (store_id, lower(email));
        """)

    /// Where replies to a store's emails go, and its low-stock threshold (nil: the deployment's).
    static let contactAndStock = Migration(version: 107, name: "store support email and low-stock threshold", sql: """
        ALTER TABLE stores ADD COLUMN support_email text;
        ALTER TABLE stores ADD COLUMN low_stock_threshold integer CHECK (low_stock_threshold >= 0);
        """)

    /// Sequential or random order numbers (nil: sequential).
    static let orderNumberStyle = Migration(version: 108, name: "order-number style", sql: """
        ALTER TABLE stores ADD COLUMN order_numbers text CHECK (order_numbers IN ('sequential', 'random'));
        """)
}
