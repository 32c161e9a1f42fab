package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A nested struct, or an array of them: each element is the child description's fields followed by
 * the child's subsections, inline. The child is processed at its own current version (QEMU's {@code
 * VMS_STRUCT}: nested versions never travel on the wire) or, for {@code vstruct} fields, at {@link
 * #structVersion()} on both ends.
 *
 * <p>Shapes: a single struct ({@link #isArray()} false, accessor returns {@code S}); a fixed array
 * or sub-array ({@code S[]}, {@link #start()}, {@link #count()}); a variable array whose count
 * comes from {@link #varCount()}, allocated on load when an allocator is given; an array of
 * pointers ({@link #isPointerArray()}) where a null element is sent as the 1-byte marker 0x30.
 */
public final class StructField<T, S> extends Field<T> {
  private final VmStateDescription<S> child;
  private final Function<T, ?> accessor;
  private final boolean array;
  private final boolean pointerArray;
  private final int start;
  private final int count;
  private VarCount<T> varCount;
  private final BiConsumer<T, S[]> allocator;
  private final IntFunction<S[]> newArray;
  private final Supplier<S> newElement;
  private final int structVersion;

  StructField(
      String name,
      VmStateDescription<S> child,
      Function<T, ?> accessor,
      boolean array,
      boolean pointerArray,
      int start,
      int count,
      VarCount<T> varCount,
      BiConsumer<T, S[]> allocator,
      IntFunction<S[]> newArray,
      Supplier<S> newElement,
      int structVersion) {
    super(name);
    this.child = checkNotNull(child, "child description of %s", name);
    this.accessor = checkNotNull(accessor, "accessor of %s", name);
    checkArgument(start >= 0, "field '%s': start %s is negative", name, start);
    checkArgument(
        !array || varCount != null || count >= 0, "field '%s': count %s is negative", name, count);
    checkArgument(
        allocator == null || (newArray != null && newElement != null),
        "field '%s': an allocating struct array needs array and element factories",
        name);
    this.array = array;
    this.pointerArray = pointerArray;
    this.start = start;
    this.count = count;
    this.varCount = varCount;
    this.allocator = allocator;
    this.newArray = newArray;
    this.newElement = newElement;
    this.structVersion = structVersion;
  }

  @Override
  public WireType wireType() {
    return structVersion >= 0 ? WireType.VSTRUCT : WireType.STRUCT;
  }

  @Override
  public int fixedCount() {
    if (!array) {
      return 1;
    }
    return varCount != null ? -1 : count;
  }

  /** The description of each element. */
  public VmStateDescription<S> child() {
    return child;
  }

  /** Returns {@code S} for a single struct, {@code S[]} for arrays. */
  public Function<T, ?> accessor() {
    return accessor;
  }

  /** Whether the field is an array of structs (otherwise a single struct). */
  public boolean isArray() {
    return array;
  }

  /** Whether null elements are allowed and sent as the 0x30 marker. */
  public boolean isPointerArray() {
    return pointerArray;
  }

  /** The first element sent of a sub-array; 0 otherwise. */
  public int start() {
    return start;
  }

  /** Elements of a fixed array, -1 for variable arrays. */
  public int count() {
    return count;
  }

  /** The count source of a variable array; null otherwise. */
  public @Nullable VarCount<T> varCount() {
    return varCount;
  }

  /** Stores a freshly allocated array on load; null when the destination's array is used. */
  public @Nullable BiConsumer<T, S[]> allocator() {
    return allocator;
  }

  /** Makes the array a variable array allocated on load; null when none is allocated. */
  public @Nullable IntFunction<S[]> newArray() {
    return newArray;
  }

  /** Makes each element of an array allocated on load; null when none is allocated. */
  public @Nullable Supplier<S> newElement() {
    return newElement;
  }

  /** The explicit version of a {@code vstruct} field, or -1 for plain structs. */
  public int structVersion() {
    return structVersion;
  }

  /** The version the child is saved and loaded at. */
  public int childVersion() {
    return structVersion >= 0 ? structVersion : child.version();
  }

  void resolveCount(VarCount<T> resolved) {
    this.varCount = resolved;
  }

  @Override
  public String toString() {
    String dims = !array ? "" : varCount != null ? "[" + varCount.name() + "]" : "[" + count + "]";
    return (pointerArray ? "struct*" : wireType().qemuName())
        + dims
        + " "
        + name()
        + " of "
        + child.name();
  }
}
