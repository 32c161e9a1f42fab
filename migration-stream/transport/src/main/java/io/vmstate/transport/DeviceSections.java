package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.SectionType;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.util.ArrayList;
import java.util.List;

/** Where a stream's device sections (FULL, not RAM) sit: what a framed source announces. */
final class DeviceSections {
  private DeviceSections() {}

  /** One device section: its header and the bytes {@code [bodyOffset, bodyEnd)} of its body. */
  record Span(StreamEvent.Section section, long bodyOffset, long bodyEnd) {
    int length() {
      return Math.toIntExact(bodyEnd - bodyOffset);
    }
  }

  /**
   * Reads {@code reader} to its end (decoding every section) and lists the device sections; {@code
   * reader.footers()} then says whether the stream has section footers.
   */
  static List<Span> scan(MigrationStreamReader reader) throws VmStateException {
    List<Span> spans = new ArrayList<>();
    for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
      if (e instanceof StreamEvent.Footer f
          && f.section().type() == SectionType.FULL
          && !f.section().isRam()) {
        spans.add(new Span(f.section(), f.section().bodyOffset(), f.offset()));
      }
    }
    return spans;
  }

  /**
   * Decodes every section of the device-state stream {@link #write} makes of {@code sections}, with
   * {@code vmdesc} (null: none) and, where it has no entry, our typed descriptions ({@link
   * MigrationStreamReader#readDeviceGeneric}); throws the first failure, naming the section, the
   * field and the byte offset in that stream.
   */
  static void decode(List<SectionData> sections, Vmdesc vmdesc, boolean footers)
      throws VmStateException {
    WireOutput bytes = WireOutput.toBytes(64 * 1024);
    write(bytes, sections, footers);
    ReaderOptions options = ReaderOptions.DEFAULT.withRequireVmdesc(false).withVmdesc(vmdesc);
    MigrationStreamReader r =
        new MigrationStreamReader(WireInput.of(bytes.toByteArray()), options).withTypedStandIns();
    while (r.next() != null) {
      // each section is decoded as the reader moves past it
    }
  }

  /**
   * Writes a device-state stream (QEMU's layout for {@code qemu_save_device_state}): header, one
   * FULL section per section, each with a footer when {@code footers} (QEMU's send-section-footer;
   * off for machine types up to 2.3, whose streams have none), EOF; no configuration, RAM or
   * vmdesc.
   */
  static void write(WireOutput out, List<SectionData> sections, boolean footers)
      throws VmStateException {
    MigrationStreamWriter w = new MigrationStreamWriter(out);
    w.header();
    for (SectionData s : sections) {
      w.sectionHeader(SectionType.FULL, s.sectionId(), s.ref());
      w.output().writeBytes(s.data().toByteArray());
      if (footers) {
        w.footer(s.sectionId());
      }
    }
    w.eof();
    w.flush();
  }
}
