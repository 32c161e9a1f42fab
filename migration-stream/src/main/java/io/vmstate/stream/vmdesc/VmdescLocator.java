package io.vmstate.stream.vmdesc;

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
  public static Vmdesc locate(Path file, int maxBytes) throws IOException, VmStateDecodeException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long window = Math.min(size, 1 << 16);
      while (true) {
        Vmdesc found = scan(ch, size, (int) window);
        if (found != null || window >= Math.min(size, (long) maxBytes + 6)) {
          return found;
        }
        window = Math.min(size, (long) maxBytes + 6);
      }
    }
  }

  private static Vmdesc scan(FileChannel ch, long size, int tail)
      throws IOException, VmStateDecodeException {
    ByteBuffer buf = ByteBuffer.allocate(tail);
    long start = size - tail;
    while (buf.hasRemaining() && ch.read(buf, start + buf.position()) >= 0) {
      // keep reading until the window is full
    }
    return scan(buf.array(), start);
  }

  /** The trailer at the end of {@code b}, whose first byte is at stream offset {@code start}. */
  public static Vmdesc scan(byte[] b, long start) throws VmStateDecodeException {
    int tail = b.length;
    int j = tail - 1;
    while (j >= 0 && ((b[j] & 0xff) >= 0x20 || b[j] == '\t' || b[j] == '\n' || b[j] == '\r')) {
      j--;
    }
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
