package io.vmstate.stream;

import io.vmstate.api.SectionRef;
import io.vmstate.stream.htab.HtabSection;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.walk.BlockSection;
import io.vmstate.stream.walk.DirtyBitmapSection;

/**
 * One item of a migration stream, as {@link MigrationStreamReader#next()} returns it. Every event
 * carries the byte offset where its item starts.
 */
public sealed interface StreamEvent {
  /** Byte offset of the item in the stream. */
  long offset();

  /** {@code be32 magic, be32 version}. */
  record Header(long offset, int version) implements StreamEvent {}

  /** The configuration section (0x07). */
  record Configuration(long offset, MachineConfiguration configuration) implements StreamEvent {}

  /**
   * A section header; its body follows and is consumed by one of the reader's {@code read...}
   * methods or, when the caller does not, by the reader on the next {@code next()}. For PART and
   * END sections {@link #section()} is the one their START named.
   */
  record Section(long offset, SectionType type, int sectionId, SectionRef section, long bodyOffset)
      implements StreamEvent {
    /** Whether this is a section of QEMU's RAM ({@code "ram"}, instance 0). */
    public boolean isRam() {
      return section.idstr().equals("ram") && section.instanceId() == 0;
    }

    /** Whether this is a section of the pseries hash page table ({@code "spapr/htab"}, 0). */
    public boolean isHtab() {
      return section.idstr().equals(HtabSection.IDSTR) && section.instanceId() == 0;
    }

    /**
     * Whether this is a section that the reader walks but does not decode: block migration ({@code
     * "block"}, 0) or dirty bitmaps ({@code "dirty-bitmap"}, 0); read with {@link
     * MigrationStreamReader#readWalked}.
     */
    public boolean isWalked() {
      return section.instanceId() == 0
          && (section.idstr().equals(BlockSection.IDSTR)
              || section.idstr().equals(DirtyBitmapSection.IDSTR));
    }

    /**
     * Whether this section's body is open-coded by an iterative handler (RAM, the hash page table,
     * block migration, dirty bitmaps) rather than described by the vmdesc.
     */
    public boolean isIterative() {
      return isRam() || isHtab() || isWalked();
    }
  }

  /**
   * The footer after a section body ({@code 0x7e, be32 section id}), checked against the section.
   * {@code sectionOffset} is where the section header started; {@code endOffset} is just after the
   * footer. In a stream without footers (machine types up to 2.3) the event still marks the end of
   * the section, with {@code offset == endOffset} ({@link #present()} false).
   */
  record Footer(long offset, Section section, long endOffset) implements StreamEvent {
    /** Whether the stream has the footer's bytes (QEMU's send-section-footer). */
    public boolean present() {
      return endOffset > offset;
    }

    /** Bytes from the section header to the end of the footer. */
    public long sectionSize() {
      return endOffset - section.offset();
    }
  }

  /** A {@code QEMU_VM_COMMAND}. */
  record Command(long offset, MigrationCommand command, byte[] payload) implements StreamEvent {}

  /** {@code QEMU_VM_EOF}. */
  record Eof(long offset) implements StreamEvent {}

  /** The vmdesc trailer after EOF. */
  record VmDescription(long offset, Vmdesc vmdesc) implements StreamEvent {}
}
