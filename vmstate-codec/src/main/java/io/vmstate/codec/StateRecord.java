package io.vmstate.codec;

import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.Nullable;
import io.vmstate.api.WireType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of one description (a device, a struct element or a subsection) in the generic tree:
 * fields in wire order, then the subsections that were present, each a record of its own. Generic
 * descriptions bind to records through the get-or-create accessors below, so a fresh record fills
 * itself in as a load walks it.
 *
 * <p>Counts that are configuration rather than state (such as the number of CPUs of a GICv3) are
 * set with {@link #setConfig} before a load; lookups fall back to the enclosing record.
 */
public final class StateRecord implements StateValue {
  private final String name;
  private final StateRecord parent;
  private final LinkedHashMap<String, StateValue> fields = new LinkedHashMap<>();
  private final LinkedHashMap<String, StateRecord> subsections = new LinkedHashMap<>();
  private final Map<String, Long> config = new LinkedHashMap<>();

  /** A record for the description called {@code name}. */
  public StateRecord(String name) {
    this(name, null);
  }

  private StateRecord(String name, StateRecord parent) {
    this.name = checkNotNull(name);
    this.parent = parent;
  }

  /** The name of the description this record holds the state of. */
  public String name() {
    return name;
  }

  /** Fields in the order they were first set (wire order after a load). */
  public Map<String, StateValue> fields() {
    return Collections.unmodifiableMap(fields);
  }

  /** Subsections that are present, in wire order, keyed by full name. */
  public Map<String, StateRecord> subsections() {
    return Collections.unmodifiableMap(subsections);
  }

  /** The value of {@code field}, or null when the record has no such field. */
  public @Nullable StateValue get(String field) {
    return fields.get(field);
  }

  /**
   * Sets {@code field} to {@code value} (neither null), keeping the field's first position; returns
   * this record.
   */
  public StateRecord put(String field, StateValue value) {
    fields.put(checkNotNull(field), checkNotNull(value));
    return this;
  }

  /** The raw bits of scalar {@code field}; a missing field reads as 0. */
  public long bits(String field) {
    StateValue v = fields.get(field);
    return v instanceof Scalar s ? s.bits() : 0;
  }

  /** Sets a scalar. */
  public StateRecord setScalar(String field, WireType type, long bits) {
    return put(field, new Scalar(type, Scalars.normalize(type, bits)));
  }

  /** The primitive array of {@code field}, created with {@code n} elements when missing. */
  public Object array(String field, WireType type, int n) {
    StateValue v = fields.get(field);
    if (v instanceof Array a && a.type() == type && a.length() >= n) {
      return a.values();
    }
    Object arr = type == WireType.BITMAP ? new long[n] : Elements.of(type).newArray(n);
    fields.put(field, new Array(type, arr));
    return arr;
  }

  /** Stores a freshly allocated primitive array. */
  public void setArray(String field, WireType type, Object values) {
    fields.put(field, new Array(type, values));
  }

  /** The bytes of buffer {@code field}, created with {@code n} bytes when missing. */
  public byte[] bytes(String field, WireType type, int n) {
    StateValue v = fields.get(field);
    if (v instanceof Bytes b && b.bytes().length >= n) {
      return b.bytes();
    }
    byte[] arr = new byte[n];
    fields.put(field, new Bytes(type, arr));
    return arr;
  }

  /** Stores freshly allocated bytes. */
  public void setBytes(String field, WireType type, byte[] bytes) {
    fields.put(field, new Bytes(type, bytes));
  }

  /** The nested struct record of {@code field}, created when missing. */
  public StateRecord record(String field, String structName) {
    StateValue v = fields.get(field);
    if (v instanceof StateRecord r) {
      return r;
    }
    StateRecord r = new StateRecord(structName, this);
    fields.put(field, r);
    return r;
  }

  /** The struct records of array {@code field}, created (n fresh records) when missing. */
  public StateRecord[] records(String field, String structName, int n) {
    StateValue v = fields.get(field);
    if (v instanceof RecordArray a && a.elements().size() >= n) {
      return a.elements().toArray(new StateRecord[0]);
    }
    StateRecord[] arr = new StateRecord[n];
    for (int i = 0; i < n; i++) {
      arr[i] = new StateRecord(structName, this);
    }
    fields.put(field, new RecordArray(List.of(arr)));
    return arr;
  }

  /** Stores struct records (nulls allowed for null pointer slots). */
  public void setRecords(String field, StateRecord[] records) {
    List<StateRecord> l = new ArrayList<>(records.length);
    Collections.addAll(l, records);
    fields.put(field, new RecordArray(l));
  }

  /** A fresh element record whose configuration falls back to this one. */
  public StateRecord newChild(String structName) {
    return new StateRecord(structName, this);
  }

  /** Whether subsection {@code fullName} is present. */
  public boolean hasSubsection(String fullName) {
    return subsections.containsKey(fullName);
  }

  /** The record of subsection {@code fullName}, created (and so marked present) when missing. */
  public StateRecord subsection(String fullName) {
    return subsections.computeIfAbsent(fullName, n -> new StateRecord(n, this));
  }

  /** Sets a configuration count (not migrated) that generic variable arrays read. */
  public StateRecord setConfig(String label, long value) {
    config.put(label, value);
    return this;
  }

  /** A configuration count from this record or the nearest enclosing one that has it. */
  public long config(String label) {
    for (StateRecord r = this; r != null; r = r.parent) {
      Long v = r.config.get(label);
      if (v != null) {
        return v;
      }
    }
    throw new IllegalStateException(
        "configuration '" + label + "' is not set on record '" + name + "' (use setConfig)");
  }

  /** A deep copy (arrays and nested records copied), keeping configuration. */
  public StateRecord deepCopy() {
    return copyUnder(parent);
  }

  private StateRecord copyUnder(StateRecord newParent) {
    StateRecord c = new StateRecord(name, newParent);
    c.config.putAll(config);
    for (Map.Entry<String, StateValue> e : fields.entrySet()) {
      c.fields.put(e.getKey(), copyValue(e.getValue(), c));
    }
    for (Map.Entry<String, StateRecord> e : subsections.entrySet()) {
      c.subsections.put(e.getKey(), e.getValue().copyUnder(c));
    }
    return c;
  }

  private static StateValue copyValue(StateValue v, StateRecord owner) {
    if (v instanceof Array a) {
      Object src = a.values();
      int n = java.lang.reflect.Array.getLength(src);
      Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), n);
      System.arraycopy(src, 0, dst, 0, n);
      return new Array(a.type(), dst);
    } else if (v instanceof Bytes b) {
      return new Bytes(b.type(), b.bytes().clone());
    } else if (v instanceof StateRecord r) {
      return r.copyUnder(owner);
    } else if (v instanceof RecordArray ra) {
      List<StateRecord> l = new ArrayList<>();
      for (StateRecord r : ra.elements()) {
        l.add(r == null ? null : r.copyUnder(owner));
      }
      return new RecordArray(l);
    }
    return v;
  }

  /** Replaces this record's content with {@code source}'s (a staged load's commit). */
  public void replaceWith(StateRecord source) {
    fields.clear();
    for (Map.Entry<String, StateValue> e : source.fields.entrySet()) {
      fields.put(e.getKey(), copyValue(e.getValue(), this));
    }
    subsections.clear();
    for (Map.Entry<String, StateRecord> e : source.subsections.entrySet()) {
      subsections.put(e.getKey(), e.getValue().copyUnder(this));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateRecord r
        && r.name.equals(name)
        && r.fields.equals(fields)
        && r.subsections.equals(subsections);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, fields, subsections);
  }

  @Override
  public String toString() {
    return name + fields + (subsections.isEmpty() ? "" : " " + subsections);
  }
}
