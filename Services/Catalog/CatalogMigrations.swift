import Persistence
import ServiceKit

/// The catalog's schema: products, variants and categories; stock with its movement log and
/// the reservations checkouts hold; carts.
enum CatalogMigrations {
    static var all: [Migration] { [products, stock, carts, vouchers, listingPrice, foldedSearch, redemptionDiscount, cartCheckout, digitalGoods,
                                  shopWindowChanges, stores, categoriesOfTheStore, variantsAnnounced] }

    static let products = Migration(version: 100, name: "categories, products, variants", sql: """
            CREATE TABLE categories (
                id uuid PRIMARY KEY,
                parent_id uuid REFERENCES categories (id),
                slug text NOT NULL UNIQUE,
                name text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE products (
                id uuid PRIMARY KEY,
                slug text NOT NULL UNIQUE,
                title text NOT NULL,
                description text NOT NULL DEFAULT '',
                image_urls text[] NOT NULL DEFAULT '{}',
                status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
                category_id uuid REFERENCES categories (id),
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                published_at timestamptz,
                search tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', description), 'B')) STORED
            );
            CREATE INDEX products_search ON products USING gin (search);
            CREATE INDEX products_listing ON products (status, published_at DESC, id);
            CREATE INDEX products_category ON products (category_id) WHERE status = 'published';
            CREATE TABLE variants (
                id uuid PRIMARY KEY,
                product_id uuid NOT NULL REFERENCES products (id),
                sku text NOT NULL UNIQUE,
                title text NOT NULL DEFAULT '',
                options jsonb NOT NULL DEFAULT '{}',
                price_minor bigint NOT NULL CHECK (price_minor >= 0),
                compare_at_minor bigint CHECK (compare_at_minor >= 0),
                currency text NOT NULL,
                on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
                reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
                position integer NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT available_not_negative CHECK (reserved <= on_hand)
            );
            CREATE INDEX variants_product ON variants (product_id, position);
            """)

    static let stock = Migration(version: 101, name: "stock movements and reservations", sql: """
            CREATE TABLE stock_movements (
                id bigserial PRIMARY KEY,
                variant_id uuid NOT NULL REFERENCES variants (id),
                kind text NOT NULL CHECK (kind IN ('set', 'adjust', 'reserve', 'release', 'sale', 'restock', 'correction')),
                on_hand_delta integer NOT NULL,
                reserved_delta integer NOT NULL,
                on_hand_after integer NOT NULL,
                reserved_after integer NOT NULL,
                reason text,
                reference text,
                staff_id uuid,
                at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX stock_movements_variant ON stock_movements (variant_id, id);
            CREATE TABLE reservations (
                id uuid PRIMARY KEY,
                checkout_id uuid NOT NULL UNIQUE,
                status text NOT NULL CHECK (status IN ('held', 'committed', 'released', 'returned')),
                expires_at timestamptz NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                settled_at timestamptz,
                settle_reason text
            );
            CREATE INDEX reservations_expiry ON reservations (expires_at) WHERE status = 'held';
            CREATE TABLE reservation_lines (
                reservation_id uuid NOT NULL REFERENCES reservations (id),
                variant_id uuid NOT NULL REFERENCES variants (id),
                quantity integer NOT NULL CHECK (quantity > 0),
                PRIMARY KEY (reservation_id, variant_id)
            );
            """)

    static let carts = Migration(version: 102, name: "carts", sql: """
            CREATE TABLE carts (
                id uuid PRIMARY KEY,
                token_hash bytea UNIQUE,
                customer_id uuid,
                status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged', 'checked_out')),
                currency text,
                voucher_code text,
                version integer NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                abandoned_at timestamptz,
                CHECK (token_hash IS NOT NULL OR customer_id IS NOT NULL)
            );
            CREATE UNIQUE INDEX carts_one_active_per_customer ON carts (customer_id) WHERE status = 'active' AND customer_id IS NOT NULL;
            CREATE INDEX carts_idle ON carts (updated_at) WHERE status = 'active' AND abandoned_at IS NULL;
            CREATE TABLE cart_lines (
                cart_id uuid NOT NULL REFERENCES carts (id),
                variant_id uuid NOT NULL REFERENCES variants (id),
                quantity integer NOT NULL CHECK (quantity > 0),
                unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
                added_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (cart_id, variant_id)
            );
            """)

    static let vouchers = Migration(version: 103, name: "vouchers", sql: """
            CREATE TABLE vouchers (
                id uuid PRIMARY KEY,
                code text NOT NULL,
                kind text NOT NULL CHECK (kind IN ('percentage', 'fixed')),
                percent integer CHECK (percent BETWEEN 1 AND 100),
                amount_minor bigint CHECK (amount_minor > 0),
                currency text,
                min_subtotal_minor bigint CHECK (min_subtotal_minor >= 0),
                max_discount_minor bigint CHECK (max_discount_minor > 0),
                starts_at timestamptz,
                ends_at timestamptz,
                usage_limit integer CHECK (usage_limit > 0),
                per_customer_limit integer CHECK (per_customer_limit > 0),
                used_count integer NOT NULL DEFAULT 0 CHECK (used_count >= 0),
                active boolean NOT NULL DEFAULT true,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT vouchers_within_limit CHECK (usage_limit IS NULL OR used_count <= usage_limit),
                CHECK ((kind = 'percentage' AND percent IS NOT NULL) OR (kind = 'fixed' AND amount_minor IS NOT NULL AND currency IS NOT NULL))
            );
            CREATE UNIQUE INDEX vouchers_code ON vouchers (lower(code));
            CREATE TABLE voucher_redemptions (
                checkout_id uuid PRIMARY KEY,
                voucher_id uuid NOT NULL REFERENCES vouchers (id),
                customer_id uuid,
                status text NOT NULL CHECK (status IN ('redeemed', 'returned')),
                redeemed_at timestamptz NOT NULL DEFAULT now(),
                returned_at timestamptz
            );
            CREATE INDEX voucher_redemptions_customer ON voucher_redemptions (voucher_id, customer_id) WHERE status = 'redeemed';
            """)

    /// The price a product lists at (its cheapest variant's), kept on the product so that a
    /// listing sorts and pages on products alone.
    static let listingPrice = Migration(version: 104, name: "listing price on products", sql: """
            ALTER TABLE products ADD COLUMN price_from_minor bigint, ADD COLUMN compare_at_from_minor bigint, ADD COLUMN currency text;
            UPDATE products p SET price_from_minor = v.price_minor, compare_at_from_minor = v.compare_at_minor, currency = v.currency
            FROM (SELECT DISTINCT ON (product_id) product_id, price_minor, compare_at_minor, currency FROM variants
                  ORDER BY product_id, price_minor, position) v
            WHERE v.product_id = p.id;
            CREATE INDEX products_price_from ON products (price_from_minor, id) WHERE status = 'published';
            """)

    /// Search without accents: "ca phe" finds "Cà phê".
    static let foldedSearch = Migration(version: 105, name: "accent-insensitive search", sql: """
            DROP INDEX products_search;
            ALTER TABLE products DROP COLUMN search;
            ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('simple', \(SearchFolding.sql("title"))), 'A') ||
                setweight(to_tsvector('simple', \(SearchFolding.sql("description"))), 'B')) STORED;
            CREATE INDEX products_search ON products USING gin (search);
            """)

    /// A redemption remembers what it took off, so that a repeated submission prices the same.
    static let redemptionDiscount = Migration(version: 106, name: "discount on redemptions", sql: """
            ALTER TABLE voucher_redemptions ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0);
            """)

    /// A checked-out cart remembers its checkout, so that it can come back if that checkout
    /// closes without an order.
    static let cartCheckout = Migration(version: 107, name: "the checkout a cart went to", sql: """
            ALTER TABLE carts ADD COLUMN checkout_id uuid;
            CREATE INDEX carts_checkout ON carts (checkout_id) WHERE checkout_id IS NOT NULL;
            """)

    /// A digital variant names the file its buyers download (a path in fulfilment's store).
    static let digitalGoods = Migration(version: 108, name: "digital variants", sql: """
            ALTER TABLE variants ADD COLUMN digital_file text;
            """)

    /// Any committed change to what the shop window shows (products, variants with their
    /// stock, categories) notifies `<schema>_changed` with the key `shop_window`, once per
    /// transaction (PostgreSQL folds equal notifications), so every replica's ``ShopWindow``
    /// empties.
    static let shopWindowChanges = Migration.changeNotifications(
        version: 109, name: "shop window change notifications", key: "shop_window", tables: ["products", "variants", "categories"])

    /// Every row belongs to a store (the original one for rows from before stores), each
    /// store sees and writes its own only, and slugs, SKUs and voucher codes are unique within
    /// a store: two shops may both sell `ao-thun`.
    static let stores = Migration.storeOwnership(
        version: 110, name: "rows belong to stores",
        tables: ["categories", "products", "variants", "stock_movements", "reservations", "reservation_lines",
                 "carts", "cart_lines", "vouchers", "voucher_redemptions"],
        then: """
            ALTER TABLE categories DROP CONSTRAINT categories_slug_key, ADD CONSTRAINT categories_slug_key UNIQUE (slug, store_id);
            ALTER TABLE products DROP CONSTRAINT products_slug_key, ADD CONSTRAINT products_slug_key UNIQUE (slug, store_id);
            ALTER TABLE variants DROP CONSTRAINT variants_sku_key, ADD CONSTRAINT variants_sku_key UNIQUE (sku, store_id);
            DROP INDEX vouchers_code;
            CREATE UNIQUE INDEX vouchers_code ON vouchers (lower(code), store_id);
            CREATE INDEX products_store ON products (store_id, status);
            """)

    /// A product's category and a category's parent are of the same store: a foreign key
    /// checks its target without row-level security, so it names the store too.
    static let categoriesOfTheStore = Migration(version: 111, name: "categories referenced within their store", sql: """
        ALTER TABLE categories ADD CONSTRAINT categories_id_store UNIQUE (id, store_id);
        ALTER TABLE products DROP CONSTRAINT products_category_id_fkey,
            ADD CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id, store_id) REFERENCES categories (id, store_id);
        ALTER TABLE categories DROP CONSTRAINT categories_parent_id_fkey,
            ADD CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id, store_id) REFERENCES categories (id, store_id);
        """)
}

extension CatalogMigrations {
    /// Whether a product's events have told its variants (since checkout pages: checkout keeps
    /// a copy of what is on sale). Products published before are announced again, a batch at a
    /// time (``ProductStore/announceVariants(logger:)``).
    static let variantsAnnounced = Migration(version: 112, name: "variants announced", sql: """
        ALTER TABLE products ADD COLUMN variants_announced boolean NOT NULL DEFAULT false;
        CREATE INDEX products_variants_unannounced ON products (id) WHERE status = 'published' AND NOT variants_announced;
        """)
}
