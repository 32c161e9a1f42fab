package io.vmstate.transport;

import com.google.common.base.Preconditions;
import com.google.protobuf.CodedOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToByteEncoder;
import io.vmstate.transport.proto.Envelope;
import java.io.IOException;

/**
 * Writes an {@link Envelope} as one frame: a be32 length, then the serialized message (the layout
 * {@link FrameDecoder} reads). A message larger than {@code maxFrameLength} fails the write with an
 * {@link EncoderException} whose cause is {@link MigrationTransportException#frameTooLarge};
 * nothing is written.
 */
@Sharable
public final class EnvelopeEncoder extends MessageToByteEncoder<Envelope> {
  private final int maxFrameLength;

  /** An encoder refusing messages over {@code maxFrameLength} bytes. */
  public EnvelopeEncoder(int maxFrameLength) {
    super(Envelope.class, true);
    Preconditions.checkArgument(
        maxFrameLength > 0, "maxFrameLength: %s (expected: > 0)", maxFrameLength);
    this.maxFrameLength = maxFrameLength;
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Envelope msg, boolean preferDirect) {
    int size = checkedSize(msg);
    return preferDirect
        ? ctx.alloc().ioBuffer(FrameDecoder.PREFIX + size)
        : ctx.alloc().heapBuffer(FrameDecoder.PREFIX + size);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Envelope msg, ByteBuf out) throws IOException {
    int size = checkedSize(msg);
    out.ensureWritable(FrameDecoder.PREFIX + size);
    out.writeInt(size);
    CodedOutputStream cos = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
    msg.writeTo(cos);
    cos.flush();
    out.writerIndex(out.writerIndex() + size);
  }

  private int checkedSize(Envelope msg) {
    int size = msg.getSerializedSize();
    if (size > maxFrameLength) {
      throw new EncoderException(MigrationTransportException.frameTooLarge(size, maxFrameLength));
    }
    return size;
  }
}
