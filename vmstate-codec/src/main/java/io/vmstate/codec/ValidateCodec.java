package io.vmstate.codec;

import io.vmstate.api.ValidateField;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;

/** No bytes; the test must hold (QEMU's VMSTATE_VALIDATE). */
final class ValidateCodec<T> extends FieldCodec<T> {
  private final ValidateField<T> f;

  ValidateCodec(ValidateField<T> f) {
    super(f);
    this.f = f;
  }

  @Override
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    if (!f.test().test(obj, version)) {
      throw VmStateEncodeException.shapeMismatch(
          "output state validation failed: '" + f.name() + "' does not hold for the saved object");
    }
  }

  @Override
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    if (!f.test().test(obj, version)) {
      throw VmStateDecodeException.validationFailed("'" + f.name() + "' does not hold")
          .atOffset(in.position());
    }
  }
}
