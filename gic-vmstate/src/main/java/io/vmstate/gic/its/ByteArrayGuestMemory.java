package io.vmstate.gic.its;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;

/** One contiguous region of guest memory starting at {@code base}, backed by a byte array. */
public final class ByteArrayGuestMemory implements GuestMemory {
  private final long base;
  private final byte[] bytes;

  /**
   * A region at guest physical address {@code base} (not negative) backed by {@code bytes} (not
   * copied).
   */
  public ByteArrayGuestMemory(long base, byte[] bytes) {
    checkArgument(base >= 0, "base 0x%s is negative", Long.toHexString(base));
    this.base = base;
    this.bytes = checkNotNull(bytes, "bytes");
  }

  /** A zeroed region of {@code size} bytes at {@code base}. */
  public static ByteArrayGuestMemory zeroed(long base, int size) {
    return new ByteArrayGuestMemory(base, new byte[size]);
  }

  /** The guest physical address of the first byte. */
  public long base() {
    return base;
  }

  /** The backing array (live). */
  public byte[] bytes() {
    return bytes;
  }

  private int offset(long gpa, int len) {
    long off = gpa - base;
    return off < 0 || len < 0 || off + len > bytes.length ? -1 : (int) off;
  }

  @Override
  public void read(long gpa, byte[] dst, int off, int len) throws VmStateDecodeException {
    int o = offset(gpa, len);
    if (o < 0) {
      throw GuestMemory.absent(
          gpa, len, "outside 0x" + Long.toHexString(base) + "+" + bytes.length);
    }
    System.arraycopy(bytes, o, dst, off, len);
  }

  @Override
  public void write(long gpa, byte[] src, int off, int len) throws VmStateEncodeException {
    int o = offset(gpa, len);
    if (o < 0) {
      throw VmStateEncodeException.notRepresentable(
          "guest memory 0x"
              + Long.toHexString(gpa)
              + "+"
              + len
              + " lies outside 0x"
              + Long.toHexString(base)
              + "+"
              + bytes.length);
    }
    System.arraycopy(src, off, bytes, o, len);
  }
}
