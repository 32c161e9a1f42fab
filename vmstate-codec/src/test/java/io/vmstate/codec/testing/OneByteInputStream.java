package io.vmstate.codec.testing;

import java.io.InputStream;

/** Hands out at most one byte per read, the harshest split a stream can make. */
public final class OneByteInputStream extends InputStream {
  private final byte[] data;
  private final int end;
  private int pos;

  public OneByteInputStream(byte[] data) {
    this(data, data.length);
  }

  /** Only the first {@code length} bytes, as if the stream were cut there. */
  public OneByteInputStream(byte[] data, int length) {
    this.data = data;
    this.end = length;
  }

  @Override
  public int read() {
    return pos < end ? data[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (pos >= end) {
      return -1;
    }
    b[off] = data[pos++];
    return 1;
  }
}
