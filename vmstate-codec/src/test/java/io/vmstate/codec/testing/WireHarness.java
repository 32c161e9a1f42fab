package io.vmstate.codec.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The conformance harness, modelled on QEMU's test-vmstate.c (reference §8.1): a saved state is
 * followed by QEMU_VM_EOF, and a load is followed by reading that EOF byte, as QEMU's {@code
 * load_vmstate_one} does and as the stream layer does with the next section byte. A load vector is
 * checked whole from a byte array, whole through a stream that yields one byte per read, cut at
 * every offset (each cut must be a {@link VmStateDecodeException} at the offset of the item that
 * could not be read) and in the failure shapes of QEMU's harness (empty, size-2, first half; the
 * second half must not fail in any other way, and {@code simple/*} assert that it fails).
 */
public final class WireHarness {
  private WireHarness() {}

  /** Checks the loaded object. */
  @FunctionalInterface
  public interface Check<T> {
    void check(T obj) throws Exception;
  }

  /** Asserts that saving {@code obj} gives exactly {@code expected} (no EOF byte). */
  public static <T> void assertSaves(VmStateDescription<T> d, T obj, byte[] expected)
      throws VmStateException {
    byte[] actual = VmStateCodec.DEFAULT.saveToBytes(d, obj);
    assertEquals(Hex.of(expected), Hex.of(actual), "saved bytes of " + d.name());
  }

  /** Loads {@code in} into {@code obj} and then reads the EOF byte, as QEMU's harness does. */
  public static <T> void loadThenEof(VmStateDescription<T> d, T obj, WireInput in, int version)
      throws VmStateException {
    VmStateCodec.DEFAULT.load(d, obj, in, version);
    long at = in.position();
    int eof = in.readU8();
    if (eof != 0) {
      throw VmStateDecodeException.corrupt(
              String.format("expected QEMU_VM_EOF (0x00) after the state, found 0x%02x", eof))
          .atOffset(at);
    }
  }

  /**
   * The item start offsets of a vector from the sizes of its items in wire order; the last offset
   * is the EOF byte.
   */
  public static int[] items(int... sizes) {
    int[] starts = new int[sizes.length + 1];
    for (int i = 0; i < sizes.length; i++) {
      starts[i + 1] = starts[i] + sizes[i];
    }
    return starts;
  }

  /**
   * Runs a load vector. {@code wire} ends with the EOF byte; {@code itemStarts} are the offsets
   * where the items the loader reads begin (the last one the EOF byte), so a cut at {@code n} must
   * fail at the greatest item start {@code <= n}.
   */
  public static <T> void assertLoadVector(
      VmStateDescription<T> d,
      Supplier<T> fresh,
      int version,
      byte[] wire,
      int[] itemStarts,
      Check<T> check)
      throws Exception {
    assertEquals(0, wire[wire.length - 1], "vector must end with QEMU_VM_EOF");
    assertEquals(
        wire.length - 1, itemStarts[itemStarts.length - 1], "the last item is the EOF byte");
    assertTrue(isSorted(itemStarts), "item starts must ascend: " + Arrays.toString(itemStarts));

    T whole = fresh.get();
    loadThenEof(d, whole, WireInput.of(wire), version);
    check.check(whole);

    T trickled = fresh.get();
    loadThenEof(d, trickled, WireInput.of(new OneByteInputStream(wire)), version);
    check.check(trickled);

    for (int cut = 0; cut < wire.length; cut++) {
      int expectedOffset = itemAt(itemStarts, cut);
      VmStateDecodeException e = loadFails(d, fresh.get(), WireInput.of(wire, 0, cut), version);
      assertEquals(
          expectedOffset, e.offset(), "offset of the failure when cut at " + cut + ": " + e);
      VmStateDecodeException s =
          loadFails(d, fresh.get(), WireInput.of(new OneByteInputStream(wire, cut)), version);
      assertEquals(expectedOffset, s.offset(), "same cut through a stream: " + s);
      assertEquals(e.getMessage(), s.getMessage(), "array and stream input fail alike");
    }

    int size = wire.length;
    loadFails(d, fresh.get(), WireInput.of(wire, 0, 0), version);
    loadFails(d, fresh.get(), WireInput.of(wire, 0, Math.max(0, size - 2)), version);
    loadFails(d, fresh.get(), WireInput.of(wire, 0, size / 2), version);
    // The second half is arbitrary bytes: for some vectors (the gtree and qlist ones) they happen
    // to be a valid state. Whatever they are, the load must not fail any other way.
    loadNeverCrashes(d, fresh.get(), WireInput.of(wire, size / 2, size / 2), version);
  }

  /** Loads arbitrary bytes: success or a decode exception, never another exception type. */
  public static <T> void loadNeverCrashes(
      VmStateDescription<T> d, T obj, WireInput in, int version) {
    try {
      loadThenEof(d, obj, in, version);
    } catch (VmStateDecodeException e) {
      assertTrue(e.offset() >= 0, "a decode failure names its offset: " + e);
    } catch (Throwable t) {
      throw new AssertionError("expected success or a VmStateDecodeException, got " + t, t);
    }
  }

  /** Asserts that loading (then reading EOF) fails with exactly a decode exception. */
  public static <T> VmStateDecodeException loadFails(
      VmStateDescription<T> d, T obj, WireInput in, int version) {
    try {
      loadThenEof(d, obj, in, version);
    } catch (VmStateDecodeException e) {
      assertTrue(e.offset() >= 0, "a decode failure names its offset: " + e);
      return e;
    } catch (Throwable t) {
      throw new AssertionError("expected a VmStateDecodeException, got " + t, t);
    }
    return fail("load of a cut vector succeeded");
  }

  /** Asserts the exception is exactly of class {@code type} (not a subclass). */
  public static void assertExactType(Class<?> type, Object e) {
    assertSame(type, e.getClass(), () -> "exception type of " + e);
  }

  private static int itemAt(int[] starts, int cut) {
    int r = 0;
    for (int s : starts) {
      if (s <= cut) {
        r = s;
      }
    }
    return r;
  }

  private static boolean isSorted(int[] a) {
    for (int i = 1; i < a.length; i++) {
      if (a[i] <= a[i - 1]) {
        return false;
      }
    }
    return true;
  }

  /** Convenience for the few checks that compare bytes. */
  public static void assertBytes(byte[] expected, byte[] actual) {
    assertArrayEquals(expected, actual, () -> Hex.of(expected) + " vs " + Hex.of(actual));
  }
}
