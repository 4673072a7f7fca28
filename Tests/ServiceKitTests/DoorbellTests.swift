@testable import Messaging
@testable import ServiceKit
import Testing

/// The doorbell is what lets the outbox relay and waiting requests sleep: a leftover ring
/// would turn each sleep into a busy loop of database rounds.
@Suite("Doorbell: wakes a sleeper early, remembers only real rings")
struct DoorbellTests {
    private func elapsed(_ body: () async -> Void) async -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        await body()
        return clock.now - start
    }

    @Test("a ring wakes the waiter; the waits after it sleep their whole interval")
    func ringThenSleep() async {
        let doorbell = Doorbell()
        Task {
            try? await Task.sleep(for: .milliseconds(50))
            doorbell.ring()
        }
        #expect(await elapsed { await doorbell.wait(upTo: .seconds(10)) } < .seconds(5), "woken by the ring")
        for _ in 0..<3 {
            #expect(await elapsed { await doorbell.wait(upTo: .milliseconds(300)) } >= .milliseconds(290),
                    "no ring is left behind by the cancelled timer")
        }
    }

    @Test("a ring with nobody waiting is remembered once")
    func rememberedOnce() async {
        let doorbell = Doorbell()
        doorbell.ring()
        doorbell.ring()
        #expect(await elapsed { await doorbell.wait(upTo: .seconds(10)) } < .seconds(5))
        #expect(await elapsed { await doorbell.wait(upTo: .milliseconds(300)) } >= .milliseconds(290))
    }

    @Test("a timed-out wait leaves nothing behind, and a cancelled waiter ends at once")
    func timeoutAndCancellation() async {
        let doorbell = Doorbell()
        await doorbell.wait(upTo: .milliseconds(50))
        #expect(await elapsed { await doorbell.wait(upTo: .milliseconds(300)) } >= .milliseconds(290))
        let waiter = Task { await doorbell.wait(upTo: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        #expect(await elapsed { await waiter.value } < .seconds(5))
        #expect(await elapsed { await doorbell.wait(upTo: .milliseconds(300)) } >= .milliseconds(290))
    }
}
