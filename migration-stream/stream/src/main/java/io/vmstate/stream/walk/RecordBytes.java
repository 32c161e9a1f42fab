package io.vmstate.stream.walk;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;

/**
 * The fixed part of one walked record, read field by field and kept as it was on the wire so that a
 * {@link WalkSink} can write it back unchanged. The longest record is a dirty-bitmap BITS record
 * with both names: 1 + (1 + 255) + (1 + 255) + 8 + 4 + 8 bytes.
 */
final class RecordBytes {
  private final byte[] buf = new byte[1 + 256 + 256 + 8 + 4 + 8];
  private final WireInput in;
  private int length;

  RecordBytes(WireInput in) {
    this.in = in;
  }

  /** Starts a record. */
  void reset() {
    length = 0;
  }

  int u8() throws VmStateException {
    in.readBytes(buf, length, 1);
    return buf[length++] & 0xff;
  }

  int be32() throws VmStateException {
    in.readBytes(buf, length, 4);
    int v = 0;
    for (int i = 0; i < 4; i++) {
      v = (v << 8) | (buf[length++] & 0xff);
    }
    return v;
  }

  long be64() throws VmStateException {
    in.readBytes(buf, length, 8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[length++] & 0xff);
    }
    return v;
  }

  /** A counted string: u8 length, then that many bytes (QEMU's qemu_get_counted_string). */
  String counted() throws VmStateException {
    int n = u8();
    in.readBytes(buf, length, n);
    String s = new String(buf, length, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    length += n;
    return s;
  }

  /** Hands the record read so far to {@code sink}. */
  void flush(WalkSink sink) throws VmStateException {
    sink.record(buf, length);
    length = 0;
  }
}
