package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * An array of scalars, bound to a primitive Java array so the codec moves it in bulk: {@code
 * boolean[]} for bool, {@code byte[]} for 8-bit types, {@code short[]} for 16-bit, {@code int[]}
 * for 32-bit, {@code long[]} for 64-bit and timers, {@code double[]} for float64 and CPU doubles,
 * {@code String[]} for capabilities.
 *
 * <p>Shapes: a fixed array or a sub-array ({@link #start()}, {@link #count()} of a larger array); a
 * 2-D array ({@link #rows()} x {@link #columns()}, bound to {@code T[][]}, sent row-major); a
 * variable array whose count comes from {@link #varCount()} and that may be allocated on load.
 */
public final class ArrayField<T> extends Field<T> {
  private final WireType type;
  private final Function<T, Object> array;
  private final int start;
  private final int count;
  private final int rows;
  private VarCount<T> varCount;
  private final BiConsumer<T, Object> allocator;

  ArrayField(
      String name,
      WireType type,
      Function<T, Object> array,
      int start,
      int count,
      int rows,
      VarCount<T> varCount,
      BiConsumer<T, Object> allocator) {
    super(name);
    checkArgument(
        type.isFixedWidthScalar() || type == WireType.CAPABILITY,
        "field '%s': %s cannot be an array element",
        name,
        type.qemuName());
    checkArgument(start >= 0, "field '%s': start %s is negative", name, start);
    checkArgument(varCount != null || count >= 0, "field '%s': count %s is negative", name, count);
    checkArgument(rows >= 0, "field '%s': rows %s is negative", name, rows);
    this.type = type;
    this.array = checkNotNull(array, "array accessor of %s", name);
    this.start = start;
    this.count = count;
    this.rows = rows;
    this.varCount = varCount;
    this.allocator = allocator;
  }

  @Override
  public WireType wireType() {
    return type;
  }

  @Override
  public int fixedCount() {
    if (varCount != null) {
      return -1;
    }
    return rows > 0 ? rows * count : count;
  }

  /** The primitive array (or for 2-D fields, the array of rows). */
  public Function<T, Object> array() {
    return array;
  }

  /** First index sent, for sub-arrays; 0 otherwise. */
  public int start() {
    return start;
  }

  /** Elements sent (for 2-D arrays: per row); -1 for variable arrays. */
  public int count() {
    return count;
  }

  /** Rows of a 2-D array, 0 for one-dimensional arrays. */
  public int rows() {
    return rows;
  }

  /** Columns of a 2-D array (the row length). */
  public int columns() {
    return count;
  }

  /** Where a variable array's count comes from; null for fixed arrays. */
  public @Nullable VarCount<T> varCount() {
    return varCount;
  }

  /** Stores a freshly allocated array on load (QEMU's VMS_ALLOC); null when not allocating. */
  public @Nullable BiConsumer<T, Object> allocator() {
    return allocator;
  }

  void resolveCount(VarCount<T> resolved) {
    this.varCount = resolved;
  }

  @Override
  public String toString() {
    String dims =
        varCount != null
            ? "[" + varCount.name() + "]"
            : rows > 0 ? "[" + rows + "][" + count + "]" : "[" + count + "]";
    return type.qemuName() + dims + " " + name() + (start > 0 ? " (start " + start + ")" : "");
  }
}
