// swift-tools-version:6.0
import PackageDescription

/// The commerce suite: six independently deployable services over shared libraries.
/// Services talk to each other only through Kafka; each owns one PostgreSQL schema.
let services = ["Gateway", "Catalog", "Checkout", "Payments", "Orders", "Fulfillment"]

let serviceTargets: [Target] = services.map { name in
    .executableTarget(
        name: name,
        dependencies: [
            "ServiceKit", "Messaging", "Persistence", "EventContracts", "Money",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Crypto", package: "swift-crypto"),
        ] + (name == "Gateway" ? [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "JWTKit", package: "jwt-kit"),
        ] : name == "Payments" ? [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ] : name == "Fulfillment" ? [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ] : []),
        path: "Services/\(name)"
    )
}

let package = Package(
    name: "commerce",
    platforms: [.macOS(.v15)],
    products: services.map { .executable(name: $0.lowercased(), targets: [$0]) } + [
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "Persistence", targets: ["Persistence"]),
        .library(name: "Messaging", targets: ["Messaging"]),
        .library(name: "ServiceKit", targets: ["ServiceKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: serviceTargets + [
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Kafka"
        ),
        .target(name: "Money", path: "Shared/Money"),
        .target(name: "EventContracts", dependencies: ["Money"], path: "Shared/EventContracts"),
        .target(
            name: "Persistence",
            dependencies: [
                "EventContracts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Shared/Persistence"
        ),
        .target(
            name: "Messaging",
            dependencies: [
                "Persistence", "Kafka", "EventContracts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Shared/Messaging"
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Persistence", "Messaging", "Kafka", "EventContracts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/ServiceKit"
        ),
        .target(
            name: "ServiceKitTestKit",
            dependencies: [
                "ServiceKit", "Persistence", "Kafka",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Shared/ServiceKitTestKit"
        ),
        .executableTarget(
            name: "Benchmarks",
            dependencies: ["Kafka", "ServiceKit", "Messaging", "Persistence", "ServiceKitTestKit", "EventContracts",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "JWTKit", package: "jwt-kit")],
            path: "Benchmarks",
            exclude: ["run"]
        ),
        .executableTarget(
            name: "Faults",
            dependencies: ["ServiceKitTestKit"],
            path: "Faults"
        ),
        .testTarget(name: "MoneyTests", dependencies: ["Money"], path: "Tests/MoneyTests"),
        .testTarget(name: "EventContractsTests", dependencies: ["EventContracts"], path: "Tests/EventContractsTests"),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "ServiceKitTestKit"], path: "Tests/KafkaTests"),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "ServiceKit", "Messaging", "Persistence", "ServiceKitTestKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/ServiceKitTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ServiceKitTestKit", "EventContracts", "Kafka",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/EndToEndTests"
        ),
        .testTarget(
            name: "CatalogTests",
            dependencies: ["Catalog", "ServiceKit", "Messaging", "Persistence", "ServiceKitTestKit", "EventContracts", "Money"],
            path: "Tests/CatalogTests"
        ),
        .testTarget(name: "CheckoutTests", dependencies: [
            "Checkout", "EventContracts", "Money", "ServiceKit", "Messaging", "Persistence", "ServiceKitTestKit",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], path: "Tests/CheckoutTests"),
        .testTarget(name: "PaymentsTests", dependencies: [
            "Payments", "Money", "ServiceKit", "Messaging", "Persistence", "ServiceKitTestKit", "EventContracts",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], path: "Tests/PaymentsTests"),
        .testTarget(name: "OrdersTests", dependencies: [
            "Orders", "ServiceKit", "Messaging", "Persistence", "ServiceKitTestKit", "EventContracts", "Money",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], path: "Tests/OrdersTests"),
        .testTarget(name: "FulfillmentTests", dependencies: ["Fulfillment", "ServiceKit", "Messaging", "Persistence"], path: "Tests/FulfillmentTests"),
        .testTarget(name: "GatewayTests", dependencies: [
            "Gateway", "ServiceKit", "Messaging", "Persistence", "ServiceKitTestKit",
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Tests/GatewayTests"),
        .testTarget(name: "DeploymentTests", dependencies: ["ServiceKitTestKit"], path: "Tests/DeploymentTests"),
    ]
)
