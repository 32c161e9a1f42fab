package io.vmstate.api;

/** Saving failed: a hook refused, or the object does not match its description. */
public class VmStateEncodeException extends VmStateException {
  private static final long serialVersionUID = 1L;

  private VmStateEncodeException(String reason, Throwable cause) {
    super(reason, cause);
  }

  /** The object does not have the shape the description promises (a short or missing array). */
  public static VmStateEncodeException shapeMismatch(String what) {
    return new VmStateEncodeException(what, null);
  }

  /** A value cannot be carried by the field or by the target the stream is written for. */
  public static VmStateEncodeException notRepresentable(String what) {
    return new VmStateEncodeException(what, null);
  }

  /**
   * A writer's own check of its output found a change nobody asked for (a value, a byte, a section
   * that would differ from the input); the output is not kept.
   */
  public static VmStateEncodeException outputChanged(String what) {
    return new VmStateEncodeException("refusing to write: " + what, null);
  }

  /** {@link #outputChanged}, where the output failed to read back with {@code cause}. */
  public static VmStateEncodeException outputChanged(String what, VmStateException cause) {
    return new VmStateEncodeException("refusing to write: " + what, cause);
  }

  /** An I/O failure of the sink. */
  public static VmStateEncodeException io(java.io.IOException cause) {
    return new VmStateEncodeException("write failed: " + cause.getMessage(), cause);
  }

  // Covariant context setters, so callers keep the concrete type without a cast.

  @Override
  public VmStateEncodeException atOffset(long byteOffset) {
    super.atOffset(byteOffset);
    return this;
  }

  @Override
  public VmStateEncodeException inField(String segment) {
    super.inField(segment);
    return this;
  }

  @Override
  public VmStateEncodeException inSection(SectionRef ref) {
    super.inSection(ref);
    return this;
  }
}
