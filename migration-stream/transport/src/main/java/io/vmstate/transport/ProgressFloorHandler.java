package io.vmstate.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cuts a connection that moves too little or lasts too long, where the idle timeout cannot: every
 * byte resets an idle timer, so a peer trickling one byte per second would hold a migration
 * forever.
 *
 * <ul>
 *   <li>Progress floor: at the end of every window of {@link TransportOptions#floorWindow()}, the
 *       bytes moved during it (read, plus written to the socket) must be at least {@link
 *       TransportOptions#minBytesPerSecond()} times the window, else the migration fails with
 *       {@link MigrationTransportException#tooSlow}.
 *   <li>Deadline: a migration still running {@link TransportOptions#deadline()} after the
 *       connection was established fails with {@link MigrationTransportException#deadline}.
 * </ul>
 *
 * It sits first in the pipeline (before TLS), so it counts the bytes on the wire. Written bytes are
 * counted as the socket takes them (completed writes plus the progress of the one in flight, e.g. a
 * file region the kernel is copying), not as they are queued. Both failures reach the session's
 * handler through {@code exceptionCaught}, as typed {@link MigrationTransportException}s.
 */
final class ProgressFloorHandler extends ChannelDuplexHandler {
  private final TransportOptions options;
  private long read;
  private long written;
  private long atLastCheck;
  private ScheduledFuture<?> floorCheck;
  private ScheduledFuture<?> deadline;
  private boolean fired;

  ProgressFloorHandler(TransportOptions options) {
    this.options = options;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    long window = options.floorWindow().toNanos();
    floorCheck =
        ctx.executor()
            .scheduleAtFixedRate(() -> checkFloor(ctx), window, window, TimeUnit.NANOSECONDS);
    deadline =
        ctx.executor()
            .schedule(
                () ->
                    fire(ctx, MigrationTransportException.deadline(options.deadline(), moved(ctx))),
                options.deadline().toNanos(),
                TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    read += size(msg);
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    long n = size(msg);
    if (n > 0) {
      promise = promise.unvoid();
      promise.addListener(
          f -> {
            if (f.isSuccess()) {
              written += n;
            }
          });
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stop();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  private void checkFloor(ChannelHandlerContext ctx) {
    long now = moved(ctx);
    long delta = now - atLastCheck;
    atLastCheck = now;
    Duration window = options.floorWindow();
    double need = options.minBytesPerSecond() * (window.toNanos() / 1e9);
    if (delta < need) {
      fire(ctx, MigrationTransportException.tooSlow(delta, window, options.minBytesPerSecond()));
    }
  }

  /** Bytes read plus bytes the socket took, including the write in flight. */
  private long moved(ChannelHandlerContext ctx) {
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    long inFlight = out == null || out.current() == null ? 0 : out.currentProgress();
    return read + written + inFlight;
  }

  private void fire(ChannelHandlerContext ctx, MigrationTransportException e) {
    if (fired || !ctx.channel().isActive()) {
      return;
    }
    fired = true;
    stop();
    ctx.fireExceptionCaught(e);
  }

  private void stop() {
    if (floorCheck != null) {
      floorCheck.cancel(false);
    }
    if (deadline != null) {
      deadline.cancel(false);
    }
  }

  private static long size(Object msg) {
    if (msg instanceof ByteBuf b) {
      return b.readableBytes();
    }
    if (msg instanceof ByteBufHolder h) {
      return h.content().readableBytes();
    }
    if (msg instanceof FileRegion r) {
      return r.count();
    }
    return 0;
  }
}
