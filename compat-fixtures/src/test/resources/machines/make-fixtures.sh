#!/bin/bash
# Regenerates the machine fixtures in qemu-7.2/ with the installed QEMU (Debian bookworm,
# QEMU 7.2) and QEMU 7.2's analyzer; with QEMU10=PREFIX (.ci/install-qemu10's, e.g.
# /opt/qemu-10.0.2) the x86 fixtures of qemu-10.0/ with that QEMU and PREFIX/scripts' analyzer.
#
#   make-fixtures.sh ANALYZER [ID...]
#   QEMU10=/opt/qemu-10.0.2 make-fixtures.sh /opt/qemu-10.0.2/scripts/analyze-migration.py
#
# ANALYZER is the path of QEMU 7.2's scripts/analyze-migration.py with the local edits of
# docs/testkit.md section 4.1. With IDs, only those fixtures are made.
#
# Each guest is started paused (-S) with the HMP monitor on a unix socket; the stream is
# written with HMP `migrate "exec:cat > FILE"` and the script waits for `info migrate` to
# report "completed". No guest kernel is used. Files larger than 1 MB are gzipped (-9 -n).
set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 ANALYZER [ID...]" >&2
    exit 2
fi
ANALYZER=$(readlink -f "$1"); shift
ONLY=" $* "
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/qemu-7.2"
[ -n "${QEMU10:-}" ] && OUT="$HERE/qemu-10.0"
WORK=$(mktemp -d /tmp/vmstate-machines.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# Talk HMP over the unix socket: the commands in $HMP_PRE (one a line) first, then migrate, poll
# until completed, quit.
hmp_migrate() {  # SOCKET FILE
    python3 - "$1" "$2" "${HMP_PRE:-}" <<'PY'
import socket, sys, time
sock_path, target, pre = sys.argv[1], sys.argv[2], sys.argv[3]
for _ in range(200):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sock_path); break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("no monitor socket")
s.settimeout(30)
buf = b""
def until_prompt():
    global buf
    while b"(qemu) " not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("monitor closed: " + buf.decode(errors="replace"))
        buf += chunk
    out, buf = buf.split(b"(qemu) ", 1)
    return out.decode(errors="replace")
def cmd(c):
    s.sendall(c.encode() + b"\n")
    return until_prompt()
until_prompt()
for line in filter(None, pre.split("\n")):
    out = cmd(line)
    if "rror" in out or "conflict" in out:
        sys.exit(line + ": " + out)
cmd('migrate "exec:cat > %s"' % target)
for _ in range(600):
    info = cmd("info migrate")
    if "Migration status: completed" in info:
        break
    if "Migration status: failed" in info:
        sys.exit("migration failed:\n" + info)
    time.sleep(0.1)
else:
    sys.exit("migration did not complete")
s.sendall(b"quit\n")
try:
    while s.recv(65536):
        pass
except OSError:
    pass
PY
}

# mk ID QEMU-BINARY ARGS...  (the monitor and -S are added here)
mk() {
    local id=$1 bin=$2; shift 2
    case "$ONLY" in "  ") ;; *" $id "*) ;; *) return 0 ;; esac
    local sock="$WORK/$id.sock" raw="$WORK/$id.qemu"
    rm -f "$OUT/$id".*
    echo "== $id: $bin $*"
    "$bin" -S -nographic -monitor "unix:$sock,server=on,wait=off" "$@" \
        </dev/null >"$WORK/$id.qemu-out" 2>&1 &
    local pid=$!
    if ! hmp_migrate "$sock" "$raw"; then
        echo "   FAILED; QEMU said:"; sed 's/^/   /' "$WORK/$id.qemu-out"
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
        return 0
    fi
    local i
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    python3 "$ANALYZER" -f "$raw" > "$WORK/$id.analyze-state.json" 2> "$WORK/$id.state.err" \
        || { echo "   analyzer -d state failed: $(tail -1 "$WORK/$id.state.err")"; rm -f "$WORK/$id.analyze-state.json"; }
    python3 "$ANALYZER" -f "$raw" -d desc > "$WORK/$id.analyze-desc.json" 2> "$WORK/$id.desc.err" \
        || { echo "   analyzer -d desc failed: $(tail -1 "$WORK/$id.desc.err")"; rm -f "$WORK/$id.analyze-desc.json"; }
    local f
    for f in "$raw" "$WORK/$id.analyze-state.json" "$WORK/$id.analyze-desc.json"; do
        [ -f "$f" ] || continue
        if [ "$(stat -c %s "$f")" -gt 1048576 ]; then
            gzip -9 -n -c "$f" > "$OUT/$(basename "$f").gz"
        else
            cp "$f" "$OUT/"
        fi
    done
    ls -l "$OUT/$id".* | sed 's/^/   /'
}

X86=qemu-system-x86_64
IMG="$WORK/disk.raw"
qemu-img create -q -f raw "$IMG" 1M

if [ -n "${QEMU10:-}" ]; then
    export QEMU_MODULE_DIR="$QEMU10/usr/lib/x86_64-linux-gnu/qemu"
    X10=("$QEMU10/usr/bin/qemu-system-x86_64" -L "$QEMU10/usr/share/qemu")
    mk q35-nodefaults      "${X10[@]}" -M q35 -nodefaults -m 16M
    exit 0
fi

# --- x86_64 ---
mk q35-nodefaults          $X86 -M q35 -nodefaults -m 16M
mk q35-defaults            $X86 -M q35 -m 16M
mk pc-defaults             $X86 -M pc -m 16M
mk q35-two-slirp           $X86 -M q35 -nodefaults -m 16M \
    -netdev user,id=n0 -device e1000e,netdev=n0 -netdev user,id=n1 -device e1000e,netdev=n1
mk pc-q35-5.2              $X86 -M pc-q35-5.2 -nodefaults -m 16M
mk pc-q35-2.4              $X86 -M pc-q35-2.4 -nodefaults -m 16M
mk pc-i440fx-2.3           $X86 -M pc-i440fx-2.3 -nodefaults -m 16M
mk pc-i440fx-2.0           $X86 -M pc-i440fx-2.0 -nodefaults -m 16M
# the same machine with the vmdesc turned back on, so that the analyzer can read it
mk pc-i440fx-2.0-vmdesc    $X86 -M pc-i440fx-2.0,suppress-vmdesc=off -nodefaults -m 16M
mk q35-4cpu-pci            $X86 -M q35 -nodefaults -m 16M -smp 4 \
    -netdev user,id=n0 -device e1000e,netdev=n0,addr=03.0 \
    -device virtio-net-pci,addr=04.0 \
    -drive if=none,id=d0,file="$IMG",format=raw -device virtio-blk-pci,drive=d0,addr=05.0 \
    -device qemu-xhci,addr=06.0 -device usb-ehci,addr=07.0 -device ich9-ahci,addr=08.0

# block migration: a 3 MiB raw drive whose first MiB has 4 KiB written, the rest zero blocks
BLK="$WORK/blk.raw"
qemu-img create -q -f raw "$BLK" 3M
HMP_PRE='qemu-io d0 "write -P 0x5a 4096 4096"
migrate_set_capability zero-blocks on
migrate_set_capability block on' \
mk q35-block               $X86 -M q35 -nodefaults -m 16M \
    -drive if=none,id=d0,file="$BLK",format=raw -device virtio-blk-pci,drive=d0,addr=05.0
# dirty bitmaps: a 4 MiB qcow2 drive with two persistent bitmaps (b0 enabled, b1 disabled) made by
# qemu-img; 128 KiB written at 64 KiB through QEMU (HMP
# qemu-io, which needs share-rw on the device) dirty b0
QC="$WORK/bm.qcow2"
qemu-img create -q -f qcow2 "$QC" 4M
qemu-img bitmap --add "$QC" b0
qemu-img bitmap --add --disable "$QC" b1
HMP_PRE='qemu-io disk0 "write -P 0x11 65536 131072"
migrate_set_capability dirty-bitmaps on' \
mk q35-dirty-bitmap        $X86 -M q35 -nodefaults -m 16M \
    -blockdev driver=qcow2,node-name=disk0,file.driver=file,file.filename="$QC" \
    -device virtio-blk-pci,drive=disk0,addr=05.0,share-rw=on

# --- riscv64 ---
mk riscv64-virt-nodefaults qemu-system-riscv64 -M virt -nodefaults -m 16M
mk riscv64-virt-defaults   qemu-system-riscv64 -M virt -m 16M

# --- ppc64 ---
mk ppc64-pseries-nodefaults qemu-system-ppc64 -M pseries -nodefaults -m 256M
mk ppc64-pseries-defaults   qemu-system-ppc64 -M pseries -m 256M

# --- aarch64 ---
mk aarch64-virt-defaults   qemu-system-aarch64 -M virt -cpu cortex-a57 -m 16M
