package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Raw bytes with no length prefix ({@code buffer}), zero padding that replaced removed fields
 * ({@code unused_buffer}), or a bitmap sent as big-endian 64-bit words ({@code bitmap}).
 *
 * <ul>
 *   <li>Fixed buffers send {@link #size()} bytes of a {@code byte[]} starting at {@link #start()}.
 *   <li>Variable buffers take their size from {@link #varCount()} times {@link #size()} (the
 *       multiplier) and may be allocated on load.
 *   <li>Unused buffers write zeros and discard what they read.
 *   <li>Bitmaps are bound to {@code long[]}; their bit count comes from {@link #varCount()} or is
 *       fixed at {@link #size()} bits.
 * </ul>
 */
public final class BufferField<T> extends Field<T> {
  private final WireType type;
  private final Function<T, Object> array;
  private final int start;
  private final int size;
  private VarCount<T> varCount;
  private final BiConsumer<T, Object> allocator;

  BufferField(
      String name,
      WireType type,
      Function<T, Object> array,
      int start,
      int size,
      VarCount<T> varCount,
      BiConsumer<T, Object> allocator) {
    super(name);
    checkArgument(
        type == WireType.BUFFER || type == WireType.UNUSED || type == WireType.BITMAP,
        "field '%s': %s is not a buffer type",
        name,
        type.qemuName());
    checkArgument(
        start >= 0 && size >= 0, "field '%s': bad start %s or size %s", name, start, size);
    checkArgument(
        type == WireType.UNUSED || array != null, "field '%s' needs an array accessor", name);
    this.type = type;
    this.array = array;
    this.start = start;
    this.size = size;
    this.varCount = varCount;
    this.allocator = allocator;
  }

  @Override
  public WireType wireType() {
    return type;
  }

  @Override
  public int fixedCount() {
    return 1;
  }

  /** {@code byte[]} for buffers, {@code long[]} for bitmaps, null for unused bytes. */
  public @Nullable Function<T, Object> array() {
    return array;
  }

  /** The first byte sent of a fixed buffer. */
  public int start() {
    return start;
  }

  /** Bytes of a fixed buffer; the multiplier of a variable one; bits of a fixed bitmap. */
  public int size() {
    return size;
  }

  /** The size (or bit count) source of variable buffers and bitmaps; null when fixed. */
  public @Nullable VarCount<T> varCount() {
    return varCount;
  }

  /** Stores a freshly allocated array on load; null when not allocating. */
  public @Nullable BiConsumer<T, Object> allocator() {
    return allocator;
  }

  /** The number of wire bytes when the size is fixed, else -1. */
  public int fixedWireSize() {
    if (varCount != null) {
      return -1;
    }
    return type == WireType.BITMAP ? ((size + 63) / 64) * 8 : size;
  }

  void resolveCount(VarCount<T> resolved) {
    this.varCount = resolved;
  }

  @Override
  public String toString() {
    return type.qemuName()
        + "("
        + (varCount != null ? varCount.name() + (size > 1 ? "*" + size : "") : size)
        + ") "
        + name();
  }
}
