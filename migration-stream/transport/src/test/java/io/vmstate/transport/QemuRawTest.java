package io.vmstate.transport;

import static io.vmstate.transport.FramedSessionTest.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateException;
import io.vmstate.testkit.QemuMachine;
import io.vmstate.testkit.QemuRelease;
import io.vmstate.testkit.QemuSupport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw mode against real QEMU in both directions, on each release (QEMU 7.2 and 10.0); the state is
 * checked with qtest reads.
 */
@ExtendWith(LeakWatch.class)
class QemuRawTest {
  private static final long RAM = 0x40000000L;
  private static final long GICD_IPRIORITYR =
      0x08000420L; // SPIs 32..35 (SGI/PPI bytes are RAZ/WI with ARE)

  @TempDir Path dir;

  @AfterEach
  void noThreads() throws InterruptedException {
    Threads.assertNoneLeft();
  }

  private static void setState(QemuMachine vm) {
    vm.qtest().writel(RAM + 0x1000, 0x5eedf00d);
    vm.qtest().writel(GICD_IPRIORITYR, 0xa0b0c0d0);
  }

  private static void assertState(QemuMachine vm) {
    assertEquals(0x5eedf00d, vm.qtest().readl(RAM + 0x1000));
    assertEquals(0xa0b0c0d0, vm.qtest().readl(GICD_IPRIORITYR));
  }

  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void qemuMigratesIntoOurReceiverAndTheFileLoadsBackIntoQemu(QemuRelease release)
      throws Exception {
    QemuSupport.assumeQemu(release);
    Path out = dir.resolve("received.qemu");
    CompletableFuture<MigrationSession> incoming = new CompletableFuture<>();
    try (MigrationDestination dest = MigrationDestination.create(TransportOptions.defaults());
        QemuMachine source = QemuMachine.builder().release(release).start()) {
      InetSocketAddress at =
          (InetSocketAddress)
              dest.listenRaw(
                  new InetSocketAddress("127.0.0.1", 0),
                  s -> {
                    incoming.complete(s);
                    return QemuStreamSink.toFile(out);
                  });
      setState(source);
      source.migrateTcp("127.0.0.1", at.getPort());
      MigrationResult r = incoming.get(20, TimeUnit.SECONDS).await(WAIT);
      assertEquals(Files.size(out), r.bytes());
      assertTrue(r.sections() > 5, "sections: " + r.sections());
    }
    try (QemuMachine target = QemuMachine.builder().release(release).incomingFile(out).start()) {
      target.awaitIncomingCompleted(Duration.ofSeconds(60));
      assertState(target);
    }
  }

  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void ourSenderMigratesAFileIntoQemuListeningOnTcp(QemuRelease release) throws Exception {
    QemuSupport.assumeQemu(release);
    Path file = dir.resolve("saved.qemu");
    try (QemuMachine vm = QemuMachine.builder().release(release).start()) {
      setState(vm);
      vm.migrateToFile(file);
    }
    int port = QemuMachine.freePort();
    try (QemuMachine target = QemuMachine.builder().release(release).incomingTcp(port).start();
        MigrationSource src = MigrationSource.create(TransportOptions.defaults())) {
      MigrationResult r = src.sendFile(new InetSocketAddress("127.0.0.1", port), file).await(WAIT);
      assertEquals(Files.size(file), r.bytes());
      target.awaitIncomingCompleted(Duration.ofSeconds(60));
      assertState(target);
    }
  }

  /**
   * With OPEN_RETURN_PATH inserted after the configuration section, QEMU (7.2 and 10.0) reports its
   * load on the return path (SHUT 0, checked on the wire beside a QEMU source: PONG 1, then SHUT
   * 0): the outcome is LOADED, and a stream whose device section QEMU refuses fails the send.
   */
  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void theReturnPathCarriesQemusVerdict(QemuRelease release) throws Exception {
    QemuSupport.assumeQemu(release);
    Path file = dir.resolve("saved.qemu");
    try (QemuMachine vm = QemuMachine.builder().release(release).start()) {
      setState(vm);
      vm.migrateToFile(file);
    }
    int port = QemuMachine.freePort();
    try (QemuMachine target = QemuMachine.builder().release(release).incomingDefer().start();
        MigrationSource src = MigrationSource.create(TransportOptions.defaults())) {
      target.hmp().command("migrate_incoming tcp:127.0.0.1:" + port);
      MigrationResult r =
          src.sendFileOpeningReturnPath(new InetSocketAddress("127.0.0.1", port), file).await(WAIT);
      assertEquals(MigrationResult.Outcome.LOADED, r.outcome());
      assertEquals(Files.size(file) + 5, r.bytes());
      target.awaitIncomingCompleted(Duration.ofSeconds(60));
      assertState(target);
    }
    // an unknown section: QEMU refuses the stream and exits without SHUT
    byte[] bad = Files.readAllBytes(file);
    int at = indexOf(bad, "arm_gicv3".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    bad[at] = 'X';
    Path badFile = dir.resolve("bad.qemu");
    Files.write(badFile, bad);
    int port2 = QemuMachine.freePort();
    try (QemuMachine target = QemuMachine.builder().release(release).incomingDefer().start();
        MigrationSource src = MigrationSource.create(TransportOptions.defaults())) {
      target.hmp().command("migrate_incoming tcp:127.0.0.1:" + port2);
      VmStateException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              VmStateException.class,
              () ->
                  src.sendFileOpeningReturnPath(new InetSocketAddress("127.0.0.1", port2), badFile)
                      .await(WAIT));
      assertTrue(e instanceof MigrationTransportException, e.toString());
    }
  }

  private static int indexOf(byte[] a, byte[] b) {
    outer:
    for (int i = 0; i + b.length <= a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        if (a[i + j] != b[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
