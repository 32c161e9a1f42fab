package io.vmstate.transport;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.vmstate.transport.proto.Envelope;

/**
 * Parses one frame body (as cut by {@link FrameDecoder}) into an {@link Envelope} and passes it on;
 * the frame buffer is released once the handlers after this one returned from it. A {@code
 * StreamChunk}'s data aliases the frame (no copy of the chunk's megabytes): its consumer, the
 * destination's stream path, checks the CRC and writes and decodes the bytes before it returns.
 * Every other message owns copies of its bytes (a SectionFrame is staged until the session is
 * applied): a frame whose aliased parse is not a StreamChunk is parsed again, copying. A body that
 * is not a valid Envelope, or an Envelope without a message, fails with a {@link DecoderException}
 * whose cause is {@link MigrationTransportException#protocolViolation}.
 */
public final class EnvelopeDecoder extends ChannelInboundHandlerAdapter {
  /** A decoder for frame bodies cut by {@link FrameDecoder}. */
  public EnvelopeDecoder() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      Envelope envelope = parse(frame, true);
      if (envelope.getBodyCase() != Envelope.BodyCase.STREAM) {
        envelope = parse(frame, false);
      }
      if (envelope.getBodyCase() == Envelope.BodyCase.BODY_NOT_SET) {
        throw new DecoderException(
            MigrationTransportException.protocolViolation(
                "a frame of " + frame.readableBytes() + " bytes carries no known message"));
      }
      ctx.fireChannelRead(envelope);
    } finally {
      frame.release();
    }
  }

  private static Envelope parse(ByteBuf frame, boolean alias) {
    try {
      CodedInputStream in =
          frame.hasArray()
              ? CodedInputStream.newInstance(
                  frame.array(), frame.arrayOffset() + frame.readerIndex(), frame.readableBytes())
              : CodedInputStream.newInstance(frame.nioBuffer());
      in.enableAliasing(alias);
      return Envelope.parser().parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new DecoderException(
          MigrationTransportException.protocolViolation(
              "a frame of "
                  + frame.readableBytes()
                  + " bytes is not a valid message: "
                  + e.getMessage()));
    }
  }
}
