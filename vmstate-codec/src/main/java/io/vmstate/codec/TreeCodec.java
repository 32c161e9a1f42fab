package io.vmstate.codec;

import io.vmstate.api.TreeField;
import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import java.util.Map;
import java.util.NavigableMap;

/** GTree: be32 nnodes, then 0x01 key value per entry in key order, then 0x00. */
final class TreeCodec<T, K, V> extends FieldCodec<T> {
  private final TreeField<T, K, V> f;
  private final Plan<K> key;
  private final Plan<V> value;

  TreeCodec(TreeField<T, K, V> f) {
    super(f);
    this.f = f;
    this.key = f.isDirectKey() ? null : Plan.of(f.keyDescription());
    this.value = Plan.of(f.valueDescription());
  }

  @Override
  boolean fieldIsFlat() {
    return false;
  }

  @Override
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    NavigableMap<K, V> map = f.map().apply(obj);
    out.writeBe32(map.size());
    int i = 0;
    for (Map.Entry<K, V> e : map.entrySet()) {
      try {
        if (ctx.observer != null) {
          ctx.observer.beginField(f, i, map.size(), false, out.position());
        }
        out.writeU8(1);
        if (key == null) {
          out.writeBe64((Long) e.getKey());
        } else {
          key.save(e.getKey(), out, f.keyDescription().version(), ctx);
        }
        value.save(e.getValue(), out, f.valueDescription().version(), ctx);
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
  @SuppressWarnings("unchecked")
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    if (key != null) {
      VersionMismatchException.check(
          f.keyDescription().name(), f.versionId(), f.keyDescription().versions());
    }
    VersionMismatchException.check(
        f.valueDescription().name(), f.versionId(), f.valueDescription().versions());
    long at = in.position();
    long nnodes = in.readBe32() & 0xffffffffL;
    if (nnodes > ctx.limits.maxArrayLength()) {
      throw VmStateDecodeException.limitExceeded(
              "gtree node count", nnodes, ctx.limits.maxArrayLength())
          .atOffset(at);
    }
    NavigableMap<K, V> map = f.map().apply(obj);
    long count = 0;
    while (true) {
      long m = in.position();
      int marker = in.readU8();
      if (marker == 0) {
        break;
      }
      if (count >= nnodes) {
        throw VmStateDecodeException.corrupt(
                "inconsistent stream when loading the gtree: more than " + nnodes + " entries")
            .atOffset(m);
      }
      try {
        K k;
        if (key == null) {
          k = (K) Long.valueOf(in.readBe64());
        } else {
          k = f.newKey().get();
          key.load(k, in, f.versionId(), ctx);
        }
        V v = f.newValue().get();
        value.load(v, in, f.versionId(), ctx);
        map.put(k, v);
      } catch (VmStateException x) {
        throw x.inField(f.name() + "[" + count + "]");
      }
      count++;
    }
    if (count != nnodes) {
      throw VmStateDecodeException.corrupt(
              "inconsistent stream when loading the gtree: "
                  + count
                  + " entries, nnodes says "
                  + nnodes)
          .atOffset(in.position());
    }
  }
}
