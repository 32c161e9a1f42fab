package io.vmstate.stream;

/** The four section records of a stream: {@code START}, {@code PART}, {@code END}, {@code FULL}. */
public enum SectionType {
  START(StreamFormat.SECTION_START),
  PART(StreamFormat.SECTION_PART),
  END(StreamFormat.SECTION_END),
  FULL(StreamFormat.SECTION_FULL);

  private final int code;

  SectionType(int code) {
    this.code = code;
  }

  /** The record type byte. */
  public int code() {
    return code;
  }

  /** Whether the header carries idstr, instance id and version (START and FULL). */
  public boolean hasFullHeader() {
    return this == START || this == FULL;
  }

  /** The type for a record byte, or null when the byte is not a section record. */
  public static SectionType of(int code) {
    return switch (code) {
      case StreamFormat.SECTION_START -> START;
      case StreamFormat.SECTION_PART -> PART;
      case StreamFormat.SECTION_END -> END;
      case StreamFormat.SECTION_FULL -> FULL;
      default -> null;
    };
  }
}
