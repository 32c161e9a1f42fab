package io.vmstate.codec;

import io.vmstate.api.TmpField;
import io.vmstate.api.VmStateException;

/** VMSTATE_WITH_TMP: the child inline, on a scratch object made from the parent. */
final class TmpCodec<T, S> extends FieldCodec<T> {
  private final TmpField<T, S> f;
  private final Plan<S> child;

  TmpCodec(TmpField<T, S> f) {
    super(f);
    this.f = f;
    this.child = Plan.of(f.child());
  }

  @Override
  boolean fieldIsFlat() {
    return false;
  }

  @Override
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    if (ctx.observer != null) {
      ctx.observer.beginField(f, -1, 1, false, out.position());
    }
    child.save(f.scratch().apply(obj), out, f.child().version(), ctx);
    if (ctx.observer != null) {
      ctx.observer.endField(f, out.position());
    }
  }

  @Override
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    child.load(f.scratch().apply(obj), in, f.versionId(), ctx);
  }
}
