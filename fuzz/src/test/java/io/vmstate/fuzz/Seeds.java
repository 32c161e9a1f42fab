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

  /** Zero pages and full pages kept per RAM section in the trimmed seeds. */
  static final int PAGES_KEPT = 4;

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
   * The stream with the page records of each RAM section thinned: every record that names its block
   * is kept (so each record left continues the right block), and of the others only the first
   * {@link #PAGES_KEPT} zero pages and {@link #PAGES_KEPT} full pages.
   */
  static byte[] trimmed(String name, byte[] b) throws VmStateException {
    List<long[]> drops = new ArrayList<>(); // {from, to}: a record dropped
    MigrationStreamReader r = StreamSource.of(name, b).reader(ReaderOptions.DEFAULT);
    long[] state = new long[3]; // end of the last record, zero pages kept, full pages kept
    RamSink sink =
        new RamSink() {
          @Override
          public void blocks(long totalBytes, List<RamBlock> blocks) {
            state[0] = r.input().position();
          }

          @Override
          public void zeroPage(RamBlock block, long addr, boolean continued, int fill) {
            record(continued, 1, r.input().position());
          }

          @Override
          public void page(RamBlock block, long addr, boolean continued, WireInput in, int size)
              throws VmStateException {
            in.skip(size);
            record(continued, 2, in.position());
          }

          private void record(boolean continued, int kind, long end) {
            if (continued && state[kind] >= PAGES_KEPT) {
              drops.add(new long[] {state[0], end});
            } else {
              state[kind]++;
            }
            state[0] = end;
          }
        };
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s && s.isRam()) {
        state[0] = r.input().position();
        state[1] = 0;
        state[2] = 0;
        r.readRam(sink);
      } else if (e instanceof StreamEvent.Section) {
        r.readDeviceGeneric();
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    int at = 0;
    for (long[] d : drops) {
      out.write(b, at, (int) d[0] - at);
      at = (int) d[1];
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
