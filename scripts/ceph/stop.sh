#!/usr/bin/env bash
# Stops the cluster scripts/ceph/start.sh made in DIR, by the PID files it keeps there: the gateway
# first and the monitor last, each given 10 s before SIGKILL. A daemon already gone is skipped, so
# stopping twice is harmless. DIR itself is left (logs); delete it when done.
#
#   scripts/ceph/stop.sh DIR
set -uo pipefail

DIR=${1:?usage: stop.sh DIR}
for daemon in rgw.a osd.0 mon.a; do
  pidfile=$DIR/run/$daemon.pid
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  # Only a process that still runs a Ceph daemon: a stale file's pid may have been reused since.
  if [[ "$pid" =~ ^[0-9]+$ ]] && grep -qE '^(ceph-mon|ceph-osd|radosgw)' "/proc/$pid/comm" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$pidfile"
done
exit 0
