package io.vmstate.transport;

import static io.vmstate.transport.FramedSessionTest.WAIT;
import static io.vmstate.transport.FramedSessionTest.failure;
import static io.vmstate.transport.FramedSessionTest.transport;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.local.LocalAddress;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.stream.StreamSource;
import io.vmstate.transport.MigrationTransportException.Kind;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LeakWatch.class)
class RawModeTest {
  static byte[] sample;
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void loadSample() throws Exception {
    try (InputStream in =
        StreamSource.class.getResourceAsStream(
            "/io/vmstate/testkit/streams/virt-gicv3-smp2.qemu")) {
      sample = in.readAllBytes();
    }
  }

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

  @Test
  void fileOverLoopbackIsDecodedVerifiedAndWrittenByteIdentical() throws Exception {
    Path in = dir.resolve("in.qemu");
    Files.write(in, sample);
    Path out = dir.resolve("out.qemu");
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    CompletableFuture<MigrationSession> incoming = new CompletableFuture<>();
    SocketAddress at =
        dest.listenRaw(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.complete(s);
              return QemuStreamSink.toFile(out);
            });
    List<Long> sent = new CopyOnWriteArrayList<>();
    MigrationSource src =
        track(
            MigrationSource.create(
                TransportOptions.builder().progress((s, b, n) -> sent.add(b)).build()));
    MigrationResult r = src.sendFile(at, in).await(WAIT);
    assertEquals(sample.length, r.bytes());
    MigrationResult d = incoming.get(20, TimeUnit.SECONDS).await(WAIT);
    assertEquals(sample.length, d.bytes());
    assertTrue(d.sections() > 5, "sections decoded: " + d.sections());
    assertArrayEquals(sample, Files.readAllBytes(out));
    assertFalse(sent.isEmpty());
    assertEquals(sample.length, sent.get(sent.size() - 1));
  }

  @Test
  void producerStreamArrivesByteIdentical() throws Exception {
    Path out = dir.resolve("out.qemu");
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    CompletableFuture<MigrationSession> incoming = new CompletableFuture<>();
    SocketAddress at =
        dest.listenRaw(
            new LocalAddress("raw-producer"),
            s -> {
              incoming.complete(s);
              return QemuStreamSink.toFile(out);
            });
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    StreamProducer oddPieces =
        o -> {
          for (int i = 0; i < sample.length; ) {
            int n = Math.min(sample.length - i, 1 + (i % 977));
            o.write(sample, i, n);
            i += n;
          }
        };
    assertEquals(sample.length, src.sendRaw(at, oddPieces).await(WAIT).bytes());
    incoming.get(20, TimeUnit.SECONDS).await(WAIT);
    assertArrayEquals(sample, Files.readAllBytes(out));
  }

  @Test
  void streamCutAtRandomOffsetsIsATypedDecodeFailureAndNoFile() throws Exception {
    Path in = dir.resolve("in.qemu");
    Files.write(in, sample);
    Path out = dir.resolve("out.qemu");
    List<MigrationSession> incoming = new CopyOnWriteArrayList<>();
    MigrationDestination dest = track(MigrationDestination.create(TransportOptions.defaults()));
    SocketAddress at =
        dest.listenRaw(
            new LocalAddress("raw-cut"),
            s -> {
              incoming.add(s);
              return QemuStreamSink.toFile(out);
            });
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    Random r = new Random(7);
    for (int i = 0; i < 100; i++) {
      long cut = i < 4 ? i : r.nextInt(sample.length);
      incoming.clear();
      try (TamperingProxy proxy = TamperingProxy.cutAfter(at, cut)) {
        MigrationSession s = src.sendFile(proxy.address(), in);
        try {
          s.await(WAIT);
        } catch (MigrationTransportException e) {
          // Raw mode has no end-to-end confirmation: the source either wrote everything into
          // the connection before it was cut, or sees the connection closed.
          assertEquals(Kind.PEER_CLOSED, e.kind(), e.getMessage());
        }
        proxy.awaitClosed();
        // The proxy always connects to the destination, so a destination session exists (its
        // partial file too) even when the cut came first; wait for it to end.
        for (int w = 0; w < 1000 && incoming.isEmpty(); w++) {
          Thread.sleep(10);
        }
        assertEquals(1, incoming.size(), "destination sessions for cut at " + cut);
        VmStateException e = failure(incoming.get(0));
        assertInstanceOf(VmStateDecodeException.class, e, "cut at " + cut + ": " + e);
        assertTrue(
            e.getMessage().contains("truncated") || e.getMessage().contains("without its vmdesc"),
            e.getMessage());
        assertFalse(Files.exists(out), "cut at " + cut);
        assertFalse(Files.exists(dir.resolve("out.qemu.partial")), "cut at " + cut);
      }
    }
  }

  @Test
  void stalledReceiverTimesOutBothEnds() throws Exception {
    TransportOptions o = TransportOptions.builder().idleTimeout(Duration.ofMillis(300)).build();
    TransportOptions slow =
        TransportOptions.builder()
            .idleTimeout(Duration.ofSeconds(3))
            .receiveBuffer(64 * 1024)
            .build();
    long expected = 512L << 20;
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<MigrationSession> incoming = new CompletableFuture<>();
    MigrationDestination dest = track(MigrationDestination.create(slow));
    SocketAddress at =
        dest.listenRaw(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.complete(s);
              // Stands in for a decoder that knows how long the stream must be.
              return (stream, done) -> {
                stream.read();
                stalled.countDown();
                try {
                  release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                  Thread.currentThread().interrupt();
                }
                long got = 1 + stream.transferTo(java.io.OutputStream.nullOutputStream());
                if (got < expected) {
                  throw VmStateDecodeException.truncated(got, expected - got);
                }
              };
            });
    MigrationSource src = track(MigrationSource.create(o));
    byte[] block = new byte[1 << 20];
    MigrationSession s =
        src.sendRaw(
            at,
            out -> {
              for (int i = 0; i < 512; i++) {
                out.write(block);
              }
            });
    assertTrue(stalled.await(10, TimeUnit.SECONDS));
    MigrationTransportException e = transport(failure(s), Kind.TIMED_OUT);
    assertTrue(e.getMessage().contains("sending the stream"), e.getMessage());
    release.countDown();
    assertInstanceOf(VmStateDecodeException.class, failure(incoming.get(20, TimeUnit.SECONDS)));
  }

  @Test
  void connectionRefusedIsPeerClosed() throws Exception {
    MigrationSource src = track(MigrationSource.create(TransportOptions.defaults()));
    int port;
    try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
      port = ss.getLocalPort();
    }
    VmStateException e =
        failure(src.sendRaw(new InetSocketAddress("127.0.0.1", port), out -> out.write(1)));
    transport(e, Kind.PEER_CLOSED);
  }
}
