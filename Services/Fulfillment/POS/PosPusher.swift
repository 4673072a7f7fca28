import Foundation
import ServiceKit

/// Pushes a claimed order to the POS: the POS's order id is stored on success; a failure
/// waits its backoff (see ``RetryBackoff``). Run by the kit's ``ClaimedWork``.
///
/// Each push goes out as its store's account (the claimed push is handled within its store);
/// a store that disconnected its POS meanwhile fails the push, for its staff to see.
struct PosPusher: Sendable {
    let pushes: PosPushStore
    let provider: PosProvider
    let accounts: PosAccountStore
    let environment: ServiceEnvironment

    /// The loop that claims due pushes and runs ``push(_:)`` on each.
    var work: ClaimedWork<PosPushStore.Claimed> {
        ClaimedWork("pos-pushes", batch: 10, environment: environment, changes: pushes.changes, wakeKey: PosPushStore.wakeKey,
                    claim: { [pushes, environment] limit in try await pushes.claimDue(limit: limit, logger: environment.logger) },
                    handle: { [self] claimed in await push(claimed) })
    }

    func push(_ claimed: PosPushStore.Claimed) async {
        let logger = environment.logger
        let client: PosClient
        do {
            guard let account = try await accounts.account(logger: logger) else {
                try await pushes.failed(claimed, error: "the store has no POS account", logger: logger)
                return
            }
            client = account.client(of: provider)
        } catch {
            logger.error("could not read the store's POS account; the push is retried after its claim lapses", metadata: ["error": "\(error)"])
            return
        }
        if let posOrderId = claimed.withdraw {
            do {
                try await client.cancelOrder(posOrderId, logger: logger)
                try await pushes.withdrawn(claimed, logger: logger)
                logger.info("order withdrawn at the POS", metadata: ["order.number": "\(claimed.order.customId)", "pos.order_id": "\(posOrderId)"])
            } catch {
                logger.warning("POS withdrawal failed", metadata: ["order.number": "\(claimed.order.customId)", "attempt": "\(claimed.attempt)",
                                                                 "error": "\(error)"])
                try? await pushes.failed(claimed, error: String(describing: error).prefix(500).description, logger: logger)
            }
            return
        }
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
