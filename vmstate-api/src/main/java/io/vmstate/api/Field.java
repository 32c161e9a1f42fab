package io.vmstate.api;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One entry of a description's field table: QEMU's {@code VMStateField}. A field has a wire name
 * (QEMU's, never on the wire itself but used in vmdesc, schemas and error paths), an existence rule
 * (a minimum stream version or a {@link Hooks.FieldExists} predicate) and a shape given by its
 * subclass. Fields are immutable once their description is built.
 *
 * @param <T> the type of the object the field reads from and writes to
 */
public abstract sealed class Field<T>
    permits ScalarField,
        ArrayField,
        BufferField,
        StructField,
        ListField,
        TreeField,
        TmpField,
        ValidateField {
  private final String name;
  private int versionId;
  private Hooks.FieldExists<T> exists;

  Field(String name) {
    this.name = checkNotNull(name, "field name");
  }

  /** QEMU's field name, e.g. {@code gicd_ipriority}. */
  public final String name() {
    return name;
  }

  /** The field is on the wire when the stream version is at least this (unless a test is set). */
  public final int versionId() {
    return versionId;
  }

  /**
   * Whether an existence predicate (QEMU's {@code field_exists}) decides instead of the version.
   */
  public final boolean hasExistsTest() {
    return exists != null;
  }

  /** QEMU's existence rule, evaluated for the version being processed. */
  public final boolean exists(T obj, int version) {
    return exists != null ? exists.test(obj, version) : versionId <= version;
  }

  /** The wire encoding of one element (for structs and containers: the container kind). */
  public abstract WireType wireType();

  /** The number of elements for fixed-size fields, or -1 when it depends on the object. */
  public abstract int fixedCount();

  /** A debugging rendering such as {@code uint32[8] cpu_ctlr (start 8)}. */
  @Override
  public String toString() {
    return wireType().qemuName() + " " + name;
  }

  void gate(int version, Hooks.FieldExists<T> test) {
    this.versionId = version;
    this.exists = test;
  }
}
