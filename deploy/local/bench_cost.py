"""The order benchmark's cost model: what one placed-and-paid purchase costs, per process and in
total, in CPU, SQL and events. Reads the snapshots `./suite bench orders` takes (kind|name|value
lines) and prints a table and one machine-readable `BENCH_JSON {...}` line.

usage: bench_cost.py <purchases> <cpu file> <before snapshot> <after snapshot> <events file> <steal %>
The cpu file has `name|milliseconds` lines (each process's user+system CPU over the run).
"""
import json
import sys


def read(path):
    values = {}
    with open(path) as lines:
        for line in lines:
            parts = line.rstrip("\n").split("|")
            if len(parts) == 3 and parts[2] not in ("", None):
                values.setdefault(parts[0], {})[parts[1]] = float(parts[2])
    return values


def main():
    purchases = int(sys.argv[1])
    cpu = {}
    with open(sys.argv[2]) as lines:
        for line in lines:
            name, ms = line.rstrip("\n").split("|")
            cpu[name] = float(ms)
    before, after, events = read(sys.argv[3]), read(sys.argv[4]), read(sys.argv[5])
    steal = float(sys.argv[6])
    if purchases <= 0:
        print("no purchase was placed and paid: no cost per purchase")
        return

    def per(value):
        return round(value / purchases, 2)

    suite = {name: ms for name, ms in cpu.items() if name not in ("load generator", "card provider (fake)")}
    report = {
        "purchases": purchases,
        "cpu_ms_per_purchase": {name: per(ms) for name, ms in cpu.items()},
        "cpu_ms_per_purchase_total": per(sum(suite.values())),
        "steal_percent": steal,
    }
    for kind in ("statements", "transactions", "rows_written"):
        delta = {name: value - before.get(kind, {}).get(name, 0) for name, value in after.get(kind, {}).items()}
        report[kind + "_per_purchase"] = {name: per(value) for name, value in sorted(delta.items())}
        report[kind + "_per_purchase_total"] = per(sum(delta.values()))
    report["database_commits_per_purchase"] = per(after.get("commits", {}).get("database", 0) - before.get("commits", {}).get("database", 0))
    for kind, key in (("produced", "events"), ("consumed", "deliveries")):
        counts = events.get(kind, {})
        report[key + "_per_purchase"] = {name: per(value) for name, value in sorted(counts.items(), key=lambda item: -item[1])}
        report[key + "_per_purchase_total"] = per(sum(counts.values()))

    print(f"cost per placed-and-paid purchase ({purchases} purchases, host steal {steal:.0f} %):")
    print(f"  CPU: {report['cpu_ms_per_purchase_total']} ms in all (the suite's processes, PostgreSQL and the broker)")
    for name, ms in sorted(report["cpu_ms_per_purchase"].items(), key=lambda item: -item[1]):
        print(f"    {name:<24} {ms:8.2f} ms")
    print(f"  SQL statements: {report['statements_per_purchase_total']} "
          f"({', '.join(f'{k} {v}' for k, v in report['statements_per_purchase'].items())})")
    print(f"  transactions (COMMIT): {report['transactions_per_purchase_total']} "
          f"({', '.join(f'{k} {v}' for k, v in report['transactions_per_purchase'].items())}); "
          f"database commits in all {report['database_commits_per_purchase']}")
    print(f"  rows written: {report['rows_written_per_purchase_total']} "
          f"({', '.join(f'{k} {v}' for k, v in report['rows_written_per_purchase'].items())})")
    print(f"  events produced: {report['events_per_purchase_total']}")
    for name, count in report["events_per_purchase"].items():
        print(f"    {name:<56} {count:6.2f}")
    print(f"  deliveries consumed: {report['deliveries_per_purchase_total']}")
    for name, count in report["deliveries_per_purchase"].items():
        print(f"    {name:<56} {count:6.2f}")
    report["relay_ms"] = {name: {"p50": events.get("relay_ms_p50", {}).get(name), "p99": value}
                          for name, value in sorted(events.get("relay_ms_p99", {}).items())}
    report["hop_ms"] = {name: {"p50": events.get("hop_ms_p50", {}).get(name), "p99": value}
                        for name, value in sorted(events.get("hop_ms_p99", {}).items())}
    if report["hop_ms"]:
        print("  hops, outbox insert → consuming transaction (ms, p50 / p99; the relay's part in brackets):")
        for name, hop in sorted(report["hop_ms"].items(), key=lambda item: -item[1]["p99"]):
            relay = report["relay_ms"].get(name.split(" ← ", 1)[-1], {})
            print(f"    {name:<56} {hop['p50']:8.1f} / {hop['p99']:8.1f}   [{relay.get('p50', 0):.1f} / {relay.get('p99', 0):.1f}]")
    print("BENCH_JSON " + json.dumps(report, sort_keys=True, ensure_ascii=False))


main()
