#!/bin/bash
# Side-by-side whole-process measurement of `vmstate dump` against QEMU's own
# scripts/analyze-migration.py on one stream (issue: "at least 20x faster wall-clock and under
# 256 MB peak RSS, measured side by side in one run").
#
#   [DUMP_ARGS=-m] [VMSTATE_JAVA_OPTS=...] benchmarks/dump-vs-analyzer.sh ANALYZER [STREAM] [RUNS]
#
# ANALYZER: a copy of QEMU 7.2's analyze-migration.py patched past the configuration-section bug
#           (docs/testkit.md section 4.1 says how to get and patch it; it is never committed).
# STREAM:   the stream to dump; without it (or when the file is missing) one is made first with
#           qemu-system-aarch64: virt, GICv3, -cpu max, 512 vCPUs, 16 MiB of RAM, paused.
# RUNS:     runs of each tool, interleaved (default 5).
# DUMP_ARGS: options given to both tools, e.g. -m (RAM contents too); default none (state only).
# VMSTATE_JAVA_OPTS: JVM options instead of the launcher's own (see ./vmstate); default unset.
#
# Prints each run (wall, user, sys seconds and peak RSS from /usr/bin/time), then per tool the median
# and best wall-clock time, the median CPU time (user+sys: less disturbed by other load on the
# machine than wall-clock) and the peak RSS, the ratios of the medians, the load average, and
# checks that both printed the same bytes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
analyzer=${1:?usage: $0 ANALYZER [STREAM] [RUNS]}
stream=${2:-${TMPDIR:-/tmp}/vmstate-512cpu.qemu}
runs=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$stream" ]; then
  echo "making $stream (qemu-system-aarch64, 512 vCPUs) ..." >&2
  qemu-system-aarch64 -M virt,gic-version=3 -cpu max -smp 512 -m 16 -S -nodefaults \
    -display none -accel tcg -monitor "unix:$work/mon,server=on,wait=off" &
  qemu=$!
  python3 - "$work/mon" "$stream" <<'PY'
import socket, sys, time
mon, out = sys.argv[1], sys.argv[2]
for _ in range(600):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(mon); break
    except OSError:
        time.sleep(0.1)
def cmd(c):
    s.sendall((c + "\n").encode()); time.sleep(0.2); return s.recv(1 << 16).decode(errors="replace")
cmd('migrate "exec:cat > %s"' % out)
for _ in range(600):
    if "completed" in cmd("info migrate"):
        break
    time.sleep(0.2)
else:
    sys.exit("migration did not complete")
cmd("quit")
PY
  wait "$qemu" || true
fi

dump_args=${DUMP_ARGS:-}
"$root/vmstate" dump >/dev/null # builds the jar and its class-data archive once
ls -l "$stream" >&2
echo "dump args: ${dump_args:-none}; JVM options: ${VMSTATE_JAVA_OPTS:-as in the launcher}" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Each tool starts after a short pause, so neither runs while the system still deals with the
# other's exit (the analyzer frees ~750 MB).
for i in $(seq "$runs"); do
  sleep 2
  # shellcheck disable=SC2086
  /usr/bin/time -f "analyzer %e %U %S %M" python3 "$analyzer" $dump_args -f "$stream" \
    >"$work/analyzer.json" 2>>"$work/times"
  sleep 2
  # shellcheck disable=SC2086
  /usr/bin/time -f "vmstate %e %U %S %M" "$root/vmstate" dump $dump_args "$stream" \
    >"$work/vmstate.json" 2>>"$work/times"
  tail -n 2 "$work/times" >&2
done
size=$(wc -c <"$work/vmstate.json")
cmp "$work/analyzer.json" "$work/vmstate.json" && echo "outputs: byte-identical, $size bytes"
python3 - "$work/times" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0] in ("analyzer", "vmstate")]
med, cpu = {}, {}
for tool in ("analyzer", "vmstate"):
    wall = [float(r[1]) for r in rows if r[0] == tool]
    cpus = [float(r[2]) + float(r[3]) for r in rows if r[0] == tool]
    rss = [int(r[4]) for r in rows if r[0] == tool]
    med[tool] = statistics.median(wall)
    cpu[tool] = statistics.median(cpus)
    print("%-8s wall median %.2f s, best %.2f s; CPU (user+sys) median %.2f s, best %.2f s;"
          " peak RSS %d MB (%d runs)"
          % (tool, med[tool], min(wall), cpu[tool], min(cpus), max(rss) // 1024, len(wall)))
print("vmstate dump is %.1fx faster in wall-clock, %.1fx in CPU time (ratios of medians)"
      % (med["analyzer"] / med["vmstate"], cpu["analyzer"] / cpu["vmstate"]))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
