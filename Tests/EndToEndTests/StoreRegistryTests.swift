import AsyncHTTPClient
import EventContracts
import Foundation
import ServiceKitTestKit
import Testing

/// The store registry through the gateway, with every service running: platform operators
/// create stores, every service sets its part up and the store opens; requests name their
/// store by publishable key (storefront) or id (staff), and every service sees the store the
/// gateway asserts.
@Suite("Stores: the registry, provisioning and naming the store", .serialized)
struct StoreRegistryTests {
    static let services = ["gateway", "catalog", "checkout", "payments", "orders", "fulfillment"]
    static let participants = ["catalog", "checkout", "fulfillment", "orders", "payments"]

    private func storeB(owner: String = "owner-b@example.com") -> [String: Any] {
        ["name": "Cửa hàng B", "slug": "store-b", "country": "US", "currency": "USD", "language": "en",
         "time_zone": "America/New_York", "order_prefix": "BSHOP", "owner_email": owner]
    }

    @Test("a platform operator creates a store; it answers in provisioning, opens once every service has set it up, and every service sees requests with its key as its own")
    func createdStoreOpens() async throws {
        try await withServices(Self.services, portOffset: 1200) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]

            let whoami = try await send(client, "GET", base + "/api/catalog/whoami")
            #expect(whoami.json?["store_id"] as? String == StoreID.original.description,
                    "a storefront naming no store reaches the default (original) store")

            let listed = try await send(client, "GET", base + "/api/platform/stores", headers: admin)
            #expect(listed.status == 200)
            let original = try #require((listed.json?["items"] as? [[String: Any]])?.first)
            #expect(original["id"] as? String == StoreID.original.description)
            #expect(original["status"] as? String == "active")
            let originalKey = try #require(original["publishable_key"] as? String)
            #expect(originalKey.hasPrefix("pk_"))

            let invalid = try await send(client, "POST", base + "/api/platform/stores", json: [
                "name": "", "slug": "-bad", "country": "Vietnam", "currency": "XYZ", "language": "fr",
                "time_zone": "Mars/Olympus", "order_prefix": "lower", "owner_email": "nobody",
            ], headers: admin)
            #expect(invalid.status == 422)
            let fields = Set(((invalid.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["name", "slug", "country", "currency", "language", "time_zone", "order_prefix", "owner_email"])

            let created = try await send(client, "POST", base + "/api/platform/stores", json: storeB(), headers: admin)
            #expect(created.status == 201, "created: \(String(decoding: created.body, as: UTF8.self))")
            let id = try #require(created.json?["id"] as? String)
            #expect(created.header("Location") == "/api/platform/stores/\(id)")
            #expect(created.json?["status"] as? String == "provisioning", "the answer does not wait for the services")
            #expect((created.json?["settings"] as? [String: Any])?["currency"] as? String == "USD")
            let key = try #require(created.json?["publishable_key"] as? String)
            #expect(key != originalKey)

            var taken = storeB()
            taken["order_prefix"] = "OTHER"
            let sameSlug = try await send(client, "POST", base + "/api/platform/stores", json: taken, headers: admin)
            #expect(sameSlug.status == 409)
            #expect(((sameSlug.json?["errors"] as? [[String: Any]])?.first?["field"] as? String) == "slug")
            taken = storeB()
            taken["slug"] = "store-c"
            let samePrefix = try await send(client, "POST", base + "/api/platform/stores", json: taken, headers: admin)
            #expect(samePrefix.status == 409)
            #expect(((samePrefix.json?["errors"] as? [[String: Any]])?.first?["field"] as? String) == "order_prefix")

            var store: [String: Any] = [:]
            let opened = try await waitUntil(timeout: .seconds(60)) {
                store = try await send(client, "GET", base + "/api/platform/stores/\(id)", headers: admin).json ?? [:]
                return store["status"] as? String == "active"
            }
            #expect(opened, "the store opens; it is \(store)")
            #expect(store["provisioned"] as? [String] == Self.participants, "every service has done its part")

            for service in Self.participants {
                let seen = try await send(client, "GET", base + "/api/\(service)/whoami", headers: ["X-Store-Key": key])
                #expect(seen.json?["store_id"] as? String == id, "\(service) sees store B's request as store B's")
            }
            let asOriginal = try await send(client, "GET", base + "/api/orders/whoami", headers: ["X-Store-Key": originalKey])
            #expect(asOriginal.json?["store_id"] as? String == StoreID.original.description)

            let unknown = try await send(client, "GET", base + "/api/catalog/whoami", headers: ["X-Store-Key": "pk_unknown"])
            #expect(unknown.status == 404)
            #expect(unknown.problemType == "/problems/store-not-found")
            #expect(((unknown.json?["errors"] as? [[String: Any]])?.first?["field"] as? String) == "X-Store-Key")

            let spoofed = try await send(client, "GET", base + "/api/catalog/whoami",
                                         headers: ["X-Commerce-Store-Id": id, "X-Store-Key": originalKey])
            #expect(spoofed.json?["store_id"] as? String == StoreID.original.description,
                    "a client cannot assert the store itself")

            let asStaffOfB = try await send(client, "GET", base + "/api/catalog/whoami", headers: admin.merging(["X-Store-Id": id]) { $1 })
            #expect(asStaffOfB.json?["store_id"] as? String == id, "a platform operator works in any store")
            #expect(asStaffOfB.json?["platform_admin"] as? Bool == true)
            let guestWithID = try await send(client, "GET", base + "/api/catalog/whoami", headers: ["X-Store-Id": id])
            #expect(guestWithID.status == 400, "a storefront names its store by key, not id")
        }
    }

    @Test("staff who are not platform operators cannot manage stores nor see a store they are not members of; suspending closes a storefront and resuming opens it; a new key replaces the old")
    func membershipSuspensionAndKeys() async throws {
        try await withServices(Self.services, portOffset: 1220) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]
            let created = try await send(client, "POST", base + "/api/platform/stores", json: storeB(), headers: admin)
            let id = try #require(created.json?["id"] as? String)
            let opened = try await waitUntil(timeout: .seconds(60)) {
                try await send(client, "GET", base + "/api/platform/stores/\(id)", headers: admin).json?["status"] as? String == "active"
            }
            #expect(opened)
            let key = try #require(created.json?["publishable_key"] as? String)

            // An admin of the original store, who does not run the platform.
            #expect(try await send(client, "POST", base + "/api/admin/staff", json: [
                "email": "manager@shop.local", "password": "manager-password", "name": "Manager", "role": "admin",
            ], headers: admin).status == 201)
            let login = try await send(client, "POST", base + "/api/admin/auth/login",
                                       json: ["email": "manager@shop.local", "password": "manager-password"])
            let manager = ["Authorization": "Bearer \(try #require(login.json?["access_token"] as? String))"]
            let refused = try await send(client, "GET", base + "/api/platform/stores", headers: manager)
            #expect(refused.status == 403, "only platform operators manage stores")
            #expect(try await send(client, "POST", base + "/api/platform/stores", json: storeB(owner: "x@example.com"),
                                   headers: manager).status == 403)
            let own = try await send(client, "GET", base + "/api/orders/whoami", headers: manager)
            #expect(own.json?["store_id"] as? String == StoreID.original.description, "a member works in their store")
            let foreign = try await send(client, "GET", base + "/api/orders/whoami", headers: manager.merging(["X-Store-Id": id]) { $1 })
            #expect(foreign.status == 404, "a store one is not a member of looks like no store at all")
            #expect(foreign.problemType == "/problems/store-not-found")
            let foreignByKey = try await send(client, "GET", base + "/api/orders/whoami", headers: manager.merging(["X-Store-Key": key]) { $1 })
            #expect(foreignByKey.status == 404, "nor can staff reach it by its key")

            // A clerk of store B: staff there, a stranger in the original store; each store's
            // staff list shows its own people only, and one store's admin cannot touch the other's.
            let inB = admin.merging(["X-Store-Id": id]) { $1 }
            let clerk = try await send(client, "POST", base + "/api/admin/staff", json: [
                "email": "clerk-b@example.com", "password": "clerk-b-password", "name": "Clerk B", "role": "staff",
            ], headers: inB)
            #expect(clerk.status == 201)
            let clerkID = try #require(clerk.json?["id"] as? String)
            let clerkLogin = try await send(client, "POST", base + "/api/admin/auth/login",
                                            json: ["email": "clerk-b@example.com", "password": "clerk-b-password"])
            let clerkToken = ["Authorization": "Bearer \(try #require(clerkLogin.json?["access_token"] as? String))"]
            let clerkInB = try await send(client, "GET", base + "/api/orders/whoami", headers: clerkToken.merging(["X-Store-Id": id]) { $1 })
            #expect(clerkInB.json?["role"] as? String == "staff" && clerkInB.json?["store_id"] as? String == id)
            #expect(try await send(client, "GET", base + "/api/admin/staff", headers: clerkToken.merging(["X-Store-Id": id]) { $1 }).status == 403,
                    "staff in store B, not an admin there")
            #expect(try await send(client, "GET", base + "/api/orders/whoami", headers: clerkToken).status == 404,
                    "and nobody in the original store")
            let listB = try await send(client, "GET", base + "/api/admin/staff", headers: inB)
            #expect(Set(((listB.json?["items"] as? [[String: Any]]) ?? []).compactMap { $0["email"] as? String })
                    == ["clerk-b@example.com", "owner-b@example.com"], "store B's staff: its clerk and its invited owner")
            let listA = try await send(client, "GET", base + "/api/admin/staff", headers: manager)
            let emailsA = ((listA.json?["items"] as? [[String: Any]]) ?? []).compactMap { $0["email"] as? String }
            #expect(!emailsA.contains("clerk-b@example.com") && emailsA.contains("manager@shop.local"))
            #expect(try await send(client, "POST", base + "/api/admin/staff/\(clerkID)/block", headers: manager).status == 404,
                    "an admin of the original store cannot block store B's clerk")
            let promoted = try await send(client, "PATCH", base + "/api/admin/staff/\(clerkID)", json: ["role": "admin"], headers: inB)
            #expect(promoted.json?["role"] as? String == "admin")
            #expect(try await send(client, "GET", base + "/api/admin/staff", headers: clerkToken.merging(["X-Store-Id": id]) { $1 }).status == 200,
                    "a role change in the store takes effect at once")

            let noReason = try await send(client, "POST", base + "/api/platform/stores/\(id)/suspend", json: ["reason": " "], headers: admin)
            #expect(noReason.status == 422)
            let suspended = try await send(client, "POST", base + "/api/platform/stores/\(id)/suspend",
                                           json: ["reason": "Unpaid invoice"], headers: admin)
            #expect(suspended.json?["status"] as? String == "suspended")
            #expect(suspended.json?["suspended_reason"] as? String == "Unpaid invoice")
            let closed = try await send(client, "GET", base + "/api/catalog/whoami", headers: ["X-Store-Key": key])
            #expect(closed.status == 403)
            #expect(closed.problemType == "/problems/store-unavailable")
            let stillManaged = try await send(client, "GET", base + "/api/catalog/whoami", headers: admin.merging(["X-Store-Id": id]) { $1 })
            #expect(stillManaged.status == 200, "the platform keeps access to a suspended store's data")
            let twice = try await send(client, "POST", base + "/api/platform/stores/\(id)/resume", headers: admin)
            #expect(twice.json?["status"] as? String == "active")
            #expect(try await send(client, "GET", base + "/api/catalog/whoami", headers: ["X-Store-Key": key]).status == 200)
            let notSuspended = try await send(client, "POST", base + "/api/platform/stores/\(id)/resume", headers: admin)
            #expect(notSuspended.status == 200, "resuming an open store changes nothing")

            let rotated = try await send(client, "POST", base + "/api/platform/stores/\(id)/publishable-key", headers: admin)
            let newKey = try #require(rotated.json?["publishable_key"] as? String)
            #expect(newKey != key)
            #expect(try await send(client, "GET", base + "/api/catalog/whoami", headers: ["X-Store-Key": key]).status == 404)
            #expect(try await send(client, "GET", base + "/api/catalog/whoami", headers: ["X-Store-Key": newKey]).json?["store_id"] as? String == id)
            #expect(try await send(client, "GET", base + "/api/platform/stores/\(UUID().uuidString.lowercased())", headers: admin).status == 404)
        }
    }

    @Test("a customer is an account of one store: one email, two stores, two accounts and passwords; a token or refresh token of one store is refused by the other; staff see only their store's customers")
    func customersBelongToOneStore() async throws {
        try await withServices(["gateway"], portOffset: 1240) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]
            let created = try await send(client, "POST", base + "/api/platform/stores", json: storeB(), headers: admin)
            let keyB = ["X-Store-Key": try #require(created.json?["publishable_key"] as? String)]
            // Only the gateway runs here: the store stays in provisioning, which is enough for
            // accounts (and shows that its storefront is closed until it opens).
            let closed = try await send(client, "POST", base + "/api/auth/register", json: [
                "email": "ana@example.com", "password": "password-b-1", "name": "Ana B",
            ], headers: keyB)
            #expect(closed.status == 403 && closed.problemType == "/problems/store-unavailable", "a store being set up sells nothing")
        }
        try await withServices(Self.services, portOffset: 1240) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]
            let created = try await send(client, "POST", base + "/api/platform/stores", json: storeB(), headers: admin)
            let storeID = try #require(created.json?["id"] as? String)
            let keyB = ["X-Store-Key": try #require(created.json?["publishable_key"] as? String)]
            #expect(try await waitUntil(timeout: .seconds(60)) {
                try await send(client, "GET", base + "/api/platform/stores/\(storeID)", headers: admin).json?["status"] as? String == "active"
            })

            func register(_ password: String, _ name: String, _ store: [String: String]) async throws -> Answer {
                try await send(client, "POST", base + "/api/auth/register",
                               json: ["email": "ana@example.com", "password": password, "name": name], headers: store)
            }
            let inA = try await register("password-a-1", "Ana A", [:])
            #expect(inA.status == 201)
            let inB = try await register("password-b-1", "Ana B", keyB)
            #expect(inB.status == 201, "the same email opens a second account in another store")
            #expect(try await register("password-b-2", "Ana B2", keyB).status == 409, "but only one per store")
            let tokenA = try #require(inA.json?["access_token"] as? String)
            let tokenB = try #require(inB.json?["access_token"] as? String)
            let idA = try #require((inA.json?["customer"] as? [String: Any])?["id"] as? String)
            let idB = try #require((inB.json?["customer"] as? [String: Any])?["id"] as? String)
            #expect(idA != idB)

            func login(_ password: String, _ store: [String: String]) async throws -> UInt {
                try await send(client, "POST", base + "/api/auth/login", json: ["email": "ana@example.com", "password": password],
                               headers: store).status
            }
            #expect(try await login("password-b-1", keyB) == 200)
            #expect(try await login("password-a-1", keyB) == 401, "store A's password does not open store B's account")
            #expect(try await login("password-b-1", [:]) == 401)

            let meB = try await send(client, "GET", base + "/api/me", headers: keyB.merging(["Authorization": "Bearer \(tokenB)"]) { $1 })
            #expect(meB.json?["name"] as? String == "Ana B")
            let crossed = try await send(client, "GET", base + "/api/me", headers: keyB.merging(["Authorization": "Bearer \(tokenA)"]) { $1 })
            #expect(crossed.status == 401, "store A's token is refused by store B")
            #expect(crossed.problemType == "/problems/token-for-another-store")
            let crossedBack = try await send(client, "GET", base + "/api/orders/whoami", headers: ["Authorization": "Bearer \(tokenB)"])
            #expect(crossedBack.status == 401, "and store B's by store A, on the services' routes too")

            let refreshB = try #require(inB.json?["refresh_token"] as? String)
            let refreshedInA = try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": refreshB])
            #expect(refreshedInA.status == 401, "a refresh token works only in its store")
            let refreshedInB = try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": refreshB], headers: keyB)
            #expect(refreshedInB.status == 200, "and trying it in another store did not spend it")

            let theirs = try await send(client, "GET", base + "/api/admin/customers/\(idB)", headers: admin)
            #expect(theirs.status == 404, "working in store A, staff do not see store B's customers")
            let ours = try await send(client, "GET", base + "/api/admin/customers/\(idB)", headers: admin.merging(["X-Store-Id": storeID]) { $1 })
            #expect(ours.status == 200 && ours.json?["name"] as? String == "Ana B")
        }
    }
}
