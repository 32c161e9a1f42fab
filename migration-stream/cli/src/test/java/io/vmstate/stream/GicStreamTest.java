package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.cli.gic.GicDevices;
import io.vmstate.cli.gic.StreamIts;
import io.vmstate.codec.WireOutput;
import io.vmstate.cpu.VcpuPowerState;
import io.vmstate.dump.StateDump;
import io.vmstate.gic.its.ItsSnapshot;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The GIC descriptions of gic-vmstate inside the stream layer, on every committed real QEMU 7.2
 * stream: typed decoding prints what the vmdesc decoding (and QEMU's analyzer) prints, the registry
 * cross-checks typed objects against the vmdesc, {@code vmstate its} shows the mapping the testkit
 * scenario programmed, and down-level registry saves.
 */
class GicStreamTest {
  static final List<String> NAMES = Fixtures.NAMES;

  @Test
  void aGicOfAnotherCpuCountIsNamedAsSuchNotAsATruncation() throws Exception {
    // virt-gicv3-smp2 is a 2-vCPU machine; the registry holds a 4-CPU GICv3.
    GicV3State gic = new GicV3State(GicV3Config.tcg(4));
    DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration());
    reg.register("arm_gicv3", 0, GicV3State.DESCRIPTION, gic);
    byte[] before = io.vmstate.codec.VmStateCodec.DEFAULT.saveToBytes(GicV3State.DESCRIPTION, gic);
    io.vmstate.api.VmStateDecodeException e =
        assertThrows(
            io.vmstate.api.VmStateDecodeException.class,
            () ->
                reg.load(
                    Fixtures.reader(Fixtures.stream("virt-gicv3-smp2"), false),
                    DeviceRegistry.LoadOptions.DEFAULT
                        .withDecodeUnknown(true)
                        .withCheckConfiguration(false)));
    assertTrue(
        e.getMessage()
            .startsWith(
                "layout disagreement: the registered 'arm_gicv3' is configured otherwise than the"
                    + " stream's: "),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("stream's: cpu: the stream has 2 elements, ours 4"),
        e.getMessage());
    assertEquals("arm_gicv3", e.section().orElseThrow().idstr());
    assertArrayEquals(
        before,
        io.vmstate.codec.VmStateCodec.DEFAULT.saveToBytes(GicV3State.DESCRIPTION, gic),
        "nothing applied");
  }

  @Test
  void gicDescriptionsAreContributed() {
    for (String vmsd : List.of("arm_gic", "arm_gicv3", "arm_gicv3_its")) {
      assertTrue(TypedDescriptions.names().contains(vmsd), vmsd);
      assertNotNull(TypedDescriptions.mirror(vmsd), "generic mirror of " + vmsd);
    }
  }

  @ParameterizedTest
  @FieldSource("NAMES")
  void typedDumpEqualsVmdescDumpAndAnalyzer(String name) throws Exception {
    byte[] data = Fixtures.stream(name);
    String golden = Fixtures.golden(name, "state");
    for (boolean chunk1 : new boolean[] {false, true}) {
      assertEquals(golden, AnalyzerGoldenTest.dump(data, chunk1, StateDump.Schema.TYPED));
    }
    String viaVmdesc = Cli.run("dump", "--schema", "vmdesc", data);
    assertEquals(golden, viaVmdesc);
    assertEquals(viaVmdesc, Cli.run("dump", "--schema", "typed", data));
  }

  /** Loads every GIC section into typed objects, cross-checked against the vmdesc decoding. */
  static GicDevices crossChecked(byte[] data) throws Exception {
    MigrationStreamReader r = Fixtures.reader(data, false);
    DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration());
    GicDevices gic = GicDevices.register(reg, VmdescLocator.scan(data, 0));
    DeviceRegistry.LoadResult res =
        reg.load(
            r,
            DeviceRegistry.LoadOptions.DEFAULT
                .withCrossCheck(true)
                .withDecodeUnknown(true)
                .withCheckConfiguration(false));
    assertEquals(gic.registered().size(), res.sectionsLoaded(), "GIC sections loaded");
    return gic;
  }

  @ParameterizedTest
  @FieldSource("NAMES")
  void registryCrossChecksTypedAgainstVmdesc(String name) throws Exception {
    GicDevices gic = crossChecked(Fixtures.stream(name));
    assertFalse(gic.registered().isEmpty(), "every fixture has a GIC");
    if (!name.equals("virt-gicv3-smp2")) {
      // The scenarios program per-CPU state (the plain virt-gicv3-smp2 stream does not).
      for (GicV3State g : gic.gicv3().values()) {
        assertPerCpuRecordsDiffer(Fixtures.stream(name), g.numCpu());
      }
    }
  }

  /**
   * The per-CPU records of {@code arm_gicv3} are pairwise different (the classic bug: every CPU
   * saved as CPU 0), asserted on the flattened decoded stream.
   */
  static void assertPerCpuRecordsDiffer(byte[] data, int numCpu) throws Exception {
    if (numCpu < 2) {
      return;
    }
    Map<String, String> flat = StateFlattener.flatten(Fixtures.reader(data, false));
    List<Map<String, String>> cpus = new ArrayList<>();
    for (int i = 0; i < numCpu; i++) {
      String prefix = "arm_gicv3/cpu[" + i + "]/";
      Map<String, String> m = new LinkedHashMap<>();
      flat.forEach(
          (k, v) -> {
            if (k.startsWith(prefix)) {
              m.put(k.substring(prefix.length()), v);
            }
          });
      assertFalse(m.isEmpty(), "cpu " + i + " decoded");
      cpus.add(m);
    }
    Set<Map<String, String>> distinct = new HashSet<>(cpus);
    assertEquals(numCpu, distinct.size(), "per-CPU GICv3 state differs between all CPUs");
  }

  @Test
  void itsShowsTheProgrammedMapping() throws Exception {
    byte[] data = Fixtures.stream("gicv3-its-4cpu");
    ItsSnapshot s = StreamIts.read(Fixtures.reader(data, false));
    assertItsScenario(s);
    String json = Cli.run("its", data);
    assertTrue(json.contains("\"lpi\": 8193"), json);
  }

  @Test
  void itsFailsWithExitOneWithoutAnItsOrOnATruncatedStream(@TempDir Path dir) throws Exception {
    Path noIts = dir.resolve("64.qemu");
    Files.write(noIts, Fixtures.stream("gicv3-64cpu"));
    StringWriter err = new StringWriter();
    int rc =
        io.vmstate.cli.VmStateCli.run(
            new String[] {"its", noIts.toString()},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(1, rc);
    assertTrue(err.toString().contains("no arm_gicv3_its"), err.toString());

    byte[] data = Fixtures.stream("gicv3-its-4cpu");
    byte[] cut = java.util.Arrays.copyOf(data, data.length / 2);
    var vmdesc = VmdescLocator.scan(data, 0);
    MigrationStreamReader r =
        new MigrationStreamReader(
            io.vmstate.codec.WireInput.of(cut), ReaderOptions.DEFAULT.withVmdesc(vmdesc));
    assertThrows(io.vmstate.api.VmStateDecodeException.class, () -> StreamIts.read(r));
  }

  /**
   * What the testkit's gicv3-its-4cpu scenario programs through the command queue (its manifest):
   * MAPD device 1, MAPC ICID 1 → CPU 1 and ICID 2 → CPU 3, MAPTI events 0/1 → LPIs 8192/8193 on
   * ICIDs 1/2, INT of both; LPI properties 0xa1/0xb1.
   */
  static void assertItsScenario(ItsSnapshot s) {
    assertEquals(1, s.tables().devices().size());
    var dev = s.tables().devices().get(0);
    assertEquals(1, dev.deviceId());
    assertEquals(2, dev.events().size());
    int[][] expected = {{0, 8192, 1, 1}, {1, 8193, 2, 3}};
    for (int i = 0; i < 2; i++) {
      var e = dev.events().get(i);
      assertEquals(expected[i][0], e.eventId());
      assertEquals(expected[i][1], e.intid());
      assertEquals(expected[i][2], e.icid());
      assertEquals(expected[i][3], s.tables().collection(e.icid()).targetCpu());
    }
    Map<Integer, List<Integer>> pending = new LinkedHashMap<>();
    for (ItsSnapshot.PendingLpis p : s.pending()) {
      pending.put(p.cpu(), p.lpis());
    }
    assertEquals(Map.of(0, List.of(), 1, List.of(8192), 2, List.of(), 3, List.of(8193)), pending);
    assertEquals(
        List.of(
            new ItsSnapshot.LpiProperty(8192, 0xa0, true),
            new ItsSnapshot.LpiProperty(8193, 0xb0, true)),
        s.lpiProperties());
  }

  // ---- registry: top-level needed, down-level saves ----

  private static GicV3State javaGic() {
    GicV3State g = new GicV3State(GicV3Config.tcg(2));
    g.setPriority(40, 0, 0x60);
    g.redistributor(1).setPriority(3, 0x30);
    return g;
  }

  @Test
  void sectionsWhoseNeededIsFalseAreOmitted() throws Exception {
    VcpuPowerState running = new VcpuPowerState(0);
    VcpuPowerState suspended = new VcpuPowerState(1);
    suspended.suspend();
    DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration("virt-7.2"));
    reg.register("arm_gicv3", 0, GicV3State.DESCRIPTION, javaGic());
    reg.register("vcpu_mp_state", 0, VcpuPowerState.DESCRIPTION, running);
    reg.register("vcpu_mp_state", 1, VcpuPowerState.DESCRIPTION, suspended);
    byte[] bytes = reg.saveToBytes();
    List<String> sections = sectionKeys(bytes);
    assertEquals(List.of("arm_gicv3:0", "vcpu_mp_state:1"), sections);
  }

  private static List<String> sectionKeys(byte[] bytes) throws Exception {
    MigrationStreamReader r = Fixtures.reader(bytes, false);
    List<String> out = new ArrayList<>();
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s) {
        out.add(s.section().idstr() + ":" + s.section().instanceId());
        r.readDeviceGeneric();
      }
    }
    return out;
  }

  @Test
  void downLevelSaveOmitsNewerSectionsAndRefusesNeededOnes() throws Exception {
    VmStateDescription<int[]> always =
        VmStateDescription.<int[]>named("newer_always")
            .version(1)
            .introducedIn(QemuRelease.QEMU_9_1)
            .uint32("v", a -> a[0], (a, v) -> a[0] = v)
            .build();
    DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration("virt-7.2"));
    reg.register("arm_gicv3", 0, GicV3State.DESCRIPTION, javaGic());
    reg.register("newer_always", 0, always, new int[] {7});
    assertEquals(List.of("arm_gicv3:0", "newer_always:0"), sectionKeys(reg.saveToBytes()));
    assertEquals(List.of("arm_gicv3:0"), sectionKeys(reg.saveToBytes(QemuRelease.QEMU_7_2)));

    GicV3State nmi = new GicV3State(GicV3Config.tcg(2).withNmi(true));
    DeviceRegistry withNmi = new DeviceRegistry(new MachineConfiguration("virt-7.2"));
    withNmi.register("arm_gicv3", 0, GicV3State.DESCRIPTION, nmi);
    DeviceRegistry noNmi = new DeviceRegistry(new MachineConfiguration("virt-7.2"));
    noNmi.register("arm_gicv3", 0, GicV3State.DESCRIPTION, new GicV3State(GicV3Config.tcg(2)));
    assertArrayEquals(
        noNmi.saveToBytes(),
        withNmi.saveToBytes(QemuRelease.QEMU_7_2),
        "NMI subsections at their reset value are left out for 7.2");
    nmi.redistributor(1).setNmiMask(1);
    VmStateEncodeException x =
        assertThrows(VmStateEncodeException.class, () -> withNmi.saveToBytes(QemuRelease.QEMU_7_2));
    assertTrue(
        x.getMessage().contains("cpu[1]/nmi/gicr_inmir0: 'arm_gicv3_cpu/nmi' holds state"),
        x.getMessage());
    assertTrue(withNmi.saveToBytes().length > 0, "the newest QEMU takes it");
  }

  @Test
  void registryStreamRewritesByteIdentically(@TempDir Path dir) throws Exception {
    DeviceRegistry reg = new DeviceRegistry(new MachineConfiguration("virt-7.2"));
    reg.register("arm_gicv3", 0, GicV3State.DESCRIPTION, javaGic());
    byte[] ours = reg.saveToBytes(QemuRelease.QEMU_7_2);
    Path in = dir.resolve("in.qemu");
    Path out = dir.resolve("out.qemu");
    Files.write(in, ours);
    assertEquals(0, Cli.exit("rewrite", in.toString(), out.toString()));
    assertArrayEquals(ours, Files.readAllBytes(out));
    ByteArrayOutputStream direct = new ByteArrayOutputStream();
    new StreamRewriter(
            Fixtures.reader(ours, true), new MigrationStreamWriter(WireOutput.to(direct)), null)
        .run();
    assertArrayEquals(ours, direct.toByteArray());
  }

  /** Runs the CLI in-process. */
  static final class Cli {
    static String run(String command, byte[] data) throws Exception {
      Path f = Files.createTempFile("vmstate-gic", ".qemu");
      try {
        Files.write(f, data);
        return runArgs(new ArrayList<>(List.of(command)), f);
      } finally {
        Files.deleteIfExists(f);
      }
    }

    static String run(String command, String opt, String value, byte[] data) throws Exception {
      Path f = Files.createTempFile("vmstate-gic", ".qemu");
      try {
        Files.write(f, data);
        return runArgs(new ArrayList<>(List.of(command, opt, value)), f);
      } finally {
        Files.deleteIfExists(f);
      }
    }

    private static String runArgs(List<String> args, Path f) {
      args.add(f.toString());
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int rc =
          io.vmstate.cli.VmStateCli.run(
              args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
      assertEquals(0, rc, "vmstate " + args + ": " + err);
      return out.toString();
    }

    static int exit(String... args) {
      return io.vmstate.cli.VmStateCli.run(
          args, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }
  }
}
