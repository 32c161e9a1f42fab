package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmstate.api.SectionRef;
import io.vmstate.cli.gic.GicDevices;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every committed real QEMU stream (7.2 and 10.0, the 10.0 virt machine with ordinary devices
 * included) loads into a registry of real GIC objects configured from its vmdesc, with the vmdesc
 * cross-check on and off, and the registry saves (its save checks itself) what it loaded: the saved
 * GIC sections are the stream's bytes.
 */
class GicFixturesRegistryTest {
  static Stream<String> names() {
    List<String> all = new ArrayList<>(Fixtures.NAMES);
    // A one-CPU GICv3 from QEMU 10.0: its vmdesc shows the cpu array's only element without an
    // index (a plain struct), which the cross-check must take as the typed one-element array.
    all.add("qemu-10.0/virt-devices");
    return all.stream();
  }

  @ParameterizedTest
  @MethodSource("names")
  void loadsWithAndWithoutTheCrossCheckAndSavesTheStreamsBytes(String name) throws Exception {
    byte[] data = Fixtures.stream(name);
    Vmdesc vmdesc = VmdescLocator.scan(data, 0);
    for (boolean crossCheck : new boolean[] {false, true}) {
      DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration());
      GicDevices.register(reg, vmdesc);
      reg.load(
          StreamSource.of(name, data).reader(ReaderOptions.DEFAULT),
          DeviceRegistry.LoadOptions.DEFAULT
              .withCrossCheck(crossCheck)
              .withDecodeUnknown(true)
              .withCheckConfiguration(false));
      Map<SectionRef, byte[]> saved = gicBodies(reg.saveToBytes());
      Map<SectionRef, byte[]> stream = gicBodies(data);
      assertEquals(stream.keySet(), saved.keySet(), name);
      for (Map.Entry<SectionRef, byte[]> e : stream.entrySet()) {
        assertArrayEquals(e.getValue(), saved.get(e.getKey()), name + " " + e.getKey());
      }
    }
  }

  /**
   * An ITS check that runs after the section was read (GITS_CWRITER outside the command queue)
   * points at the register's bytes in the stream, with and without the cross-check (which reads the
   * body on its own, as bytes, at commit), and the load leaves the objects as they were.
   */
  @ParameterizedTest
  // The streams whose fixture script enabled the ITS (GITS_CTLR), so that its checks apply.
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"gicv3-its-4cpu", "qemu-10.0/gicv3-its-4cpu"})
  void aCheckAfterTheReadPointsAtTheRegistersByteInTheStream(String name) throws Exception {
    byte[] data = Fixtures.stream(name).clone();
    Long its = null;
    MigrationStreamReader r =
        new MigrationStreamReader(
            io.vmstate.codec.WireInput.of(data),
            ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(data, 0)));
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s && s.section().idstr().equals("arm_gicv3_its")) {
        its = s.bodyOffset();
      }
    }
    org.junit.jupiter.api.Assertions.assertNotNull(its, name + " has an ITS");
    // ctlr (be32), iidr (be32), cbaser (be64), then cwriter (be64)
    int cwriter = Math.toIntExact(its + 4 + 4 + 8);
    java.nio.ByteBuffer.wrap(data).putLong(cwriter, 0x7fff_ffe0L);
    Vmdesc vmdesc = VmdescLocator.scan(data, 0);
    for (boolean crossCheck : new boolean[] {false, true}) {
      DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration());
      GicDevices.register(reg, vmdesc);
      byte[] before = reg.saveToBytes();
      io.vmstate.api.VmStateException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.vmstate.api.VmStateException.class,
              () ->
                  reg.load(
                      StreamSource.of(name, data).reader(ReaderOptions.DEFAULT),
                      DeviceRegistry.LoadOptions.DEFAULT
                          .withCrossCheck(crossCheck)
                          .withDecodeUnknown(true)
                          .withCheckConfiguration(false)));
      assertEquals("arm_gicv3_its/cwriter", e.fieldPath(), e.getMessage());
      assertEquals(cwriter, e.offset(), "cross-check " + crossCheck + ": " + e.getMessage());
      assertArrayEquals(before, reg.saveToBytes(), "nothing applied");
    }
  }

  /** The bodies of a stream's GIC sections (between header and footer), by section. */
  private static Map<SectionRef, byte[]> gicBodies(byte[] stream) throws Exception {
    MigrationStreamReader r =
        new MigrationStreamReader(
            io.vmstate.codec.WireInput.of(stream),
            ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(stream, 0)));
    Map<SectionRef, byte[]> out = new LinkedHashMap<>();
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Footer f
          && f.section().section().idstr().startsWith("arm_gic")) {
        out.put(
            f.section().section(),
            Arrays.copyOfRange(
                stream, Math.toIntExact(f.section().bodyOffset()), Math.toIntExact(f.offset())));
      }
    }
    return out;
  }
}
