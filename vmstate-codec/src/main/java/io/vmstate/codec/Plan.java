package io.vmstate.codec;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import io.vmstate.api.ArrayField;
import io.vmstate.api.BufferField;
import io.vmstate.api.Field;
import io.vmstate.api.ListField;
import io.vmstate.api.ScalarField;
import io.vmstate.api.StructField;
import io.vmstate.api.TmpField;
import io.vmstate.api.TreeField;
import io.vmstate.api.ValidateField;
import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The executable form of a description: its field codecs and its subsections' plans, compiled once
 * and cached per description (weakly, so descriptions built per stream from a vmdesc go away). It
 * runs QEMU's save and load algorithms (reference §1.2, §1.3, §4).
 *
 * <p>A subsection follows its parent's fields: {@code 0x05}, the str8 name, the be32 version, then
 * its body, with no length and no end marker (the loader knows a subsection by peeking at the 0x05
 * and the name). From the committed QEMU 7.2 fixture {@code virt-gicv3-smp2.qemu}, the last bytes
 * of the {@code arm_gicv3} section:
 *
 * <pre>
 * 0x59d90  05                        QEMU_VM_SUBSECTION
 * 0x59d91  25                        str8 length 37
 * 0x59d92  61 72 6d ... 62 75 67     "arm_gicv3/gicd_no_migration_shift_bug"
 * 0x59db7  00 00 00 01               be32 version 1
 * 0x59dbb  01                        body: bool gicd_no_migration_shift_bug = true
 * 0x59dbc  7e 00 00 00 0a            not a subsection: the section's footer, so loading stops
 * </pre>
 */
final class Plan<T> {
  static final int SUBSECTION = 0x05;

  private static final LoadingCache<VmStateDescription<?>, Plan<?>> CACHE =
      CacheBuilder.newBuilder()
          .weakKeys()
          .build(
              new CacheLoader<VmStateDescription<?>, Plan<?>>() {
                @Override
                public Plan<?> load(VmStateDescription<?> d) {
                  return new Plan<>(d);
                }
              });

  /**
   * Weakly: the cache's values must not reach its weak keys, or no description would ever be
   * collected (each vmdesc a receiver or the dump reads builds hundreds). The description is alive
   * while its plan runs, since every caller holds it.
   */
  private final WeakReference<VmStateDescription<T>> d;

  private final FieldCodec<T>[] fields;
  private final VmStateDescription<T>[] subs;
  private final Plan<T>[] subPlans;
  private final byte[][] subNames;
  private final byte[] nameBytes;

  @SuppressWarnings("unchecked")
  static <T> Plan<T> of(VmStateDescription<T> d) {
    return (Plan<T>) CACHE.getUnchecked(d);
  }

  @SuppressWarnings("unchecked")
  private Plan(VmStateDescription<T> d) {
    this.d = new WeakReference<>(d);
    List<Field<T>> fs = d.fields();
    this.fields = new FieldCodec[fs.size()];
    for (int i = 0; i < fs.size(); i++) {
      fields[i] = compile(fs.get(i));
    }
    // Arrays, not the description's lists: the hot path must not allocate iterators.
    List<VmStateDescription<T>> ss = d.subsections();
    this.subs = ss.toArray(new VmStateDescription[0]);
    this.subPlans = new Plan[subs.length];
    this.subNames = new byte[subs.length][];
    for (int i = 0; i < subs.length; i++) {
      subPlans[i] = Plan.of(subs[i]);
      subNames[i] = subs[i].name().getBytes(StandardCharsets.ISO_8859_1);
    }
    this.nameBytes = d.name().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static <T> FieldCodec<T> compile(Field<T> f) {
    if (f instanceof ScalarField<T> s) {
      return ScalarCodec.of(s);
    } else if (f instanceof ArrayField<T> a) {
      return new ArrayCodec<>(a);
    } else if (f instanceof BufferField<T> b) {
      return new BufferCodec<>(b);
    } else if (f instanceof StructField<T, ?> s) {
      return new StructCodec<>(s);
    } else if (f instanceof ListField<T, ?> l) {
      return new ListCodec<>(l);
    } else if (f instanceof TreeField<T, ?, ?> t) {
      return new TreeCodec<>(t);
    } else if (f instanceof TmpField<T, ?> t) {
      return new TmpCodec<>(t);
    } else if (f instanceof ValidateField<T> v) {
      return new ValidateCodec<>(v);
    }
    throw new IllegalStateException("no codec for " + f);
  }

  /** QEMU's save: pre_save, fields, needed subsections, post_save (also after a field error). */
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    VmStateDescription<T> d = d();
    if (d.preSave() != null) {
      d.preSave().preSave(obj);
    }
    SaveObserver obs = ctx.observer;
    VmStateException failure = null;
    try {
      if (obs != null) {
        obs.beginDescription(d, version);
      }
      for (FieldCodec<T> c : fields) {
        if (c.field.exists(obj, version)) {
          try {
            if (obs != null && c.fieldIsFlat()) {
              obs.beginField(c.field, -1, c.flatCount(obj), false, out.position());
            }
            c.save(obj, out, version, ctx);
            if (obs != null && c.fieldIsFlat()) {
              obs.endField(c.field, out.position());
            }
          } catch (VmStateException e) {
            throw c.locate(e);
          }
        }
      }
      if (obs != null) {
        obs.endFields();
      }
      for (int i = 0; i < subs.length; i++) {
        VmStateDescription<T> s = subs[i];
        boolean keep;
        try {
          keep = DownLevel.keep(s, obj, subPlans[i], ctx);
        } catch (VmStateException e) {
          throw e.inField(shortName(s));
        }
        if (!keep) {
          continue;
        }
        if (s.isNeeded(obj)) {
          try {
            if (obs != null) {
              obs.beginSubsection(s, s.version());
            }
            out.writeU8(SUBSECTION);
            out.writeU8(subNames[i].length);
            out.writeBytes(subNames[i]);
            out.writeBe32(s.version());
            subPlans[i].save(obj, out, s.version(), ctx);
            if (obs != null) {
              obs.endSubsection();
            }
          } catch (VmStateException e) {
            throw e.inField(shortName(s));
          }
        }
      }
      if (obs != null) {
        obs.endDescription();
      }
    } catch (VmStateException e) {
      failure = e;
    }
    if (d.postSave() != null) {
      try {
        d.postSave().postSave(obj);
      } catch (VmStateException e) {
        if (failure == null) {
          failure = e;
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** QEMU's load: version window, pre_load, fields, subsections present, post_load. */
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    VmStateDescription<T> d = d();
    long start = in.position();
    try {
      VersionMismatchException.check(d.name(), version, d.versions());
    } catch (VersionMismatchException e) {
      throw e.atOffset(start);
    }
    if (d.preLoad() != null) {
      try {
        d.preLoad().preLoad(obj);
      } catch (VmStateException e) {
        throw e.atOffset(start);
      }
    }
    // Where each field started, for a post_load check to point back at (see pointBack).
    long[] starts = d.postLoad() == null ? null : new long[fields.length];
    for (int i = 0; i < fields.length; i++) {
      FieldCodec<T> c = fields[i];
      if (starts != null) {
        starts[i] = -1;
      }
      if (c.field.exists(obj, version)) {
        if (starts != null) {
          starts[i] = in.position();
        }
        try {
          c.load(obj, in, version, ctx);
        } catch (VmStateException e) {
          throw c.locate(e.atOffset(in.position()));
        }
      }
    }
    loadSubsections(obj, in, ctx);
    if (d.postLoad() != null) {
      try {
        d.postLoad().postLoad(obj, version);
      } catch (VmStateException e) {
        throw pointBack(e, starts).atOffset(in.position());
      }
    }
  }

  /**
   * Gives a post_load error that names its item ({@link VmStateDecodeException#atElement}) that
   * item's offset and path; other errors, and an item this load did not read, keep the position
   * after the description (where QEMU's post_load runs).
   */
  private VmStateException pointBack(VmStateException e, long[] starts) {
    if (!(e instanceof VmStateDecodeException de) || de.elementField() == null) {
      return e;
    }
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].field.name().equals(de.elementField()) && starts[i] >= 0) {
        de.atOffset(fields[i].elementOffset(starts[i], de.elementIndex()))
            .inField(fields[i].elementSegment(de.elementIndex()));
        de.elementLocated();
        break;
      }
    }
    return e;
  }

  private void loadSubsections(T obj, WireInput in, Ctx ctx) throws VmStateException {
    while (in.peekU8(0) == SUBSECTION) {
      int len = in.peekU8(1);
      if (len < nameBytes.length + 1 || in.fill(2 + len) < 2 + len) {
        return;
      }
      for (int i = 0; i < nameBytes.length; i++) {
        if (in.peekU8(2 + i) != (nameBytes[i] & 0xff)) {
          return;
        }
      }
      long at = in.position();
      int k = matchSubsection(in, len);
      if (k < 0) {
        byte[] name = new byte[len];
        for (int i = 0; i < len; i++) {
          name[i] = (byte) in.peekU8(2 + i);
        }
        throw VmStateDecodeException.unknownSubsection(
                new String(name, StandardCharsets.ISO_8859_1), d().name())
            .atOffset(at);
      }
      in.skip(2 + len);
      long versionAt = in.position();
      // QEMU reads the be32 version into an 8-bit variable (reference P2); do the same.
      int version = in.readBe32() & 0xff;
      try {
        VersionMismatchException.check(subs[k].name(), version, subs[k].versions());
      } catch (VersionMismatchException e) {
        throw e.atOffset(versionAt).inField(shortName(subs[k]));
      }
      if (++ctx.depth > ctx.limits.maxDepth()) {
        throw VmStateDecodeException.limitExceeded(
                "subsection nesting depth", ctx.depth, ctx.limits.maxDepth())
            .atOffset(at);
      }
      try {
        subPlans[k].load(obj, in, version, ctx);
      } catch (VmStateException e) {
        throw e.inField(shortName(subs[k]));
      } finally {
        ctx.depth--;
      }
    }
  }

  /** The index of the subsection whose name is the {@code len} bytes at look-ahead 2, or -1. */
  private int matchSubsection(WireInput in, int len) throws VmStateDecodeException {
    for (int k = 0; k < subNames.length; k++) {
      byte[] n = subNames[k];
      if (n.length != len) {
        continue;
      }
      int i = nameBytes.length;
      while (i < len && in.peekU8(2 + i) == (n[i] & 0xff)) {
        i++;
      }
      if (i == len) {
        return k;
      }
    }
    return -1;
  }

  /**
   * The first field that {@link #save} would write as anything but zero bytes, as a path segment
   * ({@code nmi[1]} for an array element), or null when every field is zero. Used by {@link
   * DownLevel} for descriptions marked {@code zeroAtReset}.
   */
  String firstNonZeroField(T obj, int version, Ctx ctx) throws VmStateException {
    Ctx quiet = new Ctx(ctx.limits, null, ctx.target);
    for (FieldCodec<T> c : fields) {
      if (!c.field.exists(obj, version)) {
        continue;
      }
      WireOutput scratch = WireOutput.toBytes();
      c.save(obj, scratch, version, quiet);
      byte[] b = scratch.toByteArray();
      for (int k = 0; k < b.length; k++) {
        if (b[k] != 0) {
          int n = c.fieldIsFlat() ? c.flatCount(obj) : -1;
          return n > 1 && b.length % n == 0
              ? c.field.name() + "[" + k / (b.length / n) + "]"
              : c.field.name();
        }
      }
    }
    return null;
  }

  /**
   * The path segment of a subsection: {@code sre_el1} for {@code arm_gicv3_cpu/sre_el1} under
   * {@code arm_gicv3_cpu}; the full name when it does not continue its parent's with a slash (as
   * {@code arm_gic_virt_state} under {@code arm_gic}).
   */
  private String shortName(VmStateDescription<T> sub) {
    String n = sub.name().substring(d().name().length());
    return n.startsWith("/") ? n.substring(1) : sub.name();
  }

  private VmStateDescription<T> d() {
    return d.get();
  }
}
