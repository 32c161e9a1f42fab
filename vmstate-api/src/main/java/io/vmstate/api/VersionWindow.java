package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The versions a load accepts: QEMU's {@code [minimum_version_id, version_id]}, as one value (in
 * the manner of Kafka's message-generator {@code Versions}). Printed as {@code "3"} for a single
 * version and {@code "1-4"} for a range, the way error messages and {@code vmstate schema} show it.
 *
 * <pre>{@code
 * VersionWindow w = VersionWindow.of(1, 4);
 * w.contains(2);                          // true
 * w.intersect(VersionWindow.of(3, 9));    // 3-4
 * }</pre>
 */
public record VersionWindow(int minimum, int maximum) {
  /**
   * @throws IllegalArgumentException (a caller's mistake) when {@code minimum > maximum} or either
   *     is negative
   */
  public VersionWindow {
    checkArgument(minimum >= 0, "minimum version %s is negative", minimum);
    checkArgument(
        minimum <= maximum, "minimum version %s is above the version %s", minimum, maximum);
  }

  /** The window {@code [minimum, maximum]}. */
  public static VersionWindow of(int minimum, int maximum) {
    return new VersionWindow(minimum, maximum);
  }

  /** Whether a stream at {@code version} loads. */
  public boolean contains(int version) {
    return version >= minimum && version <= maximum;
  }

  /** Whether {@code version} is newer than this window accepts. */
  public boolean isBelow(int version) {
    return version > maximum;
  }

  /** Whether {@code version} is older than this window accepts. */
  public boolean isAbove(int version) {
    return version < minimum;
  }

  /** The versions both windows accept, or null when there are none. */
  public @Nullable VersionWindow intersect(VersionWindow other) {
    int lo = Math.max(minimum, other.minimum);
    int hi = Math.min(maximum, other.maximum);
    return lo <= hi ? new VersionWindow(lo, hi) : null;
  }

  @Override
  public String toString() {
    return minimum == maximum ? Integer.toString(maximum) : minimum + "-" + maximum;
  }
}
