import EventContracts
import Foundation
import Logging
import Synchronization

/// What the accounts behind access tokens say now: a staff member's current role, or that
/// they were removed or blocked; whether a customer is blocked. A token is only as good as its
/// account: removing, blocking or demoting staff, and blocking a customer, take effect within
/// ``freshness`` on every route of every gateway instance, not when the token expires.
///
/// Answers are remembered per account for ``freshness`` (in memory, per instance), so a busy
/// storefront costs one primary-key read per account per few seconds.
final class AccountStanding: Sendable {
    enum Standing: Sendable, Equatable {
        /// Staff in good standing, with the role the account has now.
        case staff(role: String, platformAdmin: Bool)
        /// A customer in good standing, of this store.
        case customer(store: StoreID)
        case blocked
        /// No such account (removed, or never existed).
        case gone
    }

    let staff: StaffStore
    let customers: CustomerStore
    let freshness: Duration
    private struct Memory {
        var standings: [UUID: (standing: Standing, at: ContinuousClock.Instant)] = [:]
        /// Bumped by ``forget(_:)``: a read that began before a change must not store what it read.
        var changes: [UUID: UInt64] = [:]
    }
    private let memory = Mutex(Memory())
    static let capacity = 50_000

    init(staff: StaffStore, customers: CustomerStore, freshness: Duration) {
        self.staff = staff
        self.customers = customers
        self.freshness = freshness
    }

    /// The staff account `id` as it stands now (at most ``freshness`` old).
    func ofStaff(_ id: UUID, logger: Logger) async throws -> Standing {
        try await standing(of: id) {
            guard let found = try await staff.standing(id: id, logger: logger) else { return .gone }
            return found.blocked ? .blocked : .staff(role: found.role, platformAdmin: found.platformAdmin)
        }
    }

    /// The customer account `id` as it stands now (at most ``freshness`` old).
    func ofCustomer(_ id: UUID, logger: Logger) async throws -> Standing {
        try await standing(of: id) {
            guard let found = try await customers.find(id: id, logger: logger) else { return .gone }
            return found.blocked ? .blocked : .customer(store: found.storeId)
        }
    }

    /// Forgets what is remembered of `id`, so this instance sees a change it made at once.
    func forget(_ id: UUID) {
        memory.withLock { memory in
            memory.standings.removeValue(forKey: id)
            memory.changes[id, default: 0] &+= 1
        }
    }

    private func standing(of id: UUID, read: () async throws -> Standing) async throws -> Standing {
        let now = ContinuousClock.now
        let (known, change) = memory.withLock { ($0.standings[id], $0.changes[id] ?? 0) }
        if let known, now - known.at < freshness { return known.standing }
        let fresh = try await read()
        memory.withLock { memory in
            guard (memory.changes[id] ?? 0) == change else { return }
            if memory.standings.count >= Self.capacity { memory.standings = memory.standings.filter { now - $0.value.at < freshness } }
            if memory.standings.count >= Self.capacity { memory.standings.removeAll(keepingCapacity: true) }
            memory.standings[id] = (fresh, now)
        }
        return fresh
    }
}
