package io.vmstate.codec;

import io.vmstate.api.ArrayField;
import io.vmstate.api.BufferField;
import io.vmstate.api.Field;
import io.vmstate.api.ListField;
import io.vmstate.api.ScalarField;
import io.vmstate.api.StateCopier;
import io.vmstate.api.StructField;
import io.vmstate.api.TmpField;
import io.vmstate.api.TreeField;
import io.vmstate.api.ValidateField;
import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The generic binding: the same field table, bound to {@link StateRecord}s instead of a Java class.
 * {@link #mirror} derives it from a typed description, so one codec encodes both bindings and the
 * bytes agree by construction; tests check that they also agree in value.
 *
 * <p>What a record cannot evaluate is refused when mirroring, with the field named: existence
 * predicates (they are written against the typed object), arrays of pointers (whether a slot is
 * null is the destination's knowledge), and QTAILQ/QLIST/GTree containers. Equal checks become
 * plain reads (a fresh record has no local value to compare with) but keep their type for display.
 * Variable arrays whose count is configuration read it from {@link StateRecord#config}.
 */
public final class GenericBinding {
  /** Deep copies of records, so generic loads are atomic too. */
  public static final StateCopier<StateRecord> RECORD_COPIER =
      StateCopier.of(StateRecord::deepCopy, (source, target) -> target.replaceWith(source));

  private GenericBinding() {}

  /** The generic twin of {@code typed}, bound to records. */
  public static VmStateDescription<StateRecord> mirror(VmStateDescription<?> typed) {
    return mirror(typed, Function.identity(), true, null);
  }

  private static VmStateDescription<StateRecord> mirror(
      VmStateDescription<?> typed,
      Function<StateRecord, StateRecord> scope,
      boolean top,
      String subsectionName) {
    return mirror(typed, scope, top, subsectionName, scope);
  }

  private static VmStateDescription<StateRecord> mirror(
      VmStateDescription<?> typed,
      Function<StateRecord, StateRecord> scope,
      boolean top,
      String subsectionName,
      Function<StateRecord, StateRecord> parentScope) {
    VmStateDescription.Builder<StateRecord> b =
        VmStateDescription.<StateRecord>named(typed.name())
            .version(typed.version())
            .minimumVersion(typed.minimumVersion())
            .priority(typed.priority());
    if (typed.introducedIn() != null) {
      b.introducedIn(typed.introducedIn());
    }
    if (typed.zeroAtReset()) {
      b.zeroAtReset();
    }
    if (top) {
      b.copier(RECORD_COPIER);
    }
    if (subsectionName != null) {
      // Sent when the record has it; created as soon as it arrives, even with no fields.
      b.needed(r -> parentScope.apply(r).hasSubsection(subsectionName))
          .preLoad(r -> parentScope.apply(r).subsection(subsectionName));
    }
    java.util.Map<String, Integer> seen = new java.util.HashMap<>();
    for (Field<?> f : typed.fields()) {
      seen.merge(f.name(), 1, Integer::sum);
    }
    java.util.Map<String, Integer> index = new java.util.HashMap<>();
    for (Field<?> f : typed.fields()) {
      int k = index.merge(f.name(), 1, Integer::sum) - 1;
      String key = seen.get(f.name()) > 1 ? f.name() + "[" + k + "]" : f.name();
      mirrorField(typed.name(), f, key, scope, b);
    }
    for (VmStateDescription<?> sub : typed.subsections()) {
      String subName = sub.name();
      Function<StateRecord, StateRecord> subScope = r -> scope.apply(r).subsection(subName);
      b.subsection(mirror(sub, subScope, false, subName, scope));
    }
    return b.build();
  }

  private static void mirrorField(
      String owner,
      Field<?> raw,
      String key,
      Function<StateRecord, StateRecord> scope,
      VmStateDescription.Builder<StateRecord> b) {
    String name = key;
    if (raw.hasExistsTest()) {
      throw new IllegalArgumentException(
          owner
              + "."
              + name
              + ": the generic mirror cannot evaluate an existence predicate written for the"
              + " typed object");
    }
    if (raw instanceof ScalarField<?> s) {
      WireType shown = s.wireType();
      WireType wire = shown.plain();
      b.scalar(
          name,
          wire,
          r -> scope.apply(r).bits(name),
          (r, v) -> scope.apply(r).setScalar(name, shown, v));
    } else if (raw instanceof ArrayField<?> a) {
      WireType shown = a.wireType();
      WireType wire = shown.plain();
      if (a.varCount() != null) {
        VarCount<StateRecord> count = count(a.varCount(), scope);
        b.varArray(
            wire,
            name,
            count,
            r -> fieldArray(scope.apply(r), name, shown),
            (r, arr) -> scope.apply(r).setArray(name, shown, arr));
      } else {
        int n = a.fixedCount();
        b.array(wire, name, r -> scope.apply(r).array(name, shown, n), n);
      }
    } else if (raw instanceof BufferField<?> buf) {
      mirrorBuffer(buf, key, scope, b);
    } else if (raw instanceof StructField<?, ?> s) {
      mirrorStruct(owner, s, scope, b);
    } else if (raw instanceof TmpField<?, ?> t) {
      VmStateDescription<StateRecord> child = mirror(t.child(), Function.identity(), false, null);
      String childName = t.child().name();
      b.vstruct(name, r -> scope.apply(r).record(name, childName), child, t.child().version());
    } else if (raw instanceof ValidateField<?>) {
      return;
    } else if (raw instanceof ListField<?, ?> || raw instanceof TreeField<?, ?, ?>) {
      throw new IllegalArgumentException(
          owner
              + "."
              + name
              + ": the generic mirror does not support "
              + raw.wireType().qemuName());
    } else {
      throw new IllegalArgumentException(owner + "." + name + ": unknown field kind " + raw);
    }
    if (raw.versionId() > 0) {
      b.since(raw.versionId());
    }
  }

  private static Object fieldArray(StateRecord r, String name, WireType type) {
    StateValue v = r.get(name);
    return v instanceof StateValue.Array a ? a.values() : Elements.of(type).newArray(0);
  }

  /**
   * Buffers, bitmaps and unused bytes. {@code key} is where the record keeps the value: the field
   * name, or for repeated names such as {@code unused} the name with its occurrence index.
   */
  private static void mirrorBuffer(
      BufferField<?> buf,
      String key,
      Function<StateRecord, StateRecord> scope,
      VmStateDescription.Builder<StateRecord> b) {
    String name = key;
    WireType type = buf.wireType();
    if (type == WireType.BITMAP) {
      if (buf.varCount() != null) {
        VarCount<StateRecord> bits = count(buf.varCount(), scope);
        ToLongFunction<StateRecord> bitCount = countValue(buf.varCount(), scope);
        b.bitmap(
            name,
            bits,
            r ->
                (long[])
                    scope.apply(r).array(name, WireType.BITMAP, words(bitCount.applyAsLong(r))));
      } else {
        int words = words(buf.size());
        b.bitmap(
            name, buf.size(), r -> (long[]) scope.apply(r).array(name, WireType.BITMAP, words));
      }
    } else if (buf.varCount() != null) {
      VarCount<StateRecord> size = count(buf.varCount(), scope);
      b.vbuffer(
          name,
          size,
          buf.size(),
          r -> {
            StateValue v = scope.apply(r).get(name);
            return v instanceof StateValue.Bytes by ? by.bytes() : new byte[0];
          },
          (r, bytes) -> scope.apply(r).setBytes(name, type, bytes));
    } else {
      int n = buf.fixedWireSize();
      if (type == WireType.UNUSED) {
        // Keep what arrived, so a rewrite stays byte-identical even if a sender put non-zeros.
        b.buffer(buf.name(), r -> scope.apply(r).bytes(name, type, n), n);
      } else {
        b.buffer(name, r -> scope.apply(r).bytes(name, type, n), n);
      }
    }
  }

  private static int words(long bits) {
    return (int) ((bits + 63) / 64);
  }

  private static void mirrorStruct(
      String owner,
      StructField<?, ?> s,
      Function<StateRecord, StateRecord> scope,
      VmStateDescription.Builder<StateRecord> b) {
    String name = s.name();
    if (s.isPointerArray()) {
      throw new IllegalArgumentException(
          owner
              + "."
              + name
              + ": the generic mirror cannot tell which pointer slots are null on the destination");
    }
    VmStateDescription<StateRecord> child = mirror(s.child(), Function.identity(), false, null);
    String childName = s.child().name();
    if (!s.isArray()) {
      Function<StateRecord, StateRecord> get = r -> scope.apply(r).record(name, childName);
      if (s.structVersion() >= 0) {
        b.vstruct(name, get, child, s.structVersion());
      } else {
        b.struct(name, get, child);
      }
    } else if (s.varCount() != null) {
      VarCount<StateRecord> count = count(s.varCount(), scope);
      b.structVarArrayAlloc(
          name,
          count,
          r -> scope.apply(r).records(name, childName, 0),
          (r, arr) -> scope.apply(r).setRecords(name, arr),
          StateRecord[]::new,
          () -> new StateRecord(childName),
          child);
    } else {
      int n = s.count();
      b.structArray(name, r -> scope.apply(r).records(name, childName, n), n, child);
    }
  }

  private static VarCount<StateRecord> count(
      VarCount<?> typed, Function<StateRecord, StateRecord> scope) {
    if (typed.isFieldReference()) {
      return VarCount.field(typed.name());
    }
    String label = typed.name();
    return VarCount.config(label, typed.countType(), r -> scope.apply(r).config(label));
  }

  /**
   * The count a record holds for {@code typed}, as {@link VarCount#count} reads it: the builder
   * resolves a field reference only inside the field it builds, so accessors that need the count
   * read the record's own (already normalized) count field.
   */
  private static ToLongFunction<StateRecord> countValue(
      VarCount<?> typed, Function<StateRecord, StateRecord> scope) {
    String label = typed.name();
    if (typed.isFieldReference()) {
      return r -> Math.max(0, scope.apply(r).bits(label));
    }
    return r -> scope.apply(r).config(label);
  }
}
