extension Migration {
    /// Makes every committed change to `tables` (insert, update, delete, truncate) notify the
    /// channel `<schema>_changed` with `key`, once per statement (PostgreSQL folds equal
    /// notifications of one transaction): what a change feed's observers of `key` hear on every
    /// replica, whoever wrote, the service or anyone else.
    public static func changeNotifications(version: Int, name: String, key: String, tables: [String]) -> Migration {
        let function = "notify_\(key)"
        let triggers = tables.map { table in
            """
            CREATE TRIGGER \(table)_\(key) AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(table)
                FOR EACH STATEMENT EXECUTE FUNCTION \(function)()
            """
        }
        return Migration(version: version, name: name, statements: ["""
            CREATE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(TG_TABLE_SCHEMA || '_changed', '\(key)');
                RETURN NULL;
            END $$
            """] + triggers)
    }
}
