package io.vmstate.gic.its;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;

/**
 * Guest physical memory as the ITS sees it: little-endian reads and writes at guest physical
 * addresses. Implementations: {@link ByteArrayGuestMemory} (one contiguous region) and {@link
 * PagedGuestMemory} (sparse pages, fed from the RAM records of a migration stream).
 */
public interface GuestMemory {
  /** Copies {@code len} bytes at {@code gpa} into {@code dst}; fails for memory not present. */
  void read(long gpa, byte[] dst, int off, int len) throws VmStateDecodeException;

  /** Copies {@code len} bytes of {@code src} to {@code gpa}; fails for memory that cannot exist. */
  void write(long gpa, byte[] src, int off, int len) throws VmStateEncodeException;

  default int readU8(long gpa) throws VmStateDecodeException {
    byte[] b = new byte[1];
    read(gpa, b, 0, 1);
    return b[0] & 0xff;
  }

  default int readLe32(long gpa) throws VmStateDecodeException {
    byte[] b = new byte[4];
    read(gpa, b, 0, 4);
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  default long readLe64(long gpa) throws VmStateDecodeException {
    byte[] b = new byte[8];
    read(gpa, b, 0, 8);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (b[i] & 0xff);
    }
    return v;
  }

  default void writeU8(long gpa, int v) throws VmStateEncodeException {
    write(gpa, new byte[] {(byte) v}, 0, 1);
  }

  default void writeLe32(long gpa, int v) throws VmStateEncodeException {
    write(gpa, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}, 0, 4);
  }

  default void writeLe64(long gpa, long v) throws VmStateEncodeException {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    write(gpa, b, 0, 8);
  }

  /** The error for a read of memory that is not there. */
  static VmStateDecodeException absent(long gpa, int len, String why) {
    return VmStateDecodeException.corrupt(
        "guest memory 0x" + Long.toHexString(gpa) + "+" + len + " is not available: " + why);
  }
}
