import Foundation
import ServiceKit
import ServiceLifecycle

/// Pushes settled orders to the POS, a batch at a time: the POS's order id is stored on
/// success; a failure waits its backoff (see ``PosPushes/delay(after:)``). Woken when an
/// order is queued or staff retry one, and every second for retries coming due.
struct PosPusher: Service {
    let pushes: PosPushes
    let client: PosClient
    let environment: ServiceEnvironment

    func run() async throws {
        await environment.startGate.wait()
        guard environment.startGate.isOpen else { return }
        let logger = environment.logger
        await cancelWhenGracefulShutdown {
            let watch = pushes.changes.watch(PosPushes.wakeKey)
            defer { watch.cancel() }
            while !Task.isCancelled {
                do {
                    let due = try await pushes.claimDue(limit: 10, logger: logger)
                    await withTaskGroup(of: Void.self) { group in
                        for claimed in due { group.addTask { await push(claimed) } }
                    }
                    if due.count == 10 { continue }
                } catch {
                    logger.error("POS push round failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                await watch.wait(upTo: .seconds(1))
            }
        }
    }

    private func push(_ claimed: PosPushes.Claimed) async {
        let logger = environment.logger
        do {
            let id = try await client.createOrder(claimed.order, logger: logger)
            try await pushes.pushed(claimed, posOrderId: id, logger: logger)
            logger.info("order pushed to the POS", metadata: ["order.number": "\(claimed.order.customId)", "pos.order_id": "\(id)"])
        } catch {
            logger.warning("POS push failed", metadata: ["order.number": "\(claimed.order.customId)", "attempt": "\(claimed.attempt)",
                                                         "error": "\(error)"])
            do {
                try await pushes.failed(claimed, error: String(describing: error).prefix(500).description, logger: logger)
            } catch {
                logger.error("could not record a failed POS push; it is retried after its claim lapses", metadata: ["error": "\(error)"])
            }
        }
    }
}
