package io.vmstate.bench.netty;

import io.vmstate.api.VmStateException;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.transport.MigrationDestination;
import io.vmstate.transport.MigrationSession;
import io.vmstate.transport.MigrationSource;
import io.vmstate.transport.QemuStreamSink;
import io.vmstate.transport.RawStreamSink;
import io.vmstate.transport.RegistryTarget;
import io.vmstate.transport.StreamFileTarget;
import io.vmstate.transport.TransportOptions;
import io.vmstate.transport.WholeStream;
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
 * One 1 GiB raw migration stream over loopback ({@link QemuFormatStream}: a well-formed QEMU
 * stream, 262144 4 KiB RAM pages, device sections, EOF, vmdesc), through the Netty transport and
 * through a plain blocking socket copy of the same bytes with the same 1 MiB writes and 64 KiB
 * reads, in the same run. Throughput = stream size / time per operation.
 *
 * <p>Pairs: {@link #nettyDecodeToFile} ({@code vmstate receive}: written to a file and decoded as
 * it arrives) and {@link #nettyToFile} (written only) against {@link #plainSocketToFile}; {@link
 * #nettyDecodeToRegistry} ({@code RegistryTarget.rawSink}: decoded as it arrives and loaded into a
 * registry) and {@link #netty} (an {@code InputStream} sink on a decoder thread that only drains)
 * against {@link #plainSocket}; {@link #nettyFile} ({@code vmstate send FILE}) against {@link
 * #plainSocketFile}.
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
  static QemuFormatStream stream;

  private MigrationDestination dest;
  private MigrationSource source;
  private SocketAddress nettyAt;
  private final BlockingQueue<MigrationSession> incoming = new ArrayBlockingQueue<>(4);
  private ServerSocket plain;
  private java.nio.file.Path file;
  private java.nio.file.Path received;
  private SocketAddress nettyToFileAt;
  private SocketAddress decodeToFileAt;
  private SocketAddress decodeToRegistryAt;
  private SocketAddress framedAt;
  private WholeStream whole;

  @Setup(Level.Trial)
  public void setUp() throws IOException, VmStateException {
    stream = new QemuFormatStream();
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
    decodeToFileAt =
        dest.listenRaw(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.add(s);
              return QemuStreamSink.toFile(received);
            });
    decodeToRegistryAt =
        dest.listenRaw(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.add(s);
              return RegistryTarget.rawSink(
                  QemuFormatStream.registry(), DeviceRegistry.LoadOptions.DEFAULT);
            });
    framedAt =
        dest.listenFramed(
            new InetSocketAddress("127.0.0.1", 0),
            s -> {
              incoming.add(s);
              return new StreamFileTarget(received, false);
            });
    plain = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    file = java.nio.file.Files.createTempFile("vmstate-bench-", ".bin");
    try (OutputStream out = java.nio.file.Files.newOutputStream(file)) {
      produce(out);
    }
    whole = WholeStream.open(file); // decoded once here, not per operation
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
    stream.writeTo(out);
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

  /**
   * {@code vmstate receive}'s path: written to a file and decoded as it arrives on the event loop
   * (header, configuration, every RAM record with its page bytes skipped in place); the device
   * sections after RAM wait for the vmdesc and are decoded from the file at the end.
   */
  @Benchmark
  public long nettyDecodeToFile() throws Exception {
    MigrationSession s = source.sendRaw(decodeToFileAt, RawThroughputBenchmark::produce);
    s.await(Duration.ofMinutes(5));
    MigrationSession d = incoming.poll(1, TimeUnit.MINUTES);
    return checked(d.await(Duration.ofMinutes(5)).bytes());
  }

  /**
   * {@code vmstate send --framed FILE} into {@code vmstate receive --framed}: the file
   * (page-cached) in CRC32C-checked stream chunks, written to a file and decoded as it arrives,
   * kept at Complete. Compare with {@link #plainSocketToFile}.
   */
  @Benchmark
  public long framedWholeStreamToFile() throws Exception {
    MigrationSession s = source.sendFramed(framedAt, whole);
    s.await(Duration.ofMinutes(5));
    MigrationSession d = incoming.poll(1, TimeUnit.MINUTES);
    return checked(d.await(Duration.ofMinutes(5)).bytes());
  }

  /**
   * {@code RegistryTarget.rawSink}: decoded as it arrives on the event loop and loaded into a
   * registry (GICv3 + ITS), committed at the end; no file, no decoder thread.
   */
  @Benchmark
  public long nettyDecodeToRegistry() throws Exception {
    MigrationSession s = source.sendRaw(decodeToRegistryAt, RawThroughputBenchmark::produce);
    s.await(Duration.ofMinutes(5));
    MigrationSession d = incoming.poll(1, TimeUnit.MINUTES);
    return checked(d.await(Duration.ofMinutes(5)).bytes());
  }

  /**
   * The destination alone, as {@code vmstate receive} sees a QEMU source: the same plain blocking
   * socket sender as {@link #plainSocket}, into {@link #nettyDecodeToRegistry}'s destination.
   */
  @Benchmark
  public long plainSenderDecodeToRegistry() throws Exception {
    return plainSenderInto(decodeToRegistryAt);
  }

  /** The same sender into {@link #nettyDecodeToFile}'s destination ({@code vmstate receive}). */
  @Benchmark
  public long plainSenderDecodeToFile() throws Exception {
    return plainSenderInto(decodeToFileAt);
  }

  private long plainSenderInto(SocketAddress at) throws Exception {
    try (Socket c = new Socket()) {
      c.setTcpNoDelay(true);
      c.connect(at);
      produce(c.getOutputStream());
    }
    MigrationSession d = incoming.poll(1, TimeUnit.MINUTES);
    return checked(d.await(Duration.ofMinutes(5)).bytes());
  }

  private static long checked(long bytes) {
    if (bytes != stream.size()) {
      throw new IllegalStateException("received " + bytes + " of " + stream.size() + " bytes");
    }
    return bytes;
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
