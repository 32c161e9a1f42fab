package io.vmstate.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vmstate.api.VmStateException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The same targets under Jazzer's coverage guidance: Jazzer mutates a {@link Patch} program, which
 * edits a real seed; one test at a time is fuzzed for its {@code maxDuration} (docs/fuzzing.md). A
 * typed failure is the expected answer to a bad input; any other throwable is a finding. Runs only
 * with {@code JAZZER_FUZZ} set: Jazzer's regression mode costs about a minute of CI and covers
 * nothing {@link CorpusRegressionTest} does not (a crash Jazzer finds is committed to the corpus as
 * the input {@link Patch#apply} makes of it).
 */
@EnabledIfEnvironmentVariable(named = "JAZZER_FUZZ", matches = ".+")
class JazzerFuzzTest {
  private static final Map<String, List<Mutator.Seed>> SEEDS = new ConcurrentHashMap<>();

  private static void run(String name, byte[] data) throws Exception {
    FuzzTarget t = Targets.named(name);
    List<Mutator.Seed> seeds = SEEDS.get(name);
    if (seeds == null) {
      seeds = t.seeds();
      SEEDS.put(name, seeds);
    }
    try {
      t.run(Patch.apply(seeds, data));
    } catch (VmStateException e) {
      // typed: the decoder's answer to bad input
    }
  }

  @FuzzTest(maxDuration = "5m")
  void dump(byte[] data) throws Exception {
    run("dump", data);
  }

  @FuzzTest(maxDuration = "5m")
  void verify(byte[] data) throws Exception {
    run("verify", data);
  }

  @FuzzTest(maxDuration = "5m")
  void registry(byte[] data) throws Exception {
    run("registry", data);
  }

  @FuzzTest(maxDuration = "5m")
  void push(byte[] data) throws Exception {
    run("push", data);
  }

  @FuzzTest(maxDuration = "5m")
  void vmdesc(byte[] data) throws Exception {
    run("vmdesc", data);
  }

  @FuzzTest(maxDuration = "5m")
  void schema(byte[] data) throws Exception {
    run("schema", data);
  }

  @FuzzTest(maxDuration = "5m")
  void framed(byte[] data) throws Exception {
    run("framed", data);
  }

  @FuzzTest(maxDuration = "5m")
  void its(byte[] data) throws Exception {
    run("its", data);
  }

  @FuzzTest(maxDuration = "5m")
  void ram(byte[] data) throws Exception {
    run("ram", data);
  }
}
