package io.vmstate.transport;

import static io.vmstate.transport.FramedSessionTest.WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.testkit.QemuMachine;
import io.vmstate.testkit.QemuSupport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU ({@code migrate tcp:}) into our destination, loaded into a {@link DeviceRegistry} as
 * the stream arrives: the GICv3 and ITS values programmed through qtest are checked in the
 * registry's objects after the load.
 */
@ExtendWith(LeakWatch.class)
class QemuIntoRegistryTest {
  static final long GICD = 0x0800_0000L;
  static final long ITS = 0x0808_0000L;
  static final int CPUS = 2;

  @TempDir Path dir;

  @BeforeEach
  void needQemu() {
    QemuSupport.assumeQemu();
  }

  @AfterEach
  void noThreads() throws InterruptedException {
    Threads.assertNoneLeft();
  }

  private static GicVm vm() {
    return GicVm.of(CPUS, 12);
  }

  private static QemuMachine source() {
    QemuMachine q = QemuMachine.builder().machine("virt,gic-version=3,its=on").smp(CPUS).start();
    q.qtest().writel(GICD, 0x13); // GICD_CTLR: ARE_S/ARE_NS + Group1NS enabled
    q.qtest().writel(GICD + 0x428, 0x60585048); // GICD_IPRIORITYR10: SPIs 40..43
    q.qtest().writel(GICD + 0x104, 0x00000f00); // GICD_ISENABLER1: SPIs 40..43
    q.qtest().writeq(ITS + 0x80, 0x8000_0000_4053_0000L); // GITS_CBASER (ITS disabled)
    return q;
  }

  /** Runs one migration from a fresh QEMU into {@code sink}; returns its session. */
  private static MigrationSession migrate(RawStreamSink sink) throws Exception {
    CompletableFuture<MigrationSession> incoming = new CompletableFuture<>();
    try (MigrationDestination dest = MigrationDestination.create(TransportOptions.defaults());
        QemuMachine src = source()) {
      InetSocketAddress at =
          (InetSocketAddress)
              dest.listenRaw(
                  new InetSocketAddress("127.0.0.1", 0),
                  s -> {
                    incoming.complete(s);
                    return sink;
                  });
      src.migrateTcp("127.0.0.1", at.getPort());
      MigrationSession s = incoming.get(30, TimeUnit.SECONDS);
      try {
        s.await(WAIT);
      } catch (VmStateException e) {
        // the caller checks the outcome
      }
      return s;
    }
  }

  @Test
  void qemuLoadsIntoARegistryAsItArrives() throws Exception {
    GicVm dst = vm();
    Path out = dir.resolve("from-qemu.qemu");
    MigrationSession s =
        migrate(
            RegistryTarget.rawSinkViaFile(
                dst.registry(), DeviceRegistry.LoadOptions.DEFAULT.withDecodeUnknown(true), out));
    MigrationResult r = s.await(WAIT);
    assertEquals(Files.size(out), r.bytes());
    assertTrue(r.sections() > 5, "sections: " + r.sections());
    assertEquals(0x13, dst.gic().ctlr() & 0x13, "GICD_CTLR");
    for (int k = 0; k < 4; k++) {
      assertEquals(0x48 + 8 * k, dst.gic().priority(40 + k, 0), "priority of SPI " + (40 + k));
    }
    assertEquals(0x8000_0000_4053_0000L, dst.its().cbaser(), "GITS_CBASER");
    assertFalse(Files.exists(dir.resolve("from-qemu.qemu.partial")));
  }

  @Test
  void withoutTheVmdescAnUnregisteredDeviceFailsTypedAndNothingIsApplied() throws Exception {
    GicVm dst = vm();
    byte[] before = dst.registry().saveToBytes();
    MigrationSession s =
        migrate(RegistryTarget.rawSink(dst.registry(), DeviceRegistry.LoadOptions.DEFAULT));
    VmStateException e = assertThrows(VmStateException.class, () -> s.await(WAIT));
    assertInstanceOf(VmStateDecodeException.class, e);
    assertTrue(e.section().isPresent(), e.getMessage());
    assertTrue(e.getMessage().contains("Unknown savevm section"), e.getMessage());
    assertArrayEquals(before, dst.registry().saveToBytes());
  }
}
