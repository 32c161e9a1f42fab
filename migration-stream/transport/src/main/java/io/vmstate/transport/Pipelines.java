package io.vmstate.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The channel pipelines of both modes, built in one place.
 *
 * <pre>
 * every pipeline starts with ProgressFloorHandler (progress floor and deadline, wire bytes)
 * framed:  [SslHandler] - IdleStateHandler - FrameDecoder - EnvelopeDecoder - EnvelopeEncoder
 *                       - FramedSourceHandler | FramedDestinationHandler
 * raw out: [SslHandler] - IdleStateHandler - ChunkedWriteHandler - RawSendHandler
 * raw in:  [SslHandler] - IdleStateHandler - RawReceiveHandler
 * </pre>
 *
 * The idle handler watches both directions and counts output progress, so a peer that stops reading
 * (our writes stall) times out like one that stops sending.
 */
final class Pipelines {
  private Pipelines() {}

  static void framed(Channel ch, TransportOptions o, boolean server, SessionHandler session) {
    ChannelPipeline p = common(ch, o, server);
    p.addLast("frame-decoder", new FrameDecoder(o.maxFrameLength()));
    p.addLast("envelope-decoder", new EnvelopeDecoder());
    p.addLast("envelope-encoder", new EnvelopeEncoder(o.maxFrameLength()));
    p.addLast("session", session);
  }

  static void rawSend(Channel ch, TransportOptions o, RawSendHandler handler) {
    ChannelPipeline p = common(ch, o, false);
    p.addLast("chunked-writer", new ChunkedWriteHandler());
    p.addLast("session", handler);
  }

  static void rawReceive(Channel ch, TransportOptions o, RawReceiveHandler handler) {
    ChannelPipeline p = common(ch, o, true);
    p.addLast("session", handler);
  }

  private static ChannelPipeline common(Channel ch, TransportOptions o, boolean server) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("progress-floor", new ProgressFloorHandler(o));
    if (o.ssl().isPresent()) {
      SslContext ssl = o.ssl().get();
      if (ssl.isServer() != server) {
        throw new IllegalArgumentException(
            "a "
                + (server ? "destination" : "source")
                + " needs a "
                + (server ? "server" : "client")
                + " SslContext");
      }
      p.addLast("tls", ssl.newHandler(ch.alloc()));
    }
    p.addLast(
        "idle",
        new IdleStateHandler(true, 0, 0, o.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    return p;
  }
}
