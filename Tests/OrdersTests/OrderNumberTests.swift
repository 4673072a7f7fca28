import Foundation
@testable import Orders
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// Order numbers under concurrency, against PostgreSQL: never shared, never waiting for
/// another placement's transaction, and continuing a day counted before numbers came from
/// the sequence.
@Suite("Orders: order numbers")
struct OrderNumberTests {
    private let numbers = OrderNumber(prefix: "SHOP", timeZone: "Asia/Ho_Chi_Minh")

    /// Runs `body` on a fresh schema migrated with `migrations` (the kit's first), then drops it.
    private func withSchema(_ migrations: [Migration] = OrdersMigrations.all,
                            _ body: @Sendable (Database) async throws -> Void) async throws {
        try await TestSchema.with(prefix: "ordnum") { schema in
            try await TestInfrastructure.withClient(schema.settings) { database in
                try await MigrationRunner(database: database, migrations: KitMigrations.all + migrations).migrate(logger: TestInfrastructure.logger)
                try await body(database)
            }
        }
    }

    private func today(on database: Database) async throws -> String {
        let rows = try await database.client.query("SELECT to_char((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 'YYYYMMDD')",
                                                   logger: TestInfrastructure.logger)
        for try await day in rows.decode(String.self) { return day }
        throw OrdersInvariantError("no date")
    }

    @Test("a store that chose random numbers gets PREFIX and eight characters of Crockford's base 32, different each time; the sequence is not used")
    func randomNumbers() async throws {
        let logger = TestInfrastructure.logger
        try await withSchema { database in
            let random = OrderNumber(prefix: "SHOP", timeZone: "Asia/Ho_Chi_Minh", style: .random)
            var drawn: Set<String> = []
            for _ in 0..<200 {
                let number = try await database.transaction(logger: logger) { try await random.next(on: $0, logger: logger) }
                #expect(number.wholeMatch(of: /SHOP-[0-9A-HJKMNP-TV-Z]{8}/) != nil && number.dropFirst(5).contains(where: \.isLetter), "\(number)")
                drawn.insert(number)
            }
            #expect(drawn.count == 200)
            let sequential = try await database.transaction(logger: logger) { try await numbers.next(on: $0, logger: logger) }
            #expect(sequential.hasSuffix("-0001"), "random numbers took nothing from the day's count: \(sequential)")
        }
    }

    @Test("400 placements in 20 overlapping transactions, a quarter rolled back: every committed number is unique, of today, and positive")
    func concurrentPlacementsNeverShare() async throws {
        let logger = TestInfrastructure.logger
        try await withSchema { database in
            let day = try await today(on: database)
            struct RolledBack: Error {}
            let committed = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<20 {
                    group.addTask {
                        var kept: [String] = []
                        for round in 0..<20 {
                            let rollBack = (worker + round) % 4 == 0
                            do {
                                let number = try await database.transaction(logger: logger) { connection -> String in
                                    let number = try await numbers.next(on: connection, logger: logger)
                                    // Hold the transaction open as a consumer batch does, so placements overlap.
                                    try await Task.sleep(for: .milliseconds(2))
                                    if rollBack { throw RolledBack() }
                                    return number
                                }
                                kept.append(number)
                            } catch is RolledBack {}
                        }
                        return kept
                    }
                }
                var all: [String] = []
                for try await kept in group { all += kept }
                return all
            }
            #expect(committed.count == 300)
            #expect(Set(committed).count == committed.count, "a number was handed out twice")
            for number in committed {
                let parts = number.split(separator: "-")
                #expect(parts.count == 3 && parts[0] == "SHOP" && parts[1] == day, "\(number)")
                #expect((Int(parts[2]) ?? 0) > 0 && parts[2].count >= 4, "\(number)")
            }
        }
    }

    @Test("a placement whose transaction is still open does not make the next one wait")
    func openPlacementDoesNotBlock() async throws {
        let logger = TestInfrastructure.logger
        try await withSchema { database in
            _ = try await database.transaction(logger: logger) { try await numbers.next(on: $0, logger: logger) }
            let (held, release) = AsyncStream<Void>.makeStream()
            let (taken, signal) = AsyncStream<String>.makeStream()
            async let first: String = database.transaction(logger: logger) { connection in
                let number = try await numbers.next(on: connection, logger: logger)
                signal.yield(number)
                for await _ in held { break }
                return number
            }
            var iterator = taken.makeAsyncIterator()
            let open = try #require(await iterator.next())
            // While that transaction is open, another placement gets its number at once.
            let second = try await database.transaction(logger: logger) { connection -> String in
                try await connection.query("SET LOCAL lock_timeout = '1s'", logger: logger)
                return try await numbers.next(on: connection, logger: logger)
            }
            release.yield()
            release.finish()
            let firstNumber = try await first
            #expect(firstNumber == open)
            #expect(second != open)
            #expect(open.hasSuffix("-0002") && second.hasSuffix("-0003"), "\(open), \(second)")
        }
    }

    @Test("a day already counted by the old counter continues after its last number")
    func continuesTheOldCounter() async throws {
        let logger = TestInfrastructure.logger
        let before = OrdersMigrations.all.filter { $0.version < OrdersMigrations.sequencedNumbers.version }
        try await withSchema(before) { database in
            try await database.client.query("""
                INSERT INTO order_number_days (day, last) VALUES ((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 41)
                """, logger: logger)
            try await MigrationRunner(database: database, migrations: KitMigrations.all + OrdersMigrations.all).migrate(logger: logger)
            let day = try await today(on: database)
            let next = try await database.transaction(logger: logger) { try await numbers.next(on: $0, logger: logger) }
            #expect(next == "SHOP-\(day)-0042")
        }
    }
}
