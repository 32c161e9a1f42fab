package io.vmstate.transport;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.vmstate.transport.proto.Envelope;
import java.util.List;

/**
 * Parses one frame body (as cut by {@link FrameDecoder}) into an {@link Envelope}. The frame buffer
 * is released once parsed; the message owns copies of its bytes. A body that is not a valid
 * Envelope, or an Envelope without a message, fails with a {@link DecoderException} whose cause is
 * {@link MigrationTransportException#protocolViolation}.
 */
public final class EnvelopeDecoder extends MessageToMessageDecoder<ByteBuf> {
  /** A decoder for frame bodies cut by {@link FrameDecoder}. */
  public EnvelopeDecoder() {
    super(ByteBuf.class);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
    Envelope envelope;
    try {
      CodedInputStream in =
          frame.hasArray()
              ? CodedInputStream.newInstance(
                  frame.array(), frame.arrayOffset() + frame.readerIndex(), frame.readableBytes())
              : CodedInputStream.newInstance(frame.nioBuffer());
      envelope = Envelope.parser().parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new DecoderException(
          MigrationTransportException.protocolViolation(
              "a frame of "
                  + frame.readableBytes()
                  + " bytes is not a valid message: "
                  + e.getMessage()));
    }
    if (envelope.getBodyCase() == Envelope.BodyCase.BODY_NOT_SET) {
      throw new DecoderException(
          MigrationTransportException.protocolViolation(
              "a frame of " + frame.readableBytes() + " bytes carries no known message"));
    }
    out.add(envelope);
  }
}
