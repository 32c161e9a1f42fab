package io.vmstate.stream.vmdesc;

import io.vmstate.api.Field;
import io.vmstate.api.ListField;
import io.vmstate.api.StructField;
import io.vmstate.api.TmpField;
import io.vmstate.api.TreeField;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import io.vmstate.codec.SaveObserver;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes the vmdesc description of a device while the codec saves it, as QEMU's {@code
 * vmstate_save_state} does (reference §5.9): {@code vmsd_name}, {@code version}, {@code fields}
 * with one entry per field element (a compressible array only by its first element, with {@code
 * array_len}; others with {@code index}), {@code struct} objects for nested structs, the keys of
 * {@code vstruct} and {@code tmp} children directly in the field entry, {@code subsections} when
 * any was sent, and every entry's {@code size} in stream bytes.
 *
 * <p>Names repeated in a field table become {@code name[k]}; fields of descriptions built from a
 * vmdesc keep the name, type and array form they were described with ({@link VmdescMeta}).
 */
public final class VmdescWriter implements SaveObserver {
  private final QemuJsonWriter w;
  private final Deque<DescFrame> descs = new ArrayDeque<>();
  private final Deque<FieldFrame> fields = new ArrayDeque<>();
  private int muted;

  private static final class DescFrame {
    final VmStateDescription<?> d;
    boolean subsectionsOpen;

    DescFrame(VmStateDescription<?> d) {
      this.d = d;
    }
  }

  private record FieldFrame(boolean counted, boolean flat, boolean struct, int count, long start) {}

  /** A writer of vmdesc entries into {@code w}. */
  public VmdescWriter(QemuJsonWriter w) {
    this.w = w;
  }

  @Override
  public void beginDescription(VmStateDescription<?> d, int version) {
    if (muted > 0) {
      return;
    }
    w.str("vmsd_name", d.name());
    w.int64("version", version);
    w.startArray("fields");
    descs.push(new DescFrame(d));
  }

  @Override
  public void endFields() {
    if (muted == 0) {
      w.endArray();
    }
  }

  @Override
  public void beginSubsection(VmStateDescription<?> sub, int version) {
    if (muted > 0) {
      return;
    }
    DescFrame top = descs.peek();
    if (!top.subsectionsOpen) {
      w.startArray("subsections");
      top.subsectionsOpen = true;
    }
    w.startObject(null);
  }

  @Override
  public void endSubsection() {
    if (muted == 0) {
      w.endObject();
    }
  }

  @Override
  public void endDescription() {
    if (muted > 0) {
      return;
    }
    DescFrame top = descs.pop();
    if (top.subsectionsOpen) {
      w.endArray();
    }
  }

  @Override
  public void beginField(Field<?> f, int index, int count, boolean nullElement, long position) {
    boolean structLike = isStructLike(f);
    if (muted > 0) {
      muted++;
      fields.push(new FieldFrame(true, !structLike, false, count, position));
      return;
    }
    if (!structLike) {
      fields.push(new FieldFrame(false, true, false, count, position));
      return;
    }
    VmdescMeta meta = VmdescMeta.of(f);
    boolean compress = meta != null ? meta.form() == VmdescMeta.ARRAY_LEN : compressible(f);
    if (index > 0 && compress) {
      muted++;
      fields.push(new FieldFrame(true, false, false, count, position));
      return;
    }
    w.startObject(null);
    w.str("name", meta != null ? meta.name() : uniqueName(f));
    if (meta != null && meta.form() >= 0) {
      w.int64("index", meta.form());
    } else if (meta != null && meta.form() == VmdescMeta.LAST_WITHOUT_INDEX) {
      // written as QEMU after 7.2 writes the last element of a per-element array
    } else if (count > 1) {
      if (compress) {
        w.int64("array_len", count);
      } else {
        w.int64("index", index);
      }
    }
    String type = meta != null ? meta.type() : f.wireType().qemuName();
    w.str("type", type);
    boolean struct = f.wireType() == WireType.STRUCT;
    if (struct) {
      w.startObject("struct");
    }
    fields.push(new FieldFrame(false, false, struct, count, position));
  }

  @Override
  public void endField(Field<?> f, long position) {
    FieldFrame fr = fields.pop();
    if (fr.counted()) {
      muted--;
      return;
    }
    long size = position - fr.start();
    if (!fr.flat()) {
      if (fr.struct()) {
        w.endObject();
      }
      w.int64("size", size);
      w.endObject();
      return;
    }
    int n = fr.count() < 0 ? 1 : fr.count();
    if (n == 0) {
      return;
    }
    VmdescMeta meta = VmdescMeta.of(f);
    String name = meta != null ? meta.name() : uniqueName(f);
    String type = meta != null ? meta.type() : f.wireType().qemuName();
    long each = size / n;
    if (meta != null) {
      entry(name, meta.form() == VmdescMeta.ARRAY_LEN ? n : 0, meta.form(), type, each);
    } else if (n == 1) {
      entry(name, 0, -1, type, each);
    } else if (!f.hasExistsTest()) {
      entry(name, n, -1, type, each);
    } else {
      for (int i = 0; i < n; i++) {
        entry(name, 0, i, type, each);
      }
    }
  }

  private void entry(String name, int arrayLen, int index, String type, long size) {
    w.startObject(null);
    w.str("name", name);
    if (arrayLen > 1) {
      w.int64("array_len", arrayLen);
    } else if (index >= 0) {
      w.int64("index", index);
    }
    w.str("type", type);
    w.int64("size", size);
    w.endObject();
  }

  private static boolean isStructLike(Field<?> f) {
    return f instanceof StructField<?, ?>
        || f instanceof TmpField<?, ?>
        || f instanceof ListField<?, ?>
        || f instanceof TreeField<?, ?, ?>;
  }

  /** QEMU's {@code vmsd_can_compress}. */
  static boolean compressible(Field<?> f) {
    if (f.hasExistsTest()) {
      return false;
    }
    if (f instanceof StructField<?, ?> s && f.wireType() == WireType.STRUCT) {
      for (Field<?> c : s.child().fields()) {
        if (!compressible(c)) {
          return false;
        }
      }
      return s.child().subsections().isEmpty();
    }
    return true;
  }

  /** {@code name}, or {@code name[k]} when the name repeats in the owning field table. */
  private String uniqueName(Field<?> f) {
    DescFrame top = descs.peek();
    if (top == null) {
      return f.name();
    }
    int seen = 0;
    int mine = -1;
    for (Field<?> g : top.d.fields()) {
      if (g.name().equals(f.name())) {
        if (g == f) {
          mine = seen;
        }
        seen++;
      }
    }
    return seen > 1 && mine >= 0 ? f.name() + "[" + mine + "]" : f.name();
  }
}
