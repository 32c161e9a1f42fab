package io.vmstate.codec;

import io.vmstate.api.StructField;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import java.util.function.Function;

/** Single structs, struct arrays (fixed, sub, variable, allocated) and pointer arrays. */
final class StructCodec<T, S> extends FieldCodec<T> {
  static final int NULL_MARKER = 0x30;

  private final StructField<T, S> f;
  private final Plan<S> child;
  private final int childVersion;

  StructCodec(StructField<T, S> f) {
    super(f);
    this.f = f;
    this.child = Plan.of(f.child());
    this.childVersion = f.childVersion();
  }

  @SuppressWarnings("unchecked")
  private S single(T obj) {
    return ((Function<T, S>) f.accessor()).apply(obj);
  }

  @SuppressWarnings("unchecked")
  private S[] array(T obj) {
    return ((Function<T, S[]>) f.accessor()).apply(obj);
  }

  @Override
  boolean fieldIsFlat() {
    return false;
  }

  @Override
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    SaveObserver obs = ctx.observer;
    if (!f.isArray()) {
      S s = single(obj);
      if (s == null) {
        throw VmStateEncodeException.shapeMismatch("struct is null");
      }
      if (obs != null) {
        obs.beginField(f, -1, 1, false, out.position());
      }
      child.save(s, out, childVersion, ctx);
      if (obs != null) {
        obs.endField(f, out.position());
      }
      return;
    }
    int n = f.varCount() != null ? checkedCount(obj, ctx, -1) : f.count();
    S[] arr = array(obj);
    int start = f.start();
    if (arr == null || arr.length < start + n) {
      throw VmStateEncodeException.shapeMismatch(
          "struct array has "
              + (arr == null ? "null" : arr.length + " elements")
              + ", needs "
              + (start + n));
    }
    for (int i = 0; i < n; i++) {
      S e = arr[start + i];
      try {
        if (obs != null) {
          obs.beginField(f, i, n, e == null, out.position());
        }
        if (e == null) {
          if (!f.isPointerArray()) {
            throw VmStateEncodeException.shapeMismatch("element is null");
          }
          out.writeU8(NULL_MARKER);
        } else {
          child.save(e, out, childVersion, ctx);
        }
        if (obs != null) {
          obs.endField(f, out.position());
        }
      } catch (VmStateException x) {
        throw x.inField(f.name() + "[" + (start + i) + "]");
      }
    }
  }

  @Override
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    if (++ctx.depth > ctx.limits.maxDepth()) {
      throw VmStateDecodeException.limitExceeded(
              "struct nesting depth", ctx.depth, ctx.limits.maxDepth())
          .atOffset(in.position());
    }
    try {
      if (!f.isArray()) {
        S s = single(obj);
        if (s == null) {
          throw VmStateDecodeException.destinationMismatch("destination struct is null")
              .atOffset(in.position());
        }
        child.load(s, in, childVersion, ctx);
        return;
      }
      loadArray(obj, in, ctx);
    } finally {
      ctx.depth--;
    }
  }

  private void loadArray(T obj, WireInput in, Ctx ctx) throws VmStateException {
    long at = in.position();
    int start = f.start();
    int n;
    S[] arr;
    if (f.varCount() != null) {
      n = checkedCount(obj, ctx, at);
      if (f.allocator() != null) {
        arr = f.newArray().apply(n);
        for (int i = 0; i < n; i++) {
          arr[i] = f.newElement().get();
        }
        f.allocator().accept(obj, arr);
      } else {
        arr = array(obj);
      }
    } else {
      n = f.count();
      arr = array(obj);
    }
    if (arr == null || arr.length < start + n) {
      throw VmStateDecodeException.destinationMismatch(
              "destination struct array has "
                  + (arr == null ? "null" : arr.length + " elements")
                  + ", the stream carries "
                  + (start + n))
          .atOffset(at);
    }
    for (int i = 0; i < n; i++) {
      S e = arr[start + i];
      try {
        if (e == null) {
          if (!f.isPointerArray()) {
            throw VmStateDecodeException.destinationMismatch("destination element is null")
                .atOffset(in.position());
          }
          long m = in.position();
          int marker = in.readU8();
          if (marker != NULL_MARKER) {
            throw VmStateDecodeException.nullMarkerExpected(marker).atOffset(m);
          }
        } else {
          child.load(e, in, childVersion, ctx);
        }
      } catch (VmStateException x) {
        throw x.inField(f.name() + "[" + (start + i) + "]");
      }
    }
  }

  private int checkedCount(T obj, Ctx ctx, long at) throws VmStateException {
    long n = f.varCount().count(obj);
    if (n > ctx.limits.maxArrayLength() || n > Integer.MAX_VALUE - 16) {
      if (at < 0) {
        throw VmStateEncodeException.shapeMismatch("struct array length " + n + " is too large");
      }
      throw VmStateDecodeException.limitExceeded(
              "struct array length (from '" + f.varCount().name() + "')",
              n,
              ctx.limits.maxArrayLength())
          .atOffset(at);
    }
    return (int) n;
  }
}
