package io.vmstate.fuzz;

import io.vmstate.api.VmStateException;
import io.vmstate.cli.gic.GicStreamConfig;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * How precisely typed errors point at the byte (issue #15): single-byte changes of the committed
 * real QEMU streams, each run through a fuzz target; for every typed failure, whether it names an
 * offset, a section and a field path, and, when the changed byte lies inside a device section body,
 * whether the error names that item's field and points into it.
 *
 * <p>The rule: the item of a changed byte is the leaf of the stream's own decoding that holds it
 * ({@link FieldMap}): a scalar, one element of a scalar array, a buffer, or a subsection header.
 * The error points into the item when its offset lies in the item's bytes; it names the item's
 * field when its path, indices left out, is the item's (an array element is named by its array even
 * where the two spell its index differently, {@code icc_apr[1][2]} and {@code icc_apr[6]}); for a
 * subsection header, the path of the description it is a subsection of is accepted as well. The
 * changed byte is the whole ground truth: a change that makes a later read fail (a count, a name
 * length) is scored against the item that holds it, not the one that failed, so such errors count
 * as misses unless the decoder points back at the cause. The survey never fails; {@link
 * PrecisionSurveyTest} holds the goal.
 *
 * <p>Run: {@code mvn -o -q -B -pl fuzz -am test -Dtest=PrecisionSurveyTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dprecision.failures=1000} (docs/fuzzing.md).
 */
final class PrecisionSurvey {
  /** One typed failure and how it scored. */
  record Scored(
      String target,
      String seed,
      long at,
      int from,
      int to,
      FieldMap.Item item,
      long bodyEnd,
      Error error) {
    boolean inBody() {
      return item != null;
    }

    boolean pathNamesItem() {
      if (item == null) {
        return false;
      }
      String p = error.fieldPath();
      if (strip(p).equals(strip(item.path()))) {
        return true;
      }
      return item.subsectionHeader() && p.equals(parent(item.path()));
    }

    boolean offsetInItem() {
      return item != null && item.contains(error.offset());
    }

    boolean offsetAtBodyEnd() {
      return item != null && error.offset() >= bodyEnd;
    }

    String describe() {
      return String.format(
          "%s %s @%d %02x->%02x item %s [%d,%d): %s",
          target,
          seed,
          at,
          from,
          to,
          item == null ? "-" : item.path() + (item.subsectionHeader() ? " (header)" : ""),
          item == null ? -1 : item.start(),
          item == null ? -1 : item.end(),
          error.message());
    }
  }

  /** What the survey keeps of a failure (not the exception: it may hold decoded state). */
  record Error(long offset, boolean hasSection, String fieldPath, String reason, String message) {
    static Error of(VmStateException e) {
      return new Error(
          e.offset(), e.section().isPresent(), e.fieldPath(), e.reason(), e.getMessage());
    }
  }

  static String strip(String path) {
    return path.replaceAll("\\[[0-9]+\\]", "");
  }

  static String parent(String path) {
    int i = path.lastIndexOf('/');
    return i < 0 ? "" : path.substring(0, i);
  }

  final List<Scored> failures = new ArrayList<>();
  int inputs;

  /**
   * Runs single-byte changes through {@code targets} until {@code wanted} typed failures (or 50
   * times as many inputs). Nine in ten changes fall in a device body, one anywhere.
   */
  static PrecisionSurvey run(List<String> targets, long seed, int wanted) throws Exception {
    PrecisionSurvey s = new PrecisionSurvey();
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, byte[]> streams = new LinkedHashMap<>();
    Map<String, FieldMap> maps = new LinkedHashMap<>();
    for (String name : Seeds.STREAMS) {
      byte[] b = Seeds.stream(name);
      streams.put(name, b);
      maps.put(name, FieldMap.of(name, b));
    }
    List<String> names = new ArrayList<>(streams.keySet());
    while (s.failures.size() < wanted && s.inputs < 50L * wanted) {
      String name = names.get(random.nextInt(names.size()));
      byte[] orig = streams.get(name);
      FieldMap map = maps.get(name);
      long at;
      if (random.nextInt(10) > 0 && !map.bodies.isEmpty()) {
        FieldMap.Body b = map.bodies.get(random.nextInt(map.bodies.size()));
        at = b.start() + random.nextLong(b.end() - b.start());
      } else {
        at = random.nextInt(orig.length);
      }
      int from = orig[(int) at] & 0xff;
      int to = from ^ (1 + random.nextInt(255));
      byte[] input = orig.clone();
      input[(int) at] = (byte) to;
      String target = targets.get(random.nextInt(targets.size()));
      s.inputs++;
      try {
        target(target).run(input);
      } catch (VmStateException e) {
        FieldMap.Body body = map.body(at);
        FieldMap.Item item = body == null ? null : FieldMap.item(body, at);
        s.failures.add(
            new Scored(
                target, name, at, from, to, item, body == null ? -1 : body.end(), Error.of(e)));
      }
    }
    return s;
  }

  static FuzzTarget target(String name) {
    return name.equals(GicV3Board.NAME) ? new GicV3Board() : Targets.named(name);
  }

  /**
   * A registry whose {@code arm_gicv3} objects are configured as QEMU's virt board builds them (288
   * lines, the stream's CPUs and features), so that the GICv3 configuration checks run against real
   * limits; every other section is decoded through the vmdesc.
   */
  static final class GicV3Board implements FuzzTarget {
    static final String NAME = "gicv3-board";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public List<Mutator.Seed> seeds() throws Exception {
      return Seeds.streams();
    }

    @Override
    public void run(byte[] input) throws Exception {
      Vmdesc vmdesc = VmdescLocator.scan(input, 0);
      if (vmdesc == null) {
        return;
      }
      DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration());
      for (Object o : vmdesc.devices()) {
        if (o instanceof Map<?, ?> m && "arm_gicv3".equals(m.get("vmsd_name"))) {
          @SuppressWarnings("unchecked")
          Map<String, Object> entry = (Map<String, Object>) m;
          long instance = entry.get("instance_id") instanceof Long l ? l : 0;
          reg.register(
              String.valueOf(entry.get("name")),
              instance,
              GicV3State.DESCRIPTION,
              new GicV3State(GicStreamConfig.gicv3(entry).withNumIrq(BOARD_IRQS)));
        }
      }
      reg.load(
          StreamSource.of("fuzz", input).reader(ReaderOptions.DEFAULT),
          DeviceRegistry.LoadOptions.DEFAULT
              .withCrossCheck(false)
              .withDecodeUnknown(true)
              .withCheckConfiguration(false));
    }
  }

  /** QEMU's virt board: 256 SPIs and the 32 private lines. */
  static final int BOARD_IRQS = 288;

  long count(java.util.function.Predicate<Scored> p) {
    return failures.stream().filter(p).count();
  }

  /** The table: counts over all failures and over those inside a device body, then misses. */
  void print(PrintStream out, int examples) {
    long all = failures.size();
    long body = count(Scored::inBody);
    out.printf("precision survey: %d inputs, %d typed failures%n", inputs, all);
    out.printf(
        "  all failures:           offset %d, section %d, field path %d (of %d)%n",
        count(f -> f.error().offset() >= 0),
        count(f -> f.error().hasSection()),
        count(f -> !f.error().fieldPath().isEmpty()),
        all);
    out.printf("  changed byte in a device body: %d%n", body);
    out.printf(
        "    names a field path:          %d%n",
        count(f -> f.inBody() && !f.error().fieldPath().isEmpty()));
    out.printf("    names the item's field:      %d%n", count(Scored::pathNamesItem));
    out.printf("    offset within the item:      %d%n", count(Scored::offsetInItem));
    out.printf("    offset at/after the body end: %d%n", count(Scored::offsetAtBodyEnd));
    out.printf(
        "    subsection header changed:   %d, message says subsection: %d%n",
        count(f -> f.inBody() && f.item().subsectionHeader()),
        count(
            f ->
                f.inBody()
                    && f.item().subsectionHeader()
                    && f.error().reason().contains("subsection")));
    Map<String, Integer> causes = new TreeMap<>();
    for (Scored f : failures) {
      if (f.inBody()) {
        String kind = f.item().subsectionHeader() ? "subsection header" : "field";
        causes.merge(
            kind + " | " + f.error().reason().replaceAll("[0-9a-fx]*[0-9][0-9a-fx]*", "N"),
            1,
            Integer::sum);
      }
    }
    out.println("  causes (item kind | message, numbers as N):");
    causes.forEach((k, v) -> out.printf("    %6d  %s%n", v, k));
    int n = 0;
    for (Scored f : failures) {
      if (f.inBody() && (!f.pathNamesItem() || !f.offsetInItem()) && n++ < examples) {
        out.println("  MISS " + f.describe());
      }
    }
  }

  /** {@code -Dprecision.failures=N -Dprecision.seed=S -Dprecision.targets=verify,registry}. */
  public static void main(String[] args) throws Exception {
    int wanted = Integer.getInteger("precision.failures", 1000);
    long seed = Long.getLong("precision.seed", 15);
    List<String> targets =
        List.of(System.getProperty("precision.targets", "verify,registry,gicv3-board").split(","));
    run(targets, seed, wanted).print(System.out, Integer.getInteger("precision.examples", 20));
  }
}
