package io.vmstate.transport;

import static io.vmstate.transport.FramedSessionTest.failure;
import static io.vmstate.transport.FramedSessionTest.transport;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.transport.MigrationTransportException.Kind;
import io.vmstate.transport.TestSections.RecordingTarget;
import io.vmstate.transport.proto.Envelope;
import io.vmstate.transport.proto.ErrorReason;
import io.vmstate.transport.proto.Verdict;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers that stop moving or trickle: each end times out with a typed error and tells the other why;
 * the progress floor cuts a peer that keeps the idle timer alive one byte at a time, and the
 * deadline one that is merely slow.
 */
@ExtendWith(LeakWatch.class)
class StalledPeerTest {
  private static final TransportOptions FAST =
      TransportOptions.builder().idleTimeout(Duration.ofMillis(300)).build();

  /** Idle timeout far away; floor 1000 bytes/s over 400 ms. */
  private static final TransportOptions FLOOR =
      TransportOptions.builder()
          .idleTimeout(Duration.ofSeconds(30))
          .progressFloor(1000, Duration.ofMillis(400))
          .build();

  @TempDir Path dir;

  /** Writes {@code data} one byte every {@code gapMillis} until the socket fails or it is done. */
  private static long trickle(Socket peer, byte[] data, long gapMillis) {
    long sent = 0;
    try {
      var out = peer.getOutputStream();
      for (byte b : data) {
        out.write(b);
        out.flush();
        sent++;
        Thread.sleep(gapMillis);
      }
    } catch (Exception e) {
      // the destination cut us
    }
    return sent;
  }

  @AfterEach
  void noThreads() throws InterruptedException {
    Threads.assertNoneLeft();
  }

  private static Envelope readFrame(DataInputStream in) throws Exception {
    byte[] body = new byte[in.readInt()];
    in.readFully(body);
    return Envelope.parseFrom(body);
  }

  private static void writeFrame(DataOutputStream out, Envelope e) throws Exception {
    byte[] body = e.toByteArray();
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  @Test
  void destinationThatStopsReadingTimesOutTheSource() throws Exception {
    List<DeviceInfo> devices = TestSections.devices(8);
    List<SectionData> sections = TestSections.sections(devices, 12, 2 << 20);
    try (ServerSocket server = new ServerSocket(0);
        MigrationSource src = MigrationSource.create(FAST)) {
      MigrationSession s =
          src.sendFramed(
              new InetSocketAddress("127.0.0.1", server.getLocalPort()),
              SectionSource.of(devices, sections));
      try (Socket peer = server.accept()) {
        DataInputStream in = new DataInputStream(peer.getInputStream());
        assertTrue(readFrame(in).hasHello());
        writeFrame(
            new DataOutputStream(peer.getOutputStream()),
            Envelope.newBuilder().setVerdict(Verdict.newBuilder().setAccepted(true)).build());
        // ...and read nothing more: the source's writes stall once the socket buffers are full.
        MigrationTransportException e = transport(failure(s), Kind.TIMED_OUT);
        assertTrue(e.getMessage().contains("sending sections"), e.getMessage());
      }
    }
  }

  @Test
  void silentSourceTimesOutTheDestinationWhichSaysSo() throws Exception {
    RecordingTarget target = new RecordingTarget(TestSections.devices(1));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    try (MigrationDestination dest = MigrationDestination.create(FAST)) {
      SocketAddress at =
          TestSections.listen(dest, new InetSocketAddress("127.0.0.1", 0), target, incoming);
      try (Socket peer = new Socket()) {
        peer.connect(at);
        Envelope err = readFrame(new DataInputStream(peer.getInputStream()));
        assertEquals(ErrorReason.TIMED_OUT, err.getError().getReason());
        MigrationTransportException e = transport(failure(incoming.get()), Kind.TIMED_OUT);
        assertTrue(e.getMessage().contains("waiting for the source's Hello"), e.getMessage());
        assertEquals(e.getMessage(), err.getError().getMessage());
      }
    }
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void theProgressFloorCutsARawPeerTricklingOneBytePerInterval() throws Exception {
    Path out = dir.resolve("trickled.qemu");
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    try (MigrationDestination dest = MigrationDestination.create(FLOOR)) {
      SocketAddress at =
          dest.listenRaw(
              new InetSocketAddress("127.0.0.1", 0),
              s -> {
                incoming.set(s);
                return QemuStreamSink.toFile(out);
              });
      long t0 = System.nanoTime();
      long sent;
      try (Socket peer = new Socket()) {
        peer.connect(at);
        // 20 bytes/s: every byte resets the 30 s idle timer, only the floor can cut it
        sent = trickle(peer, RamStreams.withRam(RamStreams.programmed().registry()), 50);
      }
      MigrationTransportException e = transport(failure(incoming.get()), Kind.TIMED_OUT);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(e.getMessage().startsWith("too slow"), e.getMessage());
      assertTrue(ms < 5000, "cut after " + ms + " ms, " + sent + " bytes");
    }
    assertTrue(!Files.exists(out) && !Files.exists(dir.resolve("trickled.qemu.partial")));
  }

  @Test
  void theProgressFloorCutsAFramedSourceTricklingItsHelloAndSaysSo() throws Exception {
    RecordingTarget target = new RecordingTarget(TestSections.devices(1));
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    try (MigrationDestination dest = MigrationDestination.create(FLOOR)) {
      SocketAddress at =
          TestSections.listen(dest, new InetSocketAddress("127.0.0.1", 0), target, incoming);
      try (Socket peer = new Socket()) {
        peer.connect(at);
        Thread reader =
            new Thread(() -> trickle(peer, new byte[] {0, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8}, 100));
        reader.start();
        Envelope err = readFrame(new DataInputStream(peer.getInputStream()));
        reader.join();
        assertEquals(ErrorReason.TIMED_OUT, err.getError().getReason());
        MigrationTransportException e = transport(failure(incoming.get()), Kind.TIMED_OUT);
        assertTrue(e.getMessage().startsWith("too slow"), e.getMessage());
      }
    }
    assertEquals(0, target.applyCalls.get());
  }

  @Test
  void theDeadlineCutsAPeerAboveTheFloor() throws Exception {
    TransportOptions o =
        TransportOptions.builder()
            .progressFloor(0, Duration.ofSeconds(1))
            .deadline(Duration.ofMillis(700))
            .build();
    Path out = dir.resolve("late.qemu");
    AtomicReference<MigrationSession> incoming = new AtomicReference<>();
    try (MigrationDestination dest = MigrationDestination.create(o)) {
      SocketAddress at =
          dest.listenRaw(
              new InetSocketAddress("127.0.0.1", 0),
              s -> {
                incoming.set(s);
                return QemuStreamSink.toFile(out);
              });
      try (Socket peer = new Socket()) {
        peer.connect(at);
        trickle(peer, RamStreams.withRam(RamStreams.programmed().registry()), 5);
      }
      MigrationTransportException e = transport(failure(incoming.get()), Kind.TIMED_OUT);
      assertTrue(e.getMessage().startsWith("deadline exceeded"), e.getMessage());
    }
    assertTrue(!Files.exists(out) && !Files.exists(dir.resolve("late.qemu.partial")));
  }
}
