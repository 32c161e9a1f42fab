#!/bin/bash
# Long fuzz campaign in one JVM, niced, from a snapshot of the built classes (so the tree can be
# rebuilt while it runs). Usage: fuzz/long-run.sh TARGETS SECONDS_PER_TARGET [SEED [MAX_INPUTS]]
# TARGETS: a comma-separated list or "all". Figures go to OUT/campaign.log, findings to
# OUT/findings/TARGET/KIND-HASH (copy them to fuzz/src/test/resources/corpus/TARGET/).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:?targets}; seconds=${2:?seconds per target}; seed=${3:-1414}; max=${4:-9223372036854775807}
out=$(mktemp -d /tmp/vmstate-fuzz.XXXXXX)
mvn -o -q -B -pl fuzz -am test-compile
mvn -o -q -B -pl fuzz dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/deps.txt" >/dev/null
# Reactor modules from this tree, not from ~/.m2; the rest as Maven resolved it.
cp=""; i=0
for d in fuzz/target/test-classes $(find . -path ./fuzz -prune -o -path '*/target/classes' -type d -print); do
  i=$((i + 1)); cp -r "$d" "$out/c$i"; cp="$cp:$out/c$i"
done
for j in $(tr ':' '\n' < "$out/deps.txt"); do
  case "$j" in */io/vmstate/*) ;; *) cp="$cp:$j" ;; esac
done
m2=${HOME}/.m2/repository # the CLI's own dependencies (a stale vmstate-cli pom may not list them)
jline=$(ls "$m2"/org/jline/jline/3.*/jline-3.*.jar 2>/dev/null | sort -V | tail -1 || true)
for j in "$m2"/info/picocli/picocli/4.7.6/*.jar "$m2"/me/tongfei/progressbar/0.10.1/*.jar $jline; do
  [ -f "$j" ] && cp="$cp:$j"
done
nohup nice -n 19 java -Xmx256m -Dio.netty.leakDetection.level=paranoid -cp "${cp#:}" \
  io.vmstate.fuzz.FuzzMain "$targets" "$seconds" "$seed" "$max" "$out/findings" \
  > "$out/campaign.log" 2>&1 &
echo "$!" > "$out/pid"
echo "campaign pid $(cat "$out/pid"): $out/campaign.log"
