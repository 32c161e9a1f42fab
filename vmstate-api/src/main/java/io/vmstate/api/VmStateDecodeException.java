package io.vmstate.api;

/**
 * The input is truncated, corrupt, inconsistent with the destination, or over a {@code
 * DecodeLimits} bound. Nothing of a failed load is applied to the target object.
 */
public class VmStateDecodeException extends VmStateException {
  private static final long serialVersionUID = 1L;

  private boolean truncation;
  private boolean missingDescription;
  private String elementField;
  private int elementIndex = -1;

  protected VmStateDecodeException(String reason, Throwable cause) {
    super(reason, cause);
  }

  /**
   * Whether this is {@link #truncated}: the input ended inside an item. A push parser that decodes
   * a stream as it arrives retries the item once more bytes are in; any other error is final.
   */
  public boolean isTruncation() {
    return truncation;
  }

  /** The stream ended inside an item that needs {@code needed} more bytes. */
  public static VmStateDecodeException truncated(long offset, long needed) {
    return new VmStateDecodeException(
            "stream truncated: needed "
                + needed
                + " more byte"
                + (needed == 1 ? "" : "s")
                + "; the input ended early or a length earlier in the stream is wrong",
            null)
        .markTruncation()
        .atOffset(offset);
  }

  private VmStateDecodeException markTruncation() {
    truncation = true;
    return this;
  }

  /**
   * A stream's vmdesc describes a device's layout differently from our typed description of it (a
   * field missing, added, of another size or array form): not a value difference.
   */
  public static VmStateDecodeException layoutDisagreement(String what) {
    return new VmStateDecodeException("layout disagreement: " + what, null);
  }

  /**
   * A stream that arrived whole (its sender considers it migrated) was kept as {@code file}, but
   * {@code cause} stopped its decoding; carries the cause's offset, section and field.
   */
  public static VmStateDecodeException keptUndecoded(String file, VmStateException cause) {
    VmStateDecodeException e =
        new VmStateDecodeException(
            "the stream arrived whole and was kept as "
                + file
                + ", but not all of it could be decoded: "
                + cause.reason(),
            cause);
    if (cause.offset() >= 0) {
      e.atOffset(cause.offset());
    }
    cause.section().ifPresent(e::inSection);
    if (!cause.fieldPath().isEmpty()) {
      e.inField(cause.fieldPath());
    }
    return e;
  }

  /**
   * Whether this is {@link #noDescription}: the bytes may be fine, but nothing describes the
   * section's body, so it cannot be decoded (nor skipped: device bodies carry no length).
   */
  public boolean isMissingDescription() {
    return missingDescription;
  }

  /**
   * No description decodes section {@code idstr} instance {@code instance}: the stream has no
   * vmdesc (cut, postcopy, suppress-vmdesc, a device-state file) or the vmdesc given has no entry
   * for it, and no typed description matches.
   *
   * @param why what was missing, e.g. "the stream has no vmdesc"
   */
  public static VmStateDecodeException noDescription(String idstr, long instance, String why) {
    VmStateDecodeException e =
        new VmStateDecodeException(
            "no description for section '" + idstr + "' instance " + instance + ": " + why, null);
    e.missingDescription = true;
    return e;
  }

  /** A byte sequence that cannot be what the format says is there. */
  public static VmStateDecodeException corrupt(String what) {
    return new VmStateDecodeException(what, null);
  }

  /** A count or size over the configured {@code DecodeLimits} bound. */
  public static VmStateDecodeException limitExceeded(String what, long value, long limit) {
    return new VmStateDecodeException(
        what + " " + value + " exceeds the limit of " + limit + " (see DecodeLimits)", null);
  }

  /** A subsection whose name the destination's description does not list. */
  public static VmStateDecodeException unknownSubsection(String name, String parent) {
    return new VmStateDecodeException(
        "subsection '" + name + "' does not exist in '" + parent + "'", null);
  }

  /** An equal-check field whose received value differs from the destination's. */
  public static VmStateDecodeException valueMismatch(String local, String received, String hint) {
    return new VmStateDecodeException(
        "value check failed: local "
            + local
            + " != received "
            + received
            + (hint == null ? "" : " (" + hint + ")"),
        null);
  }

  /** An int32-le field whose received value is negative or above the local bound. */
  public static VmStateDecodeException outOfRange(long received, long localMax) {
    return new VmStateDecodeException(
        "invalid value " + received + ", expecting a value in 0.." + localMax, null);
  }

  /** The null-pointer marker does not agree with the destination's slot. */
  public static VmStateDecodeException nullMarkerExpected(int found) {
    return new VmStateDecodeException(
        String.format(
            "expected the null-pointer marker 0x30 for a slot that is null on the destination,"
                + " found 0x%02x",
            found),
        null);
  }

  /** A validate field or a configuration check refused the loaded state. */
  public static VmStateDecodeException validationFailed(String what) {
    return new VmStateDecodeException("input validation failed: " + what, null);
  }

  /** The destination object cannot hold what the stream carries (for example a short array). */
  public static VmStateDecodeException destinationMismatch(String what) {
    return new VmStateDecodeException(what, null);
  }

  /**
   * Names the item that is wrong by its field and element in the description whose hook throws this
   * (a post_load check runs after its bytes were read): the codec, which recorded where each field
   * started, replaces it with the element's offset and path ({@code gicd_irouter[300]}), so the
   * error points at the word, not at the end of the section. A single value takes index 0.
   */
  public VmStateDecodeException atElement(String field, int index) {
    elementField = field;
    elementIndex = index;
    return this;
  }

  /** The field named by {@link #atElement} and not yet turned into an offset, or null. */
  public String elementField() {
    return elementField;
  }

  /** The element index named by {@link #atElement}. */
  public int elementIndex() {
    return elementIndex;
  }

  /** Marks the {@link #atElement} item as located (its offset and path are set). */
  public void elementLocated() {
    elementField = null;
  }

  // Covariant context setters, so callers keep the concrete type without a cast.

  @Override
  public VmStateDecodeException atOffset(long byteOffset) {
    super.atOffset(byteOffset);
    return this;
  }

  @Override
  public VmStateDecodeException inField(String segment) {
    super.inField(segment);
    return this;
  }

  @Override
  public VmStateDecodeException inSection(SectionRef ref) {
    super.inSection(ref);
    return this;
  }
}
