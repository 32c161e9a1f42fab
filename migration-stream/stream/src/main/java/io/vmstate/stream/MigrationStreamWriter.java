package io.vmstate.stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.SaveObserver;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireOutput;

/**
 * Writes the framing of a QEMU migration stream (reference §5): header, configuration, section
 * headers and footers, commands, EOF and the vmdesc trailer. Section bodies are written by the
 * codec (devices) or by {@link io.vmstate.stream.ram.RamSection} (RAM) between a header and its
 * footer.
 *
 * <p>Each record's bytes, with an example from a real stream, are drawn where the record is
 * described: the header in {@link MigrationStreamReader}, the configuration in {@link
 * MachineConfiguration}, section headers and footers in {@link SectionType}, commands in {@link
 * MigrationCommand}, EOF and the trailer in {@link io.vmstate.stream.vmdesc.Vmdesc}.
 */
public final class MigrationStreamWriter {
  private final WireOutput out;
  private final VmStateCodec codec;

  /** A writer to {@code out} encoding devices with {@link VmStateCodec#DEFAULT}. */
  public MigrationStreamWriter(WireOutput out) {
    this(out, VmStateCodec.DEFAULT);
  }

  /** A writer to {@code out} encoding devices with {@code codec} (neither null). */
  public MigrationStreamWriter(WireOutput out, VmStateCodec codec) {
    this.out = checkNotNull(out);
    this.codec = checkNotNull(codec);
  }

  /** The output, for section bodies written between a header and its footer. */
  public WireOutput output() {
    return out;
  }

  /** Magic and version 3. */
  public void header() throws VmStateException {
    out.writeBe32(StreamFormat.MAGIC);
    out.writeBe32(StreamFormat.VERSION);
  }

  /** The configuration section (0x07 and QEMU's configuration description at version 1). */
  public void configuration(MachineConfiguration c) throws VmStateException {
    out.writeU8(StreamFormat.CONFIGURATION);
    codec.save(MachineConfiguration.DESCRIPTION, c, out);
  }

  /** A section header: START/FULL with idstr, instance and version, PART/END with the id only. */
  public void sectionHeader(SectionType type, int sectionId, SectionRef ref)
      throws VmStateException {
    out.writeU8(type.code());
    out.writeBe32(sectionId);
    if (type.hasFullHeader()) {
      checkArgument(!ref.idstr().isEmpty(), "empty idstr");
      out.writeStr8(ref.idstr());
      out.writeBe32((int) ref.instanceId());
      out.writeBe32(ref.versionId());
    }
  }

  /** The section footer. */
  public void footer(int sectionId) throws VmStateException {
    out.writeU8(StreamFormat.SECTION_FOOTER);
    out.writeBe32(sectionId);
  }

  /** A whole FULL device section: header, the body at the description's version, footer. */
  public <T> void device(
      int sectionId,
      String idstr,
      long instanceId,
      VmStateDescription<T> d,
      T obj,
      SaveObserver observer)
      throws VmStateException {
    device(sectionId, idstr, instanceId, d, obj, observer, null);
  }

  /**
   * A whole FULL device section written for QEMU release {@code target} (null: the newest):
   * subsections {@code target} does not have are omitted, or refused when needed ({@link
   * io.vmstate.codec.DownLevel}).
   */
  public <T> void device(
      int sectionId,
      String idstr,
      long instanceId,
      VmStateDescription<T> d,
      T obj,
      SaveObserver observer,
      QemuRelease target)
      throws VmStateException {
    SectionRef ref = new SectionRef(idstr, instanceId, d.version());
    sectionHeader(SectionType.FULL, sectionId, ref);
    try {
      codec.save(d, obj, out, observer, target);
    } catch (VmStateException e) {
      throw e.inSection(ref);
    }
    footer(sectionId);
  }

  /** A command with its payload. */
  public void command(MigrationCommand c, byte[] payload) throws VmStateException {
    checkArgument(c.acceptsLength(payload.length), "%s with %s payload bytes", c, payload.length);
    out.writeU8(StreamFormat.COMMAND);
    out.writeBe16(c.id());
    out.writeBe16(payload.length);
    out.writeBytes(payload);
  }

  /** The EOF byte, 0x00. */
  public void eof() throws VmStateException {
    out.writeU8(StreamFormat.EOF);
  }

  /** The vmdesc trailer. */
  public void vmdesc(byte[] json) throws VmStateException {
    out.writeU8(StreamFormat.VMDESCRIPTION);
    out.writeBe32(json.length);
    out.writeBytes(json);
  }

  /** Writes what is buffered to the sink and flushes it. */
  public void flush() throws VmStateException {
    out.flush();
  }
}
