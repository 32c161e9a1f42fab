package io.vmstate.api;

/** A stream version outside the destination's window {@code [minimumVersion, version]}. */
public class VersionMismatchException extends VmStateDecodeException {
  private static final long serialVersionUID = 1L;

  private final int received;
  private final int minimum;
  private final int maximum;

  private VersionMismatchException(String reason, int received, int minimum, int maximum) {
    super(reason, null);
    this.received = received;
    this.minimum = minimum;
    this.maximum = maximum;
  }

  /** Checks {@code received} against a description's window. */
  public static void check(String name, int received, VersionWindow window)
      throws VersionMismatchException {
    int minimum = window.minimum();
    int maximum = window.maximum();
    if (received > maximum) {
      throw new VersionMismatchException(
          "incoming version_id "
              + received
              + " of '"
              + name
              + "' is too new for local version_id "
              + maximum,
          received,
          minimum,
          maximum);
    }
    if (received < minimum) {
      throw new VersionMismatchException(
          "incoming version_id "
              + received
              + " of '"
              + name
              + "' is too old for local minimum version_id "
              + minimum,
          received,
          minimum,
          maximum);
    }
  }

  /** The window the version was checked against. */
  public VersionWindow window() {
    return VersionWindow.of(minimum, maximum);
  }

  /** The version the stream carried. */
  public int received() {
    return received;
  }

  /** The oldest version the local description accepts. */
  public int minimum() {
    return minimum;
  }

  /** The newest version the local description accepts (its own version). */
  public int maximum() {
    return maximum;
  }

  // Covariant context setters, so callers keep the concrete type without a cast.

  @Override
  public VersionMismatchException atOffset(long byteOffset) {
    super.atOffset(byteOffset);
    return this;
  }

  @Override
  public VersionMismatchException inField(String segment) {
    super.inField(segment);
    return this;
  }

  @Override
  public VersionMismatchException inSection(SectionRef ref) {
    super.inSection(ref);
    return this;
  }
}
