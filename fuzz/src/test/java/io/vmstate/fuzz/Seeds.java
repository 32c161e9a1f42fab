package io.vmstate.fuzz;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The committed real QEMU 7.2 streams (vmstate-testkit) as seeds, with their hot ranges. */
final class Seeds {
  /** The streams under {@code vmstate-testkit/src/main/resources/io/vmstate/testkit/streams}. */
  static final List<String> STREAMS =
      List.of(
          "virt-gicv3-smp2",
          "gicv2-1cpu",
          "gicv2-virt",
          "gicv3-its-4cpu",
          "gicv3-virt-6.2",
          "gicv3-64cpu");

  private static final List<Mutator.Seed> STRUCTURE = new ArrayList<>();
  private static final List<Mutator.Seed> RAM_RECORDS = new ArrayList<>();

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

  /** Every stream, hot where its structure is: headers, device sections, the vmdesc. */
  static synchronized List<Mutator.Seed> streams() throws VmStateException {
    if (STRUCTURE.isEmpty()) {
      walk(false, STRUCTURE);
    }
    return STRUCTURE;
  }

  /** Every stream, hot at its RAM record headers. */
  static synchronized List<Mutator.Seed> ramRecords() throws VmStateException {
    if (RAM_RECORDS.isEmpty()) {
      walk(true, RAM_RECORDS);
    }
    return RAM_RECORDS;
  }

  private static void walk(boolean ramHeaders, List<Mutator.Seed> into) throws VmStateException {
    for (String name : STREAMS) {
      byte[] b = stream(name);
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
