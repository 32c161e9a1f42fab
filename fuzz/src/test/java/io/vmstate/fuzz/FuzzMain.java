package io.vmstate.fuzz;

import java.nio.file.Path;
import java.util.List;

/**
 * Long campaigns outside Maven: one JVM runs the named targets one after another (see
 * docs/fuzzing.md, "Long runs"). Arguments: {@code TARGETS SECONDS_PER_TARGET [SEED [MAX_INPUTS
 * [FINDINGS_DIR]]]}, TARGETS a comma-separated list or {@code all}.
 */
public final class FuzzMain {
  private FuzzMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: FuzzMain TARGETS SECONDS_PER_TARGET [SEED [MAX_INPUTS [FINDINGS_DIR]]]");
      System.exit(2);
    }
    List<String> names =
        args[0].equals("all")
            ? Targets.all().stream().map(FuzzTarget::name).toList()
            : List.of(args[0].split(","));
    double seconds = Double.parseDouble(args[1]);
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 14;
    long max = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;
    Path findings = Path.of(args.length > 4 ? args[4] : "target/fuzz-findings");
    int total = 0;
    for (String name : names) {
      Campaign.Result r =
          new Campaign(Targets.named(name.trim())).run(seed, seconds, max, findings);
      System.out.print(r);
      System.out.flush();
      total += r.findings.size();
    }
    System.exit(total == 0 ? 0 : 1);
  }
}
