package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends migrations: raw (a QEMU stream, from a file or a {@link StreamProducer}, to anything that
 * reads one, e.g. {@code qemu-system-* -incoming tcp:HOST:PORT}) or framed (device sections to a
 * {@link MigrationDestination} listening in framed mode).
 *
 * <pre>{@code
 * try (MigrationSource source = MigrationSource.create(TransportOptions.defaults())) {
 *   MigrationResult r = source.sendFile(new InetSocketAddress("127.0.0.1", 4444), file)
 *       .await(Duration.ofMinutes(1));
 * }
 * }</pre>
 *
 * Each call returns at once with the {@link MigrationSession}; the migration runs on the event loop
 * (and, for a producer, on a producer thread). {@code InetSocketAddress} peers use Linux's native
 * epoll sockets where they load, else NIO ({@link Transports}); {@link LocalAddress} peers Netty's
 * in-VM transport.
 */
public final class MigrationSource implements AutoCloseable {
  private final TransportOptions options;
  private final EventLoopGroup group;
  private final boolean ownsGroup;
  private final ExecutorService producers;
  private final String producerName;

  private MigrationSource(TransportOptions options, EventLoopGroup group, boolean ownsGroup) {
    this.options = checkNotNull(options, "options");
    this.group = group;
    this.ownsGroup = ownsGroup;
    this.producers =
        Executors.newCachedThreadPool(new DefaultThreadFactory("vmstate-send-producer", true));
    Package p = MigrationSource.class.getPackage();
    String v = p == null ? null : p.getImplementationVersion();
    this.producerName = "vmstate-java " + (v == null ? "dev" : v);
  }

  /** A source with its own event loop (one thread), shut down by {@link #close()}. */
  public static MigrationSource create(TransportOptions options) {
    return new MigrationSource(options, Transports.group(1, "vmstate-send"), true);
  }

  /**
   * A source on a caller-owned event loop group (epoll or NIO), which {@link #close()} leaves
   * running.
   */
  public static MigrationSource create(TransportOptions options, EventLoopGroup group) {
    return new MigrationSource(options, checkNotNull(group, "group"), false);
  }

  /** The options this source was made with. */
  public TransportOptions options() {
    return options;
  }

  /** Streams {@code file} as is (raw mode). */
  public MigrationSession sendFile(SocketAddress to, Path file) {
    checkNotNull(file, "file");
    return connect(
        to,
        session ->
            ch ->
                Pipelines.rawSend(
                    ch, options, RawSendHandler.ofFile(session, options, file, -1, false)));
  }

  /**
   * Streams {@code file} with QEMU's {@code OPEN_RETURN_PATH} command inserted after its
   * configuration section (where QEMU's own source sends it with the {@code return-path}
   * capability), unless the file already carries it: a QEMU destination with {@code return-path} on
   * then reports its load on the return path, and the result's outcome is {@code LOADED} or a
   * failure (a receiver that closes without {@code SHUT} did not load it). Those 5 bytes are the
   * only change to the stream.
   *
   * @throws io.vmstate.api.VmStateException when the file's header or configuration does not decode
   */
  public MigrationSession sendFileOpeningReturnPath(SocketAddress to, Path file)
      throws java.io.IOException, io.vmstate.api.VmStateException {
    checkNotNull(file, "file");
    long at = ReturnPath.insertionPoint(file);
    return connect(
        to,
        session ->
            ch ->
                Pipelines.rawSend(
                    ch, options, RawSendHandler.ofFile(session, options, file, at, true)));
  }

  /** Streams what {@code producer} writes (raw mode). */
  public MigrationSession sendRaw(SocketAddress to, StreamProducer producer) {
    checkNotNull(producer, "producer");
    return connect(
        to,
        session ->
            ch ->
                Pipelines.rawSend(
                    ch, options, RawSendHandler.ofProducer(session, options, producer, producers)));
  }

  /** Runs a framed session sending {@code sections} (framed mode). */
  public MigrationSession sendFramed(SocketAddress to, SectionSource sections) {
    checkNotNull(sections, "sections");
    return framed(to, session -> new FramedSourceHandler(session, options, sections, producerName));
  }

  /**
   * Runs a framed session carrying every byte of {@code stream} (framed mode, "whole-stream"): the
   * destination must be a {@link StreamFileTarget}, which writes the same bytes and decodes every
   * section before it keeps them.
   */
  public MigrationSession sendFramed(SocketAddress to, WholeStream stream) {
    checkNotNull(stream, "stream");
    return framed(to, session -> new FramedSourceHandler(session, options, stream, producerName));
  }

  private MigrationSession framed(
      SocketAddress to, Function<MigrationSession, FramedSourceHandler> handler) {
    return connect(
        to, session -> ch -> Pipelines.framed(ch, options, false, handler.apply(session)));
  }

  private interface PipelineSetup {
    void init(Channel ch);
  }

  private MigrationSession connect(
      SocketAddress to, Function<MigrationSession, PipelineSetup> setup) {
    checkNotNull(to, "to");
    MigrationSession session = new MigrationSession();
    PipelineSetup init = setup.apply(session);
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(to instanceof LocalAddress ? LocalChannel.class : Transports.channel(group))
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, options.waterMark())
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.idleTimeout().toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    session.attach(ch);
                    init.init(ch);
                  }
                });
    if (!(to instanceof LocalAddress)) {
      b.option(ChannelOption.TCP_NODELAY, true);
    }
    ChannelFuture f = b.connect(to);
    f.addListener(
        done -> {
          if (!done.isSuccess()) {
            session.fail(
                Failures.classify(done.cause(), "connecting to " + to, options.idleTimeout()));
            f.channel().close();
          }
        });
    return session;
  }

  /** Shuts down the event loop (if owned) and the producer threads; running migrations fail. */
  @Override
  public void close() {
    producers.shutdownNow();
    if (ownsGroup) {
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
    try {
      producers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
