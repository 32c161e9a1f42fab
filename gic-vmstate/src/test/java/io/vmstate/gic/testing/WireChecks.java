package io.vmstate.gic.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.function.Supplier;

/** Shared checks every golden input goes through. */
public final class WireChecks {
  private WireChecks() {}

  /** An input stream that hands out one byte per read. */
  public static final class OneByteAtATime extends ByteArrayInputStream {
    public OneByteAtATime(byte[] b) {
      super(b);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, 1));
    }
  }

  /** Encodes {@code obj}. */
  public static <T> byte[] save(VmStateDescription<T> d, T obj) throws VmStateException {
    return VmStateCodec.DEFAULT.saveToBytes(d, obj);
  }

  /**
   * Loads {@code bytes} into a fresh object twice (whole and 1 byte per read), checks both consume
   * everything and re-encode to the same bytes, and returns the object.
   */
  public static <T> T loadAndReencode(
      VmStateDescription<T> d, Supplier<T> fresh, byte[] bytes, int version)
      throws VmStateException {
    T whole = fresh.get();
    WireInput in = WireInput.of(bytes);
    VmStateCodec.DEFAULT.load(d, whole, in, version);
    assertEquals(bytes.length, in.position(), "decode must consume the whole body");
    assertArrayEquals(bytes, save(d, whole), "re-encode must be byte-identical");
    T chunked = fresh.get();
    VmStateCodec.DEFAULT.load(d, chunked, WireInput.of(new OneByteAtATime(bytes)), version);
    assertArrayEquals(bytes, save(d, chunked), "1-byte-per-read decode must give the same state");
    return whole;
  }

  /**
   * Truncation at every offset in [0, length) gives a VmStateDecodeException, never another type,
   * and leaves the target unchanged (loads are atomic).
   */
  public static <T> void truncationsFail(
      VmStateDescription<T> d, Supplier<T> fresh, byte[] bytes, int version)
      throws VmStateException {
    T target = fresh.get();
    byte[] before = save(d, target);
    for (int cut = 0; cut < bytes.length; cut++) {
      byte[] part = Arrays.copyOf(bytes, cut);
      assertThrows(
          VmStateDecodeException.class,
          () -> VmStateCodec.DEFAULT.load(d, target, WireInput.of(part), version),
          "truncated at " + cut);
    }
    assertArrayEquals(before, save(d, target), "failed loads must leave the target untouched");
  }
}
