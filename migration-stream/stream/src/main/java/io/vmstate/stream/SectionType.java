package io.vmstate.stream;

import io.vmstate.api.Nullable;

/**
 * The four section records of a stream: {@code START}, {@code PART}, {@code END}, {@code FULL}
 * (reference §5.3). START and FULL name the section; PART and END only repeat its id. With
 * send-section-footer on (every machine type after 2.3) each section's body is followed by a
 * footer, {@code 0x7e} and the id again, which the reader checks.
 *
 * <p>Examples from the committed QEMU 7.2 fixture {@code virt-gicv3-smp2.qemu}:
 *
 * <pre>
 * START at 0x3d     01  00 00 00 02  03 72 61 6d  00 00 00 00  00 00 00 04  (RAM records...)
 *                   type section_id  str8 "ram"   instance 0   version 4
 * footer at 0xf2    7e  00 00 00 02
 * PART at 0xf7      02  00 00 00 02                                         (RAM records...)
 * END at 0x57299    03  00 00 00 02                                         (RAM records...)
 * FULL at 0x572ab   04  00 00 00 0a  09 61 72 6d 5f 67 69 63 76 33  00 00 00 00  00 00 00 01
 *                   type section_id  str8 "arm_gicv3"                instance 0   version 1
 *                   (10344 bytes of distributor state, the CPUs, the subsections)
 * footer at 0x59dbc 7e  00 00 00 0a
 * </pre>
 */
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
  public static @Nullable SectionType of(int code) {
    return switch (code) {
      case StreamFormat.SECTION_START -> START;
      case StreamFormat.SECTION_PART -> PART;
      case StreamFormat.SECTION_END -> END;
      case StreamFormat.SECTION_FULL -> FULL;
      default -> null;
    };
  }
}
