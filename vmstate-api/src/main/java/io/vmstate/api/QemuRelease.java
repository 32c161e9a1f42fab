package io.vmstate.api;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A QEMU release such as 7.2 or 9.1: the producer a stream is written for (down-level writing), and
 * the release that introduced a subsection or section. Ordered by major, then minor.
 */
public record QemuRelease(int major, int minor) implements Comparable<QemuRelease> {
  public static final QemuRelease QEMU_7_2 = new QemuRelease(7, 2);
  public static final QemuRelease QEMU_9_1 = new QemuRelease(9, 1);

  public QemuRelease {
    checkArgument(major >= 0 && minor >= 0, "bad release %s.%s", major, minor);
  }

  /** Parses {@code "7.2"} or {@code "qemu-7.2"}. */
  public static QemuRelease parse(String text) {
    String t = text.startsWith("qemu-") ? text.substring(5) : text;
    String[] parts = t.split("\\.");
    checkArgument(
        parts.length >= 2 && parts.length <= 3,
        "'%s' is not a QEMU release such as qemu-7.2",
        text);
    try {
      return new QemuRelease(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a QEMU release such as qemu-7.2", e);
    }
  }

  /** Whether this release came out before {@code other}. */
  public boolean isBefore(QemuRelease other) {
    return compareTo(other) < 0;
  }

  @Override
  public int compareTo(QemuRelease o) {
    return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
  }

  @Override
  public String toString() {
    return "qemu-" + major + "." + minor;
  }
}
