package io.vmstate.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmstate.api.VmStateDescription;
import org.junit.jupiter.api.Test;

class SmokeTest {
  static final class P {
    boolean b1 = true, b2;
    int u8 = 130, u16 = 512, u32 = 70000;
    long u64 = 12121212;
    int i8a = 65, i8b = -65, i16a = 512, i16b = -512, i32a = 70000, i32b = -70000;
    long i64a = 12121212, i64b = -12121212;
  }

  static final VmStateDescription<P> D =
      VmStateDescription.<P>named("simple/primitive")
          .version(1)
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

  @Test
  void primitiveVector() throws Exception {
    byte[] bytes = VmStateCodec.DEFAULT.saveToBytes(D, new P());
    String hex =
        "01 00 82 02 00 00 01 11 70 00 00 00 00 00 b8 f4 7c 41 bf 02 00 fe 00 00 01 11 70 ff fe"
            + " ee 90 00 00 00 00 00 b8 f4 7c ff ff ff ff ff 47 0b 84";
    byte[] expected = java.util.HexFormat.ofDelimiter(" ").parseHex(hex);
    assertArrayEquals(expected, bytes);
    P p = new P();
    p.u8 = 0;
    p.i64b = 0;
    VmStateCodec.DEFAULT.load(D, p, WireInput.of(new ChunkedIn(expected)), 1);
    assertEquals(130, p.u8);
    assertEquals(-12121212, p.i64b);
    StateRecord r = new StateRecord("x");
    VmStateCodec.DEFAULT.load(GenericBinding.mirror(D), r, expected, 1);
    assertArrayEquals(expected, VmStateCodec.DEFAULT.saveToBytes(GenericBinding.mirror(D), r));
  }

  static final class ChunkedIn extends java.io.ByteArrayInputStream {
    ChunkedIn(byte[] b) {
      super(b);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, 1));
    }
  }
}
