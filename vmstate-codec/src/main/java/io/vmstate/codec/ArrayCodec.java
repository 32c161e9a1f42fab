package io.vmstate.codec;

import io.vmstate.api.ArrayField;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** Fixed arrays, sub-arrays, 2-D arrays and variable arrays of scalars, moved in bulk. */
final class ArrayCodec<T> extends FieldCodec<T> {
  private final ArrayField<T> f;
  private final WireType type;
  private final Elements kind;
  private final Function<T, Object> array;
  private final int width;
  private final boolean check;

  ArrayCodec(ArrayField<T> f) {
    super(f);
    this.f = f;
    this.type = f.wireType();
    this.kind = Elements.of(type);
    this.array = f.array();
    this.width = Math.max(1, type.width());
    this.check = type.isCheck();
  }

  @Override
  int flatCount(T obj) {
    if (f.varCount() != null) {
      return (int) Math.min(Integer.MAX_VALUE, f.varCount().count(obj));
    }
    return f.fixedCount();
  }

  @Override
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    if (f.rows() > 0) {
      Object[] rows = rows(obj, false);
      for (int r = 0; r < f.rows(); r++) {
        Object row = rows[r];
        if (kind.length(row) < f.columns()) {
          throw shape("row " + r + " is " + describe(row) + ", needs " + f.columns());
        }
        kind.write(row, 0, f.columns(), out);
      }
      return;
    }
    int n = f.varCount() != null ? count(obj, ctx, -1) : f.count();
    Object a = array.apply(obj);
    if (kind.length(a) < f.start() + n) {
      throw shape("array is " + describe(a) + ", needs " + (f.start() + n) + " elements");
    }
    kind.write(a, f.start(), n, out);
  }

  @Override
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    if (f.rows() > 0) {
      Object[] rows = rows(obj, true);
      long start = in.position();
      for (int r = 0; r < f.rows(); r++) {
        Object row = rows[r];
        if (kind.length(row) < f.columns()) {
          throw dest("row " + r + " is " + describe(row) + ", needs " + f.columns());
        }
        readChecked(row, 0, f.columns(), in, start, r * f.columns());
      }
      return;
    }
    long at = in.position();
    Object a;
    int n;
    if (f.varCount() != null) {
      n = count(obj, ctx, at);
      BiConsumer<T, Object> alloc = f.allocator();
      if (alloc != null) {
        a = kind.newArray(n);
        alloc.accept(obj, a);
      } else {
        a = array.apply(obj);
      }
    } else {
      n = f.count();
      a = array.apply(obj);
    }
    if (kind.length(a) < f.start() + n) {
      throw dest("destination array is " + describe(a) + ", needs " + (f.start() + n));
    }
    readChecked(a, f.start(), n, in, at, 0);
  }

  private void readChecked(Object a, int off, int n, WireInput in, long fieldStart, int flatBase)
      throws VmStateException {
    long start = in.position();
    try {
      if (check) {
        for (int i = 0; i < n; i++) {
          long at = in.position();
          long v = Scalars.read(type, in);
          long local = Scalars.normalize(type, kind.bits(a, off + i));
          if (type == WireType.INT32_LE ? v < 0 || v > local : v != local) {
            throw (type == WireType.INT32_LE
                    ? VmStateDecodeException.outOfRange(v, local)
                    : VmStateDecodeException.valueMismatch(
                        Scalars.hex(type, local), Scalars.hex(type, v), null))
                .atOffset(at)
                .inField(f.name() + index(flatBase + i + off - f.start()));
          }
          if (type == WireType.INT32_LE) {
            kind.setBits(a, off + i, v);
          }
        }
      } else {
        kind.read(a, off, n, in);
      }
    } catch (VmStateDecodeException e) {
      if (!e.fieldPath().isEmpty() || e.offset() < 0 || kind == Elements.STRING) {
        throw e;
      }
      int i = (int) ((e.offset() - start) / width);
      throw e.inField(f.name() + index(flatBase + i + off - f.start()));
    }
  }

  @Override
  long elementOffset(long start, int index) {
    return start + (long) index * width;
  }

  @Override
  String elementSegment(int index) {
    return f.name() + index(index);
  }

  private String index(int flat) {
    if (f.rows() > 0) {
      return "[" + (flat / f.columns()) + "][" + (flat % f.columns()) + "]";
    }
    return "[" + (f.start() + flat) + "]";
  }

  private Object[] rows(T obj, boolean loading) throws VmStateException {
    Object v = array.apply(obj);
    if (!(v instanceof Object[] rows) || rows.length < f.rows()) {
      String msg = "2-D array is " + describe(v) + ", needs " + f.rows() + " rows";
      throw loading ? dest(msg) : shape(msg);
    }
    return rows;
  }

  private int count(T obj, Ctx ctx, long at) throws VmStateException {
    long n = f.varCount().count(obj);
    if (n > ctx.limits.maxArrayLength() || n > Integer.MAX_VALUE - 16) {
      VmStateException e =
          at >= 0
              ? VmStateDecodeException.limitExceeded(
                  "array length (from '" + f.varCount().name() + "')",
                  n,
                  ctx.limits.maxArrayLength())
              : VmStateEncodeException.shapeMismatch(
                  "array length " + n + " from '" + f.varCount().name() + "' is too large");
      if (at >= 0) {
        e.atOffset(at);
      }
      throw e;
    }
    return (int) n;
  }

  private String describe(Object a) {
    if (a == null) {
      return "null";
    }
    if (a.getClass().isArray()) {
      return a.getClass().getComponentType().getSimpleName()
          + "["
          + java.lang.reflect.Array.getLength(a)
          + "]";
    }
    return a.getClass().getSimpleName() + " (expected " + kind.arrayClass().getSimpleName() + ")";
  }

  private VmStateEncodeException shape(String msg) {
    return VmStateEncodeException.shapeMismatch(msg);
  }

  private VmStateDecodeException dest(String msg) {
    return VmStateDecodeException.destinationMismatch(msg);
  }
}
