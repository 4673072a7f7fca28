import Hummingbird

/// One HTTP area of a service (the order desk, the cart API, a customer's account): its
/// routes, every one open to the same kind of caller. A service lists its controllers in
/// ``ServiceParts/controllers``; the kit mounts each one's ``endpoints`` behind an
/// ``AccessMiddleware`` for its ``access``, so a handler starts with the caller already
/// checked, and the service's ``APIContract`` takes each operation's access from the
/// controller it is documented under (``APIContract/Area``).
public protocol Controller: Sendable {
    /// Who may call every route of this controller.
    static var access: Access { get }
    /// The routes, with paths as the service serves them.
    var endpoints: RouteCollection<ServiceRequestContext> { get }
}
