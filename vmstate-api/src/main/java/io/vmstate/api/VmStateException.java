package io.vmstate.api;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Root of the one exception family of vmstate-java. Every instance carries a reason and, where the
 * failure happened on a stream, the byte offset, the section and the field path (for example {@code
 * arm_gicv3/cpu[3]/icc_apr[1][2]}).
 *
 * <p>The context is filled in while the exception travels up through the codec: the innermost
 * reader records the offset, each field and struct level prepends its path segment, and the stream
 * layer names the section. Nothing is tracked on the success path.
 *
 * <p>Subclasses name the failure family ({@link VmStateDecodeException}, {@link
 * VersionMismatchException}, {@link VmStateEncodeException}, {@link IncompatibleSchemaException});
 * instances are made through their static factories, whose messages say the likely cause.
 */
public class VmStateException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String reason;
  private long offset = -1;
  private SectionRef section;
  private final Deque<String> path = new ArrayDeque<>();

  protected VmStateException(String reason, Throwable cause) {
    super(reason, cause);
    this.reason = reason;
  }

  /**
   * A hook (pre_load, post_load, pre_save, post_save) refusing the operation with a message of its
   * own, as QEMU hooks do by returning an error.
   */
  public static VmStateException rejected(String message) {
    return new VmStateException(message, null);
  }

  /** The same, keeping the underlying cause. */
  public static VmStateException rejected(String message, Throwable cause) {
    return new VmStateException(message, cause);
  }

  /** What went wrong, without location. */
  public String reason() {
    return reason;
  }

  /** The byte offset in the stream where the failing item starts, or -1 when not on a stream. */
  public long offset() {
    return offset;
  }

  /** The section being processed, when known. */
  public Optional<SectionRef> section() {
    return Optional.ofNullable(section);
  }

  /** The field path, outermost first, separated by '/'; empty when not inside a description. */
  public String fieldPath() {
    return String.join("/", path);
  }

  /** The outermost path segment recorded so far, or null. */
  public @Nullable String topSegment() {
    return path.peekFirst();
  }

  /** Records the offset unless an inner level already did. Returns this exception. */
  public VmStateException atOffset(long byteOffset) {
    if (offset < 0) {
      offset = byteOffset;
    }
    return this;
  }

  /**
   * Moves an offset counted within a section body that was read on its own (from a byte array) to
   * the stream, where that body starts at byte {@code bodyStart}; an unknown offset stays unknown.
   * Returns this exception.
   */
  public VmStateException offsetFrom(long bodyStart) {
    if (offset >= 0 && bodyStart >= 0) {
      offset += bodyStart;
    }
    return this;
  }

  /** Prepends one path segment (a field name with indices, or a description name). */
  public VmStateException inField(String segment) {
    path.addFirst(segment);
    return this;
  }

  /** Records the section unless an inner level already did. Returns this exception. */
  public VmStateException inSection(SectionRef ref) {
    if (section == null) {
      section = ref;
    }
    return this;
  }

  @Override
  public String getMessage() {
    StringBuilder sb = new StringBuilder();
    if (!path.isEmpty()) {
      sb.append(fieldPath()).append(": ");
    }
    sb.append(reason);
    if (offset >= 0 || section != null) {
      sb.append(" (");
      if (offset >= 0) {
        sb.append("at byte ").append(offset);
      }
      if (section != null) {
        sb.append(offset >= 0 ? ", in " : "in ").append(section);
      }
      sb.append(')');
    }
    return sb.toString();
  }
}
