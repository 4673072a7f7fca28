#!/usr/bin/env bash
# Stops the suite's broker, keeps it down for $1 seconds (default 3), and starts it again, for
# the fault harness (`./suite faults`). The local broker keeps topics in memory: what it held
# is gone, which is what an operator's republish command (docs/operations.md) is for.
set -euo pipefail
# shellcheck source=deploy/local/suite-lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/local/suite-lib.sh"
close_inherited_descriptors
stop_pidfile "$RUN/broker.pid" "broker" >/dev/null 2>&1
sleep "${1:-3}"
start_broker </dev/null >/dev/null 2>&1
