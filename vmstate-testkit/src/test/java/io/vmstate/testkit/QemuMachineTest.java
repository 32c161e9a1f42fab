package io.vmstate.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Exercises the harness against real QEMU; skipped where qemu-system-aarch64 is absent. */
@Timeout(60)
class QemuMachineTest {
  static final long GICD = 0x0800_0000L;
  static final long GICD_IPRIORITYR = GICD + 0x400;
  static final long GICD_ISENABLER1 = GICD + 0x104;
  // the virt board puts the DTB at the bottom of RAM, so scratch memory starts 4 MiB higher
  static final long RAM = 0x4040_0000L;

  @BeforeAll
  static void needQemu() {
    QemuSupport.assumeQemu();
  }

  @Test
  void qtestWritesAndReadsGicRegistersAndRam() {
    try (QemuMachine vm =
        QemuMachine.builder().machine("virt,gic-version=3").smp(2).memory("16M").start()) {
      Qtest q = vm.qtest();
      q.writel(GICD_IPRIORITYR + 40, 0xa0b0c0d0);
      assertEquals(0xa0b0c0d0, q.readl(GICD_IPRIORITYR + 40));
      assertEquals(0xd0, q.readb(GICD_IPRIORITYR + 40));
      q.writel(GICD_ISENABLER1, 0x8000_0001);
      assertEquals(0x8000_0001, q.readl(GICD_ISENABLER1));
      q.writeq(RAM + 0x100, 0x1122_3344_5566_7788L);
      assertEquals(0x1122_3344_5566_7788L, q.readq(RAM + 0x100));
      q.write(RAM + 0x200, Hex.bytes("de ad be ef 01"));
      assertArrayEquals(Hex.bytes("de ad be ef 01"), q.read(RAM + 0x200, 5));
      q.memset(RAM + 0x300, 3, 0x5a);
      assertArrayEquals(Hex.bytes("5a 5a 5a 00"), q.read(RAM + 0x300, 4));
      assertThrows(QemuException.class, () -> q.ok("no_such_command 1"));
      assertTrue(vm.vmStatus().startsWith("paused"), vm.vmStatus());
    }
  }

  @Test
  void migrateToFileAndLoadItBack(@TempDir Path tmp) throws Exception {
    Path stream = tmp.resolve("gicv3.qemu");
    String machine = "virt,gic-version=3";
    try (QemuMachine src = QemuMachine.builder().machine(machine).smp(2).start()) {
      src.qtest().writel(GICD_IPRIORITYR + 48, 0x11223344);
      src.qtest().writel(RAM + 0x1000, 0xcafef00d);
      src.migrateToFile(stream);
      assertEquals("completed", src.hmp().migrationStatus());
      assertTrue(src.vmStatus().contains("postmigrate"), src.vmStatus());
    }
    byte[] head = new byte[8];
    try (var in = Files.newInputStream(stream)) {
      assertEquals(8, in.readNBytes(head, 0, 8));
    }
    assertArrayEquals(Hex.bytes("51 45 56 4d 00 00 00 03"), head, "QEVM magic, version 3");

    try (QemuMachine dst =
        QemuMachine.builder().machine(machine).smp(2).incomingFile(stream).start()) {
      dst.awaitIncomingCompleted(Duration.ofSeconds(30));
      assertEquals(0x11223344, dst.qtest().readl(GICD_IPRIORITYR + 48));
      assertEquals(0xcafef00d, dst.qtest().readl(RAM + 0x1000));
    }
  }

  @Test
  void migrateOverTcpToDeferredDestination() {
    String machine = "virt,gic-version=2";
    int port = QemuMachine.freePort();
    try (QemuMachine dst = QemuMachine.builder().machine(machine).incomingDefer().start();
        QemuMachine src = QemuMachine.builder().machine(machine).start()) {
      dst.hmp().migrateIncoming("tcp:127.0.0.1:" + port);
      src.qtest().writel(GICD_IPRIORITYR + 32, 0x80604020);
      src.migrateTcp("127.0.0.1", port);
      dst.awaitIncomingCompleted(Duration.ofSeconds(30));
      assertEquals(0x80604020, dst.qtest().readl(GICD_IPRIORITYR + 32));
    }
  }

  @Test
  void incompatibleDestinationFailsWithQemuMessage(@TempDir Path tmp) {
    Path stream = tmp.resolve("v2.qemu");
    try (QemuMachine src = QemuMachine.builder().machine("virt,gic-version=2").start()) {
      src.migrateToFile(stream);
    }
    try (QemuMachine dst =
        QemuMachine.builder().machine("virt,gic-version=3").incomingFile(stream).start()) {
      QemuException e =
          assertThrows(
              QemuException.class, () -> dst.awaitIncomingCompleted(Duration.ofSeconds(30)));
      assertTrue(e.getMessage().contains("arm_gic"), e.getMessage());
    }
  }

  @Test
  void startupFailureCarriesStderr() {
    QemuException e =
        assertThrows(
            QemuException.class,
            () -> QemuMachine.builder().machine("virt,no-such-option=1").start());
    assertTrue(e.getMessage().contains("no-such-option"), e.getMessage());
  }
}
