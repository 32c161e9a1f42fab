package io.vmstate.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.vmstate.api.VmStateException;
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
 * {@link ChunkedNioFile} (TLS, in-VM channels), both paced by the channel's writability. Anything
 * the peer sends is discarded (QEMU sends nothing without a return path).
 */
final class RawSendHandler extends ChannelInboundHandlerAdapter {
  static final int CHUNK = 256 * 1024;

  private final MigrationSession session;
  private final TransportOptions options;
  private final Path file;
  private final StreamProducer producer;
  private final Executor producers;
  private ChannelOutputStream out;
  private boolean started;

  private RawSendHandler(
      MigrationSession session,
      TransportOptions options,
      Path file,
      StreamProducer producer,
      Executor producers) {
    this.session = session;
    this.options = options;
    this.file = file;
    this.producer = producer;
    this.producers = producers;
  }

  static RawSendHandler ofFile(MigrationSession session, TransportOptions options, Path file) {
    return new RawSendHandler(session, options, file, null, null);
  }

  static RawSendHandler ofProducer(
      MigrationSession session,
      TransportOptions options,
      StreamProducer producer,
      Executor producers) {
    return new RawSendHandler(session, options, null, producer, producers);
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
    FileChannel fc;
    long size;
    try {
      fc = FileChannel.open(file, StandardOpenOption.READ);
      size = fc.size();
    } catch (IOException e) {
      fail(ctx, MigrationTransportException.localIo("opening " + file, e));
      return;
    }
    Object msg;
    try {
      msg =
          options.ssl().isEmpty() && ctx.channel() instanceof SocketChannel
              ? new DefaultFileRegion(fc, 0, size)
              : new ChunkedNioFile(fc, 0, size, CHUNK);
    } catch (IOException e) {
      closeQuietly(fc);
      fail(ctx, MigrationTransportException.localIo("reading " + file, e));
      return;
    }
    ChannelProgressivePromise promise = ctx.newProgressivePromise();
    promise.addListener(
        new ChannelProgressiveFutureListener() {
          @Override
          public void operationProgressed(ChannelProgressiveFuture f, long progress, long total) {
            session.progress(progress, 0);
            options.progress().onProgress(session, progress, 0);
          }

          @Override
          public void operationComplete(ChannelProgressiveFuture f) {
            closeQuietly(fc);
            if (f.isSuccess()) {
              session.progress(size, 0);
              finish(ctx);
            } else {
              fail(ctx, Failures.classify(f.cause(), "sending the stream", options.idleTimeout()));
            }
          }
        });
    ctx.writeAndFlush(msg, promise);
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

  private void finish(ChannelHandlerContext ctx) {
    if (session.succeed()) {
      ctx.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, VmStateException e) {
    session.fail(e);
    if (out != null) {
      out.fail(e);
    }
    ctx.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
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
    if (out != null) {
      out.fail(new java.nio.channels.ClosedChannelException());
    }
    session.fail(MigrationTransportException.peerClosed());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
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
