package io.vmstate.bench.netty;

import io.vmstate.stream.netty.MigrationDestination;
import io.vmstate.stream.netty.MigrationSession;
import io.vmstate.stream.netty.MigrationSource;
import io.vmstate.stream.netty.RawStreamSink;
import io.vmstate.stream.netty.TransportOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 1 GiB raw migration stream over loopback: the Netty transport (producer thread writing into
 * the channel, destination feeding a bounded pipe read by a decoder thread) against a plain
 * blocking socket copy with the same 1 MiB writes and 64 KiB reads, in the same run. Throughput = 1
 * GiB / time per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g"})
public class RawThroughputBenchmark {
  static final int BLOCK = 1 << 20;
  static final int BLOCKS = 1024;
  static final byte[] DATA = new byte[BLOCK];

  static {
    for (int i = 0; i < BLOCK; i++) {
      DATA[i] = (byte) (i * 7);
    }
  }

  private MigrationDestination dest;
  private MigrationSource source;
  private SocketAddress nettyAt;
  private final BlockingQueue<MigrationSession> incoming = new ArrayBlockingQueue<>(4);
  private ServerSocket plain;
  private java.nio.file.Path file;
  private java.nio.file.Path received;
  private SocketAddress nettyToFileAt;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    TransportOptions o = TransportOptions.defaults();
    dest = MigrationDestination.create(o);
    source = MigrationSource.create(o);
    nettyAt =
        dest.listenRaw(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.add(s);
              return (in, done) -> drain(in);
            });
    received = java.nio.file.Files.createTempFile("vmstate-bench-received-", ".bin");
    nettyToFileAt =
        dest.listenRaw(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.add(s);
              return RawStreamSink.toFile(received);
            });
    plain = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    file = java.nio.file.Files.createTempFile("vmstate-bench-", ".bin");
    try (OutputStream out = java.nio.file.Files.newOutputStream(file)) {
      produce(out);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    source.close();
    dest.close();
    plain.close();
    java.nio.file.Files.deleteIfExists(file);
    java.nio.file.Files.deleteIfExists(received);
  }

  static long drain(InputStream in) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long n = 0;
    for (int r; (r = in.read(buf)) >= 0; ) {
      n += r;
    }
    return n;
  }

  static void produce(OutputStream out) throws IOException {
    for (int i = 0; i < BLOCKS; i++) {
      out.write(DATA);
    }
  }

  @Benchmark
  public long netty() throws Exception {
    MigrationSession s = source.sendRaw(nettyAt, RawThroughputBenchmark::produce);
    s.await(Duration.ofMinutes(5));
    MigrationSession d = incoming.poll(1, TimeUnit.MINUTES);
    return d.await(Duration.ofMinutes(5)).bytes();
  }

  /** The same 1 GiB from a file (page-cached): {@code vmstate send FILE}'s path. */
  @Benchmark
  public long nettyFile() throws Exception {
    MigrationSession s = source.sendFile(nettyAt, file);
    s.await(Duration.ofMinutes(5));
    MigrationSession d = incoming.poll(1, TimeUnit.MINUTES);
    return d.await(Duration.ofMinutes(5)).bytes();
  }

  /** The 1 GiB received into a file ({@code vmstate receive}'s path, written on the event loop). */
  @Benchmark
  public long nettyToFile() throws Exception {
    MigrationSession s = source.sendRaw(nettyToFileAt, RawThroughputBenchmark::produce);
    s.await(Duration.ofMinutes(5));
    MigrationSession d = incoming.poll(1, TimeUnit.MINUTES);
    d.await(Duration.ofMinutes(5));
    return java.nio.file.Files.size(received);
  }

  @Benchmark
  public long plainSocket() throws Exception {
    return plainCopy(RawThroughputBenchmark::produce, RawThroughputBenchmark::drain);
  }

  /** Baseline for {@link #nettyToFile}: a plain socket copied into a file with 64 KiB reads. */
  @Benchmark
  public long plainSocketToFile() throws Exception {
    return plainCopy(
        RawThroughputBenchmark::produce,
        in -> {
          try (OutputStream out = java.nio.file.Files.newOutputStream(received)) {
            return in.transferTo(out);
          }
        });
  }

  /** Baseline for {@link #nettyFile}: the file copied to a plain socket with 1 MiB reads. */
  @Benchmark
  public long plainSocketFile() throws Exception {
    return plainCopy(
        out -> {
          try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            byte[] buf = new byte[BLOCK];
            for (int r; (r = in.read(buf)) >= 0; ) {
              out.write(buf, 0, r);
            }
          }
        },
        RawThroughputBenchmark::drain);
  }

  private interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private interface Reader {
    long read(InputStream in) throws IOException;
  }

  private long plainCopy(Writer w, Reader reader) throws Exception {
    Thread sender =
        new Thread(
            () -> {
              try (Socket c = new Socket(InetAddress.getLoopbackAddress(), plain.getLocalPort())) {
                c.setTcpNoDelay(true);
                w.write(c.getOutputStream());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    sender.start();
    long n;
    try (Socket a = plain.accept()) {
      n = reader.read(a.getInputStream());
    }
    sender.join();
    return n;
  }
}
