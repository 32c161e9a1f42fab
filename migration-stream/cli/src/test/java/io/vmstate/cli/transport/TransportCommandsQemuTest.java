package io.vmstate.cli.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.testkit.QemuMachine;
import io.vmstate.testkit.QemuRelease;
import io.vmstate.testkit.QemuSupport;
import io.vmstate.testkit.Qtest;
import io.vmstate.testkit.fixtures.FixtureScenario;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code vmstate receive} from and {@code vmstate send} into real QEMU over TCP, on each release:
 * QEMU migrates a programmed 2-CPU GICv3 machine into our receiver, the file it wrote loads back,
 * and our sender (with the return path) migrates it into a QEMU listening on TCP; RAM and GIC
 * registers read back over qtest each time.
 */
class TransportCommandsQemuTest {
  private static final long RAM = 0x4000_0000L;
  private static final long SGI1 =
      FixtureScenario.GICR + FixtureScenario.GICR_STRIDE + FixtureScenario.SGI_OFFSET;

  @TempDir Path dir;
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  private record Run(int rc, String out, String err) {}

  private static Run run(Object command, StringWriter err, String... args) {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int rc = cl.execute(args);
    return new Run(rc, out.toString(), err.toString());
  }

  private static QemuMachine.Builder machine(QemuRelease release) {
    return QemuMachine.builder()
        .release(release)
        .machine("virt,gic-version=3")
        .smp(2)
        .memory(FixtureScenario.MEMORY);
  }

  private static void program(Qtest q) {
    q.writel(RAM + 0x1000, 0x5eed_f00d);
    q.writel(FixtureScenario.GICD + 0x420, 0xa0b0_c0d0); // GICD_IPRIORITYR8: SPIs 32..35
    q.writel(FixtureScenario.GICD + 0x104, 0x5); // GICD_ISENABLER1: SPIs 32 and 34
    q.writel(SGI1 + 0x400, 0x2122_2324); // GICR_IPRIORITYR0 of CPU 1
    q.writeq(FixtureScenario.GICR + FixtureScenario.GICR_STRIDE + 0x78, 0x4046_0000L); // PENDBASER
  }

  private static void readBack(Qtest q) {
    assertEquals(0x5eed_f00d, q.readl(RAM + 0x1000), "RAM word");
    assertEquals(0xa0b0_c0d0, q.readl(FixtureScenario.GICD + 0x420), "GICD_IPRIORITYR8");
    assertEquals(0x5, q.readl(FixtureScenario.GICD + 0x104) & 0xf, "GICD_ISENABLER1");
    assertEquals(0x2122_2324, q.readl(SGI1 + 0x400), "GICR_IPRIORITYR0 of CPU 1");
    assertEquals(
        0x4046_0000L,
        q.readq(FixtureScenario.GICR + FixtureScenario.GICR_STRIDE + 0x78),
        "GICR_PENDBASER of CPU 1");
  }

  @ParameterizedTest
  @MethodSource("io.vmstate.testkit.QemuRelease#all")
  void qemuMigratesIntoReceiveAndSendMigratesItBackIntoQemu(QemuRelease release) throws Exception {
    QemuSupport.assumeQemu(release);
    Path file = dir.resolve("received.qemu");
    String at = "127.0.0.1:" + QemuMachine.freePort();
    StringWriter receiverErr = new StringWriter();
    Future<Run> receiver =
        pool.submit(
            () -> run(new ReceiveCommand(), receiverErr, "--listen", at, "--out", file.toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!receiverErr.toString().contains("listening on")) {
      assertTrue(System.nanoTime() < deadline, "the receiver never listened: " + receiverErr);
      Thread.sleep(20);
    }
    try (QemuMachine source = machine(release).start()) {
      program(source.qtest());
      source.migrateTcp("127.0.0.1", Integer.parseInt(at.substring(at.indexOf(':') + 1)));
    }
    Run received = receiver.get(60, TimeUnit.SECONDS);
    assertEquals(0, received.rc(), received.err());
    assertTrue(received.out().contains("\"ok\": true"), received.out());
    try (QemuMachine back = machine(release).incomingFile(file).start()) {
      back.awaitIncomingCompleted(Duration.ofSeconds(60));
      readBack(back.qtest());
    }

    int port = QemuMachine.freePort();
    try (QemuMachine target = machine(release).incomingTcp(port).start()) {
      Run sent =
          run(
              new SendCommand(),
              new StringWriter(),
              file.toString(),
              "--to",
              "127.0.0.1:" + port,
              "--return-path");
      assertEquals(0, sent.rc(), sent.err());
      assertTrue(sent.out().contains("\"outcome\": \"loaded\""), sent.out());
      target.awaitIncomingCompleted(Duration.ofSeconds(60));
      readBack(target.qtest());
    }
  }
}
