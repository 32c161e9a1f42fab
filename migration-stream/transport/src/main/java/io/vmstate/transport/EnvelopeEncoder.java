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

  /** Envelope field {@code stream} (7), length-delimited. */
  private static final int STREAM_TAG = 7 << 3 | 2;

  /** StreamChunk field {@code data} (1), length-delimited. */
  private static final int DATA_TAG = 1 << 3 | 2;

  /** StreamChunk field {@code crc32c} (2), fixed32. */
  private static final int CRC_TAG = 2 << 3 | 5;

  /**
   * Starts the frame of a StreamChunk of {@code n} data bytes, which the caller then writes into
   * the returned buffer itself (a file read straight into it) before {@link #streamChunkFrameEnd}:
   * the bytes are those of {@code Envelope{stream: StreamChunk{data, crc32c}}} through this
   * encoder, without encoding the data through protobuf (a copy).
   *
   * <pre>
   * be32 frame length | 3a varint(chunk length) | 0a varint(n) | n data bytes | 15 le32 crc32c
   * </pre>
   */
  static ByteBuf streamChunkFrameStart(io.netty.buffer.ByteBufAllocator alloc, int n) {
    int chunk = 1 + CodedOutputStream.computeUInt32SizeNoTag(n) + n + 1 + 4;
    int envelope = 1 + CodedOutputStream.computeUInt32SizeNoTag(chunk) + chunk;
    ByteBuf frame = alloc.ioBuffer(FrameDecoder.PREFIX + envelope, FrameDecoder.PREFIX + envelope);
    frame.writeInt(envelope);
    frame.writeByte(STREAM_TAG);
    writeVarint(frame, chunk);
    frame.writeByte(DATA_TAG);
    writeVarint(frame, n);
    return frame;
  }

  /** Ends a frame begun by {@link #streamChunkFrameStart}: the CRC32C of its data bytes. */
  static void streamChunkFrameEnd(ByteBuf frame, int dataAt, int n) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(frame.nioBuffer(dataAt, n));
    frame.writeByte(CRC_TAG);
    frame.writeIntLE((int) crc.getValue());
  }

  private static void writeVarint(ByteBuf out, int v) {
    while ((v & ~0x7f) != 0) {
      out.writeByte((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.writeByte(v);
  }

  private int checkedSize(Envelope msg) {
    int size = msg.getSerializedSize();
    if (size > maxFrameLength) {
      throw new EncoderException(MigrationTransportException.frameTooLarge(size, maxFrameLength));
    }
    return size;
  }
}
