package io.vmstate.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.vmstate.api.VmStateException;
import io.vmstate.transport.MigrationResult.Outcome;
import io.vmstate.transport.proto.ErrorReason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The source end of a raw migration: once connected (and authenticated, with TLS), sends either a
 * file or what a {@link StreamProducer} writes, then closes the connection. A file goes as a {@link
 * DefaultFileRegion} (the kernel copies it, no TLS) or through {@code ChunkedWriteHandler} as a
 * {@link ChunkedNioFile} (TLS, in-VM channels), both paced by the channel's writability.
 *
 * <p>Raw QEMU migration has no acknowledgement, so a sent stream is not a loaded one. On a plain
 * TCP socket the sender therefore half-closes once everything was handed to the connection and
 * waits (up to the idle timeout) for what the peer does next:
 *
 * <ul>
 *   <li>a return-path {@code SHUT} message (QEMU's {@code MIG_RP_MSG_SHUT}: be16 type 1, be16
 *       length 4, be32 status; sent by QEMU with the {@code return-path} capability and by {@code
 *       vmstate receive}): status 0 is {@link Outcome#LOADED}, anything else fails the migration
 *       with {@code APPLY_FAILED};
 *   <li>a clean close: {@link Outcome#DELIVERED} (it read everything; no verdict);
 *   <li>a reset: the peer stopped reading (its load failed): a typed failure;
 *   <li>nothing within the idle timeout, or TLS / in-VM channels: {@link Outcome#SENT}.
 * </ul>
 *
 * Other return-path messages (e.g. {@code PONG}) are skipped.
 */
final class RawSendHandler extends ChannelInboundHandlerAdapter {
  static final int CHUNK = 256 * 1024;

  private final MigrationSession session;
  private final TransportOptions options;
  private final Path file;

  /** Where to insert {@link #OPEN_RETURN_PATH} into the file's bytes, or -1. */
  private final long openReturnPathAt;

  /** The stream opens QEMU's return path: a receiver that loaded it says so with SHUT 0. */
  private final boolean returnPathOpened;

  /**
   * QEMU's {@code QEMU_VM_COMMAND} (0x08) {@code MIG_CMD_OPEN_RETURN_PATH} (be16 1) with no payload
   * (be16 0): a QEMU destination with the {@code return-path} capability opens its return path and
   * answers with {@code SHUT} once it loaded (or failed), as for its own source (which sends this
   * command right after the configuration section).
   */
  static final byte[] OPEN_RETURN_PATH = {0x08, 0, 1, 0, 0};

  private final StreamProducer producer;
  private final Executor producers;
  private ChannelOutputStream out;
  private boolean started;
  private boolean awaitingVerdict;
  private ByteBuf returnPath;

  /** QEMU's return-path message types (migration/migration.c, {@code enum mig_rp_message_type}). */
  private static final int RP_SHUT = 1;

  /**
   * A return-path message longer than this is not one: the peer is not speaking the return path.
   */
  private static final int RP_MAX = 512;

  private RawSendHandler(
      MigrationSession session,
      TransportOptions options,
      Path file,
      long openReturnPathAt,
      boolean returnPathOpened,
      StreamProducer producer,
      Executor producers) {
    this.session = session;
    this.options = options;
    this.file = file;
    this.openReturnPathAt = openReturnPathAt;
    this.returnPathOpened = returnPathOpened;
    this.producer = producer;
    this.producers = producers;
  }

  /**
   * @param openReturnPathAt the offset at which to insert {@link #OPEN_RETURN_PATH} (after the
   *     configuration section), or -1 to send the file as it is
   * @param returnPathOpened whether the stream as sent opens the return path (inserted, or already
   *     in the file): then a receiver that closes without SHUT did not load it
   */
  static RawSendHandler ofFile(
      MigrationSession session,
      TransportOptions options,
      Path file,
      long openReturnPathAt,
      boolean returnPathOpened) {
    return new RawSendHandler(
        session, options, file, openReturnPathAt, returnPathOpened, null, null);
  }

  static RawSendHandler ofProducer(
      MigrationSession session,
      TransportOptions options,
      StreamProducer producer,
      Executor producers) {
    return new RawSendHandler(session, options, null, -1, false, producer, producers);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    session.canceller(why -> fail(ctx, MigrationTransportException.cancelled(why)));
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.fireChannelActive();
    if (options.ssl().isEmpty()) {
      begin(ctx);
    }
    ctx.read();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent hs) {
      if (hs.isSuccess()) {
        begin(ctx);
      } else {
        fail(ctx, MigrationTransportException.tlsRefused(hs.cause()));
      }
    } else if (evt instanceof IdleStateEvent && awaitingVerdict) {
      succeed(ctx, Outcome.SENT); // the peer read on but never answered or closed
    } else if (evt instanceof IdleStateEvent) {
      fail(ctx, MigrationTransportException.timedOut("sending the stream", options.idleTimeout()));
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  private void begin(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    if (file != null) {
      sendFile(ctx);
    } else {
      out = new ChannelOutputStream(ctx.channel(), CHUNK);
      try {
        producers.execute(() -> produce(ctx));
      } catch (RejectedExecutionException e) {
        fail(ctx, MigrationTransportException.internal(e));
      }
    }
  }

  private void sendFile(ChannelHandlerContext ctx) {
    long size;
    Object head = null;
    Object tail;
    try {
      size = java.nio.file.Files.size(file);
      if (openReturnPathAt >= 0) {
        head = region(ctx, 0, openReturnPathAt);
        tail = region(ctx, openReturnPathAt, size - openReturnPathAt);
      } else {
        tail = region(ctx, 0, size);
      }
    } catch (IOException e) {
      ReferenceCountUtil.release(head);
      fail(ctx, MigrationTransportException.localIo("reading " + file, e));
      return;
    }
    long total = size + (openReturnPathAt >= 0 ? OPEN_RETURN_PATH.length : 0);
    long before = total - (size - Math.max(0, openReturnPathAt));
    ChannelProgressivePromise promise = ctx.newProgressivePromise();
    promise.addListener(
        new ChannelProgressiveFutureListener() {
          @Override
          public void operationProgressed(ChannelProgressiveFuture f, long progress, long all) {
            session.progress(before + progress, 0);
            options.progress().onProgress(session, before + progress, 0);
          }

          @Override
          public void operationComplete(ChannelProgressiveFuture f) {
            if (f.isSuccess()) {
              session.progress(total, 0);
              finish(ctx);
            } else {
              fail(ctx, Failures.classify(f.cause(), "sending the stream", options.idleTimeout()));
            }
          }
        });
    if (head != null) {
      ctx.write(head).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
      ctx.write(Unpooled.wrappedBuffer(OPEN_RETURN_PATH))
          .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }
    ctx.writeAndFlush(tail, promise);
  }

  /** {@code count} bytes of the file from {@code from}, on a file channel of its own. */
  private Object region(ChannelHandlerContext ctx, long from, long count) throws IOException {
    FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return options.ssl().isEmpty() && ctx.channel() instanceof SocketChannel
          ? new DefaultFileRegion(fc, from, count)
          : new ChunkedNioFile(fc, from, count, CHUNK);
    } catch (IOException e) {
      closeQuietly(fc);
      throw e;
    }
  }

  private void produce(ChannelHandlerContext ctx) {
    try {
      producer.writeTo(out);
      out.close();
      long n = out.written();
      ctx.executor()
          .execute(
              () -> {
                session.progress(n, 0);
                options.progress().onProgress(session, n, 0);
                // Everything was handed to the channel: close after it is flushed.
                ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                    .addListener(
                        f -> {
                          if (f.isSuccess()) {
                            finish(ctx);
                          } else {
                            fail(
                                ctx,
                                Failures.classify(
                                    f.cause(), "sending the stream", options.idleTimeout()));
                          }
                        });
              });
    } catch (ChannelInputStream.Failed e) {
      VmStateException t =
          Failures.classify(e.getCause(), "sending the stream", options.idleTimeout());
      ctx.executor().execute(() -> fail(ctx, t));
    } catch (IOException e) {
      VmStateException t = MigrationTransportException.localIo("producing the stream", e);
      ctx.executor().execute(() -> fail(ctx, t));
    } catch (VmStateException e) {
      ctx.executor().execute(() -> fail(ctx, e));
    } catch (RuntimeException e) {
      ctx.executor().execute(() -> fail(ctx, MigrationTransportException.internal(e)));
    } finally {
      try {
        out.close();
      } catch (IOException e) {
        // the failure was reported above
      }
    }
  }

  /** Everything was handed to the connection: half-close and wait for the peer's verdict. */
  private void finish(ChannelHandlerContext ctx) {
    if (options.ssl().isEmpty()
        && ctx.channel() instanceof DuplexChannel d
        && d.isActive()
        && !d.isOutputShutdown()) {
      awaitingVerdict = true;
      returnPath = Unpooled.buffer(64);
      d.shutdownOutput()
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  succeed(ctx, Outcome.SENT);
                }
              });
      ctx.read();
      return;
    }
    succeed(ctx, Outcome.SENT);
  }

  private void succeed(ChannelHandlerContext ctx, Outcome outcome) {
    awaitingVerdict = false;
    releaseReturnPath();
    if (session.succeed(outcome)) {
      ctx.close();
    }
  }

  /** Reads QEMU return-path messages: {@code be16 type, be16 length, length bytes}. */
  private void onReturnPath(ChannelHandlerContext ctx, ByteBuf in) {
    returnPath.writeBytes(in);
    while (awaitingVerdict && returnPath.readableBytes() >= 4) {
      int type = returnPath.getUnsignedShort(returnPath.readerIndex());
      int len = returnPath.getUnsignedShort(returnPath.readerIndex() + 2);
      if (len > RP_MAX) {
        returnPath.clear(); // not the return path; wait for the close
        return;
      }
      if (returnPath.readableBytes() < 4 + len) {
        return;
      }
      returnPath.skipBytes(4);
      if (type == RP_SHUT && len == 4) {
        long status = returnPath.readUnsignedInt();
        if (status == 0) {
          succeed(ctx, Outcome.LOADED);
        } else {
          fail(
              ctx,
              MigrationTransportException.remoteError(
                  ErrorReason.APPLY_FAILED,
                  "the receiver reported on the return path that loading the stream failed"
                      + " (SHUT status "
                      + status
                      + ")"));
        }
        return;
      }
      returnPath.skipBytes(len);
    }
    returnPath.discardReadBytes();
  }

  private void releaseReturnPath() {
    if (returnPath != null) {
      returnPath.release();
      returnPath = null;
    }
  }

  private void fail(ChannelHandlerContext ctx, VmStateException e) {
    awaitingVerdict = false;
    releaseReturnPath();
    session.fail(e);
    if (out != null) {
      out.fail(e);
    }
    ctx.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (awaitingVerdict && msg instanceof ByteBuf b) {
        onReturnPath(ctx, b);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (out != null) {
      out.writabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (awaitingVerdict && returnPathOpened) {
      // QEMU answers OPEN_RETURN_PATH with SHUT once it loaded; on a failed load it exits
      fail(ctx, MigrationTransportException.closedWithoutVerdict());
      ctx.fireChannelInactive();
      return;
    }
    if (awaitingVerdict) {
      succeed(ctx, Outcome.DELIVERED); // read everything, closed cleanly, said nothing
      ctx.fireChannelInactive();
      return;
    }
    if (out != null) {
      out.fail(new java.nio.channels.ClosedChannelException());
    }
    session.fail(MigrationTransportException.peerClosed());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (awaitingVerdict && cause instanceof IOException io) {
      fail(ctx, MigrationTransportException.resetAfterSend(io));
      return;
    }
    if (awaitingVerdict
        && cause instanceof MigrationTransportException t
        && t.kind() == MigrationTransportException.Kind.TIMED_OUT) {
      succeed(ctx, Outcome.SENT); // the progress floor while the receiver finishes its load
      return;
    }
    fail(ctx, Failures.classify(cause, "sending the stream", options.idleTimeout()));
  }

  private static void closeQuietly(FileChannel fc) {
    try {
      fc.close();
    } catch (IOException e) {
      // read-only: nothing to lose
    }
  }
}
