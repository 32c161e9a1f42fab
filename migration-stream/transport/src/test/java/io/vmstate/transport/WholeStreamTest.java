package io.vmstate.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.IncompatibleSchemaException;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.transport.MigrationTransportException.Kind;
import io.vmstate.transport.proto.ErrorReason;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Framed whole-stream sessions: a QEMU stream with its RAM and vmdesc, over loopback TCP. */
@ExtendWith(LeakWatch.class)
class WholeStreamTest {
  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    Threads.assertNoneLeft();
  }

  private Path fixture(String name) throws Exception {
    Path p = dir.resolve(name);
    try (InputStream in =
        WholeStreamTest.class.getResourceAsStream("/io/vmstate/testkit/streams/" + name)) {
      Files.write(p, in.readAllBytes());
    }
    return p;
  }

  private record Ends(MigrationSession source, MigrationSession destination) {}

  private Ends migrate(TransportOptions options, WholeStream stream, MigrationTarget target)
      throws Exception {
    MigrationDestination dest = MigrationDestination.create(options);
    open.add(dest);
    MigrationSource src = MigrationSource.create(options);
    open.add(src);
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    SocketAddress at =
        dest.listenFramed(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.set(s);
              return target;
            });
    MigrationSession s = src.sendFramed(at, stream);
    try {
      s.await(WAIT);
    } catch (VmStateException e) {
      // the test looks at it
    }
    for (int i = 0; i < 200 && incoming.get() == null; i++) {
      Thread.sleep(10);
    }
    MigrationSession d = incoming.get();
    try {
      d.await(WAIT);
    } catch (VmStateException e) {
      // the test looks at it
    }
    return new Ends(s, d);
  }

  private static int deviceSections(Path file) throws Exception {
    try (StreamSource src = StreamSource.open(file, Vmdesc.DEFAULT_MAX_BYTES)) {
      return DeviceSections.scan(src.reader(ReaderOptions.DEFAULT)).size();
    }
  }

  /** gicv2-1cpu.qemu holds RAM and a vmdesc: the received file is the source, byte for byte. */
  @Test
  void aQemuStreamWithRamArrivesByteForByte() throws Exception {
    Path source = fixture("gicv2-1cpu.qemu");
    int devices = deviceSections(source);
    // small frames: the 1 MB stream travels in ~64 chunks
    TransportOptions options =
        TransportOptions.defaults().toBuilder().maxFrameLength(17 * 1024).build();
    Path out = dir.resolve("received.qemu");
    Ends e = migrate(options, WholeStream.open(source), new StreamFileTarget(out, false));
    MigrationResult sent = e.source().await(WAIT);
    MigrationResult got = e.destination().await(WAIT);
    assertEquals(MigrationResult.Outcome.APPLIED, sent.outcome());
    assertEquals(Files.size(source), sent.bytes());
    assertEquals(Files.size(source), got.bytes());
    assertTrue(devices > 5, "device sections: " + devices);
    assertEquals(devices, sent.sections());
    assertEquals(devices, got.sections());
    assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(out));
    assertEquals(devices, deviceSections(out), "the received file reads as a whole stream");
    assertFalse(Files.exists(dir.resolve("received.qemu.partial")));
  }

  /** The receiver decodes every section before it keeps the file: 20 garbage bytes fail, typed. */
  @Test
  void aGarbageArmGicv3BodyIsRefusedAndNothingIsKept() throws Exception {
    Path good = fixture("virt-gicv3-smp2.qemu");
    List<DeviceInfo> announced = WholeStream.open(good).devices();
    DeviceSections.Span gic;
    try (StreamSource src = StreamSource.open(good, Vmdesc.DEFAULT_MAX_BYTES)) {
      gic =
          DeviceSections.scan(src.reader(ReaderOptions.DEFAULT)).stream()
              .filter(s -> s.section().section().idstr().equals("arm_gicv3"))
              .findFirst()
              .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(good);
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    bad.write(bytes, 0, (int) gic.bodyOffset());
    for (int i = 0; i < 20; i++) {
      bad.write(0xA5 ^ i);
    }
    bad.write(bytes, (int) gic.bodyEnd(), bytes.length - (int) gic.bodyEnd());
    Path garbage = dir.resolve("garbage.qemu");
    Files.write(garbage, bad.toByteArray());
    // the source refuses to send it ...
    assertThrows(VmStateException.class, () -> WholeStream.open(garbage));
    // ... so send it unverified: the receiver must refuse it by itself
    Path out = dir.resolve("out.qemu");
    Ends e =
        migrate(
            TransportOptions.defaults(),
            new WholeStream(garbage, Files.size(garbage), announced),
            new StreamFileTarget(out, false));
    VmStateException atDest =
        assertThrows(VmStateException.class, () -> e.destination().await(WAIT));
    assertFalse(atDest instanceof MigrationTransportException, atDest.toString());
    assertTrue(atDest.getMessage().contains("arm_gicv3"), atDest.getMessage());
    VmStateException atSource = assertThrows(VmStateException.class, () -> e.source().await(WAIT));
    MigrationTransportException t = assertInstanceOf(MigrationTransportException.class, atSource);
    assertEquals(Kind.REMOTE_ERROR, t.kind(), t.getMessage());
    assertEquals(ErrorReason.APPLY_FAILED, t.remoteReason(), t.getMessage());
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(dir.resolve("out.qemu.partial")));
  }

  /** A device-state-only source is refused by a receiver that was not asked to take one. */
  @Test
  void deviceStateOnlyNeedsTheReceiversConsent() throws Exception {
    Path source = fixture("gicv2-1cpu.qemu");
    Path out = dir.resolve("devices.qemu");
    MigrationDestination dest = MigrationDestination.create(TransportOptions.defaults());
    open.add(dest);
    MigrationSource src = MigrationSource.create(TransportOptions.defaults());
    open.add(src);
    SocketAddress at =
        dest.listenFramed(
            new InetSocketAddress("127.0.0.1", 0), s -> new StreamFileTarget(out, false));
    VmStateException refused =
        assertThrows(
            VmStateException.class,
            () -> src.sendFramed(at, StreamFileSections.open(source)).await(WAIT));
    assertInstanceOf(IncompatibleSchemaException.class, refused);
    assertTrue(refused.getMessage().contains("--device-state-only"), refused.getMessage());
    assertFalse(Files.exists(out));
    // with consent and descriptions for its devices (the source's vmdesc) it is written, as a
    // device-state stream
    io.vmstate.stream.vmdesc.Vmdesc vmdesc;
    try (io.vmstate.stream.StreamSource s = io.vmstate.stream.StreamSource.open(source, 1 << 20)) {
      vmdesc = s.vmdesc();
    }
    SocketAddress at2 =
        dest.listenFramed(
            new InetSocketAddress("127.0.0.1", 0), s -> new StreamFileTarget(out, true, vmdesc));
    MigrationResult r = src.sendFramed(at2, StreamFileSections.open(source)).await(WAIT);
    assertEquals(deviceSections(source), r.sections());
    assertTrue(Files.size(out) < Files.size(source) / 4, "no RAM: " + Files.size(out));
  }

  /**
   * The Hello must announce exactly the stream's device sections: checked before the file is kept.
   */
  @Test
  void aStreamWithFewerSectionsThanAnnouncedIsNotKept() throws Exception {
    Path source = fixture("gicv2-1cpu.qemu");
    List<DeviceInfo> announced = new ArrayList<>(WholeStream.open(source).devices());
    announced.add(DeviceInfo.of("phantom", 0, 1, 1));
    Path out = dir.resolve("out.qemu");
    Ends e =
        migrate(
            TransportOptions.defaults(),
            new WholeStream(source, Files.size(source), announced),
            new StreamFileTarget(out, false));
    VmStateException atDest =
        assertThrows(VmStateException.class, () -> e.destination().await(WAIT));
    assertTrue(
        atDest.getMessage().contains("the Hello announced " + announced.size()),
        atDest.getMessage());
    assertThrows(VmStateException.class, () -> e.source().await(WAIT));
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(dir.resolve("out.qemu.partial")));
  }

  /** A target that takes sections only (here a device-state file target) refuses a whole stream. */
  @Test
  void aSectionsOnlyTargetRefusesAWholeStream() throws Exception {
    Path source = fixture("gicv2-1cpu.qemu");
    Path out = dir.resolve("out.qemu");
    Ends e =
        migrate(
            TransportOptions.defaults(), WholeStream.open(source), new DeviceStateFileTarget(out));
    VmStateException refused = assertThrows(VmStateException.class, () -> e.source().await(WAIT));
    assertInstanceOf(IncompatibleSchemaException.class, refused);
    assertTrue(refused.getMessage().contains("UNSUPPORTED_PROTOCOL"), refused.getMessage());
    assertFalse(Files.exists(out));
  }
}
