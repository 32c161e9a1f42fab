package io.vmstate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Issue #14's slow inputs (about 1 MB taking seconds): inputs built to stress the paths suspected
 * of quadratic work, each at a size {@code n} and {@code 4n}. The work is measured as the bytes the
 * decoding thread allocates (not time: the machine is shared): linear work grows about 4 times,
 * quadratic work 16 times; more than {@link #MAX_GROWTH} fails.
 */
class LinearInputsTest {
  private static final double MAX_GROWTH = 6.5;

  /** The first device section of gicv2-1cpu (timer, 48 bytes), after its RAM sections. */
  private static final int TIMER_AT = 357_035;

  private static final int TIMER_SIZE = 48;

  private static double growth(String target, IntFunction<byte[]> input, int n) {
    FuzzTarget t = Targets.named(target);
    Campaign c = new Campaign(t);
    byte[] small = input.apply(n);
    byte[] large = input.apply(4 * n);
    c.once(small); // warm-up: class loading and first compilations allocate too
    c.once(large);
    Campaign.Outcome a = c.once(small);
    Campaign.Outcome b = c.once(large);
    assertEquals(a.kind(), b.kind(), target + ": both sizes end alike (" + b.detail() + ")");
    assertTrue(!a.finding(), target + ": " + a.kind() + " " + a.detail());
    return b.allocated() / (double) Math.max(1, a.allocated());
  }

  private static void assertLinear(String target, IntFunction<byte[]> input, int n) {
    double g = growth(target, input, n);
    System.out.printf("%s: %d -> %d units, allocation x%.2f%n", target, n, 4 * n, g);
    assertTrue(g < MAX_GROWTH, target + ": 4 times the input, " + g + " times the allocation");
  }

  /** A real stream with its 48-byte timer section repeated {@code n} times. */
  private static byte[] manySections(int n) {
    byte[] base = Seeds.stream("gicv2-1cpu");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(base, 0, TIMER_AT);
    for (int i = 0; i < n; i++) {
      out.write(base, TIMER_AT, TIMER_SIZE);
    }
    out.write(base, TIMER_AT, base.length - TIMER_AT);
    return out.toByteArray();
  }

  @Test
  void manyTinySectionsDecodeInLinearWork() {
    for (String target : new String[] {"verify", "dump", "registry", "push"}) {
      assertLinear(target, LinearInputsTest::manySections, 2_000);
    }
  }

  /** A vmdesc whose one device has {@code n} fields, distinct ({@code runs} false) or one array. */
  private static byte[] vmdesc(int n, boolean runs) {
    StringBuilder s =
        new StringBuilder(
            "{\"page_size\": 4096, \"devices\": [{\"name\": \"big\", \"instance_id\": 0,"
                + " \"vmsd_name\": \"big\", \"version\": 1, \"fields\": [");
    for (int k = 0; k < n; k++) {
      s.append(k == 0 ? "" : ", ");
      if (runs) {
        s.append("{\"name\": \"a\", \"index\": ").append(k);
      } else {
        s.append("{\"name\": \"f").append(k).append('"');
      }
      s.append(", \"type\": \"uint32\", \"size\": 4}");
    }
    return s.append("]}]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aVmdescOfManyFieldsOrOneLongArrayIsReadInLinearWork() {
    assertLinear("vmdesc", n -> vmdesc(n, false), 5_000);
    assertLinear("vmdesc", n -> vmdesc(n, true), 5_000);
  }

  @Test
  void deepNestingIsRefusedNotRecursedInto() {
    IntFunction<byte[]> deep =
        n ->
            ("{\"page_size\": 4096, \"devices\": [" + "[".repeat(n) + "]".repeat(n) + "]}")
                .getBytes(StandardCharsets.UTF_8);
    Campaign.Outcome o = new Campaign(Targets.named("vmdesc")).once(deep.apply(100_000));
    assertTrue(o.kind().startsWith("typed:"), o.kind() + " " + o.detail());
    assertLinear("vmdesc", deep, 10_000);
  }

  @Test
  void manyRamRecordsAreReadInLinearWork() {
    assertLinear("ram", LinearInputsTest::manyZeroPages, 10_000);
    assertLinear("verify", LinearInputsTest::manyZeroPages, 10_000);
  }

  /**
   * gicv2-1cpu with {@code n} more zero-page records (be64 address|flags, fill byte) for its first
   * block appended to its RAM PART section (the last block named there), over its first 256 pages.
   */
  private static byte[] manyZeroPages(int n) {
    byte[] base = Seeds.stream("gicv2-1cpu");
    int partEnd = 357_017 - 8 - 5; // before the PART section's EOS flag and footer
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(base, 0, partEnd);
    for (int i = 0; i < n; i++) {
      long addr = (long) (i % 256) * 4096; // inside any block of the stream
      long word = addr | 0x02 | 0x20; // ZERO | CONTINUE
      for (int b = 7; b >= 0; b--) {
        out.write((int) (word >>> (8 * b)));
      }
      out.write(0);
    }
    out.write(base, partEnd, base.length - partEnd);
    return out.toByteArray();
  }
}
