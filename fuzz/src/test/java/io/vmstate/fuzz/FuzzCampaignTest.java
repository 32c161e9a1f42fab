package io.vmstate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each fuzz target over mutants of its seeds for {@code -Dfuzz.seconds} (CI: a few seconds, fixed
 * seed {@code -Dfuzz.seed}); no finding allowed. A long run: see docs/fuzzing.md. Findings are
 * written to {@code target/fuzz-findings/TARGET/} for the corpus.
 */
class FuzzCampaignTest {
  static Stream<String> targets() {
    String only = System.getProperty("fuzz.targets", "all");
    List<String> names = Targets.all().stream().map(FuzzTarget::name).toList();
    return only.equals("all") ? names.stream() : Arrays.stream(only.split(",")).map(String::trim);
  }

  @ParameterizedTest
  @MethodSource("targets")
  void noFindings(String name) throws Exception {
    double seconds = Double.parseDouble(System.getProperty("fuzz.seconds", "3"));
    long seed = Long.getLong("fuzz.seed", 14);
    long max = Long.getLong("fuzz.inputs", Long.MAX_VALUE);
    Path findings = Path.of(System.getProperty("fuzz.findings", "target/fuzz-findings"));
    Campaign.Result r = new Campaign(Targets.named(name)).run(seed, seconds, max, findings);
    System.out.print(r);
    if (Boolean.getBoolean("fuzz.samples")) {
      r.samples.forEach(m -> System.out.println("  SAMPLE " + m));
    }
    assertTrue(r.inputs > 0, "no input ran");
    assertEquals(List.of(), r.findings.stream().map(f -> f.kind() + ": " + f.detail()).toList());
  }
}
