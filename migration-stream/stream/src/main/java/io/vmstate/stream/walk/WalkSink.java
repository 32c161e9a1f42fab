package io.vmstate.stream.walk;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;

/**
 * Receives the bodies of the sections this tool walks without decoding them ({@link BlockSection},
 * {@link DirtyBitmapSection}), record by record: first the record's fixed bytes (flags, names,
 * addresses) exactly as they were on the wire, then any data that follows it.
 */
public interface WalkSink {
  /** Skips the data. */
  WalkSink SKIP = (in, n) -> in.skip(n);

  /** The fixed bytes of one record; {@code bytes} is only valid during the call. */
  default void record(byte[] bytes, int length) throws VmStateException {}

  /** {@code n} bytes of data after the record (a block's sectors, a bitmap's bits) to consume. */
  void data(WireInput in, long n) throws VmStateException;

  /** A sink that writes every record back to {@code out} as it was read. */
  static WalkSink copyTo(WireOutput out) {
    return new WalkSink() {
      private final byte[] buf = new byte[64 * 1024];

      @Override
      public void record(byte[] bytes, int length) throws VmStateException {
        out.writeBytes(bytes, 0, length);
      }

      @Override
      public void data(WireInput in, long n) throws VmStateException {
        for (long left = n; left > 0; ) {
          int k = (int) Math.min(left, buf.length);
          in.readBytes(buf, 0, k);
          out.writeBytes(buf, 0, k);
          left -= k;
        }
      }
    };
  }
}
