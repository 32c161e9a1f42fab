package io.vmstate.codec;

import io.vmstate.api.ScalarField;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

/** One scalar; equal checks compare with the destination's value, int32-le bounds it. */
final class ScalarCodec<T> extends FieldCodec<T> {
  private final WireType type;
  private final ToLongFunction<T> getter;
  private final ObjLongConsumer<T> setter;
  private final String hint;

  ScalarCodec(ScalarField<T> f) {
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
