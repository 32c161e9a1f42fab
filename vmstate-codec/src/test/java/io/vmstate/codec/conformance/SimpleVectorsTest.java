package io.vmstate.codec.conformance;

import static io.vmstate.codec.testing.WireHarness.assertLoadVector;
import static io.vmstate.codec.testing.WireHarness.assertSaves;
import static io.vmstate.codec.testing.WireHarness.items;
import static io.vmstate.codec.testing.WireHarness.loadFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.testing.Hex;
import io.vmstate.codec.testing.WireHarness;
import org.junit.jupiter.api.Test;

/** Reference §8.3 vectors 1 and 2: {@code /vmstate/simple/primitive} and {@code simple/array}. */
class SimpleVectorsTest {
  static final class Primitive {
    boolean b1;
    boolean b2;
    int u8;
    int u16;
    int u32;
    long u64;
    int i8a;
    int i8b;
    int i16a;
    int i16b;
    int i32a;
    int i32b;
    long i64a;
    long i64b;

    static Primitive golden() {
      Primitive p = new Primitive();
      p.b1 = true;
      p.b2 = false;
      p.u8 = 130;
      p.u16 = 512;
      p.u32 = 70000;
      p.u64 = 12121212;
      p.i8a = 65;
      p.i8b = -65;
      p.i16a = 512;
      p.i16b = -512;
      p.i32a = 70000;
      p.i32b = -70000;
      p.i64a = 12121212;
      p.i64b = -12121212;
      return p;
    }
  }

  static final VmStateDescription<Primitive> PRIMITIVE =
      VmStateDescription.<Primitive>named("simple/primitive")
          .version(1)
          .minimumVersion(1)
          .bool("b_1", p -> p.b1, (p, v) -> p.b1 = v)
          .bool("b_2", p -> p.b2, (p, v) -> p.b2 = v)
          .uint8("u8_1", p -> p.u8, (p, v) -> p.u8 = v)
          .uint16("u16_1", p -> p.u16, (p, v) -> p.u16 = v)
          .uint32("u32_1", p -> p.u32, (p, v) -> p.u32 = v)
          .uint64("u64_1", p -> p.u64, (p, v) -> p.u64 = v)
          .int8("i8_1", p -> p.i8a, (p, v) -> p.i8a = v)
          .int8("i8_2", p -> p.i8b, (p, v) -> p.i8b = v)
          .int16("i16_1", p -> p.i16a, (p, v) -> p.i16a = v)
          .int16("i16_2", p -> p.i16b, (p, v) -> p.i16b = v)
          .int32("i32_1", p -> p.i32a, (p, v) -> p.i32a = v)
          .int32("i32_2", p -> p.i32b, (p, v) -> p.i32b = v)
          .int64("i64_1", p -> p.i64a, (p, v) -> p.i64a = v)
          .int64("i64_2", p -> p.i64b, (p, v) -> p.i64b = v)
          .build();

  static final String PRIMITIVE_WIRE =
      "01 00 82 02 00 00 01 11 70 00 00 00 00 00 b8 f4 7c 41 bf 02 00 fe 00 00 01 11 70 ff fe"
          + " ee 90 00 00 00 00 00 b8 f4 7c ff ff ff ff ff 47 0b 84";

  static final int[] PRIMITIVE_ITEMS = items(1, 1, 1, 2, 4, 8, 1, 1, 2, 2, 4, 4, 8, 8);

  static final class ArrayHolder {
    short[] u16 = new short[3];
  }

  static final VmStateDescription<ArrayHolder> ARRAY =
      VmStateDescription.<ArrayHolder>named("simple/array")
          .version(1)
          .minimumVersion(1)
          .uint16Array("u16_1", a -> a.u16, 3)
          .build();

  @Test
  void primitiveSaves() throws Exception {
    assertEquals(47, Hex.bytes(PRIMITIVE_WIRE).length);
    assertSaves(PRIMITIVE, Primitive.golden(), Hex.bytes(PRIMITIVE_WIRE));
  }

  @Test
  void primitiveLoads() throws Exception {
    assertLoadVector(
        PRIMITIVE,
        Primitive::new,
        1,
        Hex.withEof(PRIMITIVE_WIRE),
        PRIMITIVE_ITEMS,
        p -> {
          Primitive g = Primitive.golden();
          assertTrue(p.b1);
          assertFalse(p.b2);
          assertEquals(g.u8, p.u8);
          assertEquals(g.u16, p.u16);
          assertEquals(g.u32, p.u32);
          assertEquals(g.u64, p.u64);
          assertEquals(g.i8a, p.i8a);
          assertEquals(g.i8b, p.i8b);
          assertEquals(g.i16a, p.i16a);
          assertEquals(g.i16b, p.i16b);
          assertEquals(g.i32a, p.i32a);
          assertEquals(g.i32b, p.i32b);
          assertEquals(g.i64a, p.i64a);
          assertEquals(g.i64b, p.i64b);
        });
  }

  @Test
  void primitiveTruncationNamesFieldOffsetAndCause() {
    byte[] wire = Hex.withEof(PRIMITIVE_WIRE);
    VmStateDecodeException e = loadFails(PRIMITIVE, new Primitive(), WireInput.of(wire, 0, 4), 1);
    assertEquals(3, e.offset());
    assertEquals("simple/primitive/u16_1", e.fieldPath());
    assertEquals(
        "simple/primitive/u16_1: stream truncated: needed 1 more byte; the input ended early or"
            + " a length earlier in the stream is wrong (at byte 3)",
        e.getMessage());
    WireHarness.assertExactType(VmStateDecodeException.class, e);

    VmStateDecodeException atStart =
        loadFails(PRIMITIVE, new Primitive(), WireInput.of(wire, 0, 0), 1);
    assertEquals(
        "simple/primitive/b_1: stream truncated: needed 1 more byte; the input ended early or a"
            + " length earlier in the stream is wrong (at byte 0)",
        atStart.getMessage());

    VmStateDecodeException inI64 =
        loadFails(PRIMITIVE, new Primitive(), WireInput.of(wire, 0, 42), 1);
    assertEquals(39, inI64.offset());
    assertEquals("simple/primitive/i64_2", inI64.fieldPath());
    assertTrue(inI64.reason().startsWith("stream truncated: needed 5 more bytes"), inI64::reason);
  }

  @Test
  void qemuHarnessFailureShapes() {
    // test-vmstate.c's load_vmstate: empty, size-2, first half and second half all fail.
    for (byte[] wire :
        new byte[][] {Hex.withEof(PRIMITIVE_WIRE), Hex.withEof("00 42 00 43 00 44")}) {
      boolean primitive = wire.length > 7;
      int n = wire.length;
      int[][] shapes = {{0, 0}, {0, n - 2}, {0, n / 2}, {n / 2, n / 2}};
      for (int[] shape : shapes) {
        if (primitive) {
          loadFails(PRIMITIVE, new Primitive(), WireInput.of(wire, shape[0], shape[1]), 1);
        } else {
          loadFails(ARRAY, new ArrayHolder(), WireInput.of(wire, shape[0], shape[1]), 1);
        }
      }
    }
  }

  @Test
  void boolLoadsAnyNonZeroByteAsTrue() throws Exception {
    byte[] wire = Hex.withEof(PRIMITIVE_WIRE);
    wire[0] = (byte) 0x7f;
    Primitive p = new Primitive();
    WireHarness.loadThenEof(PRIMITIVE, p, WireInput.of(wire), 1);
    assertTrue(p.b1);
  }

  @Test
  void arraySaves() throws Exception {
    ArrayHolder a = new ArrayHolder();
    a.u16 = new short[] {0x42, 0x43, 0x44};
    assertSaves(ARRAY, a, Hex.bytes("00 42 00 43 00 44"));
  }

  @Test
  void arrayLoads() throws Exception {
    assertLoadVector(
        ARRAY,
        ArrayHolder::new,
        1,
        Hex.withEof("00 42 00 43 00 44"),
        items(2, 2, 2),
        a -> assertArrayEquals(new short[] {0x42, 0x43, 0x44}, a.u16));
  }

  @Test
  void arrayTruncationNamesTheElement() {
    VmStateDecodeException e =
        loadFails(
            ARRAY, new ArrayHolder(), WireInput.of(Hex.withEof("00 42 00 43 00 44"), 0, 3), 1);
    assertEquals(2, e.offset());
    assertEquals("simple/array/u16_1[1]", e.fieldPath());
  }
}
