package io.vmstate.codec;

import io.vmstate.api.ScalarField;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * One scalar; equal checks compare with the destination's value, int32-le bounds it. {@link #of}
 * picks a specialized codec for the plain integer types, which calls the field's own accessors with
 * no adapter or type switch per value (the per-field cost of the hot path).
 */
abstract class ScalarCodec<T> extends FieldCodec<T> {
  ScalarCodec(ScalarField<T> f) {
    super(f);
  }

  static <T> ScalarCodec<T> of(ScalarField<T> f) {
    return switch (f.wireType()) {
      case INT8, UINT8, INT16, UINT16, INT32, UINT32 ->
          f.intGetter() != null ? new IntScalar<>(f) : new General<>(f);
      case INT64, UINT64, TIMER -> new LongScalar<>(f);
      default -> new General<>(f);
    };
  }

  /** Plain 8-, 16- and 32-bit integers bound through {@code int} accessors. */
  private static final class IntScalar<T> extends ScalarCodec<T> {
    private final ToIntFunction<T> getter;
    private final ObjIntConsumer<T> setter;
    private final WireType type;

    IntScalar(ScalarField<T> f) {
      super(f);
      this.getter = f.intGetter();
      this.setter = f.intSetter();
      this.type = f.wireType();
    }

    @Override
    void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
      int v = getter.applyAsInt(obj);
      switch (type) {
        case INT32, UINT32 -> out.writeBe32(v);
        case INT16, UINT16 -> out.writeBe16(v);
        default -> out.writeU8(v);
      }
    }

    @Override
    void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
      int v =
          switch (type) {
            case INT32, UINT32 -> in.readBe32();
            case INT16 -> in.readBe16();
            case UINT16 -> in.readBe16() & 0xffff;
            case INT8 -> (byte) in.readU8();
            default -> in.readU8();
          };
      setter.accept(obj, v);
    }
  }

  /** 64-bit integers and timers. */
  private static final class LongScalar<T> extends ScalarCodec<T> {
    private final ToLongFunction<T> getter;
    private final ObjLongConsumer<T> setter;

    LongScalar(ScalarField<T> f) {
      super(f);
      this.getter = f.getter();
      this.setter = f.setter();
    }

    @Override
    void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
      out.writeBe64(getter.applyAsLong(obj));
    }

    @Override
    void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
      setter.accept(obj, in.readBe64());
    }
  }

  /** Every other scalar: bool, doubles, and the equal / less-or-equal checks. */
  private static final class General<T> extends ScalarCodec<T> {
    private final WireType type;
    private final ToLongFunction<T> getter;
    private final ObjLongConsumer<T> setter;
    private final String hint;

    General(ScalarField<T> f) {
      super(f);
      this.type = f.wireType();
      this.getter = f.getter();
      this.setter = f.setter();
      this.hint = f.hint();
    }

    @Override
    void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
      Scalars.write(type, getter.applyAsLong(obj), out);
    }

    @Override
    void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
      long at = in.position();
      long v = Scalars.read(type, in);
      if (type.isCheck()) {
        long local = Scalars.normalize(type, getter.applyAsLong(obj));
        if (type == WireType.INT32_LE) {
          if (v < 0 || v > local) {
            throw VmStateDecodeException.outOfRange(v, local).atOffset(at);
          }
        } else {
          if (v != local) {
            throw VmStateDecodeException.valueMismatch(
                    Scalars.hex(type, local), Scalars.hex(type, v), hint)
                .atOffset(at);
          }
          return;
        }
      }
      setter.accept(obj, v);
    }
  }
}
