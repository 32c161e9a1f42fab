package io.vmstate.api;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * Copies the migrated state of an object, so that a load can run on a staging copy and be committed
 * only when everything (fields, subsections and hooks) succeeded. A description with a copier loads
 * atomically: a failed load leaves the target exactly as it was.
 */
public interface StateCopier<T> {
  /**
   * A copier from two functions, e.g. {@code StateCopier.of(GicV3State::new, GicV3State::copy)}.
   *
   * @param copyOf makes a deep copy that a load may change freely
   * @param copyInto makes its second argument hold the state of its first
   */
  static <T> StateCopier<T> of(UnaryOperator<T> copyOf, BiConsumer<T, T> copyInto) {
    checkNotNull(copyOf, "copyOf");
    checkNotNull(copyInto, "copyInto");
    return new StateCopier<>() {
      @Override
      public T copyOf(T source) {
        return copyOf.apply(source);
      }

      @Override
      public void copyInto(T source, T target) {
        copyInto.accept(source, target);
      }
    };
  }

  /** A deep copy that a load may change freely. */
  T copyOf(T source);

  /** Makes {@code target} hold the state of {@code source} (the commit of a staged load). */
  void copyInto(T source, T target);
}
