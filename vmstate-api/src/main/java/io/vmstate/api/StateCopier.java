package io.vmstate.api;

/**
 * Copies the migrated state of an object, so that a load can run on a staging copy and be committed
 * only when everything (fields, subsections and hooks) succeeded. A description with a copier loads
 * atomically: a failed load leaves the target exactly as it was.
 */
public interface StateCopier<T> {
  /** A deep copy that a load may change freely. */
  T copyOf(T source);

  /** Makes {@code target} hold the state of {@code source} (the commit of a staged load). */
  void copyInto(T source, T target);
}
