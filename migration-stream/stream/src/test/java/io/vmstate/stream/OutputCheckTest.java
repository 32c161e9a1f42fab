package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link OutputCheck} on real QEMU 7.2 streams: a plain rewrite passes, an edit passes only where
 * it was asked for, and each kind of unasked change (a field, a whole zeroed CPU as the old vmdesc
 * misreading produced, a RAM byte, framing, a shortened copy) fails naming section and field.
 */
class OutputCheckTest {
  private record Copy(byte[] in, byte[] out, List<OutputCheck.Segment> segments) {}

  private static Copy copy(String name, StreamRewriter.Editor editor) throws Exception {
    byte[] in = Fixtures.stream(name);
    WireOutput out = WireOutput.toBytes();
    StreamRewriter r =
        new StreamRewriter(Fixtures.reader(in, false), new MigrationStreamWriter(out), editor);
    r.run();
    return new Copy(in, out.toByteArray(), r.segments());
  }

  /**
   * Checks {@code out} as arrays, then as files read through a 4 KiB window (so the window moves on
   * many times within a stream), and requires the same verdict from both.
   */
  private static void check(Copy c, byte[] out, OutputCheck.Allowed allowed) throws Exception {
    VmStateException viaBytes = null;
    try {
      OutputCheck.check(
          OutputCheck.Bytes.of(c.in()),
          () -> VmdescLocator.scan(c.in(), 0),
          OutputCheck.Bytes.of(out),
          () -> VmdescLocator.scan(out, 0),
          c.segments(),
          allowed);
    } catch (VmStateException e) {
      viaBytes = e;
    }
    Path dir = Files.createTempDirectory("output-check");
    Path inFile = Files.write(dir.resolve("in"), c.in());
    Path outFile = Files.write(dir.resolve("out"), out);
    String viaFiles = null;
    try (FileChannel a = FileChannel.open(inFile);
        FileChannel b = FileChannel.open(outFile)) {
      OutputCheck.check(
          OutputCheck.Bytes.of(a, 4096),
          () -> VmdescLocator.scan(c.in(), 0),
          OutputCheck.Bytes.of(b, 4096),
          () -> VmdescLocator.scan(out, 0),
          c.segments(),
          allowed);
    } catch (VmStateException e) {
      viaFiles = e.getMessage();
    } finally {
      Files.delete(inFile);
      Files.delete(outFile);
      Files.delete(dir);
    }
    assertEquals(viaBytes == null ? null : viaBytes.getMessage(), viaFiles);
    if (viaBytes != null) {
      throw viaBytes;
    }
  }

  @Test
  void aRewriteIsIdenticalAndPasses() throws Exception {
    for (String name : Fixtures.NAMES) {
      Copy c = copy(name, null);
      assertArrayEquals(c.in(), c.out(), name);
      check(c, c.out(), OutputCheck.Allowed.NOTHING);
      assertTrue(c.segments().size() > 5, name);
    }
  }

  private static final StreamRewriter.Editor SET_PRIORITY =
      (ref, rec) -> {
        if (ref.idstr().equals("arm_gicv3")) {
          FieldAssignment.parse("arm_gicv3/cpu[3]/gicr_ipriorityr[3]=0x66", "arm_gicv3").apply(rec);
        }
      };

  @Test
  void anEditPassesOnlyWhereItWasAskedFor() throws Exception {
    Copy c = copy("gicv3-its-4cpu", SET_PRIORITY);
    FieldAssignment a =
        FieldAssignment.parse("arm_gicv3/cpu[3]/gicr_ipriorityr[3]=0x66", "arm_gicv3");
    check(c, c.out(), a::covers);
    VmStateEncodeException x =
        assertThrows(
            VmStateEncodeException.class, () -> check(c, c.out(), OutputCheck.Allowed.NOTHING));
    assertTrue(
        x.getMessage().contains("field arm_gicv3:0/cpu[3]/gicr_ipriorityr[3] would change"),
        x.getMessage());
    assertEquals("arm_gicv3", x.section().orElseThrow().idstr());
  }

  @Test
  void aZeroedRedistributorIsRefusedNamingItsFirstField() throws Exception {
    // What the misread post-7.2 vmdesc did: a CPU's registers written as zeros.
    String[] zeroed = new String[1];
    Copy c =
        copy(
            "gicv3-its-4cpu",
            (ref, rec) -> {
              if (ref.idstr().equals("arm_gicv3")) {
                StateRecord cpu1 = ((StateValue.RecordArray) rec.get("cpu")).elements().get(1);
                for (var f : cpu1.fields().entrySet()) {
                  if (f.getValue() instanceof StateValue.Scalar sc && sc.bits() != 0) {
                    cpu1.setScalar(f.getKey(), sc.type(), 0);
                    zeroed[0] = f.getKey();
                    return;
                  }
                }
              }
            });
    assertTrue(zeroed[0] != null, "cpu[1] of the fixture has a non-zero scalar");
    VmStateException x =
        assertThrows(
            VmStateEncodeException.class, () -> check(c, c.out(), OutputCheck.Allowed.NOTHING));
    assertTrue(
        x.getMessage().contains("field arm_gicv3:0/cpu[1]/" + zeroed[0] + " would change"),
        x.getMessage());
  }

  /** Leaves out the sections whose idstr is {@code idstr} (as {@code upgrade --omit} does). */
  private static StreamRewriter.SectionHandler omitting(String idstr) {
    return new StreamRewriter.SectionHandler() {
      @Override
      public boolean rewrite(
          StreamEvent.Section s, MigrationStreamReader reader, MigrationStreamWriter writer) {
        return false;
      }

      @Override
      public boolean omit(StreamEvent.Section s, MigrationStreamReader reader) {
        return s.section().idstr().equals(idstr);
      }
    };
  }

  @Test
  void anOmittedSectionPassesOnlyWhenItWasAskedFor() throws Exception {
    byte[] in = Fixtures.stream("gicv3-its-4cpu");
    WireOutput w = WireOutput.toBytes();
    StreamRewriter r =
        new StreamRewriter(
            Fixtures.reader(in, false), new MigrationStreamWriter(w), null, omitting("cpu"));
    r.run();
    Copy c = new Copy(in, w.toByteArray(), r.segments());
    assertEquals(
        4,
        c.segments().stream()
            .filter(s -> s.kind() == OutputCheck.Kind.OMITTED)
            .map(OutputCheck.Segment::section)
            .distinct()
            .count());
    var vmdesc = VmdescLocator.scan(c.out(), 0);
    assertEquals(null, vmdesc.device("cpu", 0), "the vmdesc entries of cpu are gone");
    assertTrue(vmdesc.device("cpu_common", 3) != null, "cpu_common stays");
    OutputCheck.Allowed omitCpu =
        new OutputCheck.Allowed() {
          @Override
          public boolean value(String path) {
            return false;
          }

          @Override
          public boolean omitted(io.vmstate.api.SectionRef section) {
            return section.idstr().equals("cpu");
          }
        };
    check(c, c.out(), omitCpu);
    VmStateException x =
        assertThrows(
            VmStateEncodeException.class, () -> check(c, c.out(), OutputCheck.Allowed.NOTHING));
    assertTrue(x.getMessage().contains("the section is missing from the output"), x.getMessage());
    assertEquals("cpu", x.section().orElseThrow().idstr());
  }

  @Test
  void aChangedRamByteIsRefused() throws Exception {
    Copy c = copy("gicv2-1cpu", null);
    OutputCheck.Segment ram =
        c.segments().stream()
            .filter(s -> s.kind() == OutputCheck.Kind.RAM)
            .filter(s -> s.outEnd() - s.outStart() > 4096)
            .findFirst()
            .orElseThrow();
    byte[] out = c.out().clone();
    out[(int) (ram.outEnd() - 100)] ^= 1;
    VmStateException x =
        assertThrows(
            VmStateEncodeException.class, () -> check(c, out, OutputCheck.Allowed.NOTHING));
    assertTrue(x.getMessage().contains("RAM section differs"), x.getMessage());
  }

  @Test
  void changedFramingAndAShortCopyAreRefused() throws Exception {
    Copy c = copy("gicv2-1cpu", null);
    byte[] out = c.out().clone();
    out[5] ^= 1; // the file version
    VmStateException x =
        assertThrows(
            VmStateEncodeException.class, () -> check(c, out, OutputCheck.Allowed.NOTHING));
    assertTrue(x.getMessage().contains("framing differs"), x.getMessage());
    byte[] shorter = java.util.Arrays.copyOf(c.out(), c.out().length - 1);
    x =
        assertThrows(
            VmStateEncodeException.class, () -> check(c, shorter, OutputCheck.Allowed.NOTHING));
    assertTrue(x.getMessage().contains("the copy covers"), x.getMessage());
  }

  @Test
  void aChangedDeviceByteIsRefusedNamingTheField() throws Exception {
    Copy c = copy("gicv3-its-4cpu", null);
    OutputCheck.Segment gic =
        c.segments().stream()
            .filter(s -> s.kind() == OutputCheck.Kind.DEVICE)
            .filter(s -> s.section().idstr().equals("arm_gicv3"))
            .findFirst()
            .orElseThrow();
    byte[] out = c.out().clone();
    out[(int) gic.outStart() + 3] ^= 0x10;
    VmStateException x =
        assertThrows(
            VmStateEncodeException.class, () -> check(c, out, OutputCheck.Allowed.NOTHING));
    assertTrue(x.getMessage().contains("field arm_gicv3:0/"), x.getMessage());
  }
}
