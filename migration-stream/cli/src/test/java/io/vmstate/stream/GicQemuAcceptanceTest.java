package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vmstate.api.QemuRelease;
import io.vmstate.cli.gic.GicDevices;
import io.vmstate.cli.gic.StreamIts;
import io.vmstate.codec.WireOutput;
import io.vmstate.dump.StateDump;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v2.GicV2Config;
import io.vmstate.gic.v2.GicV2State;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.testkit.QemuMachine;
import io.vmstate.testkit.QemuSupport;
import io.vmstate.testkit.Qtest;
import io.vmstate.testkit.fixtures.FixtureGenerator;
import io.vmstate.testkit.fixtures.FixtureScenario;
import io.vmstate.testkit.fixtures.Script;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real QEMU 7.2 acceptance of the GIC integration: streams QEMU writes at test time decode through
 * the typed GIC descriptions exactly as through their vmdesc, rewrite byte-identically and show the
 * programmed state; GIC state built in Java, saved by our registry for qemu-7.2, loads into QEMU
 * and qtest reads it back.
 */
class GicQemuAcceptanceTest {
  static final long GICD = FixtureScenario.GICD;
  static final long GICC = FixtureScenario.GICC;
  static final long GICR = FixtureScenario.GICR;
  static final long ITS = FixtureScenario.ITS;
  static final Duration LOAD = Duration.ofSeconds(60);

  @BeforeAll
  static void qemu() {
    QemuSupport.assumeQemu();
  }

  // ---- a. streams QEMU writes now ----

  @ParameterizedTest
  @EnumSource(
      value = FixtureScenario.class,
      names = {"GICV2_VIRT", "GICV3_ITS_4CPU"})
  void generatedStreamsDecodeTypedAsVmdescAndRewriteIdentically(
      FixtureScenario scenario, @TempDir Path dir) throws Exception {
    byte[] data = Files.readAllBytes(FixtureGenerator.generate(scenario, dir));
    assertEquals(
        AnalyzerGoldenTest.dump(data, false, StateDump.Schema.VMDESC),
        AnalyzerGoldenTest.dump(data, false, StateDump.Schema.TYPED));
    GicDevices gic = GicStreamTest.crossChecked(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new StreamRewriter(
            Fixtures.reader(data, false), new MigrationStreamWriter(WireOutput.to(out)), null)
        .run();
    assertArrayEquals(data, out.toByteArray(), "rewrite of " + scenario.id());
    Map<String, String> flat = StateFlattener.flatten(Fixtures.reader(data, false));
    for (Script.Expectation e : scenario.script().expectations()) {
      String path = e.path();
      assertEquals(e.value(), parse(flat.get(path)), e.path() + " (" + e.why() + ")");
    }
    for (GicV3State g : gic.gicv3().values()) {
      GicStreamTest.assertPerCpuRecordsDiffer(data, g.numCpu());
    }
    if (!gic.its().isEmpty()) {
      GicStreamTest.assertItsScenario(StreamIts.read(Fixtures.reader(data, false)));
    }
  }

  /** A flattened value: {@code 0x..} hex of its width, or a bool. */
  private static long parse(String v) {
    if (v.equals("true") || v.equals("false")) {
      return v.equals("true") ? 1 : 0;
    }
    return Long.parseUnsignedLong(v.substring(2), 16);
  }

  // ---- b. state built in Java, loaded by QEMU ----

  private static MachineConfiguration virt72() {
    return new MachineConfiguration("virt-7.2").setTargetPageBits(12);
  }

  @Test
  void javaBuiltGicv3AndItsLoadIntoQemu(@TempDir Path dir) throws Exception {
    int n = 4;
    GicV3State g = new GicV3State(GicV3Config.tcg(n));
    g.setCtlr(0x53);
    for (int k = 0; k < n; k++) {
      int spi = 40 + k;
      g.setPriority(spi, 0, 0x48 + 8 * k);
      g.setEnabled(spi, 0, true);
      g.routeTo(spi, n - 1 - k);
      g.redistributor(k).setPriority(0, 0x18 + 0x10 * k);
      g.redistributor(k).setPriority(17, 0xe0 - 8 * k);
      g.redistributor(k).setEnabled(k, true);
      g.redistributor(k).setEnabled(20, true);
    }
    ItsState its = new ItsState();
    its.setBaser(0, 0x8107_0000_4051_0200L);
    its.setBaser(1, 0x8407_0000_4052_0200L);
    its.setCbaser(0x8000_0000_4053_0000L);
    its.setCtlr(ItsState.CTLR_ENABLED | ItsState.CTLR_QUIESCENT);
    DeviceRegistry reg = new DeviceRegistry(virt72());
    reg.register("arm_gicv3", 0, GicV3State.DESCRIPTION, g);
    reg.register("arm_gicv3_its", 0, ItsState.DESCRIPTION, its);
    Path file = dir.resolve("java-gicv3.qemu");
    byte[] ours = reg.saveToBytes(QemuRelease.QEMU_7_2);
    Files.write(file, ours);
    assertRewriteIdentical(file, dir);
    try (QemuMachine vm =
        QemuMachine.builder()
            .machine("virt,gic-version=3,its=on")
            .cpu("cortex-a57")
            .smp(n)
            .incomingFile(file)
            .start()) {
      vm.awaitIncomingCompleted(LOAD);
      Qtest q = vm.qtest();
      assertEquals(0x53, q.readl(GICD));
      assertEquals(0x60585048, q.readl(GICD + 0x428), "GICD_IPRIORITYR10: SPIs 40-43");
      assertEquals(0xf00, q.readl(GICD + 0x104), "GICD_ISENABLER1: SPIs 40-43");
      Set<Integer> perCpu = new HashSet<>();
      for (int k = 0; k < n; k++) {
        assertEquals(
            GicV3Config.virtAffinity(n - 1 - k),
            q.readq(GICD + 0x6000 + 8L * (40 + k)),
            "GICD_IROUTER" + (40 + k));
        long sgi = GICR + k * FixtureScenario.GICR_STRIDE + FixtureScenario.SGI_OFFSET;
        int ipri0 = q.readl(sgi + 0x400);
        assertEquals(0x18 + 0x10 * k, ipri0 & 0xff, "GICR_IPRIORITYR0 of CPU " + k);
        assertEquals(0xe0 - 8 * k, (q.readl(sgi + 0x410) >>> 8) & 0xff, "PPI 17 of CPU " + k);
        int isenabler0 = q.readl(sgi + 0x100);
        assertEquals((1 << k) | (1 << 20), isenabler0, "GICR_ISENABLER0 of CPU " + k);
        perCpu.add(ipri0);
      }
      assertEquals(n, perCpu.size(), "every CPU shows its own priorities");
      assertEquals(0x8107_0000_4051_0200L, q.readq(ITS + 0x100), "GITS_BASER0");
      assertEquals(0x8407_0000_4052_0200L, q.readq(ITS + 0x108), "GITS_BASER1");
      assertEquals(0x8000_0000_4053_0000L, q.readq(ITS + 0x80), "GITS_CBASER");
      assertEquals(0x8000_0001, q.readl(ITS), "GITS_CTLR");
    }
  }

  @Test
  void javaBuiltGicv2LoadsIntoQemu(@TempDir Path dir) throws Exception {
    GicV2State g = new GicV2State(GicV2Config.virtBoard(1, false));
    g.setDistributorControl(1);
    for (int k = 0; k < 4; k++) {
      g.setPriority(36 + k, 0, 0x90 + 0x10 * k);
    }
    g.setEnabled(37, 0, true);
    g.setEnabled(39, 0, true);
    g.setEdgeTriggered(36, true);
    g.setPriority(27, 0, 0x38);
    g.cpuInterface(0).setControl(1);
    g.cpuInterface(0).setPriorityMask(0xf0);
    DeviceRegistry reg = new DeviceRegistry(virt72());
    reg.register("arm_gic", 0, GicV2State.DESCRIPTION, g);
    Path file = dir.resolve("java-gicv2.qemu");
    Files.write(file, reg.saveToBytes(QemuRelease.QEMU_7_2));
    assertRewriteIdentical(file, dir);
    try (QemuMachine vm =
        QemuMachine.builder()
            .machine("virt,gic-version=2")
            .cpu("cortex-a57")
            .smp(1)
            .incomingFile(file)
            .start()) {
      vm.awaitIncomingCompleted(LOAD);
      Qtest q = vm.qtest();
      assertEquals(1, q.readl(GICD));
      assertEquals(0xc0b0a090, q.readl(GICD + 0x424), "GICD_IPRIORITYR9: IRQs 36-39");
      assertEquals(0x38, (q.readl(GICD + 0x418) >>> 24) & 0xff, "PPI 27 priority");
      assertEquals(0xa0, q.readl(GICD + 0x104) & 0xf0, "GICD_ISENABLER1: IRQs 37 and 39");
      assertEquals(0x200, q.readl(GICD + 0xc08) & 0x300, "GICD_ICFGR2: IRQ 36 edge-triggered");
      assertEquals(1, q.readl(GICC), "GICC_CTLR");
      assertEquals(0xf0, q.readl(GICC + 4), "GICC_PMR");
    }
  }

  /** c. {@code vmstate rewrite} of a registry-written stream is byte-identical. */
  private static void assertRewriteIdentical(Path file, Path dir) throws Exception {
    Path out = dir.resolve(file.getFileName() + ".rewritten");
    assertEquals(0, GicStreamTest.Cli.exit("rewrite", file.toString(), out.toString()));
    assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out));
    assertNotEquals(0, Files.size(out));
  }
}
