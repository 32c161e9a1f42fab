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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Peers that stop moving: each end times out with a typed error and tells the other why. */
@ExtendWith(LeakWatch.class)
class StalledPeerTest {
  private static final TransportOptions FAST =
      TransportOptions.builder().idleTimeout(Duration.ofMillis(300)).build();

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
          dest.listenFramed(
              new InetSocketAddress("127.0.0.1", 0),
              s -> {
                incoming.set(s);
                return target;
              });
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
}
