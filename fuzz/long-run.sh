#!/bin/bash
# Long fuzz campaign in one JVM, niced, from a snapshot of the built classes (so the tree can be
# rebuilt while it runs). Usage: fuzz/long-run.sh TARGETS SECONDS_PER_TARGET [SEED [MAX_INPUTS]]
# TARGETS: a comma-separated list or "all". Figures go to OUT/campaign.log, findings to
# OUT/findings/TARGET/KIND-HASH (copy them to fuzz/src/test/resources/corpus/TARGET/).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:?targets}; seconds=${2:?seconds per target}; seed=${3:-1414}; max=${4:-9223372036854775807}
out=$(mktemp -d /tmp/vmstate-fuzz.XXXXXX)
# One reactor run: the fuzz module's class path (written last) names the modules' target/classes.
mvn -o -q -B -pl fuzz -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$out/deps.txt"
# A snapshot of this tree's classes, so the tree can be rebuilt while the campaign runs.
cp=""; i=0
for d in fuzz/target/test-classes $(tr ':' '\n' < "$out/deps.txt"); do
  case "$d" in
    *.jar) cp="$cp:$d" ;;
    *) i=$((i + 1)); cp -r "$d" "$out/c$i"; cp="$cp:$out/c$i" ;;
  esac
done
nohup nice -n 19 java -Xmx256m -XX:+UseSerialGC -Dio.netty.leakDetection.level=paranoid -cp "${cp#:}" \
  io.vmstate.fuzz.FuzzMain "$targets" "$seconds" "$seed" "$max" "$out/findings" \
  > "$out/campaign.log" 2>&1 &
echo "$!" > "$out/pid"
echo "campaign pid $(cat "$out/pid"): $out/campaign.log"
