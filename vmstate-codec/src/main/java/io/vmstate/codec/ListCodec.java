package io.vmstate.codec;

import io.vmstate.api.ListField;
import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import java.util.List;

/** QTAILQ / QLIST: 0x01 + element per entry, then 0x00. */
final class ListCodec<T, E> extends FieldCodec<T> {
  private final ListField<T, E> f;
  private final Plan<E> element;

  ListCodec(ListField<T, E> f) {
    super(f);
    this.f = f;
    this.element = Plan.of(f.element());
  }

  @Override
  boolean fieldIsFlat() {
    return false;
  }

  @Override
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    List<E> list = f.list().apply(obj);
    int i = 0;
    int n = list.size();
    for (E e : list) {
      try {
        if (ctx.observer != null) {
          ctx.observer.beginField(f, i, n, false, out.position());
        }
        out.writeU8(1);
        element.save(e, out, f.element().version(), ctx);
        if (ctx.observer != null) {
          ctx.observer.endField(f, out.position());
        }
      } catch (VmStateException x) {
        throw x.inField(f.name() + "[" + i + "]");
      }
      i++;
    }
    out.writeU8(0);
  }

  @Override
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    VersionMismatchException.check(f.element().name(), f.versionId(), f.element().versions());
    List<E> list = f.list().apply(obj);
    int i = 0;
    while (true) {
      long at = in.position();
      int marker = in.readU8();
      if (marker == 0) {
        return;
      }
      if (i >= ctx.limits.maxArrayLength()) {
        throw VmStateDecodeException.limitExceeded(
                "list length", i + 1L, ctx.limits.maxArrayLength())
            .atOffset(at);
      }
      E e = f.newElement().get();
      try {
        element.load(e, in, f.versionId(), ctx);
      } catch (VmStateException x) {
        throw x.inField(f.name() + "[" + i + "]");
      }
      list.add(e);
      i++;
    }
  }
}
