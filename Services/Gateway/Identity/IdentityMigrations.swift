import Persistence
import ServiceKit

/// The gateway's own schema: who the shop's customers are and which refresh tokens they hold.
enum IdentityMigrations {
    static var all: [Migration] { [base, staff, passwordResets, emailVerifications, staffStanding] }

    static let base = Migration(version: 100, name: "customers and refresh tokens", sql: """
            CREATE TABLE customers (
                id uuid PRIMARY KEY,
                email text NOT NULL,
                password_hash text NOT NULL,
                name text NOT NULL,
                phone text,
                blocked_at timestamptz,
                blocked_reason text,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE UNIQUE INDEX customers_email ON customers (lower(email));
            CREATE TABLE refresh_tokens (
                id uuid PRIMARY KEY,
                family_id uuid NOT NULL,
                customer_id uuid NOT NULL REFERENCES customers (id),
                token_hash bytea NOT NULL UNIQUE,
                issued_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL,
                rotated_at timestamptz,
                revoked_at timestamptz
            );
            CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
            """)
}

extension IdentityMigrations {
    static let staff = Migration(version: 101, name: "staff users", sql: """
        CREATE TABLE staff_users (
            id uuid PRIMARY KEY,
            email text NOT NULL,
            password_hash text NOT NULL,
            name text NOT NULL,
            role text NOT NULL CHECK (role IN ('admin', 'staff')),
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX staff_users_email ON staff_users (lower(email));
        """)
}

extension IdentityMigrations {
    static let passwordResets = Migration(version: 102, name: "password resets", sql: """
        CREATE TABLE password_resets (
            token_hash bytea PRIMARY KEY,
            customer_id uuid NOT NULL REFERENCES customers (id),
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """)
}

extension IdentityMigrations {
    static let emailVerifications = Migration(version: 103, name: "email verification", sql: """
        ALTER TABLE customers ADD COLUMN email_verified_at timestamptz;
        CREATE TABLE email_verifications (
            token_hash bytea PRIMARY KEY,
            customer_id uuid NOT NULL REFERENCES customers (id),
            email text NOT NULL,
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """)
}

extension IdentityMigrations {
    /// Staff can be blocked and removed (the row stays, for the audit trail; its email is free
    /// again), and an account can wait for its password behind a single-use invitation.
    static let staffStanding = Migration(version: 104, name: "staff standing and invitations", sql: """
        ALTER TABLE staff_users ADD COLUMN blocked_at timestamptz;
        ALTER TABLE staff_users ADD COLUMN removed_at timestamptz;
        ALTER TABLE staff_users ALTER COLUMN password_hash DROP NOT NULL;
        DROP INDEX staff_users_email;
        CREATE UNIQUE INDEX staff_users_email ON staff_users (lower(email)) WHERE removed_at IS NULL;
        CREATE TABLE staff_invitations (
            token_hash bytea PRIMARY KEY,
            staff_id uuid NOT NULL REFERENCES staff_users (id),
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX staff_invitations_staff ON staff_invitations (staff_id);
        """)
}
