package io.vmstate.transport;

import static io.vmstate.transport.FramedSessionTest.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateException;
import io.vmstate.transport.MigrationTransportException.Kind;
import io.vmstate.transport.TestSections.RecordingTarget;
import io.vmstate.transport.proto.Complete;
import io.vmstate.transport.proto.DeviceSchema;
import io.vmstate.transport.proto.Envelope;
import io.vmstate.transport.proto.Hello;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transport faults over loopback, counted: raw and framed transfers cut at random offsets (the
 * sender closes or resets), garbage, trickling senders, a connect-and-close probe before a real
 * migration, and concurrent framed migrations into one receiver. Every failed transfer must fail
 * typed and in time, leave no file (neither FILE nor FILE.partial) and apply nothing; over the run
 * no buffer leaks (paranoid detection, {@link LeakWatch}), and the process's threads and file
 * descriptors do not grow.
 *
 * <p>The CI run is small (seconds). The counts of the measurement in docs/transport.md:
 *
 * <pre>
 * mvn -o -q -B -pl migration-stream/transport -am test -Dtest=TransportFaultsTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dvmstate.faults.cuts=1000 \
 *     -Dvmstate.faults.garbage=100 -Dvmstate.faults.slow=20 -Dvmstate.faults.concurrent=64
 * </pre>
 */
@ExtendWith(LeakWatch.class)
class TransportFaultsTest {
  private static final int CUTS = Integer.getInteger("vmstate.faults.cuts", 40);
  private static final int GARBAGE = Integer.getInteger("vmstate.faults.garbage", 10);
  private static final int SLOW = Integer.getInteger("vmstate.faults.slow", 2);
  private static final int CONCURRENT = Integer.getInteger("vmstate.faults.concurrent", 16);

  private static final TransportOptions OPTIONS =
      TransportOptions.builder().idleTimeout(Duration.ofSeconds(5)).build();

  /** For the trickling senders: a floor of 1000 bytes/s over 400 ms (a sender gives 50). */
  private static final TransportOptions FLOOR =
      OPTIONS.toBuilder().progressFloor(1000, Duration.ofMillis(400)).build();

  static byte[] stream;
  static byte[] framed;
  static List<DeviceInfo> devices = TestSections.devices(6);

  @TempDir Path dir;

  @BeforeAll
  static void streams() throws Exception {
    stream = RamStreams.withRam(RamStreams.programmed().registry());
    framed = framedSession(devices, TestSections.sections(devices, 7, 3000));
  }

  /** What a framed source sends: Hello, every section in one frame, Complete. */
  static byte[] framedSession(List<DeviceInfo> devices, List<SectionData> sections)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    Hello.Builder hello = Hello.newBuilder().setProtocolVersion(1);
    for (DeviceInfo d : devices) {
      hello.addDevices(
          DeviceSchema.newBuilder()
              .setIdstr(d.idstr())
              .setInstanceId((int) d.instanceId())
              .setVersion(d.version())
              .setMinimumVersion(d.minimumVersion()));
    }
    frame(out, Envelope.newBuilder().setHello(hello).build());
    long total = 0;
    for (SectionData d : sections) {
      frame(out, TestSections.wholeFrame(d));
      total += d.data().size();
    }
    frame(
        out,
        Envelope.newBuilder()
            .setComplete(Complete.newBuilder().setSections(sections.size()).setBytes(total))
            .build());
    return bytes.toByteArray();
  }

  private static void frame(DataOutputStream out, Envelope e) throws IOException {
    byte[] body = e.toByteArray();
    out.writeInt(body.length);
    out.write(body);
  }

  /** Writes {@code data[0, n)} then closes, or resets (SO_LINGER 0) when {@code reset}. */
  private static void sendCut(SocketAddress at, byte[] data, int n, boolean reset) {
    try (Socket s = new Socket()) {
      s.connect(at);
      s.getOutputStream().write(data, 0, n);
      s.getOutputStream().flush();
      if (reset) {
        s.setSoLinger(true, 0);
      }
    } catch (IOException e) {
      // the destination may have closed first: that is one of the outcomes under test
    }
  }

  private static long fds() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private static VmStateException typedFailure(MigrationSession s) {
    return assertThrows(VmStateException.class, () -> s.await(WAIT));
  }

  @Test
  void faultsFailTypedLeaveNothingAndLeakNothing() throws Exception {
    long fdsBefore = fds();
    int threadsBefore = Thread.activeCount();
    Random r = new Random(15);
    long t0 = System.nanoTime();
    int[] counts = new int[6];
    try (MigrationDestination dest = MigrationDestination.create(OPTIONS)) {
      // raw, cut at random offsets
      BlockingQueue<MigrationSession> raw = new LinkedBlockingQueue<>();
      Path[] rawOut = new Path[1];
      SocketAddress rawAt =
          dest.listenRaw(
              new InetSocketAddress("127.0.0.1", 0),
              s -> {
                raw.add(s);
                return QemuStreamSink.toFile(rawOut[0]);
              });
      for (int i = 0; i < CUTS; i++) {
        rawOut[0] = dir.resolve("raw" + i + ".qemu");
        sendCut(rawAt, stream, r.nextInt(stream.length), r.nextBoolean());
        typedFailure(raw.poll(10, TimeUnit.SECONDS));
        assertNothingLeft(rawOut[0]);
        counts[0]++;
      }
      // framed, cut at random offsets
      BlockingQueue<MigrationSession> fr = new LinkedBlockingQueue<>();
      AtomicInteger applyCount = new AtomicInteger();
      SocketAddress framedAt =
          dest.listenFramed(
              new InetSocketAddress("127.0.0.1", 0),
              s -> {
                fr.add(s);
                return new RecordingTarget(devices) {
                  @Override
                  public void apply(List<SectionData> sections) throws VmStateException {
                    applyCount.incrementAndGet();
                    super.apply(sections);
                  }
                };
              });
      for (int i = 0; i < CUTS; i++) {
        sendCut(framedAt, framed, r.nextInt(framed.length), r.nextBoolean());
        typedFailure(fr.poll(10, TimeUnit.SECONDS));
        counts[1]++;
      }
      assertEquals(0, applyCount.get(), "a cut framed session applied something");
      // garbage, into both
      for (int i = 0; i < GARBAGE; i++) {
        byte[] junk = new byte[1 + r.nextInt(64 * 1024)];
        r.nextBytes(junk);
        rawOut[0] = dir.resolve("junk" + i + ".qemu");
        sendCut(rawAt, junk, junk.length, false);
        typedFailure(raw.poll(10, TimeUnit.SECONDS));
        assertNothingLeft(rawOut[0]);
        sendCut(framedAt, junk, junk.length, false);
        typedFailure(fr.poll(10, TimeUnit.SECONDS));
        counts[2]++;
      }
      assertEquals(0, applyCount.get(), "garbage applied something");
      // trickling senders: the progress floor cuts each
      MigrationDestination floorDest = MigrationDestination.create(FLOOR);
      SocketAddress slowAt =
          floorDest.listenRaw(
              new InetSocketAddress("127.0.0.1", 0),
              s -> {
                raw.add(s);
                return QemuStreamSink.toFile(rawOut[0]);
              });
      for (int i = 0; i < SLOW; i++) {
        rawOut[0] = dir.resolve("slow" + i + ".qemu");
        try (Socket s = new Socket()) {
          s.connect(slowAt);
          OutputStream o = s.getOutputStream();
          try {
            for (int k = 0; k < stream.length; k++) {
              o.write(stream[k]);
              o.flush();
              Thread.sleep(20);
            }
          } catch (IOException cut) {
            // expected: the destination cut us
          }
        }
        MigrationTransportException e =
            assertInstanceOf(
                MigrationTransportException.class, typedFailure(raw.poll(10, TimeUnit.SECONDS)));
        assertEquals(Kind.TIMED_OUT, e.kind(), e.getMessage());
        assertNothingLeft(rawOut[0]);
        counts[3]++;
      }
      floorDest.close();
      // a connect-and-close probe, then the real migration
      rawOut[0] = dir.resolve("probed.qemu");
      sendCut(rawAt, stream, 0, false);
      typedFailure(raw.poll(10, TimeUnit.SECONDS));
      assertNothingLeft(rawOut[0]);
      try (MigrationSource src = MigrationSource.create(OPTIONS)) {
        Path real = dir.resolve("real.qemu");
        rawOut[0] = real;
        MigrationResult ok = src.sendRaw(rawAt, out -> out.write(stream)).await(WAIT);
        assertEquals(MigrationResult.Outcome.LOADED, ok.outcome());
        raw.poll(10, TimeUnit.SECONDS).await(WAIT);
        assertTrue(java.util.Arrays.equals(stream, Files.readAllBytes(real)));
        counts[4]++;
        // concurrent framed migrations into the one receiver
        List<MigrationSession> running = new ArrayList<>();
        for (int i = 0; i < CONCURRENT; i++) {
          running.add(
              src.sendFramed(
                  framedAt,
                  SectionSource.of(devices, TestSections.sections(devices, 100 + i, 3000))));
        }
        for (MigrationSession s : running) {
          assertEquals(MigrationResult.Outcome.APPLIED, s.await(WAIT).outcome());
        }
        for (int i = 0; i < CONCURRENT; i++) {
          fr.poll(10, TimeUnit.SECONDS).await(WAIT);
        }
        assertEquals(CONCURRENT, applyCount.get());
        assertEquals(0, dest.stagedBytes());
        counts[5] = CONCURRENT;
      }
    }
    Threads.assertNoneLeft();
    long fdsAfter = fds();
    int threadsAfter = Thread.activeCount();
    System.out.printf(
        "transport faults: %d raw cuts, %d framed cuts, %d garbage x2, %d slow, %d probe +"
            + " migration, %d concurrent framed; %d ms; fds %d -> %d, threads %d -> %d%n",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4],
        counts[5],
        (System.nanoTime() - t0) / 1_000_000,
        fdsBefore,
        fdsAfter,
        threadsBefore,
        threadsAfter);
    assertTrue(fdsAfter <= fdsBefore + 2, "fds " + fdsBefore + " -> " + fdsAfter);
    assertTrue(
        threadsAfter <= threadsBefore + 1, "threads " + threadsBefore + " -> " + threadsAfter);
  }

  private static void assertNothingLeft(Path out) {
    assertFalse(Files.exists(out), out + " left behind");
    assertFalse(Files.exists(out.resolveSibling(out.getFileName() + ".partial")), out + ".partial");
  }
}
