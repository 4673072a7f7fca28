import EventContracts
import ServiceKit
import Testing

/// What a service remembers of each store: kept for a while, forgotten after a change, and
/// not remembered from a read that may have raced a change still committing.
@Suite("Per-store memory")
struct PerStoreMemoryTests {
    @Test("a value is kept for its time and per store; a forgotten store keeps nothing read during its hold-off")
    func keepsAndForgets() async throws {
        let memory = PerStoreMemory<String>(keptFor: .seconds(30), capacity: 2)
        let (a, b, c) = (StoreID.new(), StoreID.new(), StoreID.new())
        memory.keep("a1", for: a, readAt: .now)
        memory.keep("b1", for: b, readAt: .now)
        #expect(memory.value(of: a) == "a1" && memory.value(of: b) == "b1" && memory.value(of: c) == nil)

        memory.forget(a, holdOff: .seconds(1))
        #expect(memory.value(of: a) == nil && memory.value(of: b) == "b1", "forgetting one store leaves the others")
        memory.keep("a-raced", for: a, readAt: .now)
        #expect(memory.value(of: a) == nil, "a read during the hold-off is not kept")
        try await Task.sleep(for: .milliseconds(1_100))
        let startedBefore = ContinuousClock.now - .seconds(5)
        memory.keep("a-stale", for: a, readAt: startedBefore)
        #expect(memory.value(of: a) == nil, "a read that began before the store was forgotten is not kept")
        memory.keep("a2", for: a, readAt: .now)
        #expect(memory.value(of: a) == "a2", "after it, reads are kept again")

        memory.keep("b-old", for: b, readAt: .now - .seconds(31))
        #expect(memory.value(of: b) == nil, "past keptFor a value is read again")

        memory.keep("a3", for: a, readAt: .now)
        memory.keep("b3", for: b, readAt: .now)
        memory.keep("c3", for: c, readAt: .now)
        #expect(memory.value(of: c) == "c3" && memory.value(of: a) == nil, "past its capacity the memory starts over")
    }
}
