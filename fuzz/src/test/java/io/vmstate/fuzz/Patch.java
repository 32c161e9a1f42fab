package io.vmstate.fuzz;

import java.util.Arrays;
import java.util.List;

/**
 * Reads a coverage-guided fuzzer's bytes as edits of a real seed, so that Jazzer mutates small
 * patch programs while the targets decode whole QEMU streams.
 *
 * <pre>
 * +--------+------------------------------------------------------------+
 * | seed # | edits: op (1) | position (be24, a fraction of the length) |
 * |        |        count n (1) | n bytes (overwrite and insert only)   |
 * +--------+------------------------------------------------------------+
 * </pre>
 *
 * op bits 0-1: 0 overwrite, 1 insert, 2 delete n bytes, 3 truncate; bit 7: the position is a
 * fraction of one of the seed's hot ranges instead of the whole input.
 */
final class Patch {
  private Patch() {}

  static byte[] apply(List<Mutator.Seed> seeds, byte[] data) {
    if (data.length == 0) {
      return seeds.get(0).bytes();
    }
    Mutator.Seed seed = seeds.get((data[0] & 0xff) % seeds.size());
    byte[] b = seed.bytes();
    int i = 1;
    while (i + 5 <= data.length) {
      int op = data[i] & 0xff;
      int frac = ((data[i + 1] & 0xff) << 16) | ((data[i + 2] & 0xff) << 8) | (data[i + 3] & 0xff);
      int n = data[i + 4] & 0xff;
      i += 5;
      int pos = position(seed, b.length, op, frac);
      switch (op & 3) {
        case 0 -> {
          b = b == seed.bytes() ? b.clone() : b;
          for (int k = 0; k < n && i < data.length && pos + k < b.length; k++) {
            b[pos + k] = data[i++];
          }
        }
        case 1 -> {
          int m = Math.min(n, data.length - i);
          byte[] r = new byte[b.length + m];
          System.arraycopy(b, 0, r, 0, pos);
          System.arraycopy(data, i, r, pos, m);
          System.arraycopy(b, pos, r, pos + m, b.length - pos);
          b = r;
          i += m;
        }
        case 2 -> {
          int m = Math.min(n, b.length - pos);
          byte[] r = new byte[b.length - m];
          System.arraycopy(b, 0, r, 0, pos);
          System.arraycopy(b, pos + m, r, pos, b.length - pos - m);
          b = r;
        }
        default -> b = Arrays.copyOf(b, pos);
      }
    }
    return b;
  }

  private static int position(Mutator.Seed seed, int length, int op, int frac) {
    int[] hot = seed.hot();
    if ((op & 0x80) != 0 && hot.length > 0) {
      int r = (frac % (hot.length / 2)) * 2;
      int span = Math.max(1, hot[r + 1] - hot[r]);
      int at = hot[r] + (int) (((long) (frac >>> 8) * span) >>> 16);
      return Math.min(at, length);
    }
    return (int) (((long) frac * length) >>> 24);
  }
}
