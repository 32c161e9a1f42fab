package io.vmstate.transport;

import com.google.common.base.Preconditions;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.ByteOrder;

/**
 * Splits the inbound byte stream into frames and strips the length prefix.
 *
 * <pre>
 * +----------------+---------------------------+
 * | be32 length N  |  N bytes (one Envelope)    |
 * +----------------+---------------------------+
 * </pre>
 *
 * A length over {@code maxFrameLength} fails at once, as soon as the 4 prefix bytes are in (fail
 * fast, before any of the body is buffered), with a {@link DecoderException} whose cause is {@link
 * MigrationTransportException#frameTooLarge}.
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {
  /** Bytes of the length prefix. */
  public static final int PREFIX = 4;

  private final int maxFrameLength;

  /**
   * @param maxFrameLength the largest body accepted, in bytes (1 .. 2^31-1-4)
   */
  public FrameDecoder(int maxFrameLength) {
    super(checkMax(maxFrameLength) + PREFIX, 0, PREFIX, 0, PREFIX, true);
    this.maxFrameLength = maxFrameLength;
  }

  private static int checkMax(int maxFrameLength) {
    Preconditions.checkArgument(
        maxFrameLength > 0 && maxFrameLength <= Integer.MAX_VALUE - PREFIX,
        "maxFrameLength: %s (expected: 1..%s)",
        maxFrameLength,
        Integer.MAX_VALUE - PREFIX);
    return maxFrameLength;
  }

  /** The largest body accepted, in bytes. */
  public int maxFrameLength() {
    return maxFrameLength;
  }

  @Override
  protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
    long size = buf.getUnsignedInt(offset);
    if (size > maxFrameLength) {
      throw new DecoderException(MigrationTransportException.frameTooLarge(size, maxFrameLength));
    }
    return size;
  }
}
