package io.vmstate.stream.vmdesc;

import io.vmstate.api.Nullable;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.stream.StreamFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Finds the vmdesc trailer of a stream file before the stream is read, so devices can be decoded
 * through it in one forward pass (QEMU's analyzer does the same by reading the file's tail).
 *
 * <p>The trailer is {@code 0x00 (EOF) | 0x06 | be32 N | N bytes of JSON} at the very end of the
 * file. The JSON never holds a raw byte below 0x20, so scanning back from the end for a 0x06 whose
 * be32 length reaches exactly the end of the file, preceded by EOF, is unambiguous.
 */
public final class VmdescLocator {
  private VmdescLocator() {}

  /** The trailer of {@code file}, or null when the file does not end with one. */
  public static @Nullable Vmdesc locate(Path file, int maxBytes)
      throws IOException, VmStateDecodeException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long limit = Math.min(size, (long) maxBytes + 6);
      // Only the JSON and the few bytes before it are read: first find, a chunk at a time from
      // the end, the last byte that cannot be JSON text (the 0x06 or a byte of the length).
      ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(limit, CHUNK));
      long tail = 0;
      boolean found = false;
      while (tail < limit && !found) {
        int n = (int) Math.min(chunk.capacity(), limit - tail);
        chunk.clear().limit(n);
        fill(ch, chunk, size - tail - n);
        int j = lastNonText(chunk.array(), n);
        found = j >= 0;
        tail += found ? n - j : n;
      }
      int window = (int) Math.min(limit, tail + 5);
      ByteBuffer buf = ByteBuffer.allocate(window);
      fill(ch, buf, size - window);
      // the last non-JSON byte, found above, is at window - tail (or before the window)
      return trailer(buf.array(), size - window, (int) (window - tail));
    }
  }

  private static final int CHUNK = 1 << 18;

  private static boolean isJsonText(byte c) {
    return (c & 0xff) >= 0x20 || c == '\t' || c == '\n' || c == '\r';
  }

  /**
   * Fills {@code buf} from file offset {@code at}, at most {@link #CHUNK} bytes per read: a read
   * into a heap buffer goes through a temporary direct buffer of the read's size, and one of 3.4 MB
   * (a 512-vCPU vmdesc) cost 15-20 ms to allocate and fault in, against 3 ms in pieces.
   */
  private static void fill(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    int end = buf.limit();
    while (buf.position() < end) {
      buf.limit(Math.min(end, buf.position() + CHUNK));
      if (ch.read(buf, at + buf.position()) < 0) {
        break;
      }
    }
    buf.limit(end);
  }

  /** The trailer at the end of {@code b}, whose first byte is at stream offset {@code start}. */
  public static Vmdesc scan(byte[] b, long start) throws VmStateDecodeException {
    return trailer(b, start, lastNonText(b, b.length));
  }

  /**
   * The index of the last byte of {@code b[0, n)} that cannot be JSON text, or -1. A plain byte
   * loop: the JSON is megabytes long for big machines, and in the tool's short runs (C1 only) this
   * loop scans 3.5 MB in 2.6 ms where reading whole words through a VarHandle took 6.8 ms.
   */
  private static int lastNonText(byte[] b, int n) {
    for (int j = n - 1; j >= 0; j--) {
      if (!isJsonText(b[j])) {
        return j;
      }
    }
    return -1;
  }

  /** The trailer at the end of {@code b} whose last byte that is not JSON text is at {@code j}. */
  private static Vmdesc trailer(byte[] b, long start, int j) throws VmStateDecodeException {
    int tail = b.length;
    for (int p = j; p >= Math.max(1, j - 4); p--) {
      if (b[p] != StreamFormat.VMDESCRIPTION || b[p - 1] != StreamFormat.EOF || p + 5 > tail) {
        continue;
      }
      long n = ByteBuffer.wrap(b, p + 1, 4).getInt() & 0xffffffffL;
      if (p + 5 + n == tail) {
        byte[] json = new byte[(int) n];
        System.arraycopy(b, p + 5, json, 0, (int) n);
        return Vmdesc.parse(json, start + p + 5);
      }
    }
    return null;
  }
}
