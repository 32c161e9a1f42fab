package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.ToLongFunction;

/**
 * Where the element count of a variable array (or the size of a variable buffer) comes from. The
 * count itself is never sent by the array field; it is either an earlier migrated field of the same
 * description ({@link #field}) or configuration both ends must agree on ({@link #config}).
 */
public final class VarCount<T> {
  private final String name;
  private final WireType countType;
  private final ToLongFunction<T> reader;
  private final boolean fieldReference;

  private VarCount(
      String name, WireType countType, ToLongFunction<T> reader, boolean fieldReference) {
    this.name = checkNotNull(name, "name");
    this.countType = checkNotNull(countType, "countType");
    this.reader = reader;
    this.fieldReference = fieldReference;
  }

  /**
   * The count is the value of the scalar field {@code fieldName} of the same description; its width
   * and signedness decide how the count is read (a negative int32 count means no elements).
   */
  public static <T> VarCount<T> field(String fieldName) {
    return new VarCount<>(fieldName, WireType.INT32, null, true);
  }

  /**
   * The count is configuration that is not migrated (such as {@code num-cpu}); {@code countType} is
   * the width of the C member QEMU reads it from.
   */
  public static <T> VarCount<T> config(String label, WireType countType, ToLongFunction<T> count) {
    checkArgument(
        countType == WireType.INT32
            || countType == WireType.UINT8
            || countType == WireType.UINT16
            || countType == WireType.UINT32,
        "count type must be int32, uint8, uint16 or uint32, not %s",
        countType);
    return new VarCount<>(label, countType, checkNotNull(count, "count"), false);
  }

  /** The counting field's name, or the configuration label. */
  public String name() {
    return name;
  }

  /** Whether the count comes from a migrated field of the same description. */
  public boolean isFieldReference() {
    return fieldReference;
  }

  /** Whether a field reference still has to be bound to its field (before the build). */
  boolean isUnresolved() {
    return reader == null;
  }

  VarCount<T> resolve(ScalarField<T> countField) {
    WireType t = countField.wireType();
    checkArgument(
        t == WireType.INT32
            || t == WireType.UINT8
            || t == WireType.UINT16
            || t == WireType.UINT32
            || t == WireType.INT32_EQUAL
            || t == WireType.UINT32_EQUAL
            || t == WireType.INT32_LE,
        "count field '%s' has type %s; a count must be int32, uint8, uint16 or uint32",
        name,
        t.qemuName());
    return new VarCount<>(name, t, countField.getter(), true);
  }

  /** The width of the member the count is read from. */
  public WireType countType() {
    return countType;
  }

  /** Reads the count from {@code obj}: 0 for a negative int32, unsigned otherwise. */
  public long count(T obj) {
    long raw = reader.applyAsLong(obj);
    return switch (countType) {
      case UINT8 -> raw & 0xffL;
      case UINT16 -> raw & 0xffffL;
      case UINT32, UINT32_EQUAL -> raw & 0xffffffffL;
      default -> Math.max(0, (int) raw);
    };
  }
}
