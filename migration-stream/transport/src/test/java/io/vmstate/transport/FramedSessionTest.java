package io.vmstate.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.local.LocalAddress;
import io.vmstate.api.IncompatibleSchemaException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.transport.MigrationTransportException.Kind;
import io.vmstate.transport.TestSections.RecordingTarget;
import io.vmstate.transport.proto.DeviceSchema;
import io.vmstate.transport.proto.Envelope;
import io.vmstate.transport.proto.ErrorReason;
import io.vmstate.transport.proto.Hello;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakWatch.class)
class FramedSessionTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    Threads.assertNoneLeft();
  }

  private <T extends AutoCloseable> T track(T c) {
    open.add(c);
    return c;
  }

  static void assertSameSections(List<SectionData> expected, List<SectionData> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).sectionId(), actual.get(i).sectionId());
      assertEquals(expected.get(i).ref(), actual.get(i).ref());
      assertArrayEquals(expected.get(i).data().toByteArray(), actual.get(i).data().toByteArray());
    }
  }

  static MigrationTransportException transport(VmStateException e, Kind kind) {
    MigrationTransportException t = assertInstanceOf(MigrationTransportException.class, e);
    assertEquals(kind, t.kind(), t.getMessage());
    return t;
  }

  static VmStateException failure(MigrationSession s) throws InterruptedException {
    return assertThrows(VmStateException.class, () -> s.await(WAIT));
  }

  /** {@link TestSections#listen} at the in-VM address {@code name}. */
  private static SocketAddress listen(
      MigrationDestination dest,
      String name,
      MigrationTarget target,
      AtomicReference<MigrationSession> incoming) {
    return TestSections.listen(dest, new LocalAddress(name), target, incoming);
  }

  @Test
  void migratesAndAppliesEverySectionAfterComplete() throws Exception {
    TransportOptions o = TransportOptions.builder().maxFrameLength(16 * 1024).build();
    List<DeviceInfo> devices = TestSections.devices(5);
    // 40 KB sections: each travels as three frames of at most 15 KB.
    List<SectionData> sections = TestSections.sections(devices, 1, 40_000);
    List<long[]> progress = new CopyOnWriteArrayList<>();
    MigrationDestination dest = track(MigrationDestination.create(o));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    RecordingTarget target = new RecordingTarget(devices);
    SocketAddress at = listen(dest, "framed-ok", target, incoming);
    MigrationSource src =
        track(
            MigrationSource.create(
                o.toBuilder().progress((s, b, n) -> progress.add(new long[] {b, n})).build()));
    MigrationResult r = src.sendFramed(at, SectionSource.of(devices, sections)).await(WAIT);
    long total = sections.stream().mapToLong(s -> s.data().size()).sum();
    assertEquals(5, r.sections());
    assertEquals(total, r.bytes());
    MigrationResult d = incoming.get().await(WAIT);
    assertEquals(5, d.sections());
    assertEquals(total, d.bytes());
    assertEquals(1, target.applyCalls.get());
    assertSameSections(sections, target.applied.get());
    assertEquals(5, progress.size(), "one Ack per section");
    assertEquals(total, progress.get(4)[0]);
    assertEquals(5, progress.get(4)[1]);
  }

  @Test
  void verdictRefusesUnknownSectionsAndVersionsBeforeAnyStateMoves() throws Exception {
    List<DeviceInfo> offered =
        List.of(
            DeviceInfo.of("known", 0, 3, 1),
            DeviceInfo.of("stranger", 0, 1, 1),
            DeviceInfo.of("newer", 0, 5, 5),
            DeviceInfo.of("older", 0, 1, 1));
    List<DeviceInfo> local =
        List.of(
            DeviceInfo.of("known", 0, 3, 1),
            DeviceInfo.of("newer", 0, 4, 1),
            DeviceInfo.of("older", 0, 4, 2));
    RecordingTarget target = new RecordingTarget(local);
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    SocketAddress at = listen(dest, "framed-refuse", target, incoming);
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    List<SectionData> none = List.of();
    MigrationSession s = src.sendFramed(at, SectionSource.of(offered, none));
    IncompatibleSchemaException e = assertInstanceOf(IncompatibleSchemaException.class, failure(s));
    assertEquals(
        List.of(
            "stranger (instance 0): UNKNOWN_SECTION: unknown section: the destination has no"
                + " device with this idstr and instance",
            "newer (instance 0): VERSION_TOO_NEW: sent at version 5, the destination reads at"
                + " most 4",
            "older (instance 0): VERSION_TOO_OLD: sent at version 1, the destination reads at"
                + " least 2"),
        e.problems());
    IncompatibleSchemaException d =
        assertInstanceOf(IncompatibleSchemaException.class, failure(incoming.get()));
    assertEquals(e.problems(), d.problems());
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void corruptSectionBytesFailBothEndsWithCrcMismatch() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(3);
    List<SectionData> sections = TestSections.sections(devices, 2, 10_000);
    RecordingTarget target = new RecordingTarget(devices);
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    SocketAddress at = listen(dest, "framed-crc", target, incoming);
    // Flip one byte in the middle of the first section frame (frame #1, after the Hello).
    TamperingProxy proxy = track(TamperingProxy.flipInFrame(at, 1));
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    MigrationSession s = src.sendFramed(proxy.address(), SectionSource.of(devices, sections));
    MigrationTransportException e = transport(failure(s), Kind.REMOTE_ERROR);
    assertEquals(ErrorReason.CRC_MISMATCH, e.remoteReason());
    MigrationTransportException d = transport(failure(incoming.get()), Kind.CRC_MISMATCH);
    assertEquals("dev0", d.section().orElseThrow().idstr());
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void oversizeFrameFailsBothEnds() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(1);
    List<SectionData> sections = TestSections.sections(devices, 3, 100_000);
    RecordingTarget target = new RecordingTarget(devices);
    MigrationDestination dest =
        track(
            MigrationDestination.create(
                TransportOptions.builder().maxFrameLength(64 * 1024).build()));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    SocketAddress at = listen(dest, "framed-oversize", target, incoming);
    MigrationSource src =
        track(MigrationSource.create(TransportOptions.builder().maxFrameLength(1 << 20).build()));
    MigrationSession s = src.sendFramed(at, SectionSource.of(devices, sections));
    MigrationTransportException e = transport(failure(s), Kind.REMOTE_ERROR);
    assertEquals(ErrorReason.FRAME_TOO_LARGE, e.remoteReason());
    MigrationTransportException d = transport(failure(incoming.get()), Kind.FRAME_TOO_LARGE);
    assertTrue(
        d.getMessage()
            .matches("frame of 1[0-2][0-9]{4} bytes exceeds the maximum frame length of 65536 .*"),
        d.getMessage());
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void stagingLimitFailsBeforeApplying() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(4);
    List<SectionData> sections = TestSections.sections(devices, 4, 10_000);
    RecordingTarget target = new RecordingTarget(devices);
    MigrationDestination dest =
        track(
            MigrationDestination.create(TransportOptions.builder().maxStagedBytes(20_000).build()));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    SocketAddress at = listen(dest, "framed-limit", target, incoming);
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    MigrationSession s = src.sendFramed(at, SectionSource.of(devices, sections));
    assertEquals(
        ErrorReason.LIMIT_EXCEEDED, transport(failure(s), Kind.REMOTE_ERROR).remoteReason());
    transport(failure(incoming.get()), Kind.LIMIT_EXCEEDED);
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void failedApplyIsReportedToTheSource() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(2);
    List<SectionData> sections = TestSections.sections(devices, 5, 1000);
    RecordingTarget target = new RecordingTarget(devices);
    target.failApply = VmStateDecodeException.corrupt("dev1: bad register value");
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    SocketAddress at = listen(dest, "framed-apply", target, incoming);
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    MigrationSession s = src.sendFramed(at, SectionSource.of(devices, sections));
    MigrationTransportException e = transport(failure(s), Kind.REMOTE_ERROR);
    assertEquals(ErrorReason.APPLY_FAILED, e.remoteReason());
    assertTrue(e.getMessage().endsWith("dev1: bad register value"), e.getMessage());
    assertTrue(failure(incoming.get()) instanceof VmStateDecodeException);
    assertNull(target.applied.get());
  }

  @Test
  void sourceFailureMidStreamReachesTheDestination() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(3);
    List<SectionData> sections = TestSections.sections(devices, 6, 1000);
    SectionSource failing =
        new SectionSource() {
          int n;

          @Override
          public List<DeviceInfo> devices() {
            return devices;
          }

          @Override
          public SectionData next() throws VmStateException {
            if (n == 1) {
              throw VmStateException.rejected("pre_save of dev1 failed");
            }
            return sections.get(n++);
          }
        };
    RecordingTarget target = new RecordingTarget(devices);
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    SocketAddress at = listen(dest, "framed-srcfail", target, incoming);
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    VmStateException e = failure(src.sendFramed(at, failing));
    assertEquals("pre_save of dev1 failed", e.getMessage());
    MigrationTransportException d = transport(failure(incoming.get()), Kind.REMOTE_ERROR);
    assertEquals(ErrorReason.INTERNAL, d.remoteReason());
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void destinationCancelReachesTheSource() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(2);
    List<SectionData> sections = TestSections.sections(devices, 7, 1000);
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    RecordingTarget target =
        new RecordingTarget(devices) {
          @Override
          public List<Problem> preflight(List<DeviceInfo> announced) {
            incoming.get().cancel("operator abort");
            return super.preflight(announced);
          }
        };
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    SocketAddress at = listen(dest, "framed-dcancel", target, incoming);
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    MigrationSession s = src.sendFramed(at, SectionSource.of(devices, sections));
    MigrationTransportException e = transport(failure(s), Kind.REMOTE_ERROR);
    assertEquals(ErrorReason.CANCELLED, e.remoteReason());
    assertTrue(e.getMessage().contains("operator abort"), e.getMessage());
    transport(failure(incoming.get()), Kind.CANCELLED);
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void sourceCancelReachesTheDestination() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(2);
    List<SectionData> sections = TestSections.sections(devices, 8, 1000);
    CountDownLatch accepted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    RecordingTarget target =
        new RecordingTarget(devices) {
          @Override
          public List<Problem> preflight(List<DeviceInfo> announced) {
            accepted.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.preflight(announced);
          }
        };
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    SocketAddress at = listen(dest, "framed-scancel", target, incoming);
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    MigrationSession s = src.sendFramed(at, SectionSource.of(devices, sections));
    assertTrue(accepted.await(10, TimeUnit.SECONDS));
    s.cancel("user pressed ^C");
    transport(failure(s), Kind.CANCELLED);
    release.countDown();
    MigrationTransportException d =
        assertInstanceOf(MigrationTransportException.class, failure(incoming.get()));
    assertTrue(
        (d.kind() == Kind.REMOTE_ERROR && d.remoteReason() == ErrorReason.CANCELLED)
            || d.kind() == Kind.PEER_CLOSED,
        d.getMessage());
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void connectionCutAtRandomOffsetsFailsBothEndsAndAppliesNothing() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(3);
    List<SectionData> sections = TestSections.sections(devices, 9, 600);
    List<RecordingTarget> targets = new CopyOnWriteArrayList<>();
    List<MigrationSession> incoming = new CopyOnWriteArrayList<>();
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    SocketAddress at =
        dest.listenFramed(
            new LocalAddress("framed-cut"),
            s -> {
              incoming.add(s);
              RecordingTarget t = new RecordingTarget(devices);
              targets.add(t);
              return t;
            });
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    // Measure the source's byte count through a proxy that does not cut.
    long total;
    try (TamperingProxy counting = TamperingProxy.cutAfter(at, Long.MAX_VALUE)) {
      src.sendFramed(counting.address(), SectionSource.of(devices, sections)).await(WAIT);
      total = counting.forwarded();
    }
    assertTrue(total > 1500, "source sent " + total + " bytes");
    java.util.Random r = new java.util.Random(42);
    int runs = 300;
    for (int i = 0; i < runs; i++) {
      long cut = i < 8 ? i : r.nextLong(total);
      incoming.clear();
      targets.clear();
      try (TamperingProxy proxy = TamperingProxy.cutAfter(at, cut)) {
        MigrationSession s = src.sendFramed(proxy.address(), SectionSource.of(devices, sections));
        VmStateException e = failure(s);
        transport(e, Kind.PEER_CLOSED);
        proxy.awaitClosed();
        if (!incoming.isEmpty()) {
          transport(failure(incoming.get(0)), Kind.PEER_CLOSED);
          assertEquals(0, targets.get(0).applyCalls.get(), "cut at " + cut);
        }
      }
    }
  }

  @Test
  void sixtyFourConcurrentMigrationsIntoOneDestinationOverLoopback() throws Exception {
    TransportOptions o = TransportOptions.defaults();
    MigrationDestination dest = track(MigrationDestination.create(o));
    List<DeviceInfo> devices = TestSections.devices(4);
    List<RecordingTarget> targets = new CopyOnWriteArrayList<>();
    SocketAddress at =
        dest.listenFramed(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              RecordingTarget t = new RecordingTarget(devices);
              targets.add(t);
              return t;
            });
    MigrationSource src = track(MigrationSource.create(o));
    List<List<SectionData>> sent = new ArrayList<>();
    List<MigrationSession> sessions = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      List<SectionData> sections = TestSections.sections(devices, 1000 + i, 8_000);
      sent.add(sections);
      sessions.add(src.sendFramed(at, SectionSource.of(devices, sections)));
    }
    for (MigrationSession s : sessions) {
      assertEquals(4, s.await(WAIT).sections());
    }
    assertEquals(64, targets.size());
    // Every destination-side state equals exactly one source's sections, and each source is used.
    List<Integer> matched = new ArrayList<>();
    for (RecordingTarget t : targets) {
      List<SectionData> got = t.applied.get();
      int found = -1;
      for (int i = 0; i < sent.size(); i++) {
        if (java.util.Arrays.equals(
            sent.get(i).get(0).data().toByteArray(), got.get(0).data().toByteArray())) {
          found = i;
        }
      }
      assertTrue(found >= 0);
      assertSameSections(sent.get(found), got);
      matched.add(found);
    }
    assertEquals(64, matched.stream().distinct().count());
  }

  /**
   * The receiver-wide staging budget: while one session holds most of it (a hand-written source has
   * sent its sections but not Complete), a new session is refused at its Hello with LIMIT_EXCEEDED;
   * once that source is gone its bytes are released; a session that would pass the budget alone
   * fails with LIMIT_EXCEEDED and nothing applied; and the next session succeeds.
   */
  @Test
  void theReceiverStagingBudgetRefusesNewSessionsWhenExhausted() throws Exception {
    TransportOptions o =
        TransportOptions.builder()
            .maxFrameLength(64 * 1024)
            .maxReceiverStagedBytes(256 * 1024)
            .build();
    List<DeviceInfo> devices = TestSections.devices(4);
    List<SectionData> big = TestSections.sections(devices, 3, 50_000); // 200..250 KB
    List<SectionData> small = TestSections.sections(devices, 4, 4_000);
    RecordingTarget first = new RecordingTarget(devices);
    RecordingTarget other = new RecordingTarget(devices);
    MigrationDestination dest = track(MigrationDestination.create(o));
    SocketAddress at1 = dest.listenFramed(new InetSocketAddress("127.0.0.1", 0), s -> first);
    SocketAddress at2 = listen(dest, "budget-second", other, new AtomicReference<>());
    MigrationSource src = track(MigrationSource.create(o));
    long held = big.stream().mapToLong(x -> x.data().size()).sum();
    try (java.net.Socket peer = new java.net.Socket()) {
      peer.connect(at1);
      var out = new java.io.DataOutputStream(peer.getOutputStream());
      var in = new java.io.DataInputStream(peer.getInputStream());
      Hello.Builder hello = Hello.newBuilder().setProtocolVersion(1);
      for (DeviceInfo d : devices) {
        hello.addDevices(
            DeviceSchema.newBuilder()
                .setIdstr(d.idstr())
                .setInstanceId((int) d.instanceId())
                .setVersion(d.version())
                .setMinimumVersion(d.minimumVersion()));
      }
      writeFrame(out, Envelope.newBuilder().setHello(hello).build());
      assertTrue(readFrame(in).getVerdict().getAccepted());
      for (SectionData d : big) {
        writeFrame(out, TestSections.wholeFrame(d));
        assertTrue(readFrame(in).hasAck());
      }
      assertEquals(held, dest.stagedBytes());
      MigrationTransportException busy =
          transport(
              failure(src.sendFramed(at2, SectionSource.of(devices, small))), Kind.REMOTE_ERROR);
      assertEquals(ErrorReason.LIMIT_EXCEEDED, busy.remoteReason());
      assertTrue(busy.getMessage().contains("this receiver is busy"), busy.getMessage());
      assertEquals(0, other.applyCalls.get());
    }
    long until = System.nanoTime() + WAIT.toNanos();
    while (dest.stagedBytes() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals(0, dest.stagedBytes(), "released when the holding source went away");
    assertEquals(0, first.applyCalls.get());

    // alone, a session larger than the receiver's budget fails, nothing applied, all released
    List<SectionData> huge = TestSections.sections(devices, 5, 70_000);
    MigrationTransportException over =
        transport(failure(src.sendFramed(at2, SectionSource.of(devices, huge))), Kind.REMOTE_ERROR);
    assertEquals(ErrorReason.LIMIT_EXCEEDED, over.remoteReason());
    assertTrue(over.getMessage().contains("all sessions of this receiver"), over.getMessage());
    assertEquals(0, other.applyCalls.get());

    src.sendFramed(at2, SectionSource.of(devices, small)).await(WAIT);
    assertEquals(1, other.applyCalls.get());
    assertEquals(0, dest.stagedBytes());
  }

  private static Envelope readFrame(java.io.DataInputStream in) throws Exception {
    byte[] body = new byte[in.readInt()];
    in.readFully(body);
    return Envelope.parseFrom(body);
  }

  private static void writeFrame(java.io.DataOutputStream out, Envelope e) throws Exception {
    byte[] body = e.toByteArray();
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }
}
