package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.cli.VmStateCli;
import io.vmstate.testkit.QemuMachine;
import io.vmstate.testkit.QemuRelease;
import io.vmstate.testkit.QemuSupport;
import io.vmstate.testkit.Qtest;
import io.vmstate.testkit.fixtures.FixtureScenario;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code vmstate edit} of a per-CPU GICv3 field of each release's committed 4-CPU GICv3 + ITS
 * stream (QEMU 10.0's vmdesc leaves the index off CPU 3), loaded into that release's QEMU: the
 * edited priority reads back over qtest, and CPU 3's other state is the stream's.
 */
class EditQemuAcceptanceTest {
  static final Duration LOAD = Duration.ofSeconds(60);

  private static String fixture(QemuRelease release) {
    return (release == QemuRelease.V10_0 ? "qemu-10.0/" : "") + "gicv3-its-4cpu";
  }

  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void anEditedLastCpuPriorityLoadsIntoQemu(QemuRelease release, @TempDir Path dir)
      throws Exception {
    QemuSupport.assumeQemu(release);
    byte[] data = Fixtures.stream(fixture(release));
    Path in = dir.resolve("in.qemu");
    Path out = dir.resolve("out.qemu");
    Files.write(in, data);
    Map<String, String> before = StateFlattener.flatten(Fixtures.reader(data, false));
    String was = before.get("arm_gicv3/cpu[3]/gicr_ipriorityr[3]");
    assertTrue(was != null, "the stream has CPU 3's priorities");
    StringWriter err = new StringWriter();
    int rc =
        VmStateCli.run(
            new String[] {
              "edit",
              "--set",
              "arm_gicv3/cpu[3]/gicr_ipriorityr[3]=0x66",
              in.toString(),
              out.toString()
            },
            new ByteArrayOutputStream(),
            new PrintWriter(err));
    assertEquals(0, rc, err.toString());
    Map<String, String> after =
        StateFlattener.flatten(Fixtures.reader(Files.readAllBytes(out), false));
    before.put("arm_gicv3/cpu[3]/gicr_ipriorityr[3]", "0x66");
    assertEquals(before, after, "only the edited value differs");
    int expected = 0;
    for (int b = 3; b >= 0; b--) {
      expected =
          (expected << 8)
              | Integer.parseInt(
                  after.get("arm_gicv3/cpu[3]/gicr_ipriorityr[" + b + "]").substring(2), 16);
    }
    long pendbaser =
        Long.parseUnsignedLong(after.get("arm_gicv3/cpu[3]/gicr_pendbaser").substring(2), 16);
    FixtureScenario s = FixtureScenario.GICV3_ITS_4CPU;
    try (QemuMachine vm =
        QemuMachine.builder()
            .release(release)
            .machine(s.machine())
            .cpu(s.cpu())
            .smp(s.smp())
            .incomingFile(out)
            .start()) {
      vm.awaitIncomingCompleted(LOAD);
      Qtest q = vm.qtest();
      long sgi =
          FixtureScenario.GICR + 3 * FixtureScenario.GICR_STRIDE + FixtureScenario.SGI_OFFSET;
      assertEquals(expected, q.readl(sgi + 0x400), "GICR_IPRIORITYR0 of CPU 3");
      assertEquals(0x66, q.readl(sgi + 0x400) >>> 24, "SGI 3 priority of CPU 3");
      assertEquals(
          pendbaser,
          q.readq(FixtureScenario.GICR + 3 * FixtureScenario.GICR_STRIDE + 0x78),
          "GICR_PENDBASER of CPU 3");
    }
  }
}
