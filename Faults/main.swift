import Foundation
import ServiceKitTestKit

// `./suite faults`: the six services (release builds) under a steady purchase load while one
// fault at a time hits them: `kill -9` of each service in turn, every event each consuming
// service took delivered to it again, card webhooks doubled and out of order, then a deploy of
// every service one after another. Prints the harness's table (docs/operations.md explains it) and exits 1
// when a fault lost or doubled anything, or a deploy failed a storefront request.
//
// FAULTS_RATE (purchases per second, default 5), FAULTS_SECONDS (load per fault, default 20),
// FAULTS (a comma-separated choice of crash:<service>, replay:<service>, webhooks, postgres, broker and deploy; default all).
// FAULTS_POSTGRES_RESTART, FAULTS_BROKER_RESTART: the commands that restart PostgreSQL and the broker (`./suite faults` sets them).

let environment = ProcessInfo.processInfo.environment
let rate = Int(environment["FAULTS_RATE"] ?? "") ?? 5
let seconds = Int(environment["FAULTS_SECONDS"] ?? "") ?? 20
let every = SuiteProcesses.services.map { Fault.crash($0) } + SuiteProcesses.services.filter { $0 != "gateway" }.map { Fault.replay($0) }
    + [.webhookStorm] + (environment["FAULTS_POSTGRES_RESTART"].map { [Fault.restartPostgres(command: $0)] } ?? [])
    + (environment["FAULTS_BROKER_RESTART"].map { [Fault.restartBroker(command: $0)] } ?? [])
    + [.deploy(SuiteProcesses.services)]
let chosen = environment["FAULTS"].map { list in
    list.split(separator: ",").compactMap { name -> Fault? in
        if name == "deploy" { return .deploy(SuiteProcesses.services) }
        if name == "webhooks" { return .webhookStorm }
        if name == "postgres", let command = environment["FAULTS_POSTGRES_RESTART"] { return .restartPostgres(command: command) }
        if name == "broker", let command = environment["FAULTS_BROKER_RESTART"] { return .restartBroker(command: command) }
        if name.hasPrefix("replay:") { return .replay(String(name.dropFirst("replay:".count))) }
        guard name.hasPrefix("crash:") else { return nil }
        return .crash(String(name.dropFirst("crash:".count)))
    }
} ?? every

let harness = FaultHarness(portOffset: 1500, settings: .init(rate: rate, loadSeconds: seconds, faultAfter: .seconds(max(1, seconds / 4))))
var rows: [FaultHarness.Row] = []
do {
    try await harness.start()
    print("\(rate) purchases/s for \(seconds) s around each fault; the fault \(max(1, seconds / 4)) s in")
    for fault in chosen {
        print("\(fault)…")
        fflush(nil)
        let row = try await harness.run(fault)
        rows.append(row)
        print(FaultHarness.table([row]).split(separator: "\n").last!)
        for problem in (row.audit.lost + row.audit.duplicated + row.audit.stockMismatches).prefix(10) { print("    \(problem)") }
        for (reason, count) in row.unanswered.prefix(3) { print("    unanswered \(count) ×: \(reason)") }
        for (process, end) in harness.suite.ended().sorted(by: { $0.key < $1.key }) { print("    \(process) ended by itself: \(end)") }
        for crash in harness.suite.crashedWhileStopping() { print("    \(crash)") }
        fflush(nil)
    }
} catch {
    print("the harness stopped: \(error)")
    await harness.stop()
    exit(2)
}
await harness.stop()
print("")
print(FaultHarness.table(rows))
exit(rows.allSatisfy(\.holds) ? 0 : 1)
