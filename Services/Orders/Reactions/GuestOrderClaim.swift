import EventContracts
import Foundation
import Messaging
import ServiceKit

/// When a customer proves an email address, the orders placed as a guest with it become
/// theirs: listed in their history, counted in their statistics, each with a timeline note.
/// Only a verified address does this (see the gateway's `EmailVerifications`).
struct GuestOrderClaim: EventHandler {
    let orders: OrderStore

    var reactions: EventReactions {
        EventReactions().on(EmailVerified.self) { verified, context in
            let customer = verified.customerId.uuid
            try await orders.claimGuestOrders(email: verified.email, customer: customer, on: context.connection, logger: context.logger)
        }
    }
}
