package io.vmstate.codec.conformance;

import static io.vmstate.codec.testing.WireHarness.assertLoadVector;
import static io.vmstate.codec.testing.WireHarness.assertSaves;
import static io.vmstate.codec.testing.WireHarness.items;
import static io.vmstate.codec.testing.WireHarness.loadFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.testing.Hex;
import org.junit.jupiter.api.Test;

/**
 * Reference §8.3 vector 5: {@code /vmstate/array/ptr/str/no0|0} (an array of pointers to structs, a
 * null slot sent as the marker 0x30) and {@code /vmstate/array/ptr/prim/0}.
 *
 * <p>The DSL has no array of pointers to primitives: a Java {@code int[]} slot cannot be null. The
 * prim variant is expressed as an array of pointers to a one-field int32 struct, which has the
 * identical wire encoding (a struct element is exactly its fields).
 */
class PointerArrayVectorsTest {
  static final class Tst {
    int i;

    Tst(int i) {
      this.i = i;
    }
  }

  static final class Arps {
    Tst[] ar = new Tst[4];
  }

  static final VmStateDescription<Tst> TST =
      VmStateDescription.<Tst>named("test/tst")
          .version(1)
          .minimumVersion(1)
          .int32("i", t -> t.i, (t, v) -> t.i = v)
          .build();

  static final VmStateDescription<Arps> ARPS =
      VmStateDescription.<Arps>named("test/arps")
          .version(1)
          .minimumVersion(1)
          .structPointerArray("ar", a -> a.ar, 4, TST)
          .build();

  static final String NO_NULL = "00 00 00 00 00 00 00 01 00 00 00 02 00 00 00 03";
  static final String NULL_AT_1 = "00 00 00 00 30 00 00 00 02 00 00 00 03";

  static Arps arps(Tst... elements) {
    Arps a = new Arps();
    a.ar = elements;
    return a;
  }

  @Test
  void noNullSaves() throws Exception {
    assertSaves(ARPS, arps(new Tst(0), new Tst(1), new Tst(2), new Tst(3)), Hex.bytes(NO_NULL));
  }

  @Test
  void noNullLoads() throws Exception {
    assertLoadVector(
        ARPS,
        () -> arps(new Tst(9), new Tst(9), new Tst(9), new Tst(9)),
        1,
        Hex.withEof(NO_NULL),
        items(4, 4, 4, 4),
        a -> {
          for (int i = 0; i < 4; i++) {
            assertEquals(i, a.ar[i].i);
          }
        });
  }

  @Test
  void nullSlotSavesTheMarker() throws Exception {
    assertSaves(ARPS, arps(new Tst(0), null, new Tst(2), new Tst(3)), Hex.bytes(NULL_AT_1));
  }

  @Test
  void nullSlotLoadsTheMarkerAndStaysNull() throws Exception {
    assertLoadVector(
        ARPS,
        () -> arps(new Tst(9), null, new Tst(9), new Tst(9)),
        1,
        Hex.withEof(NULL_AT_1),
        items(4, 1, 4, 4),
        a -> {
          assertEquals(0, a.ar[0].i);
          assertNull(a.ar[1]);
          assertEquals(2, a.ar[2].i);
          assertEquals(3, a.ar[3].i);
        });
  }

  @Test
  void aWrongMarkerForANullSlotIsCorrupt() {
    byte[] wire = Hex.withEof(NULL_AT_1);
    wire[4] = 0x31;
    VmStateDecodeException e =
        loadFails(ARPS, arps(new Tst(9), null, new Tst(9), new Tst(9)), WireInput.of(wire), 1);
    assertEquals(4, e.offset());
    assertEquals(
        "test/arps/ar[1]: expected the null-pointer marker 0x30 for a slot that is null on the"
            + " destination, found 0x31 (at byte 4)",
        e.getMessage());
  }

  @Test
  void truncationInsideAnElementNamesElementAndField() {
    VmStateDecodeException e =
        loadFails(
            ARPS,
            arps(new Tst(9), new Tst(9), new Tst(9), new Tst(9)),
            WireInput.of(Hex.withEof(NO_NULL), 0, 10),
            1);
    assertEquals(8, e.offset());
    assertEquals("test/arps/ar[2]/i", e.fieldPath());
  }

  /** The int32 box standing in for QEMU's {@code int32_t *} slots. */
  static final class IntBox {
    int value;

    IntBox(int value) {
      this.value = value;
    }
  }

  static final class ArrayOfPtrToInt {
    IntBox[] ar = new IntBox[4];
  }

  static final VmStateDescription<IntBox> INT32_SLOT =
      VmStateDescription.<IntBox>named("int32")
          .int32("value", b -> b.value, (b, v) -> b.value = v)
          .build();

  static final VmStateDescription<ArrayOfPtrToInt> ARPP =
      VmStateDescription.<ArrayOfPtrToInt>named("test/arpp")
          .version(1)
          .minimumVersion(1)
          .structPointerArray("ar", a -> a.ar, 4, INT32_SLOT)
          .build();

  @Test
  void primitivePointerArraySavesWithTheMarker() throws Exception {
    ArrayOfPtrToInt a = new ArrayOfPtrToInt();
    a.ar = new IntBox[] {new IntBox(0), null, new IntBox(2), new IntBox(3)};
    assertSaves(ARPP, a, Hex.bytes(NULL_AT_1));
  }

  @Test
  void primitivePointerArrayLoadLeavesTheNullSlotAlone() throws Exception {
    // QEMU's test keeps the local 42 behind the NULL slot; here the slot simply stays null.
    assertLoadVector(
        ARPP,
        () -> {
          ArrayOfPtrToInt a = new ArrayOfPtrToInt();
          a.ar = new IntBox[] {new IntBox(3), null, new IntBox(1), new IntBox(0)};
          return a;
        },
        1,
        Hex.withEof(NULL_AT_1),
        items(4, 1, 4, 4),
        a -> {
          assertEquals(0, a.ar[0].value);
          assertNull(a.ar[1]);
          assertEquals(2, a.ar[2].value);
          assertEquals(3, a.ar[3].value);
        });
  }

  @Test
  void loadKeepsTheDestinationsElementObjects() throws Exception {
    Tst t0 = new Tst(9);
    Arps a = arps(t0, null, new Tst(9), new Tst(9));
    io.vmstate.codec.VmStateCodec.DEFAULT.load(ARPS, a, Hex.bytes(NULL_AT_1), 1);
    assertSame(t0, a.ar[0]);
  }
}
