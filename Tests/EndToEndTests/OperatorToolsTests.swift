import AsyncHTTPClient
import EventContracts
import Foundation
import ServiceKitTestKit
import Testing

/// The operator routes every service has, used through the gateway as staff would: dead
/// letters (list, inspect, replay, discard), republishing the outbox, and their audit.
@Suite("Operators: dead letters and republishing through the gateway", .serialized)
struct OperatorToolsTests {
    @Test("staff list and inspect a dead letter of orders, a failing replay keeps it open, a discard closes it; both are audited")
    func deadLetters() async throws {
        try await withServices(["gateway", "orders"], portOffset: 1080) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let asAdmin = ["Authorization": "Bearer \(admin)"]
            let letters = base + "/api/orders/admin/dead-letters"
            #expect(try await send(client, "GET", letters).status == 401)

            // An event no handler can read: a placed checkout whose id is a number.
            let broken = EventEnvelope(type: CheckoutPlaced.eventType, source: "/services/checkout", subject: "broken-\(UUID())",
                                       correlationId: "corr-broken", data: Data(#"{"checkout_id":5}"#.utf8))
            try await suite.publish(broken, on: Topic.checkout)
            var listed: [String: Any] = [:]
            #expect(try await waitUntil(timeout: .seconds(20)) {
                listed = try await send(client, "GET", letters + "?status=open", headers: asAdmin).json ?? [:]
                return listed["total"] as? Int == 1
            }, "the orders service keeps the message it could not read")
            let summary = try #require((listed["items"] as? [[String: Any]])?.first)
            #expect(summary["event_id"] as? String == broken.id)
            #expect(summary["payload"] == nil, "the list leaves payloads out")
            let id = try #require(summary["id"] as? Int)

            let detail = try await send(client, "GET", letters + "/\(id)", headers: asAdmin)
            #expect(detail.status == 200)
            let letter = try #require(detail.json)
            #expect(letter["event_type"] as? String == CheckoutPlaced.eventType)
            #expect(letter["topic"] as? String == suite.topicPrefix + Topic.checkout)
            #expect((letter["error"] as? String)?.contains("does not decode") == true)
            #expect(letter["attempts"] as? Int == 0, "a payload that cannot decode is not retried")
            #expect((letter["headers"] as? [String: Any])?["ce-type"] as? String == CheckoutPlaced.eventType)
            #expect(letter["payload_encoding"] as? String == "utf-8")
            #expect((letter["payload"] as? String)?.contains(broken.id) == true)
            #expect(try await send(client, "GET", letters + "/999999", headers: asAdmin).status == 404)
            #expect(try await send(client, "GET", letters + "/nope", headers: asAdmin).status == 422)
            #expect(try await send(client, "GET", letters + "?status=lost", headers: asAdmin).status == 422)

            let replay = try await send(client, "POST", letters + "/\(id)/replay", headers: asAdmin)
            #expect(replay.status == 409)
            #expect(replay.problemType == "/problems/replay-failed")
            let afterReplay = try await send(client, "GET", letters + "/\(id)", headers: asAdmin).json
            #expect(afterReplay?["status"] as? String == "open")
            #expect(afterReplay?["replay_attempts"] as? Int == 1)
            let all = try await send(client, "POST", letters + "/replay", headers: asAdmin)
            #expect(all.status == 200)
            #expect(all.json?["applied"] as? Int == 0)
            #expect((all.json?["failed"] as? [[String: Any]])?.first?["id"] as? Int == id)

            let noReason = try await send(client, "POST", letters + "/\(id)/discard", json: ["reason": " "], headers: asAdmin)
            #expect(noReason.status == 422)
            #expect((noReason.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "reason")
            let discarded = try await send(client, "POST", letters + "/\(id)/discard", json: ["reason": "a test's broken event"],
                                           headers: asAdmin)
            #expect(discarded.status == 200)
            #expect(discarded.json?["status"] as? String == "discarded")
            #expect(discarded.json?["note"] as? String == "a test's broken event")
            #expect((discarded.json?["resolved_by"] as? String)?.hasPrefix("staff:") == true)
            let again = try await send(client, "POST", letters + "/\(id)/replay", headers: asAdmin)
            #expect(again.status == 409)
            #expect(again.problemType == "/problems/dead-letter-not-open")
            #expect(try await send(client, "GET", letters + "?status=open", headers: asAdmin).json?["total"] as? Int == 0)

            let audit = try await send(client, "GET", base + "/api/orders/admin/operator-actions", headers: asAdmin).json
            let actions = (audit?["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions == ["dead_letter.discarded", "dead_letter.replay_failed", "dead_letter.replay_failed"])
        }
    }

    @Test("republishing needs an admin and a valid time, queues the service's events again and is audited")
    func republish() async throws {
        try await withServices(["gateway", "catalog"], portOffset: 1100) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let asAdmin = ["Authorization": "Bearer \(admin)"]
            let staffEmail = "ops+\(UUID().uuidString.prefix(8).lowercased())@shop.local"
            #expect(try await send(client, "POST", base + "/api/admin/staff", json: [
                "email": staffEmail, "password": "operator password", "name": "Ops", "role": "staff",
            ], headers: asAdmin).status == 201)
            let staff = try #require(try await send(client, "POST", base + "/api/admin/auth/login",
                                                    json: ["email": staffEmail, "password": "operator password"]).json?["access_token"] as? String)
            // Catalog publishes on its topic when a product is published. The whole test run
            // starts dozens of services and broker clients at once: reading a topic back can
            // take longer than the relay needs to publish, so the patience is a minute.
            _ = try await product(client, base, admin: admin, stock: 3, price: 10_000)
            #expect(try await waitUntil(timeout: .seconds(60)) {
                try await !TopicReader.read(topic: suite.topicPrefix + Topic.catalog, expected: 1, timeout: .seconds(5)).isEmpty
            }, "the relay published the product's events")
            // The relay records the broker's acknowledgements in its next round, at most a poll
            // interval (1 s) later; republishing takes events recorded as published.
            try await Task.sleep(for: .milliseconds(2500))
            let url = base + "/api/catalog/admin/outbox/republish"
            let since = RFC3339.string(from: Date().addingTimeInterval(-600))
            #expect(try await send(client, "POST", url, json: ["since": since], headers: ["Authorization": "Bearer \(staff)"]).status == 403)
            let missing = try await send(client, "POST", url, json: [:], headers: asAdmin)
            #expect(missing.status == 422)
            #expect((missing.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "since")
            #expect(try await send(client, "POST", url, json: ["since": since, "until": since], headers: asAdmin).status == 422)
            let queued = try await send(client, "POST", url, json: ["since": since], headers: asAdmin)
            #expect(queued.status == 202)
            let count = try #require(queued.json?["republished"] as? Int)
            #expect(count >= 1, "the product's events were published in the last ten minutes")
            // The relay publishes them again: the catalog topic carries each of those events twice.
            #expect(try await waitUntil(timeout: .seconds(60)) {
                let messages = try await TopicReader.read(topic: suite.topicPrefix + Topic.catalog, expected: 0, timeout: .seconds(5))
                let ids = try messages.map { try EventEnvelope.decode(Data($0.value)).id }
                return Dictionary(grouping: ids, by: { $0 }).values.filter { $0.count == 2 }.count >= count
            })
            let audit = try await send(client, "GET", base + "/api/catalog/admin/operator-actions", headers: asAdmin).json
            let entry = try #require((audit?["items"] as? [[String: Any]])?.first)
            #expect(entry["action"] as? String == "outbox.republished")
            let detail = try #require((entry["detail"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            #expect(detail["count"] as? String == "\(count)")
            #expect(detail["since"] as? String == since)
        }
    }
}
