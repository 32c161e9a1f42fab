package io.vmstate.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.vmstate.api.VmStateException;
import io.vmstate.transport.proto.Envelope;
import io.vmstate.transport.proto.Error;
import io.vmstate.transport.proto.ErrorReason;
import java.util.concurrent.TimeUnit;

/**
 * The part of a framed session both ends share: how it starts (at channel activation, or after the
 * TLS handshake), how it ends (exactly once: success, or a typed failure reported to the peer when
 * the peer can still hear it), and how Netty's events map to typed failures.
 */
abstract class SessionHandler extends ChannelDuplexHandler {
  final MigrationSession session;
  final TransportOptions options;
  private final boolean tls;

  /** The longest a failed session waits for its peer to read the Error and close. */
  static final long LINGER_MS = 2000;

  private boolean ended;
  private boolean peerGone;

  SessionHandler(MigrationSession session, TransportOptions options) {
    this.session = session;
    this.options = options;
    this.tls = options.ssl().isPresent();
  }

  /** The peer is connected (and authenticated, with TLS). */
  abstract void start(ChannelHandlerContext ctx) throws VmStateException;

  /** A message other than Error arrived. */
  abstract void onMessage(ChannelHandlerContext ctx, Envelope msg) throws VmStateException;

  /** What this end is waiting for, for timeout messages. */
  abstract String waitingFor();

  final boolean ended() {
    return ended;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    session.canceller(why -> fail(ctx, MigrationTransportException.cancelled(why)));
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    ctx.fireChannelActive();
    if (!tls) {
      guarded(ctx, () -> start(ctx));
    }
    if (!ended) {
      ctx.read();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent hs) {
      if (hs.isSuccess()) {
        guarded(ctx, () -> start(ctx));
      } else {
        fail(ctx, MigrationTransportException.tlsRefused(hs.cause()));
      }
    } else if (evt instanceof IdleStateEvent) {
      fail(ctx, MigrationTransportException.timedOut(waitingFor(), options.idleTimeout()));
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (ended) {
      return;
    }
    Envelope env = (Envelope) msg;
    if (env.hasError()) {
      fail(
          ctx,
          MigrationTransportException.remoteError(
              env.getError().getReason(), env.getError().getMessage()));
      return;
    }
    guarded(ctx, () -> onMessage(ctx, env));
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!ended) {
      ctx.read();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail(ctx, MigrationTransportException.peerClosed());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    VmStateException e = Failures.classify(cause, waitingFor(), options.idleTimeout());
    if (e instanceof MigrationTransportException t
        && t.kind() == MigrationTransportException.Kind.PEER_CLOSED
        && ctx.channel().isOpen()) {
      // A write failed because the peer closed. It may have said why first: read on, and let
      // its Error (already received) or the channel's end decide.
      peerGone = true;
      ctx.read();
      return;
    }
    fail(ctx, e);
  }

  /** True once a write failed because the peer went away; stop producing. */
  final boolean peerGone() {
    return peerGone;
  }

  /** Ends the session successfully; the channel is closed after {@code last} (if any) is sent. */
  final void succeed(ChannelHandlerContext ctx, Envelope last) {
    if (ended) {
      return;
    }
    ended = true;
    session.succeed(outcome());
    if (last != null) {
      ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }

  /**
   * Ends the session with {@code e}: tells the peer why, when it can still hear it and does not
   * already know, then closes. Later failures of the same session are ignored.
   */
  final void fail(ChannelHandlerContext ctx, VmStateException e) {
    if (ended) {
      return;
    }
    ended = true;
    onFailed(e);
    session.fail(e);
    ErrorReason reason = reasonToReport(e);
    if (reason != null && ctx.channel().isActive()) {
      Envelope err =
          Envelope.newBuilder()
              .setError(Error.newBuilder().setReason(reason).setMessage(e.getMessage()))
              .build();
      ctx.writeAndFlush(err).addListener(f -> closeAfterLinger(ctx));
    } else {
      // Flush what is queued (e.g. a refusing Verdict) before closing.
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> closeAfterLinger(ctx));
    }
  }

  /**
   * Closes so that what was just written reaches the peer. Closing a TCP socket with unread input
   * makes the kernel send a reset, and the peer's kernel may then drop our Error frame before its
   * application reads it (the peer would see only "connection closed"). So on sockets: half-close
   * our side (the peer reads the Error, then end-of-stream), discard whatever still arrives, and
   * close when the peer closes or after {@link #LINGER_MS} at the most.
   */
  private void closeAfterLinger(ChannelHandlerContext ctx) {
    Channel ch = ctx.channel();
    if (!(ch instanceof DuplexChannel duplex) || !ch.isActive() || duplex.isOutputShutdown()) {
      ctx.close();
      return;
    }
    duplex
        .shutdownOutput()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                ctx.close();
                return;
              }
              ch.config().setAutoRead(true);
              ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
            });
  }

  /** What this end's success means: applied at a source, received at a destination. */
  abstract MigrationResult.Outcome outcome();

  /** Hook for subclasses to drop staged state; called once, before the result fails. */
  void onFailed(VmStateException e) {}

  /** The reason to send the peer, or null when the peer cannot hear it or already knows. */
  ErrorReason reasonToReport(VmStateException e) {
    if (e instanceof MigrationTransportException t) {
      return switch (t.kind()) {
        case PEER_CLOSED, TLS_REFUSED, REMOTE_ERROR -> null;
        default -> t.wireReason();
      };
    }
    return ErrorReason.INTERNAL;
  }

  private void guarded(ChannelHandlerContext ctx, Step step) {
    try {
      step.run();
    } catch (VmStateException e) {
      fail(ctx, e);
    } catch (RuntimeException e) {
      fail(ctx, Failures.classify(e, waitingFor(), options.idleTimeout()));
    }
  }

  @FunctionalInterface
  private interface Step {
    void run() throws VmStateException;
  }
}
