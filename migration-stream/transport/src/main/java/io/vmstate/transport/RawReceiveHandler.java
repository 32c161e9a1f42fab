package io.vmstate.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The destination end of a raw migration: feeds the channel's bytes into a {@link
 * ChannelInputStream} and runs the session's {@link RawStreamSink} over it on a decoder thread. The
 * session succeeds when the sink returns normally after the peer closed the connection; a sink
 * failure closes the connection, and a connection failure surfaces in the sink as an I/O error that
 * is reported typed.
 */
final class RawReceiveHandler extends ChannelInboundHandlerAdapter {
  private final MigrationSession session;
  private final TransportOptions options;
  private final RawStreamSink sink;
  private final Executor decoders;
  private ChannelInputStream pipe;
  private final AtomicInteger sections = new AtomicInteger();

  /** With an {@link EventLoopSink}: the reception fed on the event loop (no pipe). */
  private EventLoopSink.Reception direct;

  private boolean directEnded;

  RawReceiveHandler(
      MigrationSession session, TransportOptions options, RawStreamSink sink, Executor decoders) {
    this.session = session;
    this.options = options;
    this.sink = sink;
    this.decoders = decoders;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (sink instanceof EventLoopSink) {
      session.canceller(why -> failDirect(ctx, MigrationTransportException.cancelled(why)));
      return;
    }
    pipe = new ChannelInputStream(ctx.channel(), options.receiveBuffer());
    session.canceller(
        why -> {
          session.fail(MigrationTransportException.cancelled(why));
          pipe.end(MigrationTransportException.cancelled(why));
          ctx.close();
        });
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (sink instanceof EventLoopSink f) {
      try {
        direct = f.open(() -> report(sections.incrementAndGet(), direct.bytes()));
      } catch (IOException e) {
        failDirect(ctx, MigrationTransportException.localIo("starting the reception", e));
        return;
      }
      // Every buffer is consumed before the next read, on this thread: the consumption itself is
      // the backpressure, so the channel may read on its own. With AUTO_READ off, Netty reads one
      // buffer per read() and waits in epoll again before the next one.
      ctx.channel().config().setAutoRead(true);
      ctx.fireChannelActive();
      return;
    }
    try {
      decoders.execute(this::decode);
    } catch (RejectedExecutionException e) {
      session.fail(MigrationTransportException.internal(e));
      ctx.close();
      return;
    }
    ctx.channel().config().setAutoRead(true);
    ctx.fireChannelActive();
  }

  private void decode() {
    VmStateException failure = null;
    try {
      sink.consume(
          pipe,
          () -> {
            int n = sections.incrementAndGet();
            report(n);
          });
      report(sections.get());
    } catch (ChannelInputStream.Failed e) {
      failure = Failures.classify(e.getCause(), "receiving the stream", options.idleTimeout());
    } catch (IOException e) {
      failure = MigrationTransportException.localIo("writing the received stream", e);
    } catch (VmStateException e) {
      failure = e;
    } catch (RuntimeException e) {
      failure = MigrationTransportException.internal(e);
    } finally {
      pipe.close();
    }
    answerThenEnd(session.channel(), failure);
  }

  /**
   * Tells a sender that half-closed and waits (RawSendHandler, QEMU with a return path) the verdict
   * as QEMU's return path does ({@code MIG_RP_MSG_SHUT}: be16 type 1, be16 length 4, be32 status, 0
   * = loaded), closes, and only then ends the session (whose owner may shut the event loops down as
   * soon as it ends). A peer that does not read the answer loses nothing: its stream has ended.
   */
  private void answerThenEnd(io.netty.channel.Channel ch, VmStateException failure) {
    Runnable end =
        () -> {
          if (failure == null) {
            session.succeed(MigrationResult.Outcome.RECEIVED);
          } else {
            session.fail(failure);
          }
        };
    if (!ch.isActive()) {
      ch.close();
      end.run();
      return;
    }
    ByteBuf shut =
        ch.alloc().buffer(8).writeShort(1).writeShort(4).writeInt(failure == null ? 0 : 1);
    ch.writeAndFlush(shut)
        .addListener(
            f -> {
              ch.close();
              end.run();
            });
  }

  private void report(int n) {
    report(n, pipe.consumed());
  }

  private void report(int n, long bytes) {
    session.progress(bytes, n);
    options.progress().onProgress(session, bytes, n);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
    } else if (pipe != null) {
      pipe.offer(buf);
    } else {
      try {
        if (!directEnded) {
          direct.write(buf);
        }
      } catch (IOException e) {
        failDirect(ctx, MigrationTransportException.localIo("writing the received stream", e));
      } catch (VmStateException e) {
        failDirect(ctx, e);
      } catch (RuntimeException e) {
        failDirect(ctx, MigrationTransportException.internal(e));
      } finally {
        buf.release();
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (pipe == null) {
      if (!directEnded) {
        report(sections.get(), direct.bytes());
      }
    } else if (!pipe.readMore()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      inputEnded(ctx); // the sender half-closed: it waits for the verdict
    } else if (directEnded && pipe == null) {
      // finishing on the decoder thread: the peer has nothing more to send; no timeouts now
    } else if (evt instanceof IdleStateEvent) {
      end(ctx, MigrationTransportException.timedOut("receiving the stream", options.idleTimeout()));
    } else if (evt instanceof SslHandshakeCompletionEvent hs && !hs.isSuccess()) {
      end(ctx, MigrationTransportException.tlsRefused(hs.cause()));
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  private void end(ChannelHandlerContext ctx, Throwable cause) {
    if (pipe != null) {
      pipe.end(cause);
      ctx.close();
    } else {
      failDirect(ctx, Failures.classify(cause, "receiving the stream", options.idleTimeout()));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    inputEnded(ctx);
    ctx.fireChannelInactive();
  }

  /** The peer sent its last byte (closed, or half-closed to wait for our verdict). */
  private void inputEnded(ChannelHandlerContext ctx) {
    if (pipe != null) {
      pipe.end(null);
    } else if (!directEnded && direct != null) {
      directEnded = true;
      EventLoopSink.Reception r = direct;
      try {
        decoders.execute(() -> answerThenEnd(ctx.channel(), completeDirect(r)));
      } catch (RejectedExecutionException e) {
        r.abort();
        session.fail(MigrationTransportException.internal(e));
        ctx.close();
      }
    }
  }

  /** Decoder thread: the peer ended cleanly; finish decoding, check and keep the result. */
  private VmStateException completeDirect(EventLoopSink.Reception r) {
    try {
      session.progress(r.bytes(), sections.get());
      r.complete();
      report(sections.get(), r.bytes());
      return null;
    } catch (IOException e) {
      return MigrationTransportException.localIo("writing the received stream", e);
    } catch (VmStateException e) {
      return e;
    } catch (RuntimeException e) {
      return MigrationTransportException.internal(e);
    }
  }

  /** Event loop: the direct-to-file reception failed; drop the file, fail, close. */
  private void failDirect(ChannelHandlerContext ctx, VmStateException e) {
    if (!directEnded) {
      directEnded = true;
      if (direct != null) {
        direct.abort();
      }
    }
    session.fail(e);
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (directEnded && pipe == null) {
      return; // finishing on the decoder thread: the stream is complete, its verdict is coming
    }
    end(ctx, cause);
  }
}
