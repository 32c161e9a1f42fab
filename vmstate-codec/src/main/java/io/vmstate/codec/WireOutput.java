package io.vmstate.codec;

import io.vmstate.api.VmStateEncodeException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Big-endian writes into a growable buffer, optionally drained into a stream whenever it passes a
 * threshold (QEMUFile's role on the save side). {@link #position()} counts every byte written.
 */
public final class WireOutput {
  private static final VarHandle BE16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle BE32 =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle BE64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int DRAIN_AT = 64 * 1024;

  private final OutputStream sink;
  private byte[] buf;
  private int pos;
  private long drained;

  private WireOutput(OutputStream sink, int initial) {
    this.sink = sink;
    this.buf = new byte[initial];
  }

  /** Collects everything in memory; see {@link #toByteArray()}. */
  public static WireOutput toBytes() {
    return new WireOutput(null, 4096);
  }

  /** Collects in memory with a capacity hint. */
  public static WireOutput toBytes(int expectedSize) {
    return new WireOutput(null, Math.max(16, expectedSize));
  }

  /** Drains into {@code out} in 64 KiB pieces; call {@link #flush()} at the end. */
  public static WireOutput to(OutputStream out) {
    return new WireOutput(out, DRAIN_AT + 1024);
  }

  /** Bytes written so far. */
  public long position() {
    return drained + pos;
  }

  /** Forgets everything written (only for in-memory outputs), so the buffer can be reused. */
  public void reset() {
    if (sink != null) {
      throw new IllegalStateException("reset() is for in-memory outputs");
    }
    pos = 0;
  }

  private void room(int n) throws VmStateEncodeException {
    if (buf.length - pos >= n) {
      return;
    }
    if (sink != null && pos > 0) {
      drain();
      if (buf.length >= n) {
        return;
      }
    }
    buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
  }

  private void drain() throws VmStateEncodeException {
    try {
      sink.write(buf, 0, pos);
    } catch (IOException e) {
      throw VmStateEncodeException.io(e);
    }
    drained += pos;
    pos = 0;
  }

  /**
   * Writes the low 8 bits of {@code v}; an I/O failure of the sink is a {@link
   * VmStateEncodeException}.
   */
  public void writeU8(int v) throws VmStateEncodeException {
    if (pos >= buf.length) {
      room(1);
    }
    buf[pos++] = (byte) v;
  }

  /** Writes the low 16 bits of {@code v}, big-endian. */
  public void writeBe16(int v) throws VmStateEncodeException {
    if (buf.length - pos < 2) {
      room(2);
    }
    BE16.set(buf, pos, (short) v);
    pos += 2;
  }

  /** Writes {@code v} big-endian. */
  public void writeBe32(int v) throws VmStateEncodeException {
    if (buf.length - pos < 4) {
      room(4);
    }
    BE32.set(buf, pos, v);
    pos += 4;
  }

  /** Writes {@code v} big-endian. */
  public void writeBe64(long v) throws VmStateEncodeException {
    if (buf.length - pos < 8) {
      room(8);
    }
    BE64.set(buf, pos, v);
    pos += 8;
  }

  /**
   * Writes {@code len} bytes of {@code src} from {@code off} (large runs go to the sink directly).
   */
  public void writeBytes(byte[] src, int off, int len) throws VmStateEncodeException {
    if (sink != null && len > DRAIN_AT) {
      drain();
      try {
        sink.write(src, off, len);
      } catch (IOException e) {
        throw VmStateEncodeException.io(e);
      }
      drained += len;
      return;
    }
    room(len);
    System.arraycopy(src, off, buf, pos, len);
    pos += len;
  }

  /** Writes all of {@code src}. */
  public void writeBytes(byte[] src) throws VmStateEncodeException {
    writeBytes(src, 0, src.length);
  }

  /** Writes {@code n} zero bytes. */
  public void writeZeros(long n) throws VmStateEncodeException {
    while (n > 0) {
      int k = (int) Math.min(n, DRAIN_AT);
      room(k);
      Arrays.fill(buf, pos, pos + k, (byte) 0);
      pos += k;
      n -= k;
    }
  }

  /** One length byte and the text as ISO-8859-1 bytes (QEMU's str8); at most 255 bytes. */
  public void writeStr8(String s) throws VmStateEncodeException {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    if (b.length > 255) {
      throw VmStateEncodeException.notRepresentable(
          "'" + s + "' is " + b.length + " bytes; a str8 holds at most 255");
    }
    writeU8(b.length);
    writeBytes(b, 0, b.length);
  }

  /** Writes {@code n} elements of {@code src} from {@code off}, each big-endian. */
  public void writeShorts(short[] src, int off, int n) throws VmStateEncodeException {
    room(n * 2);
    for (int i = 0; i < n; i++, pos += 2) {
      BE16.set(buf, pos, src[off + i]);
    }
  }

  /** Writes {@code n} elements of {@code src} from {@code off}, each big-endian. */
  public void writeInts(int[] src, int off, int n) throws VmStateEncodeException {
    room(n * 4);
    for (int i = 0; i < n; i++, pos += 4) {
      BE32.set(buf, pos, src[off + i]);
    }
  }

  /** Writes {@code n} elements of {@code src} from {@code off}, each big-endian. */
  public void writeLongs(long[] src, int off, int n) throws VmStateEncodeException {
    room(n * 8);
    for (int i = 0; i < n; i++, pos += 8) {
      BE64.set(buf, pos, src[off + i]);
    }
  }

  /** Writes what is buffered to the sink and flushes it. */
  public void flush() throws VmStateEncodeException {
    if (sink == null) {
      return;
    }
    drain();
    try {
      sink.flush();
    } catch (IOException e) {
      throw VmStateEncodeException.io(e);
    }
  }

  /** Everything written, for in-memory outputs. */
  public byte[] toByteArray() {
    if (sink != null) {
      throw new IllegalStateException("toByteArray() is for in-memory outputs");
    }
    return Arrays.copyOf(buf, pos);
  }
}
