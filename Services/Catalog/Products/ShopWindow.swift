import Foundation
import Hummingbird
import Messaging
import Persistence
import ServiceKit
import Synchronization

/// The shop window as shoppers read it, kept rendered: listing pages, product pages and the
/// category tree, each as the JSON last sent and its entity tag. The busiest reads of a shop
/// then cost neither PostgreSQL nor an encoding until something they show changes.
///
/// Every committed change to products, variants (stock and reservations included) or
/// categories notifies the catalog's change feed (a statement trigger, migration 109), on
/// every replica, and the window empties. Nothing is kept while the feed is not listening,
/// and an answer read before a change is never kept after it: each keeps the generation it
/// was read in, and a change moves the generation on.
final class ShopWindow: Sendable {
    /// The change feed key the trigger notifies.
    static let feedKey = "shop_window"

    private struct State {
        var generation: UInt64 = 0
        var pages: [String: (page: TaggedBody, keptAt: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())
    private let feed: ChangeFeed
    /// Pages kept at most; a full window empties (cheaper than tracking use, and a shop's
    /// hot pages come straight back).
    let capacity: Int
    /// The longest a page is kept even when no change is heard: a bound on what a notification
    /// lost on a connection that has not yet noticed it is broken could leave showing.
    let longestKept: Duration

    init(feed: ChangeFeed, capacity: Int = 2_000, longestKept: Duration = .seconds(30)) {
        self.feed = feed
        self.capacity = capacity
        self.longestKept = longestKept
        feed.observe(Self.feedKey) { [weak self] in self?.empty() }
    }

    /// Forgets every page, and whatever is being read now.
    func empty() {
        state.withLock { state in
            state.generation &+= 1
            state.pages.removeAll(keepingCapacity: true)
        }
    }

    /// The page kept under `key`, or the one `render` reads now (kept unless something
    /// changed meanwhile).
    func page(_ key: String, render: () async throws -> TaggedBody) async throws -> TaggedBody {
        guard let page = try await pageIfFound(key, render: render) else { preconditionFailure("render gave no page") }
        return page
    }

    /// The page kept under `key`, or the one `render` reads now; `render` returns nil for
    /// what does not exist, which is not kept.
    func pageIfFound(_ key: String, render: () async throws -> TaggedBody?) async throws -> TaggedBody? {
        // Each store has its own window.
        let key = "\(StoreScope.current?.description ?? "-") \(key)"
        let listening = feed.isListening
        let now = ContinuousClock.now
        let (kept, generation) = state.withLock { ($0.pages[key], $0.generation) }
        if listening, let kept, now - kept.keptAt < longestKept { return kept.page }
        guard let page = try await render() else { return nil }
        if listening {
            state.withLock { state in
                guard state.generation == generation else { return }
                if state.pages.count >= capacity { state.pages.removeAll(keepingCapacity: true) }
                state.pages[key] = (page, now)
            }
        }
        return page
    }
}

extension ShopWindow {
    /// Empties the window after each staff change (a non-GET under `/admin/`) has answered,
    /// so that staff and shoppers read a product right after changing it, without waiting
    /// for the notification to come round. Other replicas hear the notification.
    struct AfterStaffChanges: RouterMiddleware {
        typealias Context = ServiceRequestContext
        let window: ShopWindow

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard request.method != .get, request.uri.path.hasPrefix("/admin/") else { return try await next(request, context) }
            defer { window.empty() }
            return try await next(request, context)
        }
    }

    var afterStaffChanges: AfterStaffChanges { AfterStaffChanges(window: self) }
}
