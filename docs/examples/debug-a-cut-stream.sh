#!/bin/sh
# The walk-through of docs/getting-started-debugging.md, runnable from the repository root:
#   sh docs/examples/debug-a-cut-stream.sh
# It cuts the bundled sample stream (a real QEMU 7.2 aarch64 virt machine) as a failed migration
# would, then reads what is left with the tool. Every command's status is printed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
vmstate="$root/vmstate"
whole="$root/migration-stream/cli/src/main/resources/io/vmstate/cli/sample-virt-gicv3.qemu"
dump72="$root/compat-fixtures/src/test/resources/qemu-7.2/virt.dump-vmstate.json.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { echo "\$ vmstate $*" >&2; "$vmstate" "$@"; echo "(exit $?)" >&2; echo >&2; }

head -c 375000 "$whole" > "$work/cut.qemu"      # the source died 375000 bytes in, inside cpu 1
run sections "$work/cut.qemu"
run verify "$work/cut.qemu"
run dump "$work/cut.qemu" > "$work/cut.json"
echo "dump printed $(wc -c < "$work/cut.json") bytes of JSON up to the break"; echo
# Another stream of the same QEMU and machine describes the devices the cut one lost its vmdesc for.
run dump --desc-from "$whole" "$work/cut.qemu" > "$work/cut-more.json"
echo "with --desc-from: $(wc -c < "$work/cut-more.json") bytes"; echo
# Would the destination QEMU load the whole stream? Its -dump-vmstate says what it knows.
gzip -dc "$dump72" > "$work/dest.json"
run check-load "$whole" --against "$work/dest.json"
cp "$whole" "$work/edited.qemu"
run edit "$work/edited.qemu" "$work/edited2.qemu" --set 'arm_gicv3/gicd_ctlr=0x12'
run diff "$whole" "$work/edited2.qemu"
