package io.vmstate.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded mutations of a seed input: the campaign of issue #14 (bit flips, bytes set to 0x00, 0xff,
 * 0x7f or 0x80, be32 counts set huge, ranges inserted, deleted or duplicated, truncation, splices
 * of two seeds). Offsets are drawn from the seed's {@link Seed#hot} ranges (headers, device
 * sections, the vmdesc: where a QEMU stream's structure is) half the time, anywhere otherwise, so
 * that the megabytes of page contents do not absorb the campaign.
 */
final class Mutator {
  private static final byte[] SPECIAL = {0x00, (byte) 0xff, 0x7f, (byte) 0x80};
  private static final int[] HUGE = {0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0x00100000};

  private final List<Seed> seeds;
  private final SplittableRandom random;

  Mutator(List<Seed> seeds, long seed) {
    this.seeds = seeds;
    this.random = new SplittableRandom(seed);
  }

  /** One mutant: a seed (or a splice of two) with one to four mutations. */
  byte[] next() {
    Seed s = seeds.get(random.nextInt(seeds.size()));
    byte[] b = s.bytes();
    if (random.nextInt(10) == 0 && seeds.size() > 1) {
      byte[] o = seeds.get(random.nextInt(seeds.size())).bytes();
      int cutA = offset(s, b.length + 1);
      int cutB = random.nextInt(o.length + 1);
      byte[] spliced = Arrays.copyOf(b, cutA + o.length - cutB);
      System.arraycopy(o, cutB, spliced, cutA, o.length - cutB);
      b = spliced;
    } else {
      b = b.clone();
    }
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n && b.length > 0; i++) {
      b = mutate(s, b);
    }
    return b;
  }

  private byte[] mutate(Seed s, byte[] b) {
    int at = offset(s, b.length);
    switch (random.nextInt(8)) {
      case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
      case 1 -> b[at] = SPECIAL[random.nextInt(SPECIAL.length)];
      case 2 -> {
        int v = random.nextInt(4) == 0 ? random.nextInt() : HUGE[random.nextInt(HUGE.length)];
        for (int k = 0; k < 4 && at + k < b.length; k++) {
          b[at + k] = (byte) (v >>> (24 - 8 * k));
        }
      }
      case 3 -> { // insert a range copied from elsewhere
        int len = length(b.length);
        int from = random.nextInt(b.length);
        len = Math.min(len, b.length - from);
        byte[] r = new byte[b.length + len];
        System.arraycopy(b, 0, r, 0, at);
        System.arraycopy(b, from, r, at, len);
        System.arraycopy(b, at, r, at + len, b.length - at);
        return r;
      }
      case 4 -> { // delete a range
        int len = Math.min(length(b.length), b.length - at);
        byte[] r = new byte[b.length - len];
        System.arraycopy(b, 0, r, 0, at);
        System.arraycopy(b, at + len, r, at, b.length - at - len);
        return r;
      }
      case 5 -> { // duplicate a range in place
        int len = Math.min(length(b.length), b.length - at);
        byte[] r = new byte[b.length + len];
        System.arraycopy(b, 0, r, 0, at + len);
        System.arraycopy(b, at, r, at + len, b.length - at);
        return r;
      }
      case 6 -> {
        return Arrays.copyOf(b, at);
      }
      default -> b[at] = (byte) random.nextInt(256);
    }
    return b;
  }

  private int length(int size) {
    int max = random.nextInt(4) == 0 ? 4096 : 64;
    return 1 + random.nextInt(Math.max(1, Math.min(max, size)));
  }

  /** An offset below {@code size}: in a hot range of the seed half the time. */
  private int offset(Seed s, int size) {
    if (size <= 0) {
      return 0;
    }
    int[] hot = s.hot();
    if (hot.length > 0 && random.nextBoolean()) {
      int r = random.nextInt(hot.length / 2) * 2;
      int from = hot[r];
      int to = Math.max(from + 1, hot[r + 1]);
      int at = from + random.nextInt(to - from);
      if (at < size) {
        return at;
      }
    }
    return random.nextInt(size);
  }

  /**
   * A seed input and its hot ranges, as pairs of offsets {@code [from, to)}.
   *
   * @param name where it came from (a committed stream, a generated schema)
   */
  record Seed(String name, byte[] bytes, int[] hot) {}
}
