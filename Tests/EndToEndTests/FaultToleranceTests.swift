import Foundation
import ServiceKitTestKit
import Testing

/// The CI-sized run of the fault harness (`./suite faults` runs every fault, longer): a steady
/// purchase load while a service crashes and while services are deployed, then an audit of
/// every schema. Nothing the storefront was promised may be lost or happen twice, and a deploy
/// may not fail a single storefront request.
@Suite("Faults under load: crashes and deploys lose and double nothing", .serialized)
struct FaultToleranceTests {
    @Test("kill -9 of checkout mid-sale, every event orders took delivered again, card webhooks three times and out of order, a deploy of catalog, orders and both gateways: every accepted purchase whole and once, no failed request during the deploy")
    func crashAndDeploy() async throws {
        // Ports of its own: 960 is no other suite's offset (FulfilmentChainTests take 880 and 900).
        let harness = FaultHarness(portOffset: 960, settings: .init(rate: 3, loadSeconds: 12, faultAfter: .seconds(3)))
        do {
            try await harness.start()
            var rows: [FaultHarness.Row] = []
            for fault in [Fault.crash("checkout"), .replay("orders"), .webhookStorm, .deploy(["catalog", "orders", "gateway"])] {
                rows.append(try await harness.run(fault))
            }
            print(FaultHarness.table(rows))
            for row in rows {
                #expect(row.accepted > 0, "\(row.fault): the shop sold during the fault")
                #expect(row.audit.lost.isEmpty, "\(row.fault): lost \(row.audit.lost.prefix(5))")
                #expect(row.audit.duplicated.isEmpty, "\(row.fault): doubled \(row.audit.duplicated.prefix(5))")
                #expect(row.audit.stockMismatches.isEmpty, "\(row.fault): stock \(row.audit.stockMismatches.prefix(5))")
                #expect(row.audit.heldForEnded == 0, "\(row.fault): reservations held for ended checkouts")
                #expect(row.recoveredIn != nil, "\(row.fault): purchases started after the fault completed")
            }
            #expect((rows[1].duplicatesSkipped ?? 0) > 0, "the replay delivered orders' events again, and its inbox skipped them")
            #expect(rows[2].webhooksDelivered > 2 * rows[0].webhooksDelivered,
                    "the storm delivered each success several times: \(rows[2].webhooksDelivered) against \(rows[0].webhooksDelivered)")
            #expect(rows[3].failed.isEmpty, "a deploy fails no storefront request: \(rows[3].failed)")
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }
}
