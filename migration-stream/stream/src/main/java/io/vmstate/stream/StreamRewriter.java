package io.vmstate.stream;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.htab.HtabSection;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSection;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.vmdesc.QemuJsonWriter;
import io.vmstate.stream.walk.WalkSink;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes every item of a stream and encodes it again: the configuration through our description,
 * every device through its vmdesc-built description into a {@link StateRecord} and back, RAM
 * records one by one (pages are copied through without being held), the vmdesc re-serialized with
 * QEMU's JSON formatting. For any stream QEMU wrote, the output is byte-identical to the input; an
 * {@link Editor} may change device records on the way (everything it does not touch stays
 * identical).
 */
public final class StreamRewriter {
  /** Changes a device's decoded state before it is written again. */
  @FunctionalInterface
  public interface Editor {
    /**
     * Changes {@code record}, the decoded state of {@code section}, in place; throwing stops the
     * rewrite.
     */
    void edit(SectionRef section, StateRecord record) throws VmStateException;
  }

  /**
   * Writes a device section in its own way instead of the default vmdesc decode and same-version
   * encode (e.g. at another version, for {@code vmstate upgrade}). The trailer is written from
   * {@code reader.vmdesc().root()} as it stands at the end, so a handler that changes a section's
   * layout replaces that section's entry there.
   */
  @FunctionalInterface
  public interface SectionHandler {
    /**
     * Writes the section (header, body) and returns true, or returns false having read nothing so
     * that the section is copied as usual.
     */
    boolean rewrite(
        StreamEvent.Section section, MigrationStreamReader reader, MigrationStreamWriter writer)
        throws VmStateException;

    /**
     * Whether to leave {@code section} out of the output altogether (header, body, footer and
     * vmdesc entry), asked before {@link #rewrite}; throwing refuses the stream. It may read the
     * section's body from {@code reader} only when it throws.
     */
    default boolean omit(StreamEvent.Section section, MigrationStreamReader reader)
        throws VmStateException {
      return false;
    }
  }

  private final MigrationStreamReader reader;
  private final MigrationStreamWriter writer;
  private final Editor editor;
  private final SectionHandler handler;
  private final OutputCheck.Recorder segments = new OutputCheck.Recorder();
  private final Set<Integer> omitted = new HashSet<>();

  /**
   * A rewriter from {@code reader} to {@code writer} that lets {@code editor} change each device
   * record.
   */
  public StreamRewriter(MigrationStreamReader reader, MigrationStreamWriter writer, Editor editor) {
    this(reader, writer, editor, null);
  }

  /** A rewriter that offers every device section to {@code handler} first. */
  public StreamRewriter(
      MigrationStreamReader reader,
      MigrationStreamWriter writer,
      Editor editor,
      SectionHandler handler) {
    this.reader = reader;
    this.writer = writer;
    this.editor = editor;
    this.handler = handler;
  }

  /**
   * How the input was cut into pieces and where each went in the output, for {@link OutputCheck}
   * (complete once {@link #run} returned).
   */
  public List<OutputCheck.Segment> segments() {
    return segments.segments();
  }

  private long in() {
    return reader.input().position();
  }

  private long out() {
    return writer.output().position();
  }

  /** Copies the whole stream. */
  public void run() throws VmStateException {
    for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
      if (e instanceof StreamEvent.Header) {
        writer.header();
      } else if (e instanceof StreamEvent.Configuration c) {
        writer.configuration(c.configuration());
      } else if (e instanceof StreamEvent.Section s) {
        if (handler != null && handler.omit(s, reader)) {
          omit(s);
          continue;
        }
        if (handler != null && !s.isIterative()) {
          long outStart = out();
          segments.cut(OutputCheck.Kind.FRAMING, null, s.offset(), outStart);
          if (handler.rewrite(s, reader, writer)) {
            segments.cut(
                OutputCheck.Kind.RESHAPED,
                s.section(),
                null,
                in(),
                out(),
                s.bodyOffset(),
                outStart + (s.bodyOffset() - s.offset()));
            continue;
          }
        }
        writer.sectionHeader(s.type(), s.sectionId(), s.section());
        segments.cut(OutputCheck.Kind.FRAMING, null, s.bodyOffset(), out());
        if (s.isRam()) {
          reader.readRam(new Copy());
          segments.cut(OutputCheck.Kind.RAM, s.section(), in(), out());
        } else if (s.isHtab()) {
          reader.readHtab(HtabSection.copyTo(writer.output()));
          segments.cut(OutputCheck.Kind.RAM, s.section(), in(), out());
        } else if (s.isWalked()) {
          reader.readWalked(WalkSink.copyTo(writer.output()));
          segments.cut(OutputCheck.Kind.RAM, s.section(), in(), out());
        } else {
          VmStateDescription<StateRecord> d = reader.schemaFor(s.section());
          StateRecord r = new StateRecord(d.name());
          reader.readDevice(d, r);
          if (editor != null) {
            editor.edit(s.section(), r);
          }
          try {
            io.vmstate.codec.VmStateCodec.DEFAULT.save(d, r, writer.output());
          } catch (VmStateException x) {
            throw x.inSection(s.section());
          }
          segments.cut(OutputCheck.Kind.DEVICE, s.section(), in(), out());
        }
      } else if (e instanceof StreamEvent.Footer f) {
        if (omitted.contains(f.section().sectionId())) {
          segments.cut(OutputCheck.Kind.OMITTED, f.section().section(), in(), out());
          omitted.remove(f.section().sectionId());
        } else if (f.present()) {
          writer.footer(f.section().sectionId());
        }
      } else if (e instanceof StreamEvent.Command c) {
        writer.command(c.command(), c.payload());
      } else if (e instanceof StreamEvent.Eof) {
        writer.eof();
      } else if (e instanceof StreamEvent.VmDescription v) {
        segments.cut(OutputCheck.Kind.FRAMING, null, v.offset(), out());
        String json = new QemuJsonWriter().value(null, v.vmdesc().root()).text();
        writer.vmdesc(json.getBytes(StandardCharsets.UTF_8));
        segments.cut(OutputCheck.Kind.VMDESC, null, in(), out());
      }
    }
    segments.cut(OutputCheck.Kind.FRAMING, null, in(), out());
    writer.flush();
  }

  /**
   * Reads a FULL device section's body without writing anything, and takes its entry out of the
   * vmdesc the trailer is written from.
   */
  private void omit(StreamEvent.Section s) throws VmStateException {
    if (s.type() != SectionType.FULL || s.isRam() || s.isHtab()) {
      throw VmStateEncodeException.notRepresentable(
              "only a whole (FULL) device section can be left out")
          .inSection(s.section());
    }
    segments.cut(OutputCheck.Kind.FRAMING, null, s.offset(), out());
    VmStateDescription<StateRecord> d = reader.schemaFor(s.section());
    reader.readDevice(d, new StateRecord(d.name()));
    omitted.add(s.sectionId());
    if (reader.vmdesc() != null) {
      Map<String, Object> entry =
          reader.vmdesc().device(s.section().idstr(), s.section().instanceId());
      reader.vmdesc().devices().removeIf(x -> x == entry);
    }
    segments.cut(OutputCheck.Kind.OMITTED, s.section(), in(), out());
  }

  /** Writes RAM records back as they are read. */
  private final class Copy implements RamSink {
    private final byte[] page = new byte[64 * 1024];
    private boolean ignoreShared;

    @Override
    public void blocks(long totalBytes, List<RamBlock> blocks) throws VmStateException {
      ignoreShared =
          reader.configuration() != null
              && reader.configuration().hasCapability(MachineConfiguration.X_IGNORE_SHARED);
      RamSection.writeBlockList(writer.output(), blocks, ignoreShared);
    }

    @Override
    public void zeroPage(RamBlock block, long addr, boolean continued, int fill)
        throws VmStateException {
      RamSection.writeZeroPage(writer.output(), block, addr, continued, fill);
    }

    @Override
    public void page(RamBlock block, long addr, boolean continued, WireInput in, int pageSize)
        throws VmStateException {
      RamSection.writePageHeader(writer.output(), block, addr, continued);
      byte[] buf = pageSize <= page.length ? page : new byte[pageSize];
      in.readBytes(buf, 0, pageSize);
      writer.output().writeBytes(buf, 0, pageSize);
    }

    @Override
    public void multifdFlush() throws VmStateException {
      RamSection.writeMultifdFlush(writer.output());
    }

    @Override
    public void endOfSection() throws VmStateException {
      RamSection.writeEos(writer.output());
    }
  }
}
