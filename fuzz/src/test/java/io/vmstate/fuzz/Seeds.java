package io.vmstate.fuzz;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed real QEMU streams (vmstate-testkit) as seeds, with their hot ranges. The seeds of
 * the structure targets keep only the first {@link #PAGES_KEPT} pages of each RAM section (the rest
 * is page contents no decoder looks into, and it made one input cost 1 MB of copying, hashing and,
 * for {@code dump -m}, hex rendering); the ITS target keeps the whole guest memory its tables live
 * in.
 */
final class Seeds {
  /** The streams under {@code vmstate-testkit/src/main/resources/io/vmstate/testkit/streams}. */
  static final List<String> STREAMS =
      List.of(
          "virt-gicv3-smp2",
          "gicv2-1cpu",
          "gicv2-virt",
          "gicv3-its-4cpu",
          "gicv3-virt-6.2",
          "gicv3-64cpu",
          "qemu-10.0/virt-devices");

  /** Pages kept per RAM section in the trimmed seeds. */
  static final int PAGES_KEPT = 4;

  /** A RAM section's closing bytes: the EOS flag (be64) and the section footer (0x7e, be32 id). */
  private static final int RAM_SECTION_TAIL = 8 + 5;

  private static final Map<String, List<Mutator.Seed>> CACHE = new HashMap<>();

  private Seeds() {}

  static byte[] stream(String name) {
    String path = "/io/vmstate/testkit/streams/" + name + ".qemu";
    try (InputStream in = Seeds.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the test class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every stream with its RAM trimmed, hot where its structure is: headers, device sections, the
   * vmdesc.
   */
  static List<Mutator.Seed> streams() throws VmStateException {
    return seeds(false, true);
  }

  /** Every stream with its RAM trimmed, hot at its RAM record headers. */
  static List<Mutator.Seed> ramRecords() throws VmStateException {
    return seeds(true, true);
  }

  /**
   * Every stream, hot at its structure ({@code ramHeaders} false) or at its RAM record headers,
   * with its RAM trimmed or whole (all of its guest memory).
   */
  static synchronized List<Mutator.Seed> seeds(boolean ramHeaders, boolean trim)
      throws VmStateException {
    String key = ramHeaders + "/" + trim;
    List<Mutator.Seed> seeds = CACHE.get(key);
    if (seeds == null) {
      seeds = new ArrayList<>();
      walk(ramHeaders, trim, seeds);
      CACHE.put(key, List.copyOf(seeds));
    }
    return CACHE.get(key);
  }

  /**
   * The stream with each RAM section that carries more than {@link #PAGES_KEPT} pages cut after its
   * {@code PAGES_KEPT}th page and closed with its own EOS flag and footer.
   */
  static byte[] trimmed(String name, byte[] b) throws VmStateException {
    List<int[]> cuts = new ArrayList<>(); // {from, to}: bytes dropped
    MigrationStreamReader r = StreamSource.of(name, b).reader(ReaderOptions.DEFAULT);
    int[] pages = new int[1];
    int[] cutAt = new int[1];
    RamSink sink =
        new RamSink() {
          @Override
          public void zeroPage(RamBlock block, long addr, boolean continued, int fill) {}

          @Override
          public void page(RamBlock block, long addr, boolean continued, WireInput in, int size)
              throws VmStateException {
            if (++pages[0] == PAGES_KEPT) {
              cutAt[0] = (int) in.position() + size;
            }
            in.skip(size);
          }
        };
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s && s.isRam()) {
        pages[0] = 0;
        r.readRam(sink);
        int end = (int) r.input().position() + 5; // the footer follows the EOS flag
        if (pages[0] > PAGES_KEPT && end - RAM_SECTION_TAIL > cutAt[0]) {
          cuts.add(new int[] {cutAt[0], end - RAM_SECTION_TAIL});
        }
      } else if (e instanceof StreamEvent.Section) {
        r.readDeviceGeneric();
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    int at = 0;
    for (int[] c : cuts) {
      out.write(b, at, c[0] - at);
      at = c[1];
    }
    out.write(b, at, b.length - at);
    return out.toByteArray();
  }

  private static void walk(boolean ramHeaders, boolean trim, List<Mutator.Seed> into)
      throws VmStateException {
    for (String name : STREAMS) {
      byte[] b = trim ? trimmed(name, stream(name)) : stream(name);
      List<Integer> hot = new ArrayList<>();
      MigrationStreamReader r = StreamSource.of(name, b).reader(ReaderOptions.DEFAULT);
      RamSink sink =
          new RamSink() {
            @Override
            public void zeroPage(RamBlock block, long addr, boolean continued, int fill) {}

            @Override
            public void page(RamBlock block, long addr, boolean continued, WireInput in, int size)
                throws VmStateException {
              if (ramHeaders) {
                int at = (int) in.position();
                hot.add(Math.max(0, at - 16));
                hot.add(at);
              }
              in.skip(size);
            }
          };
      long start = r.input().position();
      for (StreamEvent e = r.next(); e != null; e = r.next()) {
        if (e instanceof StreamEvent.Section s && s.isRam()) {
          if (!ramHeaders) {
            hot.add((int) start);
            hot.add((int) Math.min(b.length, start + 4096));
          }
          r.readRam(sink);
        } else {
          if (e instanceof StreamEvent.Section) {
            r.readDeviceGeneric();
          }
          if (!ramHeaders || e instanceof StreamEvent.Header) {
            hot.add((int) start);
            hot.add((int) Math.max(start + 1, r.input().position()));
          }
        }
        start = r.input().position();
      }
      if (!ramHeaders) {
        hot.add((int) start);
        hot.add(b.length);
      }
      into.add(new Mutator.Seed(name, b, hot.stream().mapToInt(Integer::intValue).toArray()));
    }
  }

  /** Seeds without structure knowledge: mutated anywhere. */
  static Mutator.Seed plain(String name, byte[] bytes) {
    return new Mutator.Seed(name, bytes, new int[0]);
  }
}
