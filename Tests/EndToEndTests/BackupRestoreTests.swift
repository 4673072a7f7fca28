import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// `./suite backup` and `./suite restore` (deploy/local/backup.sh, restore.sh) on a suite that is
/// selling: the backup is taken while purchases are under way, restored into a new database, and
/// the six services started on it (with topics of their own, and every service's events from
/// before the backup republished, as docs/operations.md tells an operator) finish every purchase
/// the backup caught half way and sell again.
@Suite("Backup and restore: a backup taken mid-sale restores into an empty database and sells again", .serialized)
struct BackupRestoreTests {
    /// The original suite's ports; the restored one takes the next 20. No other suite uses
    /// 1300–1339 (the benchmarks listen on 19080–19193, the fault harness's second gateway on 20040).
    static let offset = 1300
    static let purchases = 24
    static let rate = 3
    /// Purchases that start after the backup has ended: it must not hold them.
    static let afterBackup = 3

    @Test("a backup taken while purchases are under way (and fulfilment is being deployed) restores into a new database: row counts as the manifest says; on new topics, with the outboxes republished from before the backup, every purchase it caught completes once, stock adds up, and new cash and card orders complete; a restore over existing schemas or from a damaged file is refused")
    func backupMidSaleRestoresAndSells() async throws {
        let original = SuiteProcesses(portOffset: Self.offset)
        let restored = SuiteProcesses(portOffset: Self.offset + 20)
        let restoredDatabase = "commerce_restore_\(original.instance)"
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("commerce-backup-\(original.instance)")
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var tools: [Process] = []
        func cleanUp() async {
            await original.stopAll()
            await restored.stopAll()
            for tool in tools { SuiteProcesses.stopTool(tool) }
            // COMMERCE_TEST_KEEP_SCHEMAS keeps the restored database too, to look at after a failure.
            if ProcessInfo.processInfo.environment["COMMERCE_TEST_KEEP_SCHEMAS"] == nil {
                _ = try? await Self.sql("postgres", "DROP DATABASE IF EXISTS \(restoredDatabase) WITH (FORCE)")
            }
            _ = try? await Self.sql("postgres", "DROP DATABASE IF EXISTS \(restoredDatabase)_damaged WITH (FORCE)")
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: folder.appendingPathExtension("damaged"))
            try? await client.shutdown()
        }
        do {
            try await run(original: original, restored: restored, restoredDatabase: restoredDatabase, folder: folder, client: client, tools: &tools)
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    private func run(original: SuiteProcesses, restored: SuiteProcesses, restoredDatabase: String, folder: URL, client: HTTPClient,
                     tools: inout [Process]) async throws {
        // 1. The original suite, a stocked shop, and purchases at 3 a second for 8 seconds; the
        // backup starts 4.5 seconds in, while fulfilment is being deployed (down from 3 s until the
        // backup has ended): the orders placed meanwhile are published, and fulfilment has not seen
        // them when the snapshot is taken. Only a republish brings their shipments.
        tools.append(try SuiteProcesses.startTool("card_provider.py", [String(original.cardProviderPort), SuiteProcesses.cardSecretKey]))
        for service in SuiteProcesses.services { try await original.start(service, overrides: FaultHarness.loadOverrides(for: service)) }
        for service in SuiteProcesses.services { try await waitUntilReady(service, of: original, client) }
        let variants = try await FaultHarness.stockTheShop(original, client, slug: "backup-\(original.instance)", variants: 4, onHand: 10_000)
        let storefront = Storefront(gateways: [original.baseURL("gateway")], webhooks: "http://127.0.0.1:\(original.paymentsWebhookPort)",
                                    cardWebhookSecret: SuiteProcesses.cardWebhookSecret, targets: variants.map { PurchaseTarget(variant: $0) }, patience: .seconds(60))
        let clock = ContinuousClock()
        let start = clock.now
        let schemas = SuiteProcesses.services.map { original.schema(of: $0) }
        let backup = Task { () throws -> (status: Int32, output: String, began: ContinuousClock.Instant, ended: ContinuousClock.Instant) in
            try await Task.sleep(until: start + .seconds(3), clock: clock)
            await original.stop("fulfillment")
            try await Task.sleep(until: start + .seconds(4.5), clock: clock)
            // On a busy machine the purchases go slower: wait (up to 20 s more) until an order
            // exists that fulfilment has not seen, so that the backup catches sagas mid-way.
            let waitingUntil = clock.now + .seconds(20)
            while clock.now < waitingUntil {
                let unseen = Int(try await Self.sql(Self.testDatabase, """
                    SELECT count(*) FROM \(original.schema(of: "orders")).orders o
                    WHERE NOT EXISTS (SELECT 1 FROM \(original.schema(of: "fulfillment")).shipments s WHERE s.order_id = o.id)
                    """).first?.first ?? "") ?? 0
                if unseen > 0 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            let began = clock.now
            let (status, output) = try await Self.script("backup.sh", [folder.path, "--database", Self.testDatabase,
                                                                      "--schemas", schemas.joined(separator: ",")])
            let ended = clock.now
            try await original.start("fulfillment", overrides: FaultHarness.loadOverrides(for: "fulfillment"))
            return (status, output, began, ended)
        }
        var phases: [String] = []
        func phase(_ name: String) {
            let elapsed = clock.now - start
            phases.append(String(format: "%@ %.1f s", name, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        let sold = await withTaskGroup(of: Storefront.Purchase.self) { group in
            for index in 0..<Self.purchases {
                // The last few start only once the backup has ended, so that it cannot hold
                // them however slowly a busy machine sells the others.
                if index >= Self.purchases - Self.afterBackup { _ = try? await backup.value }
                try? await Task.sleep(until: start + .milliseconds(index * 1000 / Self.rate), clock: clock)
                group.addTask { await storefront.purchase(index) }
            }
            var all: [Storefront.Purchase] = []
            for await purchase in group { all.append(purchase) }
            return all
        }
        try await storefront.shutdown()
        let taken = try await backup.value
        phase("sold")
        try #require(taken.status == 0, "backup.sh succeeded:\n\(taken.output)")
        let unfinished = sold.compactMap(\.failure)
        #expect(unfinished.isEmpty, "the original suite completed every purchase: \(unfinished)")
        let underWay = sold.filter { $0.startedAt < taken.ended && $0.finishedAt > taken.began }.count
        #expect(underWay > 0, "purchases were under way while the backup ran")

        // 2. The manifest: one entry per schema, with its file, checksum, owner, migration and rows.
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
            as? [String: Any])
        let takenAt = try #require(manifest["taken_at"] as? String)
        #expect(manifest["database"] as? String == Self.testDatabase)
        #expect((manifest["server_version"] as? String)?.hasPrefix("15") == true, "server version: \(manifest["server_version"] ?? "none")")
        let entries = try #require(manifest["schemas"] as? [[String: Any]])
        #expect(entries.compactMap { $0["name"] as? String } == schemas)
        var rows: [String: [String: Int]] = [:]
        for (service, entry) in zip(SuiteProcesses.services, entries) {
            let name = try #require(entry["name"] as? String)
            #expect(entry["owner"] as? String == service, "\(name) is owned by the service's role")
            #expect((entry["sha256"] as? String)?.count == 64)
            #expect((entry["bytes"] as? Int ?? 0) > 0)
            #expect(((entry["migration"] as? [String: Any])?["version"] as? Int ?? 0) >= 100, "\(name): its service's migrations are applied")
            #expect(entry["outbox"] is [String: Any], "\(name): the outbox's newest published_at")
            rows[name] = try #require(entry["rows"] as? [String: Int])
        }
        let caught = rows[original.schema(of: "checkout")]?["checkouts"] ?? 0
        #expect(caught > 0 && caught < Self.purchases, "the backup holds some of the purchases, not all: \(caught) checkouts")

        // 3. A restore refuses, changing nothing, over schemas that exist and from a damaged file.
        let over = try await Self.script("restore.sh", [folder.path, "--database", Self.testDatabase])
        #expect(over.status != 0 && over.output.contains("already holds schema"), "refused over existing schemas:\n\(over.output)")
        let damaged = folder.appendingPathExtension("damaged")
        try FileManager.default.copyItem(at: folder, to: damaged)
        let victim = damaged.appendingPathComponent("\(original.schema(of: "orders")).dump")
        var bytes = try Data(contentsOf: victim)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: victim)
        let corrupt = try await Self.script("restore.sh", [damaged.path, "--database", "\(restoredDatabase)_damaged", "--create"])
        #expect(corrupt.status != 0 && corrupt.output.contains("does not match the manifest"), "refused a damaged file:\n\(corrupt.output)")
        let made = try await Self.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname = '\(restoredDatabase)_damaged'")
        #expect(made == [["0"]], "the refused restore created no database")

        // The original suite goes (its schemas with it).
        await original.stopAll()
        phase("refusals checked, original stopped")

        // 4. The restore, into a new database.
        let restore = try await Self.script("restore.sh", [folder.path, "--database", restoredDatabase, "--create",
                                                           "--topic-prefix", restored.topicPrefix])
        try #require(restore.status == 0, "restore.sh succeeded:\n\(restore.output)")
        #expect(restore.output.contains("row counts match the manifest"))
        // Every table holds what the manifest counted, and each schema is its service's.
        var counts: [String] = []
        for (schema, tables) in rows {
            for table in tables.keys { counts.append("SELECT '\(schema).\(table)', count(*) FROM \(schema).\(table)") }
        }
        let restoredCounts = try await Self.sql(restoredDatabase, counts.joined(separator: " UNION ALL "))
        #expect(restoredCounts.count == counts.count)
        for row in restoredCounts {
            let (schema, table) = (String(row[0].split(separator: ".")[0]), String(row[0].split(separator: ".")[1]))
            #expect(Int(row[1]) == rows[schema]?[table], "\(row[0]): \(row[1]) rows restored, the manifest says \(rows[schema]?[table] ?? -1)")
        }
        let owners = try await Self.sql(restoredDatabase, """
            SELECT nspname, nspowner::regrole::text FROM pg_namespace WHERE nspname IN (\(schemas.map { "'\($0)'" }.joined(separator: ", "))) ORDER BY 1
            """)
        #expect(owners.count == 6 && owners.allSatisfy { $0[0] == original.schema(of: $0[1]) }, "each schema owned by its service: \(owners)")

        // The outbox's topics are the restored suite's (its own topics and consumer groups).
        let topics = try await Self.sql(restoredDatabase, schemas.map { "SELECT DISTINCT topic FROM \($0).outbox" }.joined(separator: " UNION "))
        #expect(!topics.isEmpty && topics.allSatisfy { $0[0].hasPrefix(restored.topicPrefix) }, "outbox topics on the new prefix: \(topics)")
        let halfWay = try await Self.audit(original, restoredDatabase).lost.count
        let unshipped = Int(try await Self.sql(restoredDatabase, """
            SELECT count(*) FROM \(original.schema(of: "orders")).orders o
            WHERE NOT EXISTS (SELECT 1 FROM \(original.schema(of: "fulfillment")).shipments s WHERE s.order_id = o.id)
            """).first?.first ?? "") ?? 0
        #expect(unshipped > 0, "the backup holds orders fulfilment had not seen (it was being deployed)")

        // 5. Events since the backup, published again (the operator's step after a restore; the
        // consumers' inboxes drop what they had applied).
        let republish = schemas.enumerated().map { index, schema in
            "r\(index) AS (UPDATE \(schema).outbox SET published_at = NULL WHERE published_at >= '\(takenAt)'::timestamptz - interval '15 minutes' RETURNING 1)"
        }
        let republished = try await Self.sql(restoredDatabase, "WITH \(republish.joined(separator: ", ")) SELECT "
                                             + schemas.indices.map { "(SELECT count(*) FROM r\($0))" }.joined(separator: " + "))
        #expect(Int(republished.first?.first ?? "0") ?? 0 > 0, "events to republish")

        // 6. The restored suite: the same schemas, in the new database (through `overrides`:
        // SuiteProcesses makes and drops its own empty schemas in the test database, unused), on
        // topics of its own (the prefix restore.sh rewrote the outboxes to).
        tools.append(try SuiteProcesses.startTool("card_provider.py", [String(restored.cardProviderPort), SuiteProcesses.cardSecretKey]))
        for service in SuiteProcesses.services {
            var overrides = FaultHarness.loadOverrides(for: service)
            overrides["DATABASE_URL"] = Self.databaseURL(restoredDatabase, role: service)
            overrides["DATABASE_SCHEMA"] = original.schema(of: service)
            try await restored.start(service, overrides: overrides)
        }
        for service in SuiteProcesses.services { try await waitUntilReady(service, of: restored, client) }
        phase("restored and started")

        // Every purchase the backup caught completes. Card payments still waiting are paid as the
        // provider does when it sends its events again (their webhooks after the backup are not in it).
        var audit = try await Self.audit(original, restoredDatabase)
        var paid: Set<String> = []
        let deadline = clock.now + .seconds(60)
        while !audit.lost.isEmpty && clock.now < deadline {
            for waiting in try await Self.sql(restoredDatabase, """
                SELECT provider_payment_id, amount_minor FROM \(original.schema(of: "payments")).payments
                WHERE method = 'card' AND status = 'awaiting' AND provider_payment_id IS NOT NULL
                """) where !paid.contains(waiting[0]) {
                let event = try Storefront.cardEvent("payment_intent.succeeded", intent: waiting[0], amount: Int(waiting[1]) ?? 0,
                                                     secret: SuiteProcesses.cardWebhookSecret)
                let answer = try await send(client, "POST", "http://127.0.0.1:\(restored.paymentsWebhookPort)/webhooks/stripe", bytes: event.body,
                                            headers: ["Content-Type": "application/json", "Stripe-Signature": event.signature])
                if answer.status == 200 { paid.insert(waiting[0]) }
            }
            try await Task.sleep(for: .seconds(1))
            audit = try await Self.audit(original, restoredDatabase)
        }
        phase("caught purchases completed")
        #expect(audit.checkouts == caught, "the restored suite knows the backup's checkouts and none from after it")
        #expect(audit.lost.isEmpty, "every purchase the backup caught completed on the restored suite: \(audit.lost.prefix(5))")

        // 7. A new cash order and a new card order, through the restored gateway.
        let again = Storefront(gateways: [restored.baseURL("gateway")], webhooks: "http://127.0.0.1:\(restored.paymentsWebhookPort)",
                               cardWebhookSecret: SuiteProcesses.cardWebhookSecret, targets: variants.map { PurchaseTarget(variant: $0) }, patience: .seconds(40))
        let cash = await again.purchase(0)
        let card = await again.purchase(1)
        try await again.shutdown()
        #expect(cash.completed, "a new cash-on-delivery purchase completed: \(cash.failure ?? "")")
        #expect(card.completed, "a new card purchase completed: \(card.failure ?? "")")

        // 8. Everything whole and once, stock adding up.
        audit = try await Self.audit(original, restoredDatabase)
        let settled = clock.now + .seconds(20)
        while !audit.lost.isEmpty && clock.now < settled {
            try await Task.sleep(for: .seconds(1))
            audit = try await Self.audit(original, restoredDatabase)
        }
        phase("new orders completed")
        let newOrders = try await Self.sql(restoredDatabase, """
            SELECT o.payment_method, o.status FROM \(original.schema(of: "orders")).orders o
            WHERE o.checkout_id IN ('\(cash.checkoutId ?? UUID().uuidString)', '\(card.checkoutId ?? UUID().uuidString)') ORDER BY 1
            """)
        #expect(newOrders == [["card", "paid"], ["cod", "confirmed"]], "the new orders: \(newOrders)")
        #expect(audit.checkouts == caught + 2)
        #expect(audit.lost.isEmpty, "lost: \(audit.lost.prefix(5))")
        #expect(audit.duplicated.isEmpty, "doubled: \(audit.duplicated.prefix(5))")
        #expect(audit.stock.isEmpty, "stock that does not add up to its movements: \(audit.stock.prefix(5))")
        #expect(audit.heldForEnded == 0, "reservations held for ended checkouts")
        print("backup and restore: \(caught) of \(Self.purchases) checkouts in the backup, \(halfWay) of them half way, "
              + "\(unshipped) orders not yet shipped "
              + "(\(underWay) purchases under way while it ran), "
              + "\(republished.first?.first ?? "?") events republished, \(paid.count) card payments paid again after the restore; "
              + "since the load began: \(phases.joined(separator: ", "))")
    }

    // MARK: - Helpers

    static var testDatabase: String { URLComponents(string: TestInfrastructure.adminDatabaseURL)!.path.trimmingCharacters(in: ["/"]) }

    /// The URL a service's role connects to `database` with (the test cluster's local passwords).
    static func databaseURL(_ database: String, role: String) -> String {
        var components = URLComponents(string: TestInfrastructure.adminDatabaseURL)!
        components.user = role
        components.password = "\(role)-local"
        components.path = "/\(database)"
        return components.string!
    }

    /// The test database's server and superuser as libpq's variables (what the scripts connect with).
    static var libpqEnvironment: [String: String] {
        let url = URLComponents(string: TestInfrastructure.adminDatabaseURL)!
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = url.host ?? "127.0.0.1"
        environment["PGPORT"] = String(url.port ?? 5432)
        environment["PGUSER"] = url.user ?? "postgres"
        environment["PGPASSWORD"] = url.password ?? ""
        return environment
    }

    /// Runs deploy/local/`name` with `arguments`; its exit status and everything it printed.
    static func script(_ name: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let path = SuiteProcesses.repositoryRoot.appendingPathComponent("deploy/local/\(name)").path
        return try await SuiteProcesses.exec(URL(fileURLWithPath: "/bin/bash"), arguments: [path] + arguments,
                                             environment: libpqEnvironment, mergingErrors: true)
    }

    /// Runs `statement` with psql as the superuser on `database`; the rows, each as its fields.
    static func sql(_ database: String, _ statement: String) async throws -> [[String]] {
        let psql = ["/usr/lib/postgresql/15/bin/psql", "/usr/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "psql"
        let (status, output) = try await SuiteProcesses.exec(URL(fileURLWithPath: psql),
                                                             arguments: ["-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                                                                         "-d", database, "-c", statement],
                                                             environment: libpqEnvironment, mergingErrors: true)
        guard status == 0 else { throw HarnessError("psql on \(database) failed (\(status)): \(output)\n\(statement)") }
        return output.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// What the restored database says about every checkout it holds (the fault harness's
    /// ``ShopAudit``, over all checkouts and on another database): whether each purchase is whole
    /// (completed; one order; its payment, captured in full for a card; a shipment), causes with
    /// two effects, stock that is not the sum of its movements, and reservations held for ended checkouts.
    struct Audit {
        var checkouts = 0
        var lost: [String] = []
        var duplicated: [String] = []
        var stock: [String] = []
        var heldForEnded = 0
    }

    static func audit(_ suite: SuiteProcesses, _ database: String) async throws -> Audit {
        let (catalog, checkout, payments, orders, fulfillment) = (suite.schema(of: "catalog"), suite.schema(of: "checkout"),
                                                                  suite.schema(of: "payments"), suite.schema(of: "orders"),
                                                                  suite.schema(of: "fulfillment"))
        var audit = Audit()
        for row in try await sql(database, """
            SELECT c.id, c.status, o.id IS NOT NULL, p.id IS NOT NULL,
                   c.payment_method <> 'card' OR (p.status = 'succeeded' AND p.captured_minor = p.amount_minor AND o.status = 'paid'),
                   EXISTS (SELECT 1 FROM \(fulfillment).shipments s WHERE s.order_id = o.id)
            FROM \(checkout).checkouts c
            LEFT JOIN \(orders).orders o ON o.checkout_id = c.id
            LEFT JOIN \(payments).payments p ON p.order_id = o.id
            """) {
            audit.checkouts += 1
            var missing: [String] = []
            if row[1] != "completed" { missing.append("checkout \(row[1])") }
            if row[2] != "t" { missing.append("no order") }
            if row[3] != "t" { missing.append("no payment") }
            if row[4] != "t" { missing.append("not captured") }
            if row[5] != "t" { missing.append("no shipment") }
            if !missing.isEmpty { audit.lost.append("\(row[0]): \(missing.joined(separator: ", "))") }
        }
        let twice = [
            "SELECT 'orders of checkout ' || checkout_id FROM \(orders).orders GROUP BY checkout_id HAVING count(*) > 1",
            "SELECT 'payments of order ' || order_id FROM \(payments).payments GROUP BY order_id HAVING count(*) > 1",
            "SELECT 'captures of payment ' || payment_id FROM \(payments).ledger_entries WHERE kind = 'capture' GROUP BY payment_id HAVING count(*) > 1",
            "SELECT 'first shipments of order ' || order_id FROM \(fulfillment).shipments WHERE split_from IS NULL GROUP BY order_id HAVING count(*) > 1",
            """
            SELECT 'emails of a kind about order ' || order_id || ' ' || kind FROM \(fulfillment).customer_emails WHERE order_id IS NOT NULL
            GROUP BY order_id, kind HAVING count(*) > 1
            """,
            """
            SELECT 'stock movements ' || variant_id || ' ' || kind || ' ' || reference FROM \(catalog).stock_movements
            WHERE reference IS NOT NULL GROUP BY variant_id, kind, reference HAVING count(*) > 1
            """,
        ]
        audit.duplicated = try await sql(database, twice.joined(separator: " UNION ALL ")).map { $0[0] }
        audit.stock = try await sql(database, """
            SELECT v.id || ': on hand ' || v.on_hand || ' vs ' || coalesce(m.on_hand, 0) || ', reserved ' || v.reserved || ' vs ' || coalesce(m.reserved, 0)
            FROM \(catalog).variants v
            LEFT JOIN (SELECT variant_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
                       FROM \(catalog).stock_movements GROUP BY variant_id) m ON m.variant_id = v.id
            WHERE v.on_hand <> coalesce(m.on_hand, 0) OR v.reserved <> coalesce(m.reserved, 0)
            """).map { $0[0] }
        audit.heldForEnded = Int(try await sql(database, """
            SELECT count(*) FROM \(catalog).reservations r JOIN \(checkout).checkouts c ON c.id = r.checkout_id
            WHERE r.status = 'held' AND c.status IN ('completed', 'rejected', 'expired', 'failed', 'abandoned')
            """).first?.first ?? "0") ?? 0
        return audit
    }
}
