package io.vmstate.api.compat;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableSet;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.FieldSchema;
import io.vmstate.api.schema.proto.Origin;
import io.vmstate.api.schema.proto.Presence;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema evolution checker: can a stream written with the OLD schema be loaded with the NEW
 * one, and what did the change put at risk? It follows the rules of QEMU's {@code
 * scripts/vmstate-static-checker.py} (old = its {@code -s} source, new = its {@code -d} dest), but
 * judges the wire layout instead of names, and models what the wire really carries:
 *
 * <ol>
 *   <li>Every old section must exist in the new schema (matched by key, else by description name).
 *   <li>Version window: the old version must not be above the new one ({@code version error: s >
 *       d}) nor below the new minimum ({@code minimum version error: s < d}); the same for every
 *       subsection, whose version travels in its header. A raised top-level version is a warning
 *       (streams of the new version cannot go back, P15).
 *   <li>Fields are walked in lockstep in wire order. A field is on the wire when its version_id is
 *       at most the version the description is processed at: the stream's version for sections and
 *       subsections; for nested structs the old side saves at the old child's own version and the
 *       new side loads at the new child's (P1); vstructs use their explicit version; WITH_TMP and
 *       container elements are loaded at the field's version_id (P4). Fields gated by an existence
 *       test are assumed on the wire on both sides.
 *   <li>{@code unused} padding on one side is matched against the other side's fields by total
 *       bytes (element size times count, P7); overshoot is {@code unused size mismatch near X}.
 *   <li>When names differ: descend into an embedded struct whose first field matches; otherwise a
 *       field with the identical layout is a rename (a warning) unless either name still occurs
 *       later on the other side (then a field was removed or moved); otherwise {@code expected
 *       field X, got Y; skipping rest}.
 *   <li>Matching fields: {@code size mismatch: s , d} for element sizes (not for structs, whose
 *       QEMU sizes are host sizes), element count, 2-D shape, sub-array range, fixed versus
 *       variable count, pointer arrays, {@code missing description}, nested versions; then the
 *       nested description recursively.
 *   <li>Subsections by name: an old subsection missing from the new schema is an error ({@code
 *       Subsection X not found}: QEMU fails the load); a subsection whose needed() predicate was
 *       removed is an error (it used to be optional, now it is always sent, so migration to
 *       releases without it always fails); a new always-sent subsection is a warning.
 * </ol>
 *
 * <p>What QEMU's checker misses and this one reports: nested struct version changes, removed
 * needed() predicates, sub-array range and 2-D shape changes, and new fields read without a version
 * gate at the end of a description.
 */
public final class CompatChecker {
  private final ImmutableSet<String> ignoredSubsections;

  private CompatChecker(ImmutableSet<String> ignoredSubsections) {
    this.ignoredSubsections = ignoredSubsections;
  }

  /** A checker with every rule on. */
  public static CompatChecker standard() {
    return new CompatChecker(ImmutableSet.of());
  }

  /**
   * The same checker skipping subsections with these full names on both sides, e.g. the NMI
   * subsections QEMU added after 7.2 ({@code arm_gicv3/gicd_nmi}, {@code arm_gicv3_cpu/nmi}).
   */
  public CompatChecker ignoringSubsections(Collection<String> names) {
    return new CompatChecker(
        ImmutableSet.<String>builder().addAll(ignoredSubsections).addAll(names).build());
  }

  /** Checks that streams written with {@code oldSchema} load with {@code newSchema}. */
  public CompatReport check(SchemaSet oldSchema, SchemaSet newSchema) {
    checkNotNull(oldSchema, "old schema");
    checkNotNull(newSchema, "new schema");
    List<Problem> out = new ArrayList<>();
    if (!oldSchema.getMachine().isEmpty()
        && !newSchema.getMachine().isEmpty()
        && !oldSchema.getMachine().equals(newSchema.getMachine())) {
      out.add(
          new Problem(
              Severity.WARNING,
              "vmschkmachine",
              "",
              "checking incompatible machine types: "
                  + oldSchema.getMachine()
                  + " -> "
                  + newSchema.getMachine()));
    }
    // QEMU's -dump-vmstate records no sub-array start, variable count or pointer-array flag
    // (an array is its "size", plus "num" from 8.1), so those are compared only between full
    // layouts.
    boolean layoutKnown =
        oldSchema.getOrigin() != Origin.QEMU_DUMP && newSchema.getOrigin() != Origin.QEMU_DUMP;
    Map<String, SectionSchema> byKey = new HashMap<>();
    Map<String, SectionSchema> byName = new HashMap<>();
    for (SectionSchema s : newSchema.getSectionsList()) {
      byKey.put(s.getKey(), s);
      byName.putIfAbsent(s.getDescription().getName(), s);
    }
    // A section is matched by its key, else by its description name (our exports key by the name
    // unless told otherwise; QEMU dumps by the class), but never onto a new section that an old
    // section of the same key claims: several classes may share one description name
    // (pxa25x-timer and pxa27x-timer are both "pxa2xx_timer"), and a class gone from new is gone
    // even if another class still has its description.
    java.util.Set<String> oldKeys = new java.util.HashSet<>();
    for (SectionSchema o : oldSchema.getSectionsList()) {
      oldKeys.add(o.getKey());
    }
    for (SectionSchema o : oldSchema.getSectionsList()) {
      SectionSchema n = byKey.get(o.getKey());
      if (n == null) {
        n = byName.get(o.getDescription().getName());
        if (n != null && oldKeys.contains(n.getKey())) {
          n = null;
        }
      }
      if (n == null) {
        out.add(new Problem(Severity.ERROR, o.getKey(), "", "section does not exist in new"));
        continue;
      }
      new Walk(o.getKey(), out, layoutKnown).section(o.getDescription(), n.getDescription());
    }
    return new CompatReport(out);
  }

  /** Checks one description pair as a section named after the old description. */
  public CompatReport check(DescriptionSchema oldDescription, DescriptionSchema newDescription) {
    List<Problem> out = new ArrayList<>();
    new Walk(oldDescription.getName(), out, true).section(oldDescription, newDescription);
    return new CompatReport(out);
  }

  /** A field in a cursor: its path and whether it is on the wire at the processing version. */
  private record Entry(FieldSchema field, String path, int version) {
    boolean onWire() {
      return field.getHasExistsTest() || field.getVersionId() <= version;
    }

    String name() {
      return field.getName();
    }
  }

  /** The walk over one section, collecting problems. */
  private final class Walk {
    private final String device;
    private final List<Problem> out;
    private final boolean layoutKnown;

    Walk(String device, List<Problem> out, boolean layoutKnown) {
      this.device = device;
      this.out = out;
      this.layoutKnown = layoutKnown;
    }

    private void error(String path, String message) {
      out.add(new Problem(Severity.ERROR, device, path, message));
    }

    private void warning(String path, String message) {
      out.add(new Problem(Severity.WARNING, device, path, message));
    }

    void section(DescriptionSchema o, DescriptionSchema n) {
      if (!o.getName().equals(n.getName())) {
        error(
            "",
            "section name changed: "
                + o.getName()
                + " -> "
                + n.getName()
                + " (the name is the section idstr on the wire)");
      }
      versionWindow("", o.getVersionId(), n);
      if (n.getVersionId() > o.getVersionId()) {
        warning(
            "",
            "version bumped: "
                + o.getVersionId()
                + " -> "
                + n.getVersionId()
                + "; streams written by new cannot be loaded by old (prefer a subsection)");
      }
      if (!o.getUnmigratable() && n.getUnmigratable()) {
        warning("", "device became unmigratable");
      }
      if (!o.getPriority().isEmpty()
          && !n.getPriority().isEmpty()
          && !o.getPriority().equals(n.getPriority())) {
        warning("", "migration priority changed: " + o.getPriority() + " -> " + n.getPriority());
      }
      if (o.getUnmigratable()
          || (!o.getHasFieldTable()
              && o.getFieldsCount() == 0
              && o.getSubsectionsCount() == 0
              && (n.getFieldsCount() > 0 || n.getSubsectionsCount() > 0))) {
        // QEMU dumps an unmigratable device's description without a field table
        // (vhost-user-fs in 7.2): old never wrote a stream of it, so there is nothing to load.
        warning(
            "",
            "old has no field table (unmigratable there, or stateless): no stream of old carries"
                + " it, so new's fields are not checked against it");
        return;
      }
      description("", o, n, o.getVersionId(), o.getVersionId());
    }

    private void versionWindow(String path, int sent, DescriptionSchema n) {
      if (sent > n.getVersionId()) {
        error(path, "version error: " + sent + " > " + n.getVersionId());
      }
      if (sent < n.getMinimumVersionId()) {
        error(path, "minimum version error: " + sent + " < " + n.getMinimumVersionId());
      }
    }

    private void description(
        String path, DescriptionSchema o, DescriptionSchema n, int saveVersion, int loadVersion) {
      fields(path, o, n, saveVersion, loadVersion);
      subsections(path, o, n);
    }

    private void subsections(String path, DescriptionSchema o, DescriptionSchema n) {
      for (DescriptionSchema os : o.getSubsectionsList()) {
        if (ignoredSubsections.contains(os.getName())) {
          continue;
        }
        String sp = join(path, "[" + os.getName() + "]");
        DescriptionSchema ns = find(n.getSubsectionsList(), os.getName());
        if (ns == null) {
          error(sp, "Subsection " + os.getName() + " not found");
          continue;
        }
        versionWindow(sp, os.getVersionId(), ns);
        if (os.getPresence() == Presence.WHEN_NEEDED && ns.getPresence() == Presence.ALWAYS) {
          error(
              sp,
              "subsection became always sent (its needed() predicate was removed); it was"
                  + " optional, so migration to releases without it now always fails");
        }
        description(sp, os, ns, os.getVersionId(), os.getVersionId());
      }
      for (DescriptionSchema ns : n.getSubsectionsList()) {
        if (ns.getPresence() == Presence.ALWAYS
            && !ignoredSubsections.contains(ns.getName())
            && find(o.getSubsectionsList(), ns.getName()) == null) {
          warning(
              join(path, "[" + ns.getName() + "]"),
              "new subsection is always sent; old does not know it, so migration from new to"
                  + " old fails (give it a needed() predicate)");
        }
      }
    }

    private void fields(
        String path, DescriptionSchema o, DescriptionSchema n, int saveVersion, int loadVersion) {
      Deque<Entry> oc = entries(path, o, saveVersion);
      Deque<Entry> nc = entries(path, n, loadVersion);
      while (true) {
        Entry a = oc.peekFirst();
        Entry b = nc.peekFirst();
        if (a != null && !a.onWire()) {
          if (b != null && b.onWire() && b.name().equals(a.name())) {
            error(
                a.path(),
                "version error: new reads the field at version "
                    + b.version()
                    + " (field version_id "
                    + b.field().getVersionId()
                    + "), old sends it only from version "
                    + a.field().getVersionId());
            nc.removeFirst();
          }
          oc.removeFirst();
          continue;
        }
        if (b != null && !b.onWire()) {
          if (a != null && b.name().equals(a.name())) {
            error(
                a.path(),
                "version error: old sends the field at version "
                    + a.version()
                    + " (field version_id "
                    + a.field().getVersionId()
                    + "), new reads it only from version "
                    + b.field().getVersionId());
            oc.removeFirst();
          }
          nc.removeFirst();
          continue;
        }
        if (a == null && b == null) {
          return;
        }
        if (a == null) {
          if (b.field().getHasExistsTest()) {
            warning(
                b.path(),
                "new reads this field when its field_exists test passes; old never" + " sends it");
          } else {
            error(
                b.path(),
                "new reads this field, but old does not send it (gate it by version or move it"
                    + " into a subsection)");
          }
          nc.removeFirst();
          continue;
        }
        if (b == null) {
          error(a.path(), "expected field " + a.name() + ", while new has no further fields");
          return;
        }
        if (a.name().equals(b.name())) {
          oc.removeFirst();
          nc.removeFirst();
          field(a, b);
          continue;
        }
        if (isUnused(a.field()) || isUnused(b.field())) {
          if (!unused(oc, nc)) {
            return;
          }
          continue;
        }
        if (descend(oc, a, b.name()) || descend(nc, b, a.name())) {
          continue;
        }
        if (sameLayout(a.field(), b.field())
            && !containsName(nc, a.name())
            && !containsName(oc, b.name())) {
          warning(
              a.path(), "field renamed: " + a.name() + " -> " + b.name() + " (same wire layout)");
          oc.removeFirst();
          nc.removeFirst();
          field(a, b);
          continue;
        }
        error(a.path(), "expected field " + a.name() + ", got " + b.name() + "; skipping rest");
        return;
      }
    }

    private Deque<Entry> entries(String path, DescriptionSchema d, int version) {
      Deque<Entry> q = new ArrayDeque<>();
      for (FieldSchema f : d.getFieldsList()) {
        q.addLast(new Entry(f, join(path, f.getName()), version));
      }
      return q;
    }

    /**
     * One side's {@code unused} bytes against the other side's fields: equal total bytes match;
     * otherwise following fields of the other side are consumed until the bytes are used up.
     * Returns false (after reporting) when they do not add up, which ends this description.
     */
    private boolean unused(Deque<Entry> oc, Deque<Entry> nc) {
      boolean oldUnused = isUnused(oc.peekFirst().field());
      Deque<Entry> padSide = oldUnused ? oc : nc;
      Deque<Entry> other = oldUnused ? nc : oc;
      Entry pad = padSide.removeFirst();
      long remaining = totalBytes(pad.field());
      while (remaining > 0) {
        Entry e = other.peekFirst();
        while (e != null && !e.onWire()) {
          other.removeFirst();
          e = other.peekFirst();
        }
        if (e == null) {
          error(pad.path(), "unused size mismatch near " + pad.name() + " (no fields left)");
          return false;
        }
        long size = totalBytes(e.field());
        if (size < 0 || size > remaining) {
          error(e.path(), "unused size mismatch near " + e.name());
          return false;
        }
        other.removeFirst();
        remaining -= size;
      }
      return true;
    }

    /**
     * QEMU's "descend into a substruct": {@code holder} is a single embedded struct whose first
     * field on the wire is named {@code otherName}; its fields replace it in its cursor.
     */
    private boolean descend(Deque<Entry> cursor, Entry holder, String otherName) {
      FieldSchema f = holder.field();
      if (!f.hasChild()
          || f.getArray()
          || f.hasVarCount()
          || (f.hasCount() && f.getCount() != 1)
          || f.getChild().getFieldsCount() == 0) {
        return false;
      }
      int version = processingVersion(f);
      Deque<Entry> inner = entries(holder.path(), f.getChild(), version);
      while (!inner.isEmpty() && !inner.peekFirst().onWire()) {
        inner.removeFirst();
      }
      if (inner.isEmpty() || !inner.peekFirst().name().equals(otherName)) {
        return false;
      }
      cursor.removeFirst();
      while (!inner.isEmpty()) {
        cursor.addFirst(inner.removeLast());
      }
      return true;
    }

    private void field(Entry a, Entry b) {
      FieldSchema o = a.field();
      FieldSchema n = b.field();
      String path = a.path();
      if (o.getHasExistsTest() != n.getHasExistsTest()) {
        warning(
            path,
            "field_exists test "
                + (n.getHasExistsTest() ? "added" : "removed")
                + "; both sides must agree on when the field is sent");
      }
      if (!o.getWireType().isEmpty()
          && !n.getWireType().isEmpty()
          && !o.getWireType().equals(n.getWireType())) {
        warning(path, "wire type changed: " + o.getWireType() + " -> " + n.getWireType());
      }
      if (o.hasChild() && !n.hasChild()) {
        error(path, "missing description");
        return;
      }
      if (!o.hasChild() && n.hasChild()) {
        error(path, "new field has a description, old does not");
        return;
      }
      if (!o.hasChild()
          && o.hasElementSize()
          && n.hasElementSize()
          && o.getElementSize() != n.getElementSize()) {
        error(path, "size mismatch: " + o.getElementSize() + " , " + n.getElementSize());
      }
      shape(path, o, n);
      if (o.hasChild()) {
        nested(path, o, n);
      }
    }

    private void shape(String path, FieldSchema o, FieldSchema n) {
      if (o.hasCount() && n.hasCount() && o.getCount() != n.getCount()) {
        error(path, "element count mismatch: " + o.getCount() + " , " + n.getCount());
      }
      if (o.getRows() > 0
          && n.getRows() > 0
          && (o.getRows() != n.getRows() || o.getColumns() != n.getColumns())) {
        error(path, "2-D shape changed: " + dims(o) + " -> " + dims(n));
      }
      if (!layoutKnown) {
        return;
      }
      if (o.getStart() != n.getStart()) {
        error(path, "sub-array range changed: " + range(o) + " -> " + range(n));
      }
      if (o.hasVarCount() != n.hasVarCount()) {
        error(
            path,
            o.hasVarCount()
                ? "variable count (" + o.getVarCount().getSource() + ") became a fixed count"
                : "fixed count became a variable count (" + n.getVarCount().getSource() + ")");
      } else if (o.hasVarCount()
          && !o.getVarCount().getSource().equals(n.getVarCount().getSource())) {
        warning(
            path,
            "count source changed: "
                + o.getVarCount().getSource()
                + " -> "
                + n.getVarCount().getSource());
      }
      if (o.getPointerArray() != n.getPointerArray()) {
        error(
            path,
            "pointer array "
                + (n.getPointerArray() ? "introduced" : "removed")
                + ": only one side sends NULL elements as the 0x30 marker");
      }
    }

    private void nested(String path, FieldSchema o, FieldSchema n) {
      DescriptionSchema oc = o.getChild();
      DescriptionSchema ncd = n.getChild();
      if (!oc.getName().equals(ncd.getName())) {
        warning(
            path,
            "description name changed: "
                + oc.getName()
                + " -> "
                + ncd.getName()
                + " (nested names are not on the wire)");
      }
      int save = savingVersion(o);
      int load = processingVersion(n);
      if (o.hasStructVersion() || n.hasStructVersion()) {
        if (save != load) {
          error(
              path,
              "struct version changed: "
                  + save
                  + " -> "
                  + load
                  + "; old saves the struct at version "
                  + save
                  + ", new loads it at version "
                  + load);
        }
      } else if (isPlainStruct(o) && isPlainStruct(n) && save != load) {
        error(
            path,
            "nested struct version changed: "
                + save
                + " -> "
                + load
                + "; nested versions are not on the wire, so old streams are read at version "
                + load
                + " (use a subsection or a vstruct)");
      }
      description(path, oc, ncd, save, load);
      if (o.hasKeyChild() && n.hasKeyChild()) {
        description(
            join(path, "key"),
            o.getKeyChild(),
            n.getKeyChild(),
            o.getKeyChild().getVersionId(),
            n.getVersionId());
      } else if (o.hasKeyChild() != n.hasKeyChild()) {
        error(path, "GTree key changed between a direct be64 key and a key description");
      }
    }
  }

  /** The version the sending side processes a nested description at. */
  private static int savingVersion(FieldSchema f) {
    return f.hasStructVersion() ? f.getStructVersion() : f.getChild().getVersionId();
  }

  /**
   * The version the loading side processes a nested description at: a vstruct's explicit version, a
   * plain struct's own version (P1), the field's version_id for WITH_TMP and containers (P4).
   */
  private static int processingVersion(FieldSchema f) {
    if (f.hasStructVersion()) {
      return f.getStructVersion();
    }
    return isPlainStruct(f) ? f.getChild().getVersionId() : f.getVersionId();
  }

  private static boolean isPlainStruct(FieldSchema f) {
    String t = f.getWireType();
    return t.isEmpty() || t.equals("struct");
  }

  private static boolean isUnused(FieldSchema f) {
    String t = f.getWireType();
    return t.equals("unused_buffer") || (t.isEmpty() && f.getName().equals("unused"));
  }

  /** Total bytes of a field when known: its wire size, else element size times count; -1. */
  private static long totalBytes(FieldSchema f) {
    if (f.hasWireSize()) {
      return f.getWireSize();
    }
    if (!f.hasElementSize() || f.hasVarCount()) {
      return -1;
    }
    return (long) f.getElementSize() * (f.hasCount() ? f.getCount() : 1);
  }

  /** Whether two fields put the same bytes in the same places (names aside). */
  static boolean sameLayout(FieldSchema a, FieldSchema b) {
    if (!a.getWireType().isEmpty()
        && !b.getWireType().isEmpty()
        && !a.getWireType().equals(b.getWireType())) {
      return false;
    }
    if (a.getVersionId() != b.getVersionId()
        || a.getHasExistsTest() != b.getHasExistsTest()
        || a.hasElementSize() != b.hasElementSize()
        || a.getElementSize() != b.getElementSize()
        || a.hasCount() != b.hasCount()
        || a.getCount() != b.getCount()
        || a.getStart() != b.getStart()
        || a.getRows() != b.getRows()
        || a.getColumns() != b.getColumns()
        || a.hasVarCount() != b.hasVarCount()
        || a.getPointerArray() != b.getPointerArray()
        || a.hasChild() != b.hasChild()) {
      return false;
    }
    return !a.hasChild() || sameLayout(a.getChild(), b.getChild());
  }

  private static boolean sameLayout(DescriptionSchema a, DescriptionSchema b) {
    if (a.getVersionId() != b.getVersionId()
        || a.getFieldsCount() != b.getFieldsCount()
        || a.getSubsectionsCount() != b.getSubsectionsCount()) {
      return false;
    }
    for (int i = 0; i < a.getFieldsCount(); i++) {
      if (!sameLayout(a.getFields(i), b.getFields(i))) {
        return false;
      }
    }
    for (int i = 0; i < a.getSubsectionsCount(); i++) {
      if (!a.getSubsections(i).getName().equals(b.getSubsections(i).getName())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a later field of the cursor has this name (then a mismatch is a move, not a rename).
   */
  private static boolean containsName(Deque<Entry> cursor, String name) {
    return cursor.stream().anyMatch(e -> e.name().equals(name));
  }

  private static DescriptionSchema find(List<DescriptionSchema> list, String name) {
    for (DescriptionSchema d : list) {
      if (d.getName().equals(name)) {
        return d;
      }
    }
    return null;
  }

  private static String join(String path, String segment) {
    return path.isEmpty() ? segment : path + "." + segment;
  }

  private static String dims(FieldSchema f) {
    return "[" + f.getRows() + "][" + f.getColumns() + "]";
  }

  private static String range(FieldSchema f) {
    return "["
        + f.getStart()
        + ", "
        + (f.hasCount() ? Integer.toString(f.getStart() + f.getCount()) : "?")
        + ")";
  }
}
