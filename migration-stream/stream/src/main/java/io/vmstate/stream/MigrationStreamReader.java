package io.vmstate.stream;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.vmstate.api.Nullable;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.DecodeLimits;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.htab.HtabSection;
import io.vmstate.stream.htab.HtabSink;
import io.vmstate.stream.ram.RamSection;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescSchema;
import io.vmstate.stream.walk.BlockSection;
import io.vmstate.stream.walk.DirtyBitmapSection;
import io.vmstate.stream.walk.WalkSink;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pull parser over a QEMU migration stream (reference §5). {@link #next()} returns the items in
 * order: {@link StreamEvent.Header}, {@link StreamEvent.Configuration}, then sections (a {@link
 * StreamEvent.Section} header, its body, a checked {@link StreamEvent.Footer}) and commands, {@link
 * StreamEvent.Eof} and {@link StreamEvent.VmDescription}; then null.
 *
 * <p>The stream header, the start of every stream (here the committed QEMU 7.2 fixture {@code
 * virt-gicv3-smp2.qemu}):
 *
 * <pre>
 * offset 0x00  51 45 56 4d   be32 magic "QEVM"
 *        0x04  00 00 00 03   be32 version 3
 *        0x08  07 ...        the configuration section ({@link MachineConfiguration})
 *              ...           sections ({@link SectionType}) and commands ({@link MigrationCommand})
 *              00            EOF
 *              06 ...        the vmdesc trailer ({@link io.vmstate.stream.vmdesc.Vmdesc})
 * </pre>
 *
 * <p>A section's body is consumed by the caller right after its header event, with {@link
 * #readDevice}, {@link #readDeviceGeneric} or {@link #readRam}; a body the caller leaves alone is
 * consumed on the next {@code next()} (RAM pages skipped, devices decoded through the vmdesc when
 * one was given in advance). Nothing but the current item is held in memory, so a stream of any
 * size is read in bounded memory.
 *
 * <p>Errors are {@link VmStateDecodeException}s (or {@link
 * io.vmstate.api.VersionMismatchException}) carrying the byte offset, the section and the field
 * path.
 */
public final class MigrationStreamReader {
  private static final int MAX_SECTIONS = 1 << 20;
  private static final DecodeLimits CONFIG_LIMITS = new DecodeLimits(1024, 4096, 8);

  private enum State {
    START,
    AFTER_HEADER,
    BODY,
    AFTER_EOF,
    DONE
  }

  private WireInput in;
  private final ReaderOptions options;
  private final VmStateCodec codec;

  /** The vmdesc entry written for the pending section when a typed description decoded it. */
  private Map<String, Object> standIn;

  /**
   * Whether {@link #readDeviceGeneric} may use typed descriptions (see {@link #withTypedStandIns}).
   */
  private boolean typedStandIns;

  private final Map<Integer, StreamEvent.Section> starts = new HashMap<>();
  private final Map<Object, VmStateDescription<StateRecord>> schemaByLayout = new HashMap<>();
  // How many FULL/START sections of each (idstr, instance) came before, by section id: QEMU can
  // write one pair twice (two slirp sections, both instance 0), each with its own vmdesc entry.
  private final Map<String, Integer> sectionsByKey = new HashMap<>();
  private final Map<Integer, Integer> occurrenceById = new HashMap<>();
  private State state = State.START;
  private MachineConfiguration configuration;
  private Vmdesc vmdesc;
  private RamSection ram;
  private HtabSection htab;
  private BlockSection block;
  private DirtyBitmapSection dirtyBitmap;
  private StreamEvent.Section pending;
  private boolean bodyConsumed;
  private long packageEnd = -1;
  private Boolean footers; // detected after the first section body; null until then
  // The description that read the pending section's body: an error where its footer should be
  // names it, since that is where its fields and subsections ended.
  private String bodyDescription;

  /** A reader over {@code in} positioned at the stream header (neither argument null). */
  public MigrationStreamReader(WireInput in, ReaderOptions options) {
    this.in = checkNotNull(in, "input");
    this.options = checkNotNull(options, "options");
    this.codec = VmStateCodec.withLimits(options.limits());
    this.vmdesc = options.vmdesc();
  }

  /** A reader over {@code in} with {@link ReaderOptions#DEFAULT}. */
  public MigrationStreamReader(WireInput in) {
    this(in, ReaderOptions.DEFAULT);
  }

  /**
   * Where the reader stands between two items, for push parsing: {@link #reset} rolls the reader
   * back to it after an item was cut short by the end of the bytes received so far.
   */
  public static final class Mark {
    private final State state;
    private final StreamEvent.Section pending;
    private final boolean bodyConsumed;
    private final long packageEnd;

    private Mark(State state, StreamEvent.Section pending, boolean bodyConsumed, long packageEnd) {
      this.state = state;
      this.pending = pending;
      this.bodyConsumed = bodyConsumed;
      this.packageEnd = packageEnd;
    }
  }

  /** The reader's state before the next item (see {@link Mark}). */
  public Mark mark() {
    return new Mark(state, pending, bodyConsumed, packageEnd);
  }

  /**
   * Rolls back to {@code m} after the item read since was cut short ({@link
   * VmStateDecodeException#isTruncation()}); the next read must start at the byte where that item
   * started (see {@link #resume}). What the reader keeps across items (section starts,
   * configuration, RAM block list, vmdesc) is only changed once an item was read completely, so
   * nothing else needs undoing.
   */
  public void reset(Mark m) {
    state = m.state;
    pending = m.pending;
    bodyConsumed = m.bodyConsumed;
    packageEnd = m.packageEnd;
  }

  /**
   * Continues on {@code next}, whose position must be the stream offset of the next byte to read:
   * push parsing hands the reader each piece of the stream as it arrives ({@link
   * WireInput#of(byte[], int, int, long)}).
   */
  public void resume(WireInput next) {
    this.in = checkNotNull(next, "input");
  }

  /**
   * Uses {@code v} for device sections without a description from now on: a push parser finds a
   * real QEMU stream's vmdesc only after the last section, when the whole stream has arrived.
   */
  public void useVmdesc(Vmdesc v) {
    this.vmdesc = checkNotNull(v, "vmdesc");
  }

  /**
   * Lets {@link #readDeviceGeneric} decode a section without a vmdesc entry with our typed
   * description of its device ({@link TypedStandIn}) instead of failing; off by default, since the
   * record then has the typed description's shape, not the vmdesc's (the dump, sections, verify and
   * extract commands and the device-state receiver turn it on).
   */
  public MigrationStreamReader withTypedStandIns() {
    typedStandIns = true;
    return this;
  }

  /** The underlying input (its position is the reader's). */
  public WireInput input() {
    return in;
  }

  /**
   * Whether sections end with footers, once the first section was read (null before): detected,
   * since QEMU's machine types up to 2.3 send none.
   */
  public @Nullable Boolean footers() {
    return footers;
  }

  /** The configuration, once read (null for streams without one). */
  public @Nullable MachineConfiguration configuration() {
    return configuration;
  }

  /** The vmdesc given in advance or read from the trailer, else null. */
  public @Nullable Vmdesc vmdesc() {
    return vmdesc;
  }

  /** The target page size: configuration target-page-bits, else vmdesc page_size, else default. */
  public int pageSize() {
    int fallback = vmdesc != null ? vmdesc.pageSize(options.defaultPageSize()) : 0;
    if (fallback == 0) {
      fallback = options.defaultPageSize();
    }
    return configuration != null ? configuration.pageSize(fallback) : fallback;
  }

  /** The next item, or null after the last one. */
  public @Nullable StreamEvent next() throws VmStateException {
    if (pending != null) {
      return finishSection();
    }
    long at = in.position();
    try {
      return switch (state) {
        case START -> header(at);
        case AFTER_HEADER, BODY -> item(at);
        case AFTER_EOF -> trailer(at);
        case DONE -> {
          if (!in.atEnd()) {
            throw VmStateDecodeException.corrupt("trailing bytes after the vmdesc trailer");
          }
          yield null;
        }
      };
    } catch (VmStateException e) {
      throw e.atOffset(at);
    }
  }

  private StreamEvent header(long at) throws VmStateException {
    int magic = in.readBe32();
    if (magic != StreamFormat.MAGIC) {
      throw VmStateDecodeException.corrupt(
          String.format(
              "not a QEMU migration stream: magic 0x%08x, expected 0x%08x (\"QEVM\")",
              magic, StreamFormat.MAGIC));
    }
    int version = in.readBe32();
    if (version == StreamFormat.VERSION_COMPAT) {
      throw VmStateDecodeException.corrupt(
          "SaveVM v2 format is obsolete and don't work anymore (stream version 2)");
    }
    if (version != StreamFormat.VERSION) {
      throw VmStateDecodeException.corrupt(
          "Unsupported migration stream version " + version + " (expected 3)");
    }
    state = State.AFTER_HEADER;
    return new StreamEvent.Header(at, version);
  }

  private StreamEvent item(long at) throws VmStateException {
    if (packageEnd >= 0) {
      if (at > packageEnd) {
        throw VmStateDecodeException.corrupt("an item crosses the end of a PACKAGED command");
      }
      if (at == packageEnd) {
        packageEnd = -1;
      }
    }
    int type = in.readU8();
    if (type == StreamFormat.CONFIGURATION) {
      if (state != State.AFTER_HEADER) {
        throw VmStateDecodeException.corrupt(
            "configuration section (0x07) after the first section; it must follow the header");
      }
      state = State.BODY;
      MachineConfiguration c = new MachineConfiguration();
      VmStateCodec.withLimits(CONFIG_LIMITS)
          .load(MachineConfiguration.DESCRIPTION, c, in, MachineConfiguration.LOAD_VERSION);
      configuration = c;
      return new StreamEvent.Configuration(at, c);
    }
    state = State.BODY;
    SectionType st = SectionType.of(type);
    if (st != null) {
      return section(at, st);
    }
    return switch (type) {
      case StreamFormat.COMMAND -> command(at);
      case StreamFormat.EOF -> {
        if (packageEnd >= 0) {
          throw VmStateDecodeException.corrupt("EOF inside a PACKAGED command's package");
        }
        state = State.AFTER_EOF;
        yield new StreamEvent.Eof(at);
      }
      default -> {
        if (type == StreamFormat.SUBSECTION) {
          readSubsectionHeader();
        }
        throw VmStateDecodeException.corrupt(
            String.format(
                "Unknown savevm section type 0x%02x%s",
                type,
                type == StreamFormat.SECTION_FOOTER
                    ? " (a section footer in a stream whose first section had none)"
                    : ""));
      }
    };
  }

  /**
   * After a subsection marker (0x05) met where the previous body should have ended: reads the rest
   * of the subsection header ({@code u8 len, name, be32 version}), which throws a truncation when
   * the stream was cut inside it. A description peeks the whole header before it takes a subsection
   * (as QEMU's vmstate_subsection_load does) and ends the body when it cannot, so a cut there would
   * otherwise look like a corrupt next item.
   */
  private void readSubsectionHeader() throws VmStateException {
    in.readStr8();
    in.readBe32();
  }

  private StreamEvent section(long at, SectionType st) throws VmStateException {
    int id = in.readBe32();
    StreamEvent.Section s;
    if (st.hasFullHeader()) {
      String idstr = in.readStr8();
      if (idstr.isEmpty()) {
        throw VmStateDecodeException.corrupt(
            "Unable to read ID string for section " + Integer.toUnsignedString(id));
      }
      long instance = in.readBe32() & 0xffffffffL;
      int version = in.readBe32();
      SectionRef ref = new SectionRef(idstr, instance, version);
      s = new StreamEvent.Section(at, st, id, ref, in.position());
      if (st != SectionType.FULL && !s.isIterative()) {
        throw VmStateDecodeException.corrupt(
                "section '"
                    + idstr
                    + "' instance "
                    + instance
                    + " is an iterative section ("
                    + st
                    + ") of a kind this tool cannot walk: it reads 'ram', 'spapr/htab',"
                    + " 'block' and 'dirty-bitmap'")
            .inSection(ref);
      }
      if (!occurrenceById.containsKey(id)) {
        if (occurrenceById.size() >= MAX_SECTIONS) {
          throw VmStateDecodeException.limitExceeded(
              "section count", occurrenceById.size(), MAX_SECTIONS);
        }
        occurrenceById.put(id, sectionsByKey.merge(instance + ":" + idstr, 1, Integer::sum) - 1);
      }
      if (st == SectionType.START) {
        if (starts.size() >= MAX_SECTIONS) {
          throw VmStateDecodeException.limitExceeded("section count", starts.size(), MAX_SECTIONS);
        }
        starts.put(id, s);
      }
    } else {
      StreamEvent.Section start = starts.get(id);
      if (start == null) {
        throw VmStateDecodeException.corrupt(
            "section id "
                + Integer.toUnsignedString(id)
                + " of a "
                + st
                + " record was never"
                + " started");
      }
      s = new StreamEvent.Section(at, st, id, start.section(), in.position());
    }
    pending = s;
    bodyConsumed = false;
    standIn = null;
    return s;
  }

  private StreamEvent command(long at) throws VmStateException {
    int id = in.readBe16() & 0xffff;
    int len = in.readBe16() & 0xffff;
    MigrationCommand c = MigrationCommand.of(id);
    if (c == null) {
      throw VmStateDecodeException.corrupt(String.format("MIG_CMD 0x%x unknown", id));
    }
    if (!c.acceptsLength(len)) {
      throw VmStateDecodeException.corrupt(
          String.format(
              "%s received with bad length - expecting %s, got %d",
              c, c.fixedLength() >= 0 ? Integer.toString(c.fixedLength()) : "another", len));
    }
    byte[] payload = new byte[len];
    in.readBytes(payload, 0, len);
    if (c == MigrationCommand.PACKAGED) {
      if (packageEnd >= 0) {
        throw VmStateDecodeException.corrupt("PACKAGED command inside a package");
      }
      long size =
          ((payload[0] & 0xffL) << 24)
              | ((payload[1] & 0xff) << 16)
              | ((payload[2] & 0xff) << 8)
              | (payload[3] & 0xff);
      packageEnd = in.position() + size;
    }
    return new StreamEvent.Command(at, c, payload);
  }

  private StreamEvent trailer(long at) throws VmStateException {
    if (in.atEnd()) {
      state = State.DONE;
      if (options.requireVmdesc()) {
        throw VmStateDecodeException.corrupt(
            "the stream ends after EOF without its vmdesc trailer (QEMU_VM_VMDESCRIPTION)");
      }
      return null;
    }
    int type = in.readU8();
    if (type != StreamFormat.VMDESCRIPTION) {
      throw VmStateDecodeException.corrupt("Expected vmdescription section, but got " + type);
    }
    long len = in.readBe32() & 0xffffffffL;
    if (len > options.maxVmdescBytes()) {
      throw VmStateDecodeException.limitExceeded("vmdesc JSON size", len, options.maxVmdescBytes());
    }
    long jsonAt = in.position();
    byte[] json = new byte[(int) len];
    in.readBytes(json, 0, (int) len);
    Vmdesc parsed =
        vmdesc != null && vmdesc.jsonLength() == len ? vmdesc : Vmdesc.parse(json, jsonAt);
    vmdesc = parsed;
    state = State.DONE;
    return new StreamEvent.VmDescription(at, parsed);
  }

  private StreamEvent finishSection() throws VmStateException {
    StreamEvent.Section s = pending;
    if (!bodyConsumed) {
      if (s.isRam()) {
        readRam(RamSink.SKIP);
      } else if (s.isHtab()) {
        readHtab(HtabSink.SKIP);
      } else if (s.isWalked()) {
        readWalked(WalkSink.SKIP);
      } else {
        readDeviceGeneric();
      }
    }
    pending = null;
    String description = bodyDescription;
    bodyDescription = null;
    if (footers == null) {
      // QEMU's send-section-footer is off for machine types up to 2.3 (hw_compat_2_3) and under
      // Xen: whether the first section ends with 0x7e (never an item type) says which it is.
      footers = in.peekU8(0) == StreamFormat.SECTION_FOOTER;
    }
    if (!footers) {
      return new StreamEvent.Footer(in.position(), s, in.position());
    }
    long at = in.position();
    boolean atMarker = true;
    try {
      VmStateDecodeException sub = strayedSubsection(s);
      if (sub != null) {
        throw sub;
      }
      int marker = in.readU8();
      if (marker == StreamFormat.SUBSECTION) {
        readSubsectionHeader();
      }
      if (marker != StreamFormat.SECTION_FOOTER) {
        throw VmStateDecodeException.corrupt(
            String.format(
                "Missing section footer for %s: found 0x%02x instead of 0x7e",
                s.section().idstr(), marker));
      }
      atMarker = false;
      int id = in.readBe32();
      if (id != s.sectionId()) {
        throw VmStateDecodeException.corrupt(
            String.format(
                "Mismatched section id in footer for %s - read 0x%x expected 0x%x",
                s.section().idstr(), id, s.sectionId()));
      }
    } catch (VmStateException e) {
      if (description != null && atMarker && e.fieldPath().isEmpty()) {
        e.inField(description);
      }
      throw e.atOffset(at).inSection(s.section());
    }
    return new StreamEvent.Footer(at, s, in.position());
  }

  /**
   * Where the footer should be, a subsection record (0x05, u8 length, name) that the section's
   * description did not take: QEMU fails here with its footer message, but the bytes show the
   * cause, a subsection the description does not list (a corrupt name, or a newer source). Null
   * when the next bytes are no such record.
   */
  private VmStateDecodeException strayedSubsection(StreamEvent.Section s)
      throws VmStateDecodeException {
    if (in.fill(2) < 2 || in.peekU8(0) != StreamFormat.SUBSECTION) {
      return null;
    }
    int len = in.peekU8(1);
    if (len == 0 || in.fill(2 + len) < 2 + len) {
      return null;
    }
    StringBuilder name = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      name.append((char) in.peekU8(2 + i));
    }
    return VmStateDecodeException.unknownSubsection(name.toString(), s.section().idstr());
  }

  private StreamEvent.Section body() {
    checkState(pending != null && !bodyConsumed, "no section body to read here");
    bodyConsumed = true;
    return pending;
  }

  /** Loads the pending FULL or START device section into {@code obj} with {@code d}. */
  public <T> void readDevice(VmStateDescription<T> d, T obj) throws VmStateException {
    StreamEvent.Section s = body();
    bodyDescription = d.name();
    try {
      codec.load(d, obj, in, s.section().versionId());
    } catch (VmStateException e) {
      throw e.atOffset(in.position()).inSection(s.section());
    }
  }

  /**
   * Decodes the pending device section through the vmdesc into a fresh record; a section the vmdesc
   * does not describe (or a stream without one) is decoded with our typed description of its device
   * where we have one ({@link TypedStandIn}), and {@link #vmdescEntry} then returns the entry QEMU
   * would have written for it.
   */
  public StateRecord readDeviceGeneric() throws VmStateException {
    StreamEvent.Section s = pending;
    checkState(s != null && !bodyConsumed, "no section body to read here");
    if (typedStandIns && vmdescEntry(s.section()) == null) {
      TypedStandIn.Decoded t;
      try {
        t = TypedStandIn.decode(s, in, footers, codec);
      } catch (VmStateException e) {
        throw e.atOffset(in.position()).inSection(s.section());
      }
      if (t != null) {
        bodyConsumed = true;
        standIn = t.entry();
        return t.record();
      }
    }
    VmStateDescription<StateRecord> d;
    try {
      d = schemaFor(s.section());
    } catch (VmStateException e) {
      throw e.atOffset(s.bodyOffset()).inSection(s.section());
    }
    StateRecord r = new StateRecord(d.name());
    readDevice(d, r);
    return r;
  }

  /**
   * Which of the stream's sections with the same idstr and instance {@code s} is, from 0 (QEMU
   * writes two {@code slirp} sections, both instance 0, for two {@code -netdev user}): the {@code
   * #K} of {@link FieldAssignment#address}.
   */
  public int occurrence(StreamEvent.Section s) {
    return occurrenceById.getOrDefault(s.sectionId(), 0);
  }

  private int occurrence(SectionRef ref) {
    return pending != null && pending.section().equals(ref)
        ? occurrenceById.getOrDefault(pending.sectionId(), 0)
        : 0;
  }

  /**
   * The vmdesc entry that describes {@code ref}, the pending section (the n-th entry of its idstr
   * and instance for the n-th such section), or null.
   */
  public @Nullable Map<String, Object> vmdescEntry(SectionRef ref) {
    Map<String, Object> e =
        vmdesc == null ? null : vmdesc.device(ref.idstr(), ref.instanceId(), occurrence(ref));
    if (e == null && standIn != null && pending != null && pending.section().equals(ref)) {
      return standIn;
    }
    return e;
  }

  /**
   * The vmdesc-built description of a section (cached per vmdesc entry); a failure for the pending
   * section names it and the offset of its body.
   */
  public VmStateDescription<StateRecord> schemaFor(SectionRef ref) throws VmStateException {
    try {
      return describeSection(ref);
    } catch (VmStateException e) {
      if (pending != null && pending.section().equals(ref)) {
        e.atOffset(pending.bodyOffset()).inSection(ref);
      }
      throw e;
    }
  }

  private VmStateDescription<StateRecord> describeSection(SectionRef ref) throws VmStateException {
    if (vmdesc == null) {
      throw VmStateDecodeException.noDescription(
          ref.idstr(),
          ref.instanceId(),
          "the stream has no vmdesc before this section (a cut, postcopy or suppress-vmdesc"
              + " stream, or one read as it arrives), no vmdesc was given for it, and we have no"
              + " typed description of it");
    }
    int occurrence = occurrence(ref);
    Map<String, Object> entry = vmdesc.device(ref.idstr(), ref.instanceId(), occurrence);
    if (entry == null) {
      throw VmStateDecodeException.noDescription(
          ref.idstr(),
          ref.instanceId(),
          "the vmdesc has no entry for it"
              + (occurrence > 0 ? " (occurrence " + (occurrence + 1) + " of the pair)" : ""));
    }
    if (Vmdesc.isOldStyle(entry)) {
      // Saved without a VMSD: the body is `size` opaque bytes at the header's version.
      Object key = List.of(Vmdesc.layout(entry), entry.get("size"), ref.versionId());
      VmStateDescription<StateRecord> d = schemaByLayout.get(key);
      if (d == null) {
        d = VmdescSchema.describeOldStyle(entry, ref.versionId());
        schemaByLayout.put(key, d);
      }
      return d;
    }
    return describe(entry, ref);
  }

  /**
   * The description built from a vmdesc entry, cached per layout: devices of one kind (512 CPUs)
   * share a layout and are described once.
   */
  public VmStateDescription<StateRecord> describe(Map<String, Object> entry)
      throws VmStateException {
    return describe(entry, null);
  }

  /** {@link #describe(Map)}, naming {@code ref} (when not null) in a failure. */
  private VmStateDescription<StateRecord> describe(Map<String, Object> entry, SectionRef ref)
      throws VmStateException {
    Object layout = Vmdesc.layout(entry);
    VmStateDescription<StateRecord> d = schemaByLayout.get(layout);
    if (d == null) {
      try {
        d = VmdescSchema.describe(entry);
      } catch (VmStateDecodeException e) {
        // the entry is what is wrong: point at the vmdesc, name the section it describes
        e.atOffset(vmdesc.offset());
        throw ref == null ? e : e.inSection(ref);
      }
      schemaByLayout.put(layout, d);
    }
    return d;
  }

  /** Reads the pending RAM section body into {@code sink}. */
  public void readRam(RamSink sink) throws VmStateException {
    StreamEvent.Section s = body();
    try {
      ramSection(s).read(in, sink);
    } catch (VmStateException e) {
      throw e.atOffset(in.position()).inSection(s.section());
    }
  }

  /**
   * Reads one record of the pending RAM section body (push parsing; {@link RamSection#readRecord}):
   * after a {@link RamSection.Record#PAGE} the caller consumes the {@code ram().pageSize()} page
   * bytes; after {@link RamSection.Record#EOS} the body is consumed and {@link #next()} reads the
   * footer.
   */
  public RamSection.Record readRamRecord(RamSink sink) throws VmStateException {
    StreamEvent.Section s = pending;
    checkState(s != null && !bodyConsumed, "no section body to read here");
    try {
      RamSection.Record r = ramSection(s).readRecord(in, sink);
      if (r == RamSection.Record.EOS) {
        bodyConsumed = true;
      }
      return r;
    } catch (VmStateException e) {
      throw e.atOffset(in.position()).inSection(s.section());
    }
  }

  private RamSection ramSection(StreamEvent.Section s) throws VmStateException {
    if (s.section().versionId() != RamSection.VERSION) {
      throw VmStateDecodeException.corrupt(
          "Unknown RAM version " + s.section().versionId() + " (expected 4)");
    }
    if (ram == null) {
      boolean ignoreShared =
          configuration != null
              && configuration.hasCapability(MachineConfiguration.X_IGNORE_SHARED);
      ram = new RamSection(pageSize(), ignoreShared);
    }
    return ram;
  }

  /** Reads the pending {@code spapr/htab} section body into {@code sink}. */
  public void readHtab(HtabSink sink) throws VmStateException {
    StreamEvent.Section s = body();
    try {
      if (s.section().versionId() != HtabSection.VERSION) {
        throw VmStateDecodeException.corrupt(
            "Unknown HTAB version " + s.section().versionId() + " (expected 1)");
      }
      if (htab == null) {
        htab = new HtabSection();
      }
      htab.read(in, sink);
    } catch (VmStateException e) {
      throw e.atOffset(in.position()).inSection(s.section());
    }
  }

  /**
   * Reads the pending block migration or dirty-bitmap section body ({@link
   * StreamEvent.Section#isWalked}) into {@code sink}, record by record as it was on the wire.
   */
  public void readWalked(WalkSink sink) throws VmStateException {
    StreamEvent.Section s = body();
    try {
      boolean isBlock = s.section().idstr().equals(BlockSection.IDSTR);
      int expected = isBlock ? BlockSection.VERSION : DirtyBitmapSection.VERSION;
      if (s.section().versionId() != expected) {
        throw VmStateDecodeException.corrupt(
            "Unknown "
                + s.section().idstr()
                + " section version "
                + s.section().versionId()
                + " (expected "
                + expected
                + ")");
      }
      if (isBlock) {
        if (block == null) {
          block = new BlockSection();
        }
        block.read(in, sink);
      } else {
        if (dirtyBitmap == null) {
          dirtyBitmap = new DirtyBitmapSection();
        }
        dirtyBitmap.read(in, sink);
      }
    } catch (VmStateException e) {
      throw e.atOffset(in.position()).inSection(s.section());
    }
  }

  /** Whether a {@code spapr/htab} section was read. */
  public boolean htabRead() {
    return htab != null;
  }

  /** The RAM state (block list) once a RAM section was read, else null. */
  public @Nullable RamSection ram() {
    return ram;
  }
}
