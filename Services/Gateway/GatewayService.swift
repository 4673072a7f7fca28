import EventContracts
import ServiceKit

extension ServiceDefinition {
    /// The storefront's and admin UI's only door: identity, authorization, limits, and
    /// forwarding to the services' internal HTTP APIs.
    static let gateway = ServiceDefinition(
        name: "gateway",
        summary: "The public front door: identity, authorization, limits, forwarding to the services.",
        defaultPort: 8080,
        publishes: Topic.identity,
        consumes: [Topic.orders],
        variables: Upstreams.variables + [
            EnvironmentVariable("UPSTREAM_TIMEOUT_MS", default: "10000", help: "How long the gateway waits for a service before answering 504."),
        ],
        setUp: { router, environment in
            let forwarder = try Forwarder(environment: environment)
            forwarder.register(on: router)
            return [forwarder]
        }
    )
}
