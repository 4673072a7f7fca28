import EventContracts

extension Migration {
    /// Who may see a row of a store-owned table: the store the session is set to
    /// (`commerce.store_id`, see ``ScopedClient``), or any store when it says `*`. A session
    /// set to nothing sees no row. Each side is a scalar subquery, so PostgreSQL reads the
    /// setting once per statement (an init plan) instead of twice for every row it looks at.
    public static let storePolicy = """
        store_id = (SELECT nullif(nullif(current_setting('commerce.store_id', true), ''), '*')::uuid)
        OR (SELECT current_setting('commerce.store_id', true) = '*')
        """

    /// Sets every `store_rows` policy of the schema to ``storePolicy`` (for policies made with
    /// an earlier wording of it).
    public static let restatedStorePolicies = """
        DO $$
        DECLARE
            owned record;
        BEGIN
            FOR owned IN SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'store_rows' LOOP
                EXECUTE format('ALTER POLICY store_rows ON %I USING (\(storePolicy.replacingOccurrences(of: "'", with: "''"))) WITH CHECK (\(storePolicy.replacingOccurrences(of: "'", with: "''")))', owned.tablename);
            END LOOP;
        END
        $$;
        """

    /// Gives each of `tables` to stores, in place: a required `store_id` column whose existing
    /// rows are the original store's (expand and backfill, without rewriting the table), new
    /// rows filled from the session's store when an insert does not name it, and row-level
    /// security forced on the table's owner too (contract). Replicas of the service that run
    /// code from before stores see no rows once it has run: stop them before the new version
    /// migrates (docs/operations.md, "Upgrading to stores"). The service's queries then see and write their
    /// store's rows only, whether or not they name it. Any `then` statements follow (keys made
    /// unique per store, indexes).
    public static func storeOwnership(version: Int, name: String, tables: [String], then sql: String = "") -> Migration {
        var statements: [String] = []
        for table in tables {
            statements += [
                // Expand and backfill in one step that rewrites nothing: PostgreSQL keeps the
                // constant default as the value of every existing row (no table rewrite, no
                // trigger fires, the lock is held for milliseconds).
                "ALTER TABLE \(table) ADD COLUMN store_id uuid NOT NULL DEFAULT '\(StoreID.original)'",
                "ALTER TABLE \(table) ALTER COLUMN store_id SET DEFAULT scoped_store()",
                "ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY",
                "ALTER TABLE \(table) FORCE ROW LEVEL SECURITY",
                "CREATE POLICY store_rows ON \(table) USING (\(storePolicy))",
            ]
        }
        return Migration(version: version, name: name,
                         statements: statements + Migration(version: version, name: name, sql: sql).statements)
    }

    /// The function a store-owned row's `store_id` defaults to: the session's store, and a
    /// clear error where the session names none or all of them (such work names the store).
    public static let scopedStoreFunction = """
        CREATE FUNCTION scoped_store() RETURNS uuid LANGUAGE plpgsql STABLE AS $$
        DECLARE
            scope text := coalesce(current_setting('commerce.store_id', true), '');
        BEGIN
            IF scope = '' OR scope = '*' THEN
                RAISE EXCEPTION 'a row of a store-owned table needs its store: the session names %',
                    CASE scope WHEN '' THEN 'none' ELSE 'every store' END
                    USING ERRCODE = '42501';
            END IF;
            RETURN scope::uuid;
        END
        $$;
        """
}
