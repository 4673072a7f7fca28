extension Duration {
    /// This duration in whole milliseconds, as librdkafka's settings and timeouts take it
    /// (sub-millisecond parts dropped, nothing lost through a Double).
    var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
