package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Receives migrations. One destination can listen on several addresses and serves any number of
 * migrations at once, each on its own channel with its own state (a {@link MigrationTarget} or
 * {@link RawStreamSink} made for it by the factory given to {@code listen*}).
 *
 * <pre>{@code
 * try (MigrationDestination dest = MigrationDestination.create(TransportOptions.defaults())) {
 *   SocketAddress at = dest.listenRaw(new InetSocketAddress("127.0.0.1", 4444),
 *       session -> RawStreamSink.toFile(out));
 *   // qemu: migrate tcp:127.0.0.1:4444
 * }
 * }</pre>
 */
public final class MigrationDestination implements AutoCloseable {
  /**
   * The largest buffer one socket read fills. Kept well under an eighth of the pooled allocator's 4
   * MiB chunk: a 1 MiB read buffer takes a quarter of a chunk, which moves the chunk into the
   * pool's list that frees a chunk as soon as it is empty again, so every large read allocated (and
   * zeroed) a fresh 4 MiB direct chunk (seen in profiles as {@code Unsafe.setMemory} and {@code
   * freeDirectBuffer}).
   */
  static final int MAX_READ = 256 * 1024;

  private final TransportOptions options;
  private final EventLoopGroup group;
  private final boolean ownsGroup;
  private final ExecutorService decoders;
  private final StagingBudget staging;
  private final List<Channel> servers = new CopyOnWriteArrayList<>();

  private MigrationDestination(TransportOptions options, EventLoopGroup group, boolean ownsGroup) {
    this.options = checkNotNull(options, "options");
    this.group = group;
    this.ownsGroup = ownsGroup;
    this.staging = new StagingBudget(options.maxReceiverStagedBytes());
    this.decoders =
        Executors.newCachedThreadPool(new DefaultThreadFactory("vmstate-receive-decoder", true));
  }

  /** A destination with its own event loops (two threads), shut down by {@link #close()}. */
  public static MigrationDestination create(TransportOptions options) {
    return new MigrationDestination(options, Transports.group(2, "vmstate-receive"), true);
  }

  /**
   * A destination on a caller-owned event loop group (epoll or NIO), which {@link #close()} leaves
   * running.
   */
  public static MigrationDestination create(TransportOptions options, EventLoopGroup group) {
    return new MigrationDestination(options, checkNotNull(group, "group"), false);
  }

  /** The options this destination was made with. */
  public TransportOptions options() {
    return options;
  }

  /** Section bytes the framed sessions of this destination hold staged right now. */
  public long stagedBytes() {
    return staging.used();
  }

  /**
   * Accepts framed migrations at {@code at}; each gets the target {@code targets} makes for it.
   *
   * @return the bound address (with the actual port when {@code at} asked for port 0)
   */
  public SocketAddress listenFramed(
      SocketAddress at, Function<MigrationSession, MigrationTarget> targets) {
    checkNotNull(targets, "targets");
    return listen(
        at,
        false,
        ch -> {
          MigrationSession session = new MigrationSession(ch);
          MigrationTarget target = checkNotNull(targets.apply(session), "target");
          Pipelines.framed(
              ch, options, true, new FramedDestinationHandler(session, options, target, staging));
        });
  }

  /**
   * Accepts raw migrations (e.g. from QEMU's {@code migrate tcp:}) at {@code at}; each is consumed
   * by the sink {@code sinks} makes for it, on a decoder thread of its own.
   *
   * @return the bound address (with the actual port when {@code at} asked for port 0)
   */
  public SocketAddress listenRaw(
      SocketAddress at, Function<MigrationSession, RawStreamSink> sinks) {
    checkNotNull(sinks, "sinks");
    return listen(
        at,
        true,
        ch -> {
          MigrationSession session = new MigrationSession(ch);
          RawStreamSink sink = checkNotNull(sinks.apply(session), "sink");
          Pipelines.rawReceive(
              ch, options, new RawReceiveHandler(session, options, sink, decoders));
        });
  }

  private interface ChildSetup {
    void init(Channel ch);
  }

  /**
   * @param halfClosure keep a child open when its peer half-closes (raw: a sender that waits for
   *     the verdict after its last byte)
   */
  private SocketAddress listen(SocketAddress at, boolean halfClosure, ChildSetup setup) {
    checkNotNull(at, "at");
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(
                at instanceof LocalAddress
                    ? LocalServerChannel.class
                    : Transports.serverChannel(group))
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(
                ChannelOption.RCVBUF_ALLOCATOR,
                new AdaptiveRecvByteBufAllocator(4096, 64 * 1024, MAX_READ))
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, options.waterMark())
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    setup.init(ch);
                  }
                });
    if (!(at instanceof LocalAddress)) {
      b.childOption(ChannelOption.TCP_NODELAY, true);
    }
    Channel server = b.bind(at).syncUninterruptibly().channel();
    servers.add(server);
    return server.localAddress();
  }

  /** Stops listening, closes running migrations (they fail) and shuts down owned threads. */
  @Override
  public void close() {
    for (Channel s : servers) {
      s.close().syncUninterruptibly();
    }
    decoders.shutdownNow();
    if (ownsGroup) {
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
    try {
      decoders.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
