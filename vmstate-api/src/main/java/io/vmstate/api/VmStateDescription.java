package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The Java counterpart of QEMU's {@code VMStateDescription}: a named, versioned field table with
 * hooks and subsections, bound to objects of type {@code T}. Descriptions are immutable values,
 * usually static finals, and are checked when built: a malformed table is an {@link
 * IllegalArgumentException} naming the description and the field, never a surprise on the wire.
 *
 * <pre>{@code
 * static final VmStateDescription<GicState> ARM_GIC = VmStateDescription.<GicState>named("arm_gic")
 *     .version(12).minimumVersion(12)
 *     .uint32("ctlr", g -> g.ctlr, (g, v) -> g.ctlr = v)
 *     .uint32SubArray("cpu_ctlr", g -> g.cpuCtlr, 0, 8, 16)
 *     .subsection(ARM_GIC_VIRT_STATE)
 *     .build();
 * }</pre>
 *
 * <p>Unsigned values live in the same-width signed Java type ({@code uint32} in an {@code int});
 * setters of 8- and 16-bit fields receive the value zero- or sign-extended to {@code int}.
 *
 * @param <T> the type of the objects this description saves and loads
 */
public final class VmStateDescription<T> {
  private final String name;
  private final int version;
  private final int minimumVersion;
  private final MigrationPriority priority;
  private final boolean unmigratable;
  private final ImmutableList<Field<T>> fields;
  private final ImmutableList<VmStateDescription<T>> subsections;
  private final Hooks.PreSave<T> preSave;
  private final Hooks.PostSave<T> postSave;
  private final Hooks.PreLoad<T> preLoad;
  private final Hooks.PostLoad<T> postLoad;
  private final Hooks.Needed<T> needed;
  private final StateCopier<T> copier;
  private final QemuRelease introducedIn;
  private final boolean zeroAtReset;

  private VmStateDescription(Builder<T> b) {
    this.name = b.name;
    this.version = b.version;
    this.minimumVersion = b.minimumVersion;
    this.priority = b.priority;
    this.unmigratable = b.unmigratable;
    this.fields = ImmutableList.copyOf(b.fields);
    this.subsections = ImmutableList.copyOf(b.subsections);
    this.preSave = b.preSave;
    this.postSave = b.postSave;
    this.preLoad = b.preLoad;
    this.postLoad = b.postLoad;
    this.needed = b.needed;
    this.copier = b.copier;
    this.introducedIn = b.introducedIn;
    this.zeroAtReset = b.zeroAtReset;
  }

  /** Starts a description with QEMU's name for it (the section idstr of sysbus devices). */
  public static <T> Builder<T> named(String name) {
    return new Builder<>(name);
  }

  /** QEMU's name for this description: the section idstr or, for a subsection, its full name. */
  public String name() {
    return name;
  }

  /** QEMU's {@code version_id}: the version saves are written at. */
  public int version() {
    return version;
  }

  /** QEMU's {@code minimum_version_id}: the oldest version a load accepts. */
  public int minimumVersion() {
    return minimumVersion;
  }

  /** The versions a load accepts: {@code [minimumVersion(), version()]}. */
  public VersionWindow versions() {
    return VersionWindow.of(minimumVersion, version);
  }

  /** The save order among top-level sections (QEMU's {@code priority}; higher first). */
  public MigrationPriority priority() {
    return priority;
  }

  /** Whether a machine with this device refuses to migrate. */
  public boolean isUnmigratable() {
    return unmigratable;
  }

  /** The fields in wire order. */
  public ImmutableList<Field<T>> fields() {
    return fields;
  }

  /** Candidate subsections, in the order they are tried on save. */
  public ImmutableList<VmStateDescription<T>> subsections() {
    return subsections;
  }

  /** Looks a subsection up by its full name; null when there is none. */
  public @Nullable VmStateDescription<T> subsection(String fullName) {
    for (VmStateDescription<T> s : subsections) {
      if (s.name.equals(fullName)) {
        return s;
      }
    }
    return null;
  }

  /** Looks a field up by name; null when there is none. */
  public @Nullable Field<T> field(String fieldName) {
    for (Field<T> f : fields) {
      if (f.name().equals(fieldName)) {
        return f;
      }
    }
    return null;
  }

  /** The pre_save hook, or null when there is none. */
  public Hooks.@Nullable PreSave<T> preSave() {
    return preSave;
  }

  /** The post_save hook, or null when there is none. */
  public Hooks.@Nullable PostSave<T> postSave() {
    return postSave;
  }

  /** The pre_load hook, or null when there is none. */
  public Hooks.@Nullable PreLoad<T> preLoad() {
    return preLoad;
  }

  /** The post_load hook, or null when there is none. */
  public Hooks.@Nullable PostLoad<T> postLoad() {
    return postLoad;
  }

  /** The {@code needed} predicate, or null (always needed). */
  public Hooks.@Nullable Needed<T> needed() {
    return needed;
  }

  /** Whether this description is needed for {@code obj} (for subsections: whether it is sent). */
  public boolean isNeeded(T obj) {
    return needed == null || needed.test(obj);
  }

  /** The copier that makes loads atomic, or null (loads then change the object in place). */
  public @Nullable StateCopier<T> copier() {
    return copier;
  }

  /**
   * The QEMU release that introduced this subsection or section, or null when every release this
   * project targets has it. A save for an older target omits it, or refuses when its state is not
   * the default (see {@code VmStateCodec.save} with a target).
   */
  public @Nullable QemuRelease introducedIn() {
    return introducedIn;
  }

  /**
   * Whether every field of this description is zero after the device's reset, so that state holding
   * only zeros is the default: a save for a release without it (see {@link #introducedIn}) leaves
   * it out even when {@link #needed} is true, and refuses, naming the first non-zero field,
   * otherwise. A description without this mark whose {@code needed} is true is always refused.
   */
  public boolean zeroAtReset() {
    return zeroAtReset;
  }

  @Override
  public String toString() {
    return name + " v" + version + " (min " + minimumVersion + ", " + fields.size() + " fields)";
  }

  /**
   * Builds a description field by field, in wire order. Field modifiers ({@link #since}, {@link
   * #onlyIf}) apply to the field added last, as QEMU's {@code _V} and {@code _TEST} macros do.
   */
  public static final class Builder<T> {
    private static final Set<String> REPEATABLE_NAMES = Set.of("unused", "tmp");

    private final String name;
    private int version;
    private int minimumVersion;
    private boolean minimumSet;
    private MigrationPriority priority = MigrationPriority.DEFAULT;
    private boolean unmigratable;
    private final List<Field<T>> fields = new ArrayList<>();
    private final Set<String> fieldNames = new HashSet<>();
    private final List<VmStateDescription<T>> subsections = new ArrayList<>();
    private Hooks.PreSave<T> preSave;
    private Hooks.PostSave<T> postSave;
    private Hooks.PreLoad<T> preLoad;
    private Hooks.PostLoad<T> postLoad;
    private Hooks.Needed<T> needed;
    private StateCopier<T> copier;
    private QemuRelease introducedIn;
    private boolean zeroAtReset;

    private Builder(String name) {
      checkNotNull(name, "description name");
      checkArgument(!name.isEmpty(), "a description needs a name");
      checkArgument(name.length() <= 255, "description name '%s' is over 255 bytes", name);
      this.name = name;
    }

    // ---- description attributes ----

    /** QEMU's {@code version_id}, the version saves are written at (0 or more; default 0). */
    public Builder<T> version(int v) {
      checkArgument(v >= 0, "%s: version %s is negative", name, v);
      this.version = v;
      return this;
    }

    /** QEMU's {@code minimum_version_id}, the oldest version a load accepts (0 or more). */
    public Builder<T> minimumVersion(int v) {
      checkArgument(v >= 0, "%s: minimum version %s is negative", name, v);
      this.minimumVersion = v;
      this.minimumSet = true;
      return this;
    }

    /** QEMU's {@code priority}: where the section is saved among the others (not null). */
    public Builder<T> priority(MigrationPriority p) {
      this.priority = checkNotNull(p);
      return this;
    }

    /** Marks the device as refusing migration (QEMU's {@code unmigratable}). */
    public Builder<T> unmigratable() {
      this.unmigratable = true;
      return this;
    }

    /** Sets the pre_save hook (not null); a method reference reads best. */
    public Builder<T> preSave(Hooks.PreSave<T> hook) {
      this.preSave = checkNotNull(hook);
      return this;
    }

    /** Sets the post_save hook (not null). */
    public Builder<T> postSave(Hooks.PostSave<T> hook) {
      this.postSave = checkNotNull(hook);
      return this;
    }

    /** Sets the pre_load hook (not null). */
    public Builder<T> preLoad(Hooks.PreLoad<T> hook) {
      this.preLoad = checkNotNull(hook);
      return this;
    }

    /** Sets the post_load hook (not null); it receives the version the stream carried. */
    public Builder<T> postLoad(Hooks.PostLoad<T> hook) {
      this.postLoad = checkNotNull(hook);
      return this;
    }

    /** For subsections: sent only when true. For top-level sections: the section is omitted. */
    public Builder<T> needed(Hooks.Needed<T> predicate) {
      this.needed = checkNotNull(predicate);
      return this;
    }

    /** Makes loads atomic: they run on a copy committed only on success. */
    public Builder<T> copier(StateCopier<T> c) {
      this.copier = checkNotNull(c);
      return this;
    }

    /** Marks this subsection (or section) as first shipped in QEMU {@code release}. */
    public Builder<T> introducedIn(QemuRelease release) {
      this.introducedIn = checkNotNull(release);
      return this;
    }

    /**
     * Marks every field as zero after reset (see {@link VmStateDescription#zeroAtReset}): a
     * down-level save drops this description while it holds only zeros.
     */
    public Builder<T> zeroAtReset() {
      this.zeroAtReset = true;
      return this;
    }

    /** Adds a subsection; its name must start with this description's name. */
    public Builder<T> subsection(VmStateDescription<T> sub) {
      checkNotNull(sub, "%s: null subsection", name);
      checkArgument(
          sub.name.startsWith(name) && sub.name.length() > name.length(),
          "%s: subsection name '%s' must start with its parent's name '%s'",
          name,
          sub.name,
          name);
      for (VmStateDescription<T> s : subsections) {
        checkArgument(!s.name.equals(sub.name), "%s: duplicate subsection '%s'", name, sub.name);
      }
      subsections.add(sub);
      return this;
    }

    // ---- field modifiers ----

    /** The field added last exists only in streams of version {@code v} or later. */
    public Builder<T> since(int v) {
      checkArgument(v >= 0, "%s: field version %s is negative", name, v);
      Field<T> f = last("since");
      f.gate(v, null);
      return this;
    }

    /** The field added last exists only when {@code test} says so (QEMU's {@code _TEST}). */
    public Builder<T> onlyIf(Hooks.FieldExists<T> test) {
      checkNotNull(test, "%s: null existence test", name);
      Field<T> f = last("onlyIf");
      f.gate(f.versionId(), test);
      return this;
    }

    private Field<T> last(String what) {
      checkState(!fields.isEmpty(), "%s: %s() needs a field before it", name, what);
      return fields.get(fields.size() - 1);
    }

    // ---- scalars ----

    /** A bool: one byte, 1 or 0 (QEMU's {@code VMSTATE_BOOL}); on load any nonzero byte is true. */
    public Builder<T> bool(String field, Predicate<T> get, Hooks.BoolSetter<T> set) {
      checkNotNull(get, "%s.%s: getter", name, field);
      checkNotNull(set, "%s.%s: setter", name, field);
      return scalar(field, WireType.BOOL, o -> get.test(o) ? 1 : 0, (o, v) -> set.set(o, v != 0));
    }

    /** A signed byte (QEMU's {@code VMSTATE_INT8}). */
    public Builder<T> int8(String field, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      return intScalar(field, WireType.INT8, get, set);
    }

    /** An unsigned byte (QEMU's {@code VMSTATE_UINT8}); the setter gets 0..255. */
    public Builder<T> uint8(String field, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      return intScalar(field, WireType.UINT8, get, set);
    }

    /** A big-endian signed 16-bit value (QEMU's {@code VMSTATE_INT16}). */
    public Builder<T> int16(String field, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      return intScalar(field, WireType.INT16, get, set);
    }

    /**
     * A big-endian unsigned 16-bit value (QEMU's {@code VMSTATE_UINT16}); the setter gets 0..65535.
     */
    public Builder<T> uint16(String field, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      return intScalar(field, WireType.UINT16, get, set);
    }

    /** A big-endian signed 32-bit value (QEMU's {@code VMSTATE_INT32}). */
    public Builder<T> int32(String field, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      return intScalar(field, WireType.INT32, get, set);
    }

    /** A big-endian unsigned 32-bit value (QEMU's {@code VMSTATE_UINT32}), held in a Java int. */
    public Builder<T> uint32(String field, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      return intScalar(field, WireType.UINT32, get, set);
    }

    /** A big-endian signed 64-bit value (QEMU's {@code VMSTATE_INT64}). */
    public Builder<T> int64(String field, ToLongFunction<T> get, ObjLongConsumer<T> set) {
      return scalar(field, WireType.INT64, get, set);
    }

    /** A big-endian unsigned 64-bit value (QEMU's {@code VMSTATE_UINT64}), held in a Java long. */
    public Builder<T> uint64(String field, ToLongFunction<T> get, ObjLongConsumer<T> set) {
      return scalar(field, WireType.UINT64, get, set);
    }

    /** A timer: the expiry in ns, or -1 when not armed. */
    public Builder<T> timer(String field, ToLongFunction<T> get, ObjLongConsumer<T> set) {
      return scalar(field, WireType.TIMER, get, set);
    }

    /** A big-endian IEEE 754 double (QEMU's {@code VMSTATE_FLOAT64}). */
    public Builder<T> float64(String field, ToDoubleFunction<T> get, ObjDoubleConsumer<T> set) {
      return doubleScalar(field, WireType.FLOAT64, get, set);
    }

    /** A double sent as QEMU's {@code CPU_Double_U}: upper then lower big-endian word. */
    public Builder<T> cpuDouble(String field, ToDoubleFunction<T> get, ObjDoubleConsumer<T> set) {
      return doubleScalar(field, WireType.CPU_DOUBLE, get, set);
    }

    /** A value the destination must already have: a mismatch fails the load. */
    public Builder<T> uint8Equal(String field, ToIntFunction<T> get, String hint) {
      return check(field, WireType.UINT8_EQUAL, o -> get.applyAsInt(o), hint);
    }

    /** A big-endian u16 the destination must already have: a mismatch fails the load. */
    public Builder<T> uint16Equal(String field, ToIntFunction<T> get) {
      return check(field, WireType.UINT16_EQUAL, o -> get.applyAsInt(o), null);
    }

    /** A big-endian u32 the destination must already have: a mismatch fails the load. */
    public Builder<T> uint32Equal(String field, ToIntFunction<T> get) {
      return check(field, WireType.UINT32_EQUAL, o -> get.applyAsInt(o), null);
    }

    /** A big-endian s32 the destination must already have: a mismatch fails the load. */
    public Builder<T> int32Equal(String field, ToIntFunction<T> get) {
      return check(field, WireType.INT32_EQUAL, o -> get.applyAsInt(o), null);
    }

    /** A big-endian u64 the destination must already have: a mismatch fails the load. */
    public Builder<T> uint64Equal(String field, ToLongFunction<T> get) {
      return check(field, WireType.UINT64_EQUAL, get, null);
    }

    /** QEMU's {@code VMSTATE_INT32_POSITIVE_LE}: load accepts 0 up to the local value. */
    public Builder<T> int32PositiveLe(String field, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      return intScalar(field, WireType.INT32_LE, get, set);
    }

    /** Any scalar type with raw-bits accessors (the generic binding uses this). */
    public Builder<T> scalar(
        String field, WireType type, ToLongFunction<T> get, ObjLongConsumer<T> set) {
      return add(new ScalarField<>(field, type, get, set, null));
    }

    private Builder<T> intScalar(
        String field, WireType type, ToIntFunction<T> get, ObjIntConsumer<T> set) {
      checkNotNull(get, "%s.%s: getter", name, field);
      checkNotNull(set, "%s.%s: setter", name, field);
      return add(
          new ScalarField<>(
              field,
              type,
              o -> get.applyAsInt(o),
              (o, v) -> set.accept(o, (int) v),
              null,
              get,
              set));
    }

    private Builder<T> doubleScalar(
        String field, WireType type, ToDoubleFunction<T> get, ObjDoubleConsumer<T> set) {
      checkNotNull(get, "%s.%s: getter", name, field);
      checkNotNull(set, "%s.%s: setter", name, field);
      return scalar(
          field,
          type,
          o -> Double.doubleToRawLongBits(get.applyAsDouble(o)),
          (o, v) -> set.accept(o, Double.longBitsToDouble(v)));
    }

    private Builder<T> check(String field, WireType type, ToLongFunction<T> get, String hint) {
      checkNotNull(get, "%s.%s: getter", name, field);
      return add(new ScalarField<>(field, type, get, (o, v) -> {}, hint));
    }

    // ---- arrays ----

    /**
     * {@code count} bools (one byte each) of the array {@code get} returns (at least that long).
     */
    public Builder<T> boolArray(String field, Function<T, boolean[]> get, int count) {
      return array(WireType.BOOL, field, get, count);
    }

    /** {@code count} unsigned bytes of the array {@code get} returns (at least that long). */
    public Builder<T> uint8Array(String field, Function<T, byte[]> get, int count) {
      return array(WireType.UINT8, field, get, count);
    }

    /** {@code count} signed bytes of the array {@code get} returns (at least that long). */
    public Builder<T> int8Array(String field, Function<T, byte[]> get, int count) {
      return array(WireType.INT8, field, get, count);
    }

    /** {@code count} big-endian u16 elements of the array {@code get} returns. */
    public Builder<T> uint16Array(String field, Function<T, short[]> get, int count) {
      return array(WireType.UINT16, field, get, count);
    }

    /** {@code count} big-endian s16 elements of the array {@code get} returns. */
    public Builder<T> int16Array(String field, Function<T, short[]> get, int count) {
      return array(WireType.INT16, field, get, count);
    }

    /** {@code count} big-endian u32 elements of the array {@code get} returns. */
    public Builder<T> uint32Array(String field, Function<T, int[]> get, int count) {
      return array(WireType.UINT32, field, get, count);
    }

    /** {@code count} big-endian s32 elements of the array {@code get} returns. */
    public Builder<T> int32Array(String field, Function<T, int[]> get, int count) {
      return array(WireType.INT32, field, get, count);
    }

    /** {@code count} big-endian u64 elements of the array {@code get} returns. */
    public Builder<T> uint64Array(String field, Function<T, long[]> get, int count) {
      return array(WireType.UINT64, field, get, count);
    }

    /** {@code count} big-endian s64 elements of the array {@code get} returns. */
    public Builder<T> int64Array(String field, Function<T, long[]> get, int count) {
      return array(WireType.INT64, field, get, count);
    }

    /** {@code count} timers (each the expiry in ns as be64, or -1 when not armed). */
    public Builder<T> timerArray(String field, Function<T, long[]> get, int count) {
      return array(WireType.TIMER, field, get, count);
    }

    /**
     * Elements {@code [start, start + count)} of an {@code arrayLength}-byte array (QEMU's {@code
     * VMSTATE_UINT8_SUB_ARRAY}); a range outside the array fails the build.
     */
    public Builder<T> uint8SubArray(
        String field, Function<T, byte[]> get, int start, int count, int arrayLength) {
      return subArray(WireType.UINT8, field, get, start, count, arrayLength);
    }

    /**
     * Elements {@code [start, start + count)} of an {@code arrayLength}-element u16 array; a range
     * outside the array fails the build.
     */
    public Builder<T> uint16SubArray(
        String field, Function<T, short[]> get, int start, int count, int arrayLength) {
      return subArray(WireType.UINT16, field, get, start, count, arrayLength);
    }

    /**
     * Elements {@code [start, start + count)} of an {@code arrayLength}-element u32 array; a range
     * outside the array fails the build.
     */
    public Builder<T> uint32SubArray(
        String field, Function<T, int[]> get, int start, int count, int arrayLength) {
      return subArray(WireType.UINT32, field, get, start, count, arrayLength);
    }

    /**
     * Elements {@code [start, start + count)} of an {@code arrayLength}-element u64 array; a range
     * outside the array fails the build.
     */
    public Builder<T> uint64SubArray(
        String field, Function<T, long[]> get, int start, int count, int arrayLength) {
      return subArray(WireType.UINT64, field, get, start, count, arrayLength);
    }

    /**
     * A {@code rows} x {@code cols} byte array, row after row (QEMU's {@code
     * VMSTATE_UINT8_2DARRAY}).
     */
    public Builder<T> uint8Array2d(String field, Function<T, byte[][]> get, int rows, int cols) {
      return array2d(WireType.UINT8, field, get, rows, cols);
    }

    /** A {@code rows} x {@code cols} u16 array, row after row. */
    public Builder<T> uint16Array2d(String field, Function<T, short[][]> get, int rows, int cols) {
      return array2d(WireType.UINT16, field, get, rows, cols);
    }

    /** A {@code rows} x {@code cols} u32 array, row after row. */
    public Builder<T> uint32Array2d(String field, Function<T, int[][]> get, int rows, int cols) {
      return array2d(WireType.UINT32, field, get, rows, cols);
    }

    /** A {@code rows} x {@code cols} u64 array, row after row. */
    public Builder<T> uint64Array2d(String field, Function<T, long[][]> get, int rows, int cols) {
      return array2d(WireType.UINT64, field, get, rows, cols);
    }

    /** A fixed array of any scalar type, bound to the matching primitive array. */
    public Builder<T> array(WireType type, String field, Function<T, ?> get, int count) {
      return add(new ArrayField<>(field, type, erase(get), 0, count, 0, null, null));
    }

    /** Elements {@code start .. start+count-1} of an array of {@code arrayLength} elements. */
    public Builder<T> subArray(
        WireType type, String field, Function<T, ?> get, int start, int count, int arrayLength) {
      checkArgument(
          start >= 0 && count >= 0 && (long) start + count <= arrayLength,
          "%s.%s: sub-array [%s, %s) lies outside its array of %s elements",
          name,
          field,
          start,
          (long) start + count,
          arrayLength);
      return add(new ArrayField<>(field, type, erase(get), start, count, 0, null, null));
    }

    /** A {@code T[rows][cols]} array sent row-major. */
    public Builder<T> array2d(WireType type, String field, Function<T, ?> get, int rows, int cols) {
      checkArgument(rows > 0 && cols >= 0, "%s.%s: bad 2-D shape %sx%s", name, field, rows, cols);
      return add(new ArrayField<>(field, type, erase(get), 0, cols, rows, null, null));
    }

    /**
     * A variable array whose count comes from {@code count}; with a non-null {@code allocate} a
     * fresh array of exactly that many elements is stored on load (bounded by {@code
     * DecodeLimits}), otherwise the destination's array must be long enough.
     */
    public Builder<T> varArray(
        WireType type,
        String field,
        VarCount<T> count,
        Function<T, ?> get,
        BiConsumer<T, Object> allocate) {
      checkNotNull(count, "%s.%s: count", name, field);
      return add(new ArrayField<>(field, type, erase(get), 0, -1, 0, count, allocate));
    }

    /**
     * A u64 array whose length {@code count} names; {@code allocate} (or null to load into the
     * existing array) gets a fresh array of that length on load.
     */
    public Builder<T> uint64VarArray(
        String field, VarCount<T> count, Function<T, long[]> get, BiConsumer<T, long[]> allocate) {
      return varArray(
          WireType.UINT64, field, count, get, allocate == null ? null : castSetter(allocate));
    }

    /**
     * A u32 array whose length {@code count} names; {@code allocate} (or null to load into the
     * existing array) gets a fresh array of that length on load.
     */
    public Builder<T> uint32VarArray(
        String field, VarCount<T> count, Function<T, int[]> get, BiConsumer<T, int[]> allocate) {
      return varArray(
          WireType.UINT32, field, count, get, allocate == null ? null : castSetter(allocate));
    }

    /**
     * A byte array whose length {@code count} names; {@code allocate} (or null to load into the
     * existing array) gets a fresh array of that length on load.
     */
    public Builder<T> uint8VarArray(
        String field, VarCount<T> count, Function<T, byte[]> get, BiConsumer<T, byte[]> allocate) {
      return varArray(
          WireType.UINT8, field, count, get, allocate == null ? null : castSetter(allocate));
    }

    /** Capabilities (str8 names) in a variable array, as in QEMU's configuration section. */
    public Builder<T> capabilityVarArray(
        String field,
        VarCount<T> count,
        Function<T, String[]> get,
        BiConsumer<T, String[]> allocate) {
      return varArray(
          WireType.CAPABILITY, field, count, get, allocate == null ? null : castSetter(allocate));
    }

    // ---- buffers ----

    /** {@code size} raw bytes of a {@code byte[]}, no length prefix. */
    public Builder<T> buffer(String field, Function<T, byte[]> get, int size) {
      return add(new BufferField<>(field, WireType.BUFFER, erase(get), 0, size, null, null));
    }

    /** Bytes {@code start .. start+size-1} of a {@code byte[]} (QEMU's START_MIDDLE). */
    public Builder<T> buffer(String field, Function<T, byte[]> get, int start, int size) {
      return add(new BufferField<>(field, WireType.BUFFER, erase(get), start, size, null, null));
    }

    /**
     * A buffer of {@code size(count) * multiplier} bytes; allocated on load when {@code allocate}
     * is given.
     */
    public Builder<T> vbuffer(
        String field,
        VarCount<T> size,
        int multiplier,
        Function<T, byte[]> get,
        BiConsumer<T, byte[]> allocate) {
      checkNotNull(size, "%s.%s: size", name, field);
      checkArgument(multiplier >= 1, "%s.%s: multiplier %s < 1", name, field, multiplier);
      return add(
          new BufferField<>(
              field,
              WireType.BUFFER,
              erase(get),
              0,
              multiplier,
              size,
              allocate == null ? null : castSetter(allocate)));
    }

    /** {@code bytes} bytes that once held a removed field: zeros on save, skipped on load. */
    public Builder<T> unused(int bytes) {
      return add(new BufferField<>("unused", WireType.UNUSED, null, 0, bytes, null, null));
    }

    /** A bitmap of {@code bits(count)} bits in a {@code long[]}, sent as be64 words. */
    public Builder<T> bitmap(String field, VarCount<T> bits, Function<T, long[]> get) {
      checkNotNull(bits, "%s.%s: bit count", name, field);
      return add(new BufferField<>(field, WireType.BITMAP, erase(get), 0, 1, bits, null));
    }

    /** A bitmap of a fixed number of bits. */
    public Builder<T> bitmap(String field, int bits, Function<T, long[]> get) {
      return add(new BufferField<>(field, WireType.BITMAP, erase(get), 0, bits, null, null));
    }

    // ---- structs ----

    /**
     * A nested struct (QEMU's {@code VMSTATE_STRUCT}): the child's fields inline, then the child's
     * subsections.
     */
    public <S> Builder<T> struct(String field, Function<T, S> get, VmStateDescription<S> child) {
      return add(
          new StructField<T, S>(field, child, get, false, false, 0, 1, null, null, null, null, -1));
    }

    /** A struct processed at an explicit version on both ends (QEMU's {@code VMSTATE_VSTRUCT}). */
    public <S> Builder<T> vstruct(
        String field, Function<T, S> get, VmStateDescription<S> child, int structVersion) {
      checkArgument(structVersion >= 0, "%s.%s: struct version is negative", name, field);
      return add(
          new StructField<T, S>(
              field, child, get, false, false, 0, 1, null, null, null, null, structVersion));
    }

    /**
     * {@code count} nested structs of the array {@code get} returns (QEMU's {@code
     * VMSTATE_STRUCT_ARRAY}).
     */
    public <S> Builder<T> structArray(
        String field, Function<T, S[]> get, int count, VmStateDescription<S> child) {
      return add(
          new StructField<T, S>(
              field, child, get, true, false, 0, count, null, null, null, null, -1));
    }

    /**
     * Structs {@code [start, start + count)} of an {@code arrayLength}-element array; a range
     * outside the array fails the build.
     */
    public <S> Builder<T> structSubArray(
        String field,
        Function<T, S[]> get,
        int start,
        int count,
        int arrayLength,
        VmStateDescription<S> child) {
      checkArgument(
          start >= 0 && count >= 0 && (long) start + count <= arrayLength,
          "%s.%s: sub-array [%s, %s) lies outside its array of %s elements",
          name,
          field,
          start,
          (long) start + count,
          arrayLength);
      return add(
          new StructField<T, S>(
              field, child, get, true, false, start, count, null, null, null, null, -1));
    }

    /** A variable struct array in the destination's own array (no allocation on load). */
    public <S> Builder<T> structVarArray(
        String field, VarCount<T> count, Function<T, S[]> get, VmStateDescription<S> child) {
      checkNotNull(count, "%s.%s: count", name, field);
      return add(
          new StructField<T, S>(
              field, child, get, true, false, 0, -1, count, null, null, null, -1));
    }

    /** A variable struct array allocated on load: a fresh array of fresh elements. */
    public <S> Builder<T> structVarArrayAlloc(
        String field,
        VarCount<T> count,
        Function<T, S[]> get,
        BiConsumer<T, S[]> set,
        IntFunction<S[]> newArray,
        Supplier<S> newElement,
        VmStateDescription<S> child) {
      checkNotNull(count, "%s.%s: count", name, field);
      checkNotNull(set, "%s.%s: setter", name, field);
      return add(
          new StructField<T, S>(
              field, child, get, true, false, 0, -1, count, set, newArray, newElement, -1));
    }

    /** An array of pointers: a null element is sent as the marker byte 0x30. */
    public <S> Builder<T> structPointerArray(
        String field, Function<T, S[]> get, int count, VmStateDescription<S> child) {
      return add(
          new StructField<T, S>(
              field, child, get, true, true, 0, count, null, null, null, null, -1));
    }

    // ---- containers ----

    /**
     * QEMU's {@code VMSTATE_QTAILQ_V}: each element preceded by the byte 1, the list ended by 0; on
     * load elements come from {@code newElement}.
     */
    public <E> Builder<T> qtailq(
        String field,
        Function<T, List<E>> list,
        Supplier<E> newElement,
        VmStateDescription<E> element) {
      return add(new ListField<>(field, WireType.QTAILQ, list, newElement, element));
    }

    /**
     * QEMU's {@code VMSTATE_QLIST_V}: each element preceded by the byte 1, the list ended by 0; on
     * load elements come from {@code newElement}.
     */
    public <E> Builder<T> qlist(
        String field,
        Function<T, List<E>> list,
        Supplier<E> newElement,
        VmStateDescription<E> element) {
      return add(new ListField<>(field, WireType.QLIST, list, newElement, element));
    }

    /**
     * QEMU's {@code VMSTATE_GTREE_V}: be32 node count, then per node in key order the byte 1, the
     * key struct and the value struct; ended by 0.
     */
    public <K, V> Builder<T> gtree(
        String field,
        Function<T, NavigableMap<K, V>> map,
        VmStateDescription<K> key,
        Supplier<K> newKey,
        VmStateDescription<V> value,
        Supplier<V> newValue) {
      checkNotNull(
          key, "%s.%s: key description (use gtreeDirectKey for integer keys)", name, field);
      return add(new TreeField<>(field, map, key, newKey, value, newValue));
    }

    /**
     * QEMU's {@code VMSTATE_GTREE_DIRECT_KEY_V}: be32 node count, then per node the byte 1, a be64
     * key and the value struct; ended by 0.
     */
    public <V> Builder<T> gtreeDirectKey(
        String field,
        Function<T, NavigableMap<Long, V>> map,
        VmStateDescription<V> value,
        Supplier<V> newValue) {
      return add(new TreeField<T, Long, V>(field, map, null, null, value, newValue));
    }

    /** QEMU's {@code VMSTATE_WITH_TMP}: the child runs on a scratch object made from the parent. */
    public <S> Builder<T> withTmp(Function<T, S> scratch, VmStateDescription<S> child) {
      return add(new TmpField<>("tmp", scratch, child));
    }

    /** QEMU's {@code VMSTATE_VALIDATE}: no bytes; a false test fails the load here. */
    public Builder<T> validate(String label, Hooks.FieldExists<T> test) {
      return add(new ValidateField<>(label, test));
    }

    // ---- build ----

    private Builder<T> add(Field<T> f) {
      checkArgument(
          REPEATABLE_NAMES.contains(f.name()) || fieldNames.add(f.name()),
          "%s: duplicate field name '%s'",
          name,
          f.name());
      fields.add(f);
      return this;
    }

    /** Checks the table and makes the immutable description. */
    public VmStateDescription<T> build() {
      if (!minimumSet) {
        minimumVersion = version;
      }
      checkArgument(
          minimumVersion <= version,
          "%s: minimum version %s is above version %s",
          name,
          minimumVersion,
          version);
      for (int i = 0; i < fields.size(); i++) {
        Field<T> f = fields.get(i);
        checkArgument(
            f.hasExistsTest() || f.versionId() <= version,
            "%s.%s: field version %s is above the description's version %s, so it is never sent",
            name,
            f.name(),
            f.versionId(),
            version);
        resolveCounts(f, i);
      }
      return new VmStateDescription<>(this);
    }

    private void resolveCounts(Field<T> f, int index) {
      VarCount<T> vc = null;
      if (f instanceof ArrayField<T> a) {
        vc = a.varCount();
      } else if (f instanceof BufferField<T> b) {
        vc = b.varCount();
      } else if (f instanceof StructField<T, ?> s) {
        vc = s.varCount();
      }
      if (vc == null || !vc.isUnresolved()) {
        return;
      }
      ScalarField<T> countField = null;
      for (int j = 0; j < index; j++) {
        if (fields.get(j) instanceof ScalarField<T> s && s.name().equals(vc.name())) {
          countField = s;
        }
      }
      if (countField == null) {
        boolean later = false;
        for (int j = index + 1; j < fields.size(); j++) {
          later |= fields.get(j).name().equals(vc.name());
        }
        throw new IllegalArgumentException(
            name
                + "."
                + f.name()
                + ": count field '"
                + vc.name()
                + (later
                    ? "' comes after the array; it must be loaded first"
                    : "' does not exist among the scalar fields of " + name));
      }
      VarCount<T> resolved;
      try {
        resolved = vc.resolve(countField);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(name + "." + f.name() + ": " + e.getMessage(), e);
      }
      if (f instanceof ArrayField<T> a) {
        a.resolveCount(resolved);
      } else if (f instanceof BufferField<T> b) {
        b.resolveCount(resolved);
      } else if (f instanceof StructField<T, ?> s) {
        s.resolveCount(resolved);
      }
    }

    @SuppressWarnings("unchecked")
    private static <T> Function<T, Object> erase(Function<T, ?> f) {
      return (Function<T, Object>) f;
    }

    @SuppressWarnings("unchecked")
    private static <T, A> BiConsumer<T, Object> castSetter(BiConsumer<T, A> set) {
      return (o, v) -> set.accept(o, (A) v);
    }
  }
}
