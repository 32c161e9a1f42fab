package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * A single fixed-width value: integers, bool, timer, float64 and the equal checks. Values travel
 * between the codec and the object as the raw bits in a {@code long} (for doubles, the IEEE bits);
 * the builder adapts the usual {@code int}, {@code boolean} and {@code double} accessors. Fields
 * declared with {@code int} accessors also keep them ({@link #intGetter()}, {@link #intSetter()}),
 * so the codec can call them directly instead of through the adapters.
 */
public final class ScalarField<T> extends Field<T> {
  private final WireType type;
  private final ToLongFunction<T> getter;
  private final ObjLongConsumer<T> setter;
  private final String hint;
  private final ToIntFunction<T> intGetter;
  private final ObjIntConsumer<T> intSetter;

  ScalarField(
      String name,
      WireType type,
      ToLongFunction<T> getter,
      ObjLongConsumer<T> setter,
      String hint) {
    this(name, type, getter, setter, hint, null, null);
  }

  ScalarField(
      String name,
      WireType type,
      ToLongFunction<T> getter,
      ObjLongConsumer<T> setter,
      String hint,
      ToIntFunction<T> intGetter,
      ObjIntConsumer<T> intSetter) {
    super(name);
    checkArgument(
        type.isFixedWidthScalar(), "field '%s': %s is not a scalar type", name, type.qemuName());
    this.type = type;
    this.getter = checkNotNull(getter, "getter of %s", name);
    this.setter = checkNotNull(setter, "setter of %s", name);
    this.hint = hint;
    this.intGetter = intGetter;
    this.intSetter = intSetter;
  }

  @Override
  public WireType wireType() {
    return type;
  }

  @Override
  public int fixedCount() {
    return 1;
  }

  /** Reads the value's raw bits. */
  public ToLongFunction<T> getter() {
    return getter;
  }

  /** Stores a loaded value's raw bits (sign- or zero-extended per the type). */
  public ObjLongConsumer<T> setter() {
    return setter;
  }

  /** For equal checks: the text QEMU prints after a mismatch ({@code err_hint}), or null. */
  public @Nullable String hint() {
    return hint;
  }

  /** The {@code int} getter the field was declared with, or null (then use {@link #getter()}). */
  public @Nullable ToIntFunction<T> intGetter() {
    return intGetter;
  }

  /**
   * The {@code int} setter the field was declared with, or null (then use {@link #setter()}). It
   * receives what {@link #setter()} would receive, narrowed to {@code int}.
   */
  public @Nullable ObjIntConsumer<T> intSetter() {
    return intSetter;
  }
}
