package io.vmstate.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** QemuRelease/QemuArch wiring (no QEMU needed) and each installed release driven for real. */
@Timeout(60)
class QemuReleaseTest {
  static final long GICD = 0x0800_0000L;
  static final long GICC = 0x0801_0000L;
  static final long RAM = 0x4040_0000L;

  @Test
  void releasesAndTheirInstallFacts() {
    assertEquals(List.of(QemuRelease.V7_2, QemuRelease.V10_0), QemuRelease.all().toList());
    assertEquals(QemuRelease.V10_0, QemuRelease.of("10.0"));
    assertEquals(QemuRelease.V7_2, QemuRelease.of("V7_2"));
    assertThrows(IllegalArgumentException.class, () -> QemuRelease.of("8.2"));
    assertTrue(QemuRelease.V7_2.prefix().isEmpty());
    assertTrue(QemuRelease.V7_2.environment().isEmpty());
    assertTrue(QemuRelease.V7_2.extraArgs().isEmpty());
    String old = System.getProperty(QemuRelease.QEMU10_PREFIX_PROPERTY);
    System.setProperty(QemuRelease.QEMU10_PREFIX_PROPERTY, "/x/q10");
    try {
      QemuRelease r = QemuRelease.V10_0;
      assertEquals(Path.of("/x/q10"), r.prefix().orElseThrow());
      assertEquals(Path.of("/x/q10/usr/bin/qemu-system-x86_64"), r.binaryPath(QemuArch.X86_64));
      assertEquals(
          Map.of("QEMU_MODULE_DIR", "/x/q10/usr/lib/x86_64-linux-gnu/qemu"), r.environment());
      assertEquals(List.of("-L", "/x/q10/usr/share/qemu"), r.extraArgs());
      assertEquals(
          List.of("/x/q10/usr/bin/qemu-system-aarch64", "-L", "/x/q10/usr/share/qemu"),
          r.command(QemuArch.AARCH64));
      assertTrue(r.describe(QemuArch.PPC64).contains("QEMU 10.0"), r.describe(QemuArch.PPC64));
    } finally {
      if (old == null) {
        System.clearProperty(QemuRelease.QEMU10_PREFIX_PROPERTY);
      } else {
        System.setProperty(QemuRelease.QEMU10_PREFIX_PROPERTY, old);
      }
    }
  }

  @Test
  void archFromBinaryNames() {
    assertEquals(QemuArch.X86_64, QemuArch.fromBinaryName("qemu-system-x86_64").orElseThrow());
    assertEquals(QemuArch.PPC64, QemuArch.fromBinaryName("/opt/q/usr/bin/qemu-system-ppc64").get());
    assertEquals(QemuArch.RISCV64, QemuArch.fromBinaryName("riscv64").orElseThrow());
    assertTrue(QemuArch.fromBinaryName("qemu-system-mips").isEmpty());
    assertEquals("virt,gic-version=3", QemuArch.AARCH64.defaultMachine());
    assertEquals("cortex-a57", QemuArch.AARCH64.defaultCpu().orElseThrow());
    assertTrue(QemuArch.X86_64.defaultCpu().isEmpty());
    assertThrows(
        IllegalArgumentException.class, () -> QemuMachine.builder().binary("qemu-system-mips"));
  }

  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void versionNamesTheRelease(QemuRelease r) {
    QemuSupport.assumeQemu(r);
    String v = r.version().orElseThrow();
    assertTrue(v.startsWith("QEMU emulator version " + r.label() + "."), v);
  }

  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void gicv3MigrateToFileAndLoadBack(QemuRelease r, @TempDir Path tmp) throws Exception {
    QemuSupport.assumeQemu(r);
    Path stream = tmp.resolve("gicv3.qemu");
    try (QemuMachine src =
        QemuMachine.builder().release(r).machine("virt,gic-version=3").smp(2).start()) {
      assertTrue(src.commandLine().containsAll(r.extraArgs()), src.commandLine().toString());
      assertTrue(src.hmp().command("info version").strip().startsWith(r.label() + "."));
      src.qtest().writel(GICD + 0x430, 0x11223344);
      src.qtest().writel(RAM + 0x1000, 0xcafef00d);
      src.migrateToFile(stream);
    }
    byte[] b = Files.readAllBytes(stream);
    assertArrayEquals(Hex.bytes("51 45 56 4d 00 00 00 03"), java.util.Arrays.copyOf(b, 8));
    String type = new String(b, 13, b[12], java.nio.charset.StandardCharsets.US_ASCII);
    assertEquals("virt-" + r.label(), type, "machine type in the configuration section");
    try (QemuMachine dst =
        QemuMachine.builder()
            .release(r)
            .machine("virt,gic-version=3")
            .smp(2)
            .incomingFile(stream)
            .start()) {
      dst.awaitIncomingCompleted(Duration.ofSeconds(30));
      assertEquals(0x11223344, dst.qtest().readl(GICD + 0x430));
      assertEquals(0xcafef00d, dst.qtest().readl(RAM + 0x1000));
    }
  }

  /** GICv2 MMIO from qtest works with one CPU on both (more CPUs crash 7.2 and 10.0 alike). */
  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void gicv2WithOneCpu(QemuRelease r) {
    QemuSupport.assumeQemu(r);
    try (QemuMachine vm =
        QemuMachine.builder().release(r).machine("virt,gic-version=2").smp(1).start()) {
      vm.qtest().writel(GICC + 0x4, 0xf0);
      assertEquals(0xf0, vm.qtest().readl(GICC + 0x4));
    }
  }

  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void x86MachineByBinaryName(QemuRelease r) {
    QemuSupport.assumeQemu(r, QemuArch.X86_64);
    try (QemuMachine vm = QemuMachine.builder().release(r).binary("qemu-system-x86_64").start()) {
      assertTrue(vm.commandLine().get(0).endsWith("qemu-system-x86_64"));
      assertTrue(vm.commandLine().contains("q35"));
      assertTrue(vm.vmStatus().startsWith("paused"), vm.vmStatus());
      assertTrue(vm.hmp().command("info version").strip().startsWith(r.label() + "."));
    }
  }

  @Test
  void defaultBuilderStillStartsTheSystemAarch64() {
    QemuSupport.assumeQemu();
    try (QemuMachine vm = QemuMachine.builder().start()) {
      assertEquals(QemuSupport.binary().toString(), vm.commandLine().get(0));
      assertTrue(vm.commandLine().containsAll(List.of("-M", "virt,gic-version=3")));
      assertTrue(vm.commandLine().containsAll(List.of("-cpu", "cortex-a57")));
    }
  }
}
