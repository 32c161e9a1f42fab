package io.vmstate.codec;

import io.vmstate.api.VmStateDecodeException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Big-endian reads over a byte array or a stream, with the byte position tracked for error messages
 * (QEMUFile's role on the load side). A stream is read through a window that holds only what the
 * current item and the subsection look-ahead need, so a stream of any size decodes in bounded
 * memory.
 *
 * <p>Reads past the end throw {@link VmStateDecodeException#truncated} with the offset of the item
 * that could not be read completely. The class is final and its fast paths are a bounds check and a
 * {@link VarHandle} access, so field codecs can call it per element.
 */
public final class WireInput {
  private static final VarHandle BE16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle BE32 =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle BE64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int DEFAULT_WINDOW = 64 * 1024;

  /** Bulk reads from a stream move at most this many bytes through the window at once. */
  static final int CHUNK = 32 * 1024;

  private final InputStream source;
  private byte[] buf;
  private int pos;
  private int limit;
  private long base;
  private boolean sourceDone;
  private boolean prefix;

  private WireInput(InputStream source, byte[] buf, int pos, int limit, long base) {
    this.source = source;
    this.buf = buf;
    this.pos = pos;
    this.limit = limit;
    this.base = base;
    this.sourceDone = source == null;
  }

  /** Reads all of {@code data}; positions start at 0. */
  public static WireInput of(byte[] data) {
    return new WireInput(null, data, 0, data.length, 0);
  }

  /**
   * Reads {@code len} bytes of {@code data} from {@code off}; the first byte is at stream position
   * {@code position} (for inputs that are a piece of a longer stream, so offsets in errors are the
   * stream's).
   */
  public static WireInput of(byte[] data, int off, int len, long position) {
    WireInput in = of(data, off, len);
    in.base = position - off;
    return in;
  }

  /**
   * Reads {@code in} through a window of {@code window} bytes; positions start at {@code position}.
   */
  public static WireInput of(InputStream in, int window, long position) {
    WireInput w = of(in, window);
    w.base = position;
    return w;
  }

  /**
   * Reads {@code len} bytes of {@code data} from {@code off}, the first at stream position {@code
   * position}, as a prefix of a stream that goes on: reading or looking ahead past its end (also
   * {@link #fill}, {@link #peekU8}, {@link #atEnd}) throws {@link VmStateDecodeException#truncated}
   * instead of reporting the end of the stream, so an item that may end there (optional
   * subsections, the trailer) is not taken as complete. For push parsing, which reads an item again
   * once more bytes arrived.
   */
  public static WireInput prefix(byte[] data, int off, int len, long position) {
    WireInput in = of(data, off, len, position);
    in.prefix = true;
    return in;
  }

  /** Reads {@code len} bytes of {@code data} from {@code off}; positions start at 0. */
  public static WireInput of(byte[] data, int off, int len) {
    if (off < 0 || len < 0 || off + len > data.length) {
      throw new IndexOutOfBoundsException("off " + off + ", len " + len + ", size " + data.length);
    }
    return new WireInput(null, data, off, off + len, -off);
  }

  /** Reads a stream through a 64 KiB window. */
  public static WireInput of(InputStream in) {
    return new WireInput(in, new byte[DEFAULT_WINDOW], 0, 0, 0);
  }

  /** Reads a stream through a window of {@code window} bytes (at least 512). */
  public static WireInput of(InputStream in, int window) {
    return new WireInput(in, new byte[Math.max(512, window)], 0, 0, 0);
  }

  /** The stream offset of the next byte to be read. */
  public long position() {
    return base + pos;
  }

  /**
   * Makes up to {@code n} bytes readable without blocking further and returns how many are (fewer
   * than {@code n} only at the end of the input). {@code n} is at most the window for streams.
   */
  public int fill(int n) throws VmStateDecodeException {
    int have = limit - pos;
    if (have >= n || sourceDone) {
      if (have < n && prefix) {
        throw VmStateDecodeException.truncated(position(), n - have);
      }
      return Math.min(have, n);
    }
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, have);
      base += pos;
      limit = have;
      pos = 0;
    }
    if (n > buf.length) {
      byte[] bigger = new byte[Math.max(n, buf.length * 2)];
      System.arraycopy(buf, 0, bigger, 0, limit);
      buf = bigger;
    }
    try {
      while (limit < n) {
        int r = source.read(buf, limit, buf.length - limit);
        if (r < 0) {
          sourceDone = true;
          break;
        }
        limit += r;
      }
    } catch (IOException e) {
      throw VmStateDecodeException.corrupt("read failed: " + e.getMessage()).atOffset(position());
    }
    return Math.min(limit - pos, n);
  }

  /** Whether no byte is left. */
  public boolean atEnd() throws VmStateDecodeException {
    return fill(1) == 0;
  }

  private void require(int n) throws VmStateDecodeException {
    if (limit - pos < n && fill(n) < n) {
      throw VmStateDecodeException.truncated(position(), n - (limit - pos));
    }
  }

  /** Reads one byte as 0..255; a truncation error at the end of the input. */
  public int readU8() throws VmStateDecodeException {
    if (pos >= limit) {
      require(1);
    }
    return buf[pos++] & 0xff;
  }

  /** The byte {@code ahead} bytes past the position without consuming it, or -1 past the end. */
  public int peekU8(int ahead) throws VmStateDecodeException {
    if (limit - pos <= ahead && fill(ahead + 1) <= ahead) {
      return -1;
    }
    return buf[pos + ahead] & 0xff;
  }

  /** Reads a big-endian 16-bit value; a truncation error when fewer than 2 bytes are left. */
  public short readBe16() throws VmStateDecodeException {
    if (limit - pos < 2) {
      require(2);
    }
    short v = (short) BE16.get(buf, pos);
    pos += 2;
    return v;
  }

  /** Reads a big-endian 32-bit value; a truncation error when fewer than 4 bytes are left. */
  public int readBe32() throws VmStateDecodeException {
    if (limit - pos < 4) {
      require(4);
    }
    int v = (int) BE32.get(buf, pos);
    pos += 4;
    return v;
  }

  /** Reads a big-endian 64-bit value; a truncation error when fewer than 8 bytes are left. */
  public long readBe64() throws VmStateDecodeException {
    if (limit - pos < 8) {
      require(8);
    }
    long v = (long) BE64.get(buf, pos);
    pos += 8;
    return v;
  }

  /** Reads exactly {@code len} bytes into {@code dst}. */
  public void readBytes(byte[] dst, int off, int len) throws VmStateDecodeException {
    while (len > 0) {
      int have = limit - pos;
      if (have == 0) {
        have = fill(Math.min(len, buf.length));
        if (have == 0) {
          throw VmStateDecodeException.truncated(position(), len);
        }
      }
      int n = Math.min(have, len);
      System.arraycopy(buf, pos, dst, off, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  /** Reads one length byte and that many bytes as ISO-8859-1 text (QEMU's str8). */
  public String readStr8() throws VmStateDecodeException {
    long at = position();
    int len = readU8();
    if (limit - pos < len && fill(len) < len) {
      throw VmStateDecodeException.truncated(at, 1 + len - (limit - pos));
    }
    String s = new String(buf, pos, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    pos += len;
    return s;
  }

  /** Skips exactly {@code n} bytes. */
  public void skip(long n) throws VmStateDecodeException {
    long at = position();
    while (n > 0) {
      int have = limit - pos;
      if (have == 0) {
        if (source != null && !sourceDone && n > buf.length) {
          long skipped = skipSource(n);
          if (skipped > 0) {
            n -= skipped;
            continue;
          }
        }
        have = fill((int) Math.min(n, buf.length));
        if (have == 0) {
          throw VmStateDecodeException.truncated(at, n);
        }
      }
      int k = (int) Math.min(have, n);
      pos += k;
      n -= k;
    }
  }

  private long skipSource(long n) throws VmStateDecodeException {
    base += limit;
    pos = 0;
    limit = 0;
    try {
      long s = source.skip(n - buf.length);
      base += Math.max(0, s);
      return Math.max(0, s);
    } catch (IOException e) {
      throw VmStateDecodeException.corrupt("read failed: " + e.getMessage()).atOffset(position());
    }
  }

  /** Reads {@code n} big-endian 16-bit values. */
  public void readShorts(short[] dst, int off, int n) throws VmStateDecodeException {
    int end = off + n;
    while (off < end) {
      int k = chunk(end - off, 2);
      for (int i = 0; i < k; i++, pos += 2) {
        dst[off++] = (short) BE16.get(buf, pos);
      }
    }
  }

  /** Reads {@code n} big-endian 32-bit values. */
  public void readInts(int[] dst, int off, int n) throws VmStateDecodeException {
    int end = off + n;
    while (off < end) {
      int k = chunk(end - off, 4);
      for (int i = 0; i < k; i++, pos += 4) {
        dst[off++] = (int) BE32.get(buf, pos);
      }
    }
  }

  /** Reads {@code n} big-endian 64-bit values. */
  public void readLongs(long[] dst, int off, int n) throws VmStateDecodeException {
    int end = off + n;
    while (off < end) {
      int k = chunk(end - off, 8);
      for (int i = 0; i < k; i++, pos += 8) {
        dst[off++] = (long) BE64.get(buf, pos);
      }
    }
  }

  /** How many whole elements of {@code width} bytes (at most {@code want}) are readable now. */
  private int chunk(int want, int width) throws VmStateDecodeException {
    int have = (limit - pos) / width;
    if (have >= want) {
      return want;
    }
    int bytes = (int) Math.min((long) want * width, CHUNK);
    bytes = Math.max(bytes, width);
    int got = fill(bytes) / width;
    if (got == 0) {
      throw VmStateDecodeException.truncated(position(), width - (limit - pos));
    }
    return Math.min(got, want);
  }
}
