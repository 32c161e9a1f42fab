package io.vmstate.stream.netty;

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

  RawReceiveHandler(
      MigrationSession session, TransportOptions options, RawStreamSink sink, Executor decoders) {
    this.session = session;
    this.options = options;
    this.sink = sink;
    this.decoders = decoders;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
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
    try {
      decoders.execute(this::decode);
    } catch (RejectedExecutionException e) {
      session.fail(MigrationTransportException.internal(e));
      ctx.close();
      return;
    }
    ctx.read();
    ctx.fireChannelActive();
  }

  private void decode() {
    try {
      sink.consume(
          pipe,
          () -> {
            int n = sections.incrementAndGet();
            report(n);
          });
      report(sections.get());
      session.succeed();
    } catch (ChannelInputStream.Failed e) {
      session.fail(Failures.classify(e.getCause(), "receiving the stream", options.idleTimeout()));
    } catch (IOException e) {
      session.fail(MigrationTransportException.localIo("writing the received stream", e));
    } catch (VmStateException e) {
      session.fail(e);
    } catch (RuntimeException e) {
      session.fail(MigrationTransportException.internal(e));
    } finally {
      pipe.close();
      session.channel().close();
    }
  }

  private void report(int n) {
    long bytes = pipe.consumed();
    session.progress(bytes, n);
    options.progress().onProgress(session, bytes, n);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      pipe.offer(buf);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (pipe.readMore()) {
      ctx.read();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      pipe.end(MigrationTransportException.timedOut("receiving the stream", options.idleTimeout()));
      ctx.close();
    } else if (evt instanceof SslHandshakeCompletionEvent hs && !hs.isSuccess()) {
      pipe.end(MigrationTransportException.tlsRefused(hs.cause()));
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    pipe.end(null);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    pipe.end(cause);
    ctx.close();
  }
}
