package io.vmstate.codec.roundtrip;

import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import java.util.Random;

/**
 * A description with every field family the generic mirror can carry, and random objects for it.
 * Subsection fields are non-zero exactly when the subsection is needed (QEMU's idiom), and variable
 * arrays hold zeros past their count, so a loaded object equals the saved one.
 */
final class AllFamilies {
  static final int MAX = 8;

  static final class Child {
    int x;
    long y;
    int subValue;
  }

  static final class VChild {
    int p;
    int sinceThree;
  }

  static final class Dev {
    boolean bool;
    int i8;
    int u8;
    int i16;
    int u16;
    int i32;
    int u32;
    long i64;
    long u64;
    long timer;
    double f64;
    double cpuDouble;
    int eq8 = 0x5a;
    int eq16 = 0x1234;
    int eq32 = 0xdeadbeef;
    int eqI32 = -7;
    long eq64 = 0x0123456789abcdefL;
    int le;
    boolean[] bools = new boolean[3];
    byte[] i8s = new byte[4];
    byte[] u8s = new byte[5];
    short[] i16s = new short[2];
    short[] u16s = new short[3];
    int[] i32s = new int[2];
    int[] u32s = new int[3];
    long[] i64s = new long[2];
    long[] u64s = new long[2];
    long[] timers = new long[2];
    byte[] u8Sub = new byte[MAX];
    short[] u16Sub = new short[MAX];
    int[] u32Sub = new int[MAX];
    long[] u64Sub = new long[MAX];
    byte[][] u8Grid = new byte[2][3];
    short[][] u16Grid = new short[3][2];
    int[][] u32Grid = new int[2][2];
    long[][] u64Grid = new long[3][4];
    int n32;
    int n8;
    int n16;
    int nu32;
    int nbits;
    int[] byInt32 = new int[0];
    byte[] byUint8 = new byte[0];
    short[] byUint16 = new short[0];
    long[] byUint32 = new long[MAX];
    Child child = new Child();
    Child[] children = {new Child(), new Child()};
    Child[] subChildren = {new Child(), new Child(), new Child(), new Child()};
    Child[] allocated = new Child[0];
    Child[] inPlace = {
      new Child(),
      new Child(),
      new Child(),
      new Child(),
      new Child(),
      new Child(),
      new Child(),
      new Child()
    };
    VChild vchild = new VChild();
    byte[] buf = new byte[6];
    byte[] partial = new byte[10];
    byte[] middle = new byte[10];
    byte[] vbuf = new byte[0];
    long[] bits100 = new long[2];
    long[] bitsVar = new long[4];
    int a;
    int b;
    long s1Value;
    int s1InnerValue;
  }

  /** QEMU's tmp idiom: the scratch carries b - a. */
  static final class Tmp {
    final Dev parent;
    int diff;

    Tmp(Dev parent) {
      this.parent = parent;
    }
  }

  static final VmStateDescription<Child> CHILD_SUB =
      VmStateDescription.<Child>named("child/sub")
          .version(1)
          .minimumVersion(1)
          .needed(c -> c.subValue != 0)
          .uint32("sub_value", c -> c.subValue, (c, v) -> c.subValue = v)
          .build();

  static final VmStateDescription<Child> CHILD =
      VmStateDescription.<Child>named("child")
          .version(1)
          .minimumVersion(1)
          .uint16("x", c -> c.x, (c, v) -> c.x = v)
          .int64("y", c -> c.y, (c, v) -> c.y = v)
          .subsection(CHILD_SUB)
          .build();

  static final VmStateDescription<VChild> VCHILD =
      VmStateDescription.<VChild>named("vchild")
          .version(3)
          .minimumVersion(1)
          .int32("p", c -> c.p, (c, v) -> c.p = v)
          .uint8("since_three", c -> c.sinceThree, (c, v) -> c.sinceThree = v)
          .since(3)
          .build();

  static final VmStateDescription<Tmp> TMP =
      VmStateDescription.<Tmp>named("all/tmp")
          .preSave(t -> t.diff = t.parent.b - t.parent.a)
          .postLoad((t, version) -> t.parent.b = t.parent.a + t.diff)
          .int32("diff", t -> t.diff, (t, v) -> t.diff = v)
          .build();

  static final VmStateDescription<Dev> S1_INNER =
      VmStateDescription.<Dev>named("all/s1/inner")
          .version(2)
          .minimumVersion(1)
          .needed(d -> d.s1InnerValue != 0)
          .int32("inner", d -> d.s1InnerValue, (d, v) -> d.s1InnerValue = v)
          .build();

  static final VmStateDescription<Dev> S1 =
      VmStateDescription.<Dev>named("all/s1")
          .version(1)
          .minimumVersion(1)
          .needed(d -> d.s1Value != 0 || d.s1InnerValue != 0)
          .uint64("s1", d -> d.s1Value, (d, v) -> d.s1Value = v)
          .subsection(S1_INNER)
          .build();

  static final VmStateDescription<Dev> ALL =
      VmStateDescription.<Dev>named("all")
          .version(4)
          .minimumVersion(1)
          .bool("bool", d -> d.bool, (d, v) -> d.bool = v)
          .int8("i8", d -> d.i8, (d, v) -> d.i8 = v)
          .uint8("u8", d -> d.u8, (d, v) -> d.u8 = v)
          .int16("i16", d -> d.i16, (d, v) -> d.i16 = v)
          .uint16("u16", d -> d.u16, (d, v) -> d.u16 = v)
          .int32("i32", d -> d.i32, (d, v) -> d.i32 = v)
          .uint32("u32", d -> d.u32, (d, v) -> d.u32 = v)
          .int64("i64", d -> d.i64, (d, v) -> d.i64 = v)
          .uint64("u64", d -> d.u64, (d, v) -> d.u64 = v)
          .since(2)
          .timer("timer", d -> d.timer, (d, v) -> d.timer = v)
          .float64("f64", d -> d.f64, (d, v) -> d.f64 = v)
          .cpuDouble("cpu_double", d -> d.cpuDouble, (d, v) -> d.cpuDouble = v)
          .uint8Equal("eq8", d -> d.eq8, "the hint")
          .uint16Equal("eq16", d -> d.eq16)
          .uint32Equal("eq32", d -> d.eq32)
          .int32Equal("eq_i32", d -> d.eqI32)
          .uint64Equal("eq64", d -> d.eq64)
          .int32PositiveLe("le", d -> d.le, (d, v) -> d.le = v)
          .boolArray("bools", d -> d.bools, 3)
          .int8Array("i8s", d -> d.i8s, 4)
          .uint8Array("u8s", d -> d.u8s, 5)
          .int16Array("i16s", d -> d.i16s, 2)
          .uint16Array("u16s", d -> d.u16s, 3)
          .int32Array("i32s", d -> d.i32s, 2)
          .uint32Array("u32s", d -> d.u32s, 3)
          .int64Array("i64s", d -> d.i64s, 2)
          .uint64Array("u64s", d -> d.u64s, 2)
          .timerArray("timers", d -> d.timers, 2)
          .uint8SubArray("u8_sub", d -> d.u8Sub, 1, 3, MAX)
          .uint16SubArray("u16_sub", d -> d.u16Sub, 0, 2, MAX)
          .uint32SubArray("u32_sub", d -> d.u32Sub, 2, 5, MAX)
          .uint64SubArray("u64_sub", d -> d.u64Sub, 7, 1, MAX)
          .uint8Array2d("u8_grid", d -> d.u8Grid, 2, 3)
          .uint16Array2d("u16_grid", d -> d.u16Grid, 3, 2)
          .uint32Array2d("u32_grid", d -> d.u32Grid, 2, 2)
          .uint64Array2d("u64_grid", d -> d.u64Grid, 3, 4)
          .int32("n32", d -> d.n32, (d, v) -> d.n32 = v)
          .uint8("n8", d -> d.n8, (d, v) -> d.n8 = v)
          .uint16("n16", d -> d.n16, (d, v) -> d.n16 = v)
          .uint32("nu32", d -> d.nu32, (d, v) -> d.nu32 = v)
          .int32("nbits", d -> d.nbits, (d, v) -> d.nbits = v)
          .uint32VarArray(
              "by_int32", VarCount.field("n32"), d -> d.byInt32, (d, a) -> d.byInt32 = a)
          .uint8VarArray("by_uint8", VarCount.field("n8"), d -> d.byUint8, (d, a) -> d.byUint8 = a)
          .varArray(
              WireType.UINT16,
              "by_uint16",
              VarCount.field("n16"),
              d -> d.byUint16,
              (d, a) -> d.byUint16 = (short[]) a)
          .uint64VarArray("by_uint32", VarCount.field("nu32"), d -> d.byUint32, null)
          .struct("child", d -> d.child, CHILD)
          .structArray("children", d -> d.children, 2, CHILD)
          .structSubArray("sub_children", d -> d.subChildren, 1, 2, 4, CHILD)
          .structVarArrayAlloc(
              "allocated",
              VarCount.field("n32"),
              d -> d.allocated,
              (d, a) -> d.allocated = a,
              Child[]::new,
              Child::new,
              CHILD)
          .structVarArray("in_place", VarCount.field("n8"), d -> d.inPlace, CHILD)
          .vstruct("vchild", d -> d.vchild, VCHILD, 2)
          .buffer("buf", d -> d.buf, 6)
          .buffer("partial", d -> d.partial, 4)
          .buffer("middle", d -> d.middle, 3, 7)
          .vbuffer("vbuf", VarCount.field("n8"), 3, d -> d.vbuf, (d, b) -> d.vbuf = b)
          .bitmap("bits100", 100, d -> d.bits100)
          .bitmap("bits_var", VarCount.field("nbits"), d -> d.bitsVar)
          .unused(5)
          .validate("counts_in_range", (d, v) -> d.n32 <= MAX && d.n8 <= MAX)
          .int32("a", d -> d.a, (d, v) -> d.a = v)
          .withTmp(Tmp::new, TMP)
          .subsection(S1)
          .build();

  /** A destination ready for a load of any object from {@link #random}: same checked values. */
  static Dev blank() {
    Dev d = new Dev();
    d.le = Integer.MAX_VALUE;
    return d;
  }

  static Dev random(long seed) {
    Random r = new Random(seed);
    Dev d = new Dev();
    d.bool = r.nextBoolean();
    d.i8 = (byte) r.nextInt();
    d.u8 = r.nextInt(256);
    d.i16 = (short) r.nextInt();
    d.u16 = r.nextInt(65536);
    d.i32 = r.nextInt();
    d.u32 = r.nextInt();
    d.i64 = r.nextLong();
    d.u64 = r.nextLong();
    d.timer = r.nextBoolean() ? -1 : r.nextLong();
    d.f64 = r.nextBoolean() ? Double.longBitsToDouble(r.nextLong()) : r.nextGaussian();
    d.cpuDouble = r.nextDouble() * 1e9;
    d.le = r.nextInt(Integer.MAX_VALUE);
    for (int i = 0; i < d.bools.length; i++) {
      d.bools[i] = r.nextBoolean();
    }
    r.nextBytes(d.i8s);
    r.nextBytes(d.u8s);
    fill(r, d.i16s);
    fill(r, d.u16s);
    fill(r, d.i32s);
    fill(r, d.u32s);
    fill(r, d.i64s);
    fill(r, d.u64s);
    fill(r, d.timers);
    d.u8Sub[1] = (byte) r.nextInt();
    d.u8Sub[3] = (byte) r.nextInt();
    d.u16Sub[1] = (short) r.nextInt();
    d.u32Sub[2] = r.nextInt();
    d.u32Sub[6] = r.nextInt();
    d.u64Sub[7] = r.nextLong();
    for (byte[] row : d.u8Grid) {
      r.nextBytes(row);
    }
    for (short[] row : d.u16Grid) {
      fill(r, row);
    }
    for (int[] row : d.u32Grid) {
      fill(r, row);
    }
    for (long[] row : d.u64Grid) {
      fill(r, row);
    }
    d.n32 = r.nextInt(MAX + 1);
    d.n8 = r.nextInt(MAX + 1);
    d.n16 = r.nextInt(MAX + 1);
    d.nu32 = r.nextInt(MAX + 1);
    d.nbits = r.nextInt(4 * 64 + 1);
    d.byInt32 = new int[d.n32];
    fill(r, d.byInt32);
    d.byUint8 = new byte[d.n8];
    r.nextBytes(d.byUint8);
    d.byUint16 = new short[d.n16];
    fill(r, d.byUint16);
    for (int i = 0; i < d.nu32; i++) {
      d.byUint32[i] = r.nextLong();
    }
    randomize(r, d.child);
    for (Child c : d.children) {
      randomize(r, c);
    }
    randomize(r, d.subChildren[1]);
    randomize(r, d.subChildren[2]);
    d.allocated = new Child[d.n32];
    for (int i = 0; i < d.n32; i++) {
      d.allocated[i] = new Child();
      randomize(r, d.allocated[i]);
    }
    for (int i = 0; i < d.n8; i++) {
      randomize(r, d.inPlace[i]);
    }
    d.vchild.p = r.nextInt();
    r.nextBytes(d.buf);
    for (int i = 0; i < 4; i++) {
      d.partial[i] = (byte) r.nextInt();
    }
    for (int i = 3; i < 10; i++) {
      d.middle[i] = (byte) r.nextInt();
    }
    d.vbuf = new byte[d.n8 * 3];
    r.nextBytes(d.vbuf);
    d.bits100[0] = r.nextLong();
    d.bits100[1] = r.nextLong() & ((1L << 36) - 1);
    for (int bit = 0; bit < d.nbits; bit++) {
      if (r.nextBoolean()) {
        d.bitsVar[bit / 64] |= 1L << (bit % 64);
      }
    }
    d.a = r.nextInt(1000);
    d.b = d.a + r.nextInt(1000);
    d.s1Value = r.nextBoolean() ? r.nextLong() | 1 : 0;
    d.s1InnerValue = r.nextBoolean() ? r.nextInt() | 1 : 0;
    return d;
  }

  private static void randomize(Random r, Child c) {
    c.x = r.nextInt(65536);
    c.y = r.nextLong();
    c.subValue = r.nextBoolean() ? r.nextInt() | 1 : 0;
  }

  private static void fill(Random r, short[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (short) r.nextInt();
    }
  }

  private static void fill(Random r, int[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextInt();
    }
  }

  private static void fill(Random r, long[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextLong();
    }
  }

  private AllFamilies() {}
}
