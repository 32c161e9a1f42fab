package io.vmstate.dump;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.UTF8JsonGenerator;
import io.vmstate.api.Nullable;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.TypedDescriptions;
import io.vmstate.stream.htab.HtabSink;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.walk.WalkSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints a stream's state as QEMU's analyze-migration.py {@code -d state [-m]} does: one member
 * {@code "<idstr> (<section id>)"} per section in stream order, RAM as {@code "section sizes"} (and
 * {@code "memory"} with {@code -m}), devices decoded field by field. Output is streamed; only the
 * devices waiting to be printed (a few) are in memory; devices are printed on a second thread while
 * the next ones are decoded.
 */
public final class StateDump {
  /** Which descriptions decode devices. */
  public enum Schema {
    /** The stream's vmdesc for every device. */
    VMDESC,
    /** Our typed descriptions where we have them, the vmdesc elsewhere. */
    TYPED
  }

  private final MigrationStreamReader reader;
  private final JsonGenerator g;
  private final boolean memory;
  private final Schema schema;
  private final RamSink ramTee;
  private RamJson ram;

  /** How each device layout is printed, worked out once per layout (512 CPUs share one). */
  private final Map<Object, AnalyzerRenderer.Layout> layouts = new HashMap<>();

  /** The nesting level of the document's members (where device objects open). */
  private final int level;

  /** Builds device texts; used only on the queue's thread. */
  private final AnalyzerRenderer renderer = new AnalyzerRenderer();

  /** The text of the device being printed; used only on the queue's thread. */
  private final AsciiText text = new AsciiText();

  /**
   * Devices are printed on the queue's thread while the next are decoded; everything else is
   * written here once the queue is drained.
   */
  private RenderQueue queue;

  /** Walked sections (block migration, dirty bitmaps) by section id, until printed. */
  private final Map<Integer, Walked> walked = new java.util.HashMap<>();

  /**
   * A dump of {@code reader}'s stream to {@code g}; {@code memory} adds the RAM blocks (the
   * analyzer's {@code -m}); {@code schema} chooses how devices are decoded.
   */
  public StateDump(MigrationStreamReader reader, JsonGenerator g, boolean memory, Schema schema) {
    this(reader, g, memory, schema, null);
  }

  /**
   * A dump that also hands RAM records to {@code ramTee} (which consumes the page bytes when the
   * dump does not print memory), as {@code extract} does to write block files.
   */
  public StateDump(
      MigrationStreamReader reader,
      JsonGenerator g,
      boolean memory,
      Schema schema,
      RamSink ramTee) {
    this.ramTee = ramTee;
    this.reader = reader;
    this.g = g;
    PythonJson.Indent4 indent = PythonJson.indent(g);
    if (indent == null) {
      throw new IllegalArgumentException("the generator was not made by PythonJson");
    }
    this.level = indent.level() + 1;
    this.memory = memory;
    this.schema = schema;
  }

  /** Writes the whole document (without the final newline Python's print adds). */
  public void run() throws VmStateException, IOException {
    VmStateException brk = runToBreak();
    if (brk != null) {
      throw brk;
    }
  }

  /**
   * Writes the document as far as the stream can be decoded and returns where it broke, or null
   * when it was read whole (and then prints exactly what {@link #run} prints). On a break the
   * document is still complete JSON: it holds every section decoded before the break, printed as
   * for a whole stream (a RAM section cut inside holds the records read before the cut), and is
   * closed after them. Failures writing the output are thrown, not returned.
   */
  public @Nullable VmStateException runToBreak() throws IOException {
    VmStateException brk = null;
    try (RenderQueue q = new RenderQueue()) {
      queue = q;
      g.writeStartObject();
      try {
        for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
          if (e instanceof StreamEvent.Section s) {
            section(s);
          } else if (e instanceof StreamEvent.Eof) {
            closeRam();
          }
        }
        q.drain();
      } catch (VmStateException x) {
        brk = x;
      } catch (UncheckedIOException x) {
        throw x.getCause();
      }
      if (brk != null) {
        try {
          q.drain();
        } catch (VmStateException earlier) {
          // A device queued before the break failed to print: that is the earlier break, unless
          // it is the section the stream was cut in (its body ended early because of the cut).
          boolean sameCut =
              brk instanceof VmStateDecodeException d
                  && d.isTruncation()
                  && earlier.section().equals(brk.section());
          brk = sameCut ? brk : earlier;
        }
        if (ram != null) {
          ram.close();
          ram = null;
        }
      }
      g.writeEndObject();
      g.flush();
    } finally {
      queue = null;
    }
    return brk;
  }

  private void section(StreamEvent.Section s) throws VmStateException, IOException {
    String key = s.section().idstr() + " (" + Integer.toUnsignedString(s.sectionId()) + ")";
    if (s.isRam()) {
      queue.drain();
      if (s.type().hasFullHeader()) {
        closeRam();
        g.writeFieldName(key);
        g.writeStartObject();
        g.writeFieldName("section sizes");
        g.writeStartObject();
        ram = new RamJson(s.sectionId());
      } else if (ram == null || ram.sectionId != s.sectionId()) {
        throw VmStateDecodeException.corrupt(
                "a RAM section continues after another section started; dump cannot print"
                    + " interleaved iterable sections")
            .atOffset(s.offset())
            .inSection(s.section());
      }
      try {
        reader.readRam(ram);
      } catch (UncheckedIOException x) {
        throw x.getCause();
      }
      return;
    }
    if (s.isHtab()) {
      // The analyzer's HTABSection prints "" under its START section's key (its getDict), after
      // the RAM object its sections interleave with.
      if (s.type().hasFullHeader()) {
        if (ram != null) {
          ram.htabKeys.add(key);
        } else {
          queue.submit(() -> htabEntry(key));
        }
      }
      reader.readHtab(HtabSink.SKIP);
      return;
    }
    if (s.isWalked()) {
      walked(s, key);
      return;
    }
    closeRam();
    if (!s.type().hasFullHeader()) {
      reader.readDeviceGeneric();
      return;
    }
    Map<String, Object> entry = reader.vmdescEntry(s.section());
    StateRecord rec = decode(s, entry);
    if (entry == null) {
      entry = reader.vmdescEntry(s.section()); // written for it by a typed stand-in
    }
    if (entry == null) {
      throw VmStateDecodeException.corrupt("section has no vmdesc entry to print it with")
          .atOffset(s.offset())
          .inSection(s.section());
    }
    Object layoutKey = Vmdesc.layout(entry);
    AnalyzerRenderer.Layout layout = layouts.get(layoutKey);
    if (layout == null) {
      try {
        layout = AnalyzerRenderer.layout(entry);
      } catch (VmStateException x) {
        throw x.atOffset(s.bodyOffset()).inSection(s.section());
      }
      layouts.put(layoutKey, layout);
    }
    AnalyzerRenderer.Layout printed = layout;
    queue.submit(
        () -> {
          try {
            renderer.render(printed, rec, level, text);
          } catch (VmStateException x) {
            throw x.atOffset(s.bodyOffset()).inSection(s.section());
          }
          g.writeFieldName(key);
          text.writeValue(g);
        });
  }

  private StateRecord decode(StreamEvent.Section s, Map<String, Object> entry)
      throws VmStateException {
    if (schema == Schema.TYPED && entry != null) {
      String vmsd = String.valueOf(entry.get("vmsd_name"));
      VmStateDescription<StateRecord> typed = TypedDescriptions.mirror(vmsd);
      if (typed != null) {
        StateRecord r = new StateRecord(vmsd);
        TypedDescriptions.lookup(vmsd).configure().accept(entry, r);
        reader.readDevice(typed, r);
        return r;
      }
    }
    return reader.readDeviceGeneric();
  }

  private void closeRam() throws IOException, VmStateException {
    if (ram == null) {
      return;
    }
    queue.drain();
    ram.close();
    for (String key : ram.htabKeys) {
      htabEntry(key);
    }
    for (Walked w : ram.walked) {
      w.print();
    }
    ram = null;
  }

  /**
   * A block migration or dirty-bitmap section, which the analyzer cannot read: printed under its
   * START section's key as {@code {"records": N, "bytes": B}} (records and body bytes of all its
   * sections) once its END was read, after the RAM object its sections interleave with.
   */
  private void walked(StreamEvent.Section s, String key) throws VmStateException, IOException {
    Walked w = walked.get(s.sectionId());
    if (s.type().hasFullHeader()) {
      w = new Walked(key);
      walked.put(s.sectionId(), w);
    }
    reader.readWalked(w);
    if (s.type() == io.vmstate.stream.SectionType.END
        || s.type() == io.vmstate.stream.SectionType.FULL) {
      walked.remove(s.sectionId());
      if (ram == null) {
        queue.submit(w::print);
      } else {
        ram.walked.add(w);
      }
    }
  }

  /** Counts the records and bytes of one walked section's bodies. */
  private final class Walked implements WalkSink {
    final String key;
    long records;
    long bytes;

    Walked(String key) {
      this.key = key;
    }

    @Override
    public void record(byte[] b, int length) {
      records++;
      bytes += length;
    }

    @Override
    public void data(WireInput in, long n) throws VmStateException {
      in.skip(n);
      bytes += n;
    }

    void print() throws IOException {
      g.writeFieldName(key);
      g.writeStartObject();
      g.writeNumberField("records", records);
      g.writeNumberField("bytes", bytes);
      g.writeEndObject();
    }
  }

  private void htabEntry(String key) throws IOException {
    g.writeFieldName(key);
    g.writeString("");
  }

  /** Writes RAM records into the open RAM object. */
  private final class RamJson implements RamSink {
    final int sectionId;
    final List<String> htabKeys = new java.util.ArrayList<>(1);
    final List<Walked> walked = new java.util.ArrayList<>(2);
    private boolean sizesOpen = true;
    private boolean memoryOpen;
    private byte[] page = new byte[0];

    /** The hex text of {@link #page}. */
    private byte[] hex = new byte[0];

    /**
     * Whether the generator writes bytes (it then takes the hex as raw UTF-8, without a String).
     */
    private final boolean rawHex = g instanceof UTF8JsonGenerator;

    RamJson(int sectionId) {
      this.sectionId = sectionId;
    }

    void closeSizes() throws IOException {
      if (sizesOpen) {
        g.writeEndObject();
        sizesOpen = false;
      }
    }

    /** Ends the RAM section's object (with an empty "memory" when memory is printed). */
    void close() throws IOException {
      closeSizes();
      if (memory) {
        openMemory();
        g.writeEndObject();
      }
      g.writeEndObject();
    }

    void openMemory() throws IOException {
      if (!memoryOpen) {
        g.writeFieldName("memory");
        g.writeStartObject();
        memoryOpen = true;
      }
    }

    @Override
    public void blocks(long totalBytes, List<RamBlock> blocks) throws VmStateException {
      if (ramTee != null) {
        ramTee.blocks(totalBytes, blocks);
      }
      try {
        for (RamBlock b : blocks) {
          g.writeStringField(b.idstr(), "0x" + AnalyzerRenderer.hexDigits(b.usedLength(), 16));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Opens the member of the page at {@code addr}: its value is to be written next. */
    private void entry(RamBlock b, long addr) {
      try {
        closeSizes();
        openMemory();
        g.writeFieldName(b.idstr() + " (0x" + AnalyzerRenderer.hexDigits(addr, 16) + ")");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void zeroPage(RamBlock b, long addr, boolean continued, int fill)
        throws VmStateException {
      if (ramTee != null) {
        ramTee.zeroPage(b, addr, continued, fill);
      }
      if (memory) {
        // The analyzer reads the fill byte signed and prints it with '0x%02x'.
        int signed = (byte) fill;
        String hex =
            signed < 0 ? "-" + Integer.toHexString(-signed) : AnalyzerRenderer.hexDigits(fill, 2);
        entry(b, addr);
        try {
          g.writeString("Filled with 0x" + hex);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else {
        closeSizesUnchecked();
      }
    }

    @Override
    public void page(RamBlock b, long addr, boolean continued, WireInput in, int pageSize)
        throws VmStateException {
      if (!memory) {
        closeSizesUnchecked();
        if (ramTee != null) {
          ramTee.page(b, addr, continued, in, pageSize);
        } else {
          in.skip(pageSize);
        }
        return;
      }
      if (page.length != pageSize) {
        page = new byte[pageSize];
        hex = new byte[pageSize * 3];
      }
      in.readBytes(page, 0, pageSize);
      entry(b, addr);
      // The hex text is ASCII and needs no escapes: written as it is, without a String.
      try {
        int n = AnalyzerRenderer.hexPairs(page, 0, pageSize, hex, 0);
        if (rawHex) {
          g.writeRawUTF8String(hex, 0, n);
        } else {
          // A generator over a Writer (a library caller's) takes no raw UTF-8: the same text.
          g.writeString(new String(hex, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void closeSizesUnchecked() {
      try {
        closeSizes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
