package io.vmstate.stream;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.vmstate.api.ArrayField;
import io.vmstate.api.BufferField;
import io.vmstate.api.Field;
import io.vmstate.api.Nullable;
import io.vmstate.api.QemuRelease;
import io.vmstate.api.SectionRef;
import io.vmstate.api.StateCopier;
import io.vmstate.api.StructField;
import io.vmstate.api.VarCount;
import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.DownLevel;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.htab.HtabSink;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.vmdesc.QemuJsonWriter;
import io.vmstate.stream.vmdesc.VmdescWriter;
import io.vmstate.stream.walk.WalkSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * QEMU's savevm/loadvm over registered devices (reference §5.5–5.7).
 *
 * <p><b>Save</b> writes a complete stream: header, configuration, one FULL section per device in
 * descending {@link io.vmstate.api.MigrationPriority} then registration order (a device whose
 * top-level {@code needed} is false is omitted, as in QEMU, and so is one introduced after the
 * target release of a down-level save), footers, EOF and the vmdesc JSON, built from the codec's
 * {@link io.vmstate.codec.SaveObserver} events in QEMU's compact formatting. Section ids are given
 * at registration, from 0, as QEMU's global counter does.
 *
 * <p><b>Load</b> dispatches each section by (idstr, instance id). An unknown section fails with
 * QEMU's message, unless {@link LoadOptions#decodeUnknown} asks for it to be decoded through the
 * stream's vmdesc into a {@link StateRecord} (returned in the {@link LoadResult}). Versions are
 * checked against each description's window and footers against their sections.
 *
 * <p>Loading is atomic across the registry: nothing is applied unless the whole stream decoded.
 * Each device is staged: with a {@link StateCopier} the load (hooks included) runs on a copy that
 * is copied into the object at the end; without one, the section is decoded into the generic mirror
 * of its description and loaded into the object from those bytes at the end (so its hooks run at
 * commit time).
 */
public final class DeviceRegistry {
  private MachineConfiguration configuration;
  private final List<Device<?>> devices = new ArrayList<>();
  private int nextSectionId;
  private boolean checkSaves = true;

  private record Device<T>(
      String idstr, long instanceId, VmStateDescription<T> description, T object, int sectionId) {
    /** The section this device saves: its identity at its description's version. */
    SectionRef ref() {
      return new SectionRef(idstr, instanceId, description.version());
    }
  }

  /**
   * One device section without its framing: the section id, the identity (idstr, instance, the
   * version the body was written at) and the body, the bytes a stream holds between the section's
   * header and its footer. What {@link DeviceRegistry#saveSections} returns and {@link
   * DeviceRegistry#loadSections} takes: the unit a framed transport moves. The array is not copied.
   */
  public record SectionBody(int sectionId, SectionRef ref, byte[] body) {
    /** Neither {@code ref} nor {@code body} may be null. */
    public SectionBody {
      checkNotNull(ref, "ref");
      checkNotNull(body, "body");
    }
  }

  /** Options of {@link #load}. */
  public record LoadOptions(
      boolean decodeUnknown, boolean crossCheck, boolean checkConfiguration, RamSink ram) {
    /** QEMU's behaviour: unknown sections fail; RAM pages are skipped. */
    public static final LoadOptions DEFAULT = new LoadOptions(false, false, true, RamSink.SKIP);

    /**
     * Whether a section with no registered device is decoded through the vmdesc into {@link
     * LoadResult#unknownSections} instead of failing.
     */
    public LoadOptions withDecodeUnknown(boolean b) {
      return new LoadOptions(b, crossCheck, checkConfiguration, ram);
    }

    /** Also decode registered devices through the vmdesc and fail unless both agree. */
    public LoadOptions withCrossCheck(boolean b) {
      return new LoadOptions(decodeUnknown, b, checkConfiguration, ram);
    }

    /**
     * Whether the stream's configuration section must match the registry's (QEMU's check: machine
     * type, target page bits, x-ignore-shared; a mismatch names both values). When it is not
     * checked, a successful load takes the stream's configuration as the registry's, so a later
     * save writes what the stream held: the way to load a stream without knowing its machine.
     */
    public LoadOptions withCheckConfiguration(boolean b) {
      return new LoadOptions(decodeUnknown, crossCheck, b, ram);
    }

    /** Where RAM pages go (default: skipped). */
    public LoadOptions withRam(RamSink sink) {
      return new LoadOptions(decodeUnknown, crossCheck, checkConfiguration, checkNotNull(sink));
    }
  }

  /**
   * What a load found besides the registered devices: the stream's configuration (null when it had
   * none, as a device-state stream or a {@link DeviceRegistry#loadSections} load), the sections of
   * no registered device decoded through the vmdesc, in stream order and keyed as paths name them
   * ({@link FieldAssignment#address}: {@code slirp}, {@code slirp#1} for the second of two {@code
   * slirp} sections of instance 0, {@code cpu@1}), and how many registered devices' sections were
   * loaded.
   */
  public record LoadResult(
      @Nullable MachineConfiguration configuration,
      Map<String, StateRecord> unknownSections,
      int sectionsLoaded) {}

  /**
   * An empty registry whose saves write {@code configuration} and whose loads check the stream's
   * against it (not null).
   */
  public DeviceRegistry(MachineConfiguration configuration) {
    this.configuration = checkNotNull(configuration, "configuration");
  }

  /**
   * The configuration saves write: the one given, or the stream's after a load that did not check
   * it ({@link LoadOptions#withCheckConfiguration}).
   */
  public MachineConfiguration configuration() {
    return configuration;
  }

  /**
   * Whether saves check their own stream before it is used ({@link #saveToBytes(QemuRelease)}); on
   * unless turned off here. Off is for measuring what the check costs (benchmarks/README.md) or for
   * a caller that checks the stream itself; returns this registry.
   */
  public DeviceRegistry checkingSaves(boolean on) {
    this.checkSaves = on;
    return this;
  }

  /** A registered device as seen from outside: its section identity, description and object. */
  public record Registered<T>(
      String idstr, long instanceId, int sectionId, VmStateDescription<T> description, T object) {}

  /** The registered devices, in registration order (a snapshot of the list). */
  public List<Registered<?>> devices() {
    List<Registered<?>> out = new ArrayList<>(devices.size());
    for (Device<?> d : devices) {
      out.add(registered(d));
    }
    return out;
  }

  /**
   * The values every registered object holds now, flattened as {@code vmstate diff} prints them:
   * {@code "idstr:instance/field/path[i]" -> value text}, devices in registration order. What a
   * test compares with a golden after a load.
   */
  public Map<String, String> flattenedState() throws VmStateException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Device<?> d : devices) {
      out.putAll(flattened(d));
    }
    return out;
  }

  private static <T> Map<String, String> flattened(Device<T> d) throws VmStateException {
    return StateFlattener.flatten(
        d.idstr + ":" + d.instanceId, RegistrySaveCheck.meantRecord(d.description, d.object));
  }

  private static <T> Registered<T> registered(Device<T> d) {
    return new Registered<>(d.idstr, d.instanceId, d.sectionId, d.description, d.object);
  }

  /** Registers a device; its section id is the next free one. */
  public <T> DeviceRegistry register(
      String idstr, long instanceId, VmStateDescription<T> description, T object) {
    checkNotNull(idstr, "idstr");
    checkArgument(!idstr.isEmpty() && idstr.length() <= 255, "bad idstr '%s'", idstr);
    checkNotNull(description, "description");
    checkNotNull(object, "object");
    checkArgument(
        find(idstr, instanceId) == null,
        "Detected duplicate SaveStateEntry: id=%s, instance_id=0x%s",
        idstr,
        Long.toHexString(instanceId));
    devices.add(new Device<>(idstr, instanceId, description, object, nextSectionId++));
    return this;
  }

  private Device<?> find(String idstr, long instance) {
    for (Device<?> d : devices) {
      if (d.idstr.equals(idstr) && d.instanceId == instance) {
        return d;
      }
    }
    return null;
  }

  // ---- save ----

  /** Writes the whole stream into {@code out} (and flushes it), for the newest QEMU. */
  public void save(WireOutput out) throws VmStateException {
    save(out, null);
  }

  /**
   * Writes the whole stream for QEMU release {@code target} (null: the newest): sections and
   * subsections introduced after {@code target} are omitted, or refused with a {@link
   * io.vmstate.api.VmStateEncodeException} naming them when they hold non-default state ({@link
   * DownLevel}). The stream is built and checked in memory first ({@link
   * #saveToBytes(QemuRelease)}): nothing reaches {@code out} unless the check passed.
   */
  public void save(WireOutput out, QemuRelease target) throws VmStateException {
    out.writeBytes(saveToBytes(target));
    out.flush();
  }

  /**
   * Writes the whole stream for {@code target} (null: the newest QEMU) to {@code file}: into a
   * temporary file beside it, which is read back and checked ({@link #saveToBytes(QemuRelease)})
   * and then moved over {@code file}. On any failure no file is left behind and {@code file} keeps
   * what it held.
   */
  public void save(Path file, QemuRelease target) throws VmStateException, IOException {
    byte[] stream = saveToBytes(target);
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.write(tmp, stream);
      if (checkSaves) {
        RegistrySaveCheck.check(devices(), configuration, Files.readAllBytes(tmp), target);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes the stream into {@code out}, unchecked: what {@link #saveToBytes} checks. */
  private void write(WireOutput out, QemuRelease target) throws VmStateException {
    MigrationStreamWriter w = new MigrationStreamWriter(out);
    QemuJsonWriter json = new QemuJsonWriter();
    json.startObject(null);
    json.int64("page_size", configuration.pageSize(4096));
    json.startArray("devices");
    w.header();
    w.configuration(configuration);
    for (Device<?> d : saveOrder(target)) {
      saveDevice(w, json, d, target);
    }
    w.eof();
    json.endArray();
    json.endObject();
    w.vmdesc(json.text().getBytes(StandardCharsets.UTF_8));
    w.flush();
  }

  /**
   * The save rule, the one place it is stated: the devices a save for {@code target} writes, in the
   * order it writes them (descending priority, then registration order); a device whose top-level
   * {@code needed} is false is left out, and so is one introduced after {@code target} (refused
   * when it holds state the target cannot take).
   */
  private List<Device<?>> saveOrder(QemuRelease target) throws VmStateException {
    List<Device<?>> order = new ArrayList<>(devices);
    order.sort(
        Comparator.comparing((Device<?> d) -> d.description.priority().ordinal()).reversed());
    List<Device<?>> saved = new ArrayList<>(order.size());
    for (Device<?> d : order) {
      if (isSaved(d, target)) {
        saved.add(d);
      }
    }
    return saved;
  }

  private static <T> boolean isSaved(Device<T> d, QemuRelease target) throws VmStateException {
    try {
      return isSaved(d.description, d.object, target);
    } catch (VmStateException e) {
      throw e.inSection(d.ref());
    }
  }

  /**
   * The save rule's choice for one device: a save for {@code target} (null: the newest release)
   * writes its section when it is {@code needed} and the target has it ({@link DownLevel#keep}).
   */
  static <T> boolean isSaved(VmStateDescription<T> desc, T object, QemuRelease target)
      throws VmStateException {
    return desc.isNeeded(object) && DownLevel.keep(desc, object, target);
  }

  private static <T> void saveDevice(
      MigrationStreamWriter w, QemuJsonWriter json, Device<T> d, QemuRelease target)
      throws VmStateException {
    json.startObject(null);
    json.str("name", d.idstr);
    json.int64("instance_id", d.instanceId);
    w.device(
        d.sectionId,
        d.idstr,
        d.instanceId,
        d.description,
        d.object,
        new VmdescWriter(json),
        target);
    json.endObject();
  }

  /** The whole stream as bytes. */
  public byte[] saveToBytes() throws VmStateException {
    return saveToBytes(null);
  }

  /**
   * The whole stream as bytes, written for {@code target} (null: the newest QEMU), and checked
   * before it is returned (lossless by construction, {@link RegistrySaveCheck}): every section body
   * must be the codec's own save of its object, and must read back with the registered description
   * (hooks included where it has a copier) to a state that saves to the same bytes, less only the
   * defaults a down-level target cannot carry. Otherwise an {@link
   * io.vmstate.api.VmStateEncodeException#outputChanged} names the section and the first field.
   * Every {@code save} goes through here.
   */
  public byte[] saveToBytes(QemuRelease target) throws VmStateException {
    WireOutput out = WireOutput.toBytes(64 * 1024);
    write(out, target);
    byte[] stream = out.toByteArray();
    if (checkSaves) {
      RegistrySaveCheck.check(devices(), configuration, stream, target);
    }
    return stream;
  }

  /**
   * The device sections a {@link #save} for {@code target} (null: the newest QEMU) writes, in its
   * order and under its rules (priority order; {@code needed}; devices and subsections the target
   * lacks left out, or refused when they hold state), each body byte for byte as in the saved
   * stream, without the header, configuration, footers, EOF and vmdesc around them. Each body is
   * checked before it is returned as a save's sections are ({@link RegistrySaveCheck}, without the
   * vmdesc): it must read back, with nothing after it, to the values the object holds.
   */
  public List<SectionBody> saveSections(@Nullable QemuRelease target) throws VmStateException {
    List<SectionBody> out = new ArrayList<>(devices.size());
    for (Device<?> d : saveOrder(target)) {
      out.add(body(d, target));
    }
    return out;
  }

  /**
   * The section of the registered device {@code idstr}/{@code instanceId} as a {@link #save} for
   * {@code target} (null: the newest QEMU) writes it; empty when that save leaves the device out
   * (its {@code needed} is false, or the target predates it).
   *
   * @throws IllegalArgumentException (a caller's mistake) when no such device is registered
   */
  public Optional<SectionBody> saveSection(
      String idstr, long instanceId, @Nullable QemuRelease target) throws VmStateException {
    Device<?> d = find(idstr, instanceId);
    checkArgument(d != null, "no device '%s' instance %s is registered", idstr, instanceId);
    return isSaved(d, target) ? Optional.of(body(d, target)) : Optional.empty();
  }

  private static <T> SectionBody body(Device<T> d, QemuRelease target) throws VmStateException {
    WireOutput out = WireOutput.toBytes();
    try {
      VmStateCodec.DEFAULT.save(d.description, d.object, out, null, target);
    } catch (VmStateException e) {
      throw e.inSection(d.ref());
    }
    SectionBody b = new SectionBody(d.sectionId, d.ref(), out.toByteArray());
    RegistrySaveCheck.body(registered(d), b, target);
    return b;
  }

  // ---- load ----

  /**
   * Loads device section bodies (as {@link #saveSections} gives them, e.g. received one by one by a
   * framed transport), all or nothing: every body is staged, then committed as a stream load is
   * ({@link Loading#section(SectionBody)}, {@link Loading#commit}). Every section must belong to a
   * registered device; nothing is applied unless all of them decoded and their hooks agreed.
   */
  public LoadResult loadSections(List<SectionBody> sections, LoadOptions options)
      throws VmStateException {
    Loading loading = loading(options);
    for (SectionBody s : sections) {
      loading.section(s);
    }
    return loading.commit();
  }

  /** Loads a whole stream; nothing is applied unless all of it decoded. */
  public LoadResult load(MigrationStreamReader reader, LoadOptions options)
      throws VmStateException {
    Loading loading = loading(options);
    for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
      if (e instanceof StreamEvent.Configuration c) {
        loading.configuration(c);
      } else if (e instanceof StreamEvent.Section s) {
        if (s.isRam()) {
          reader.readRam(options.ram());
        } else if (s.isHtab()) {
          reader.readHtab(HtabSink.SKIP);
        } else if (s.isWalked()) {
          reader.readWalked(WalkSink.SKIP);
        } else if (!loading.section(reader, s)) {
          throw loading.unknownSection(s);
        }
      }
    }
    return loading.commit();
  }

  /**
   * A load driven by its caller, one item at a time ({@link #load} drives one from a reader; a push
   * parser drives one as the stream arrives). RAM section bodies are the caller's. Nothing is
   * applied before {@link Loading#commit}.
   */
  public Loading loading(LoadOptions options) {
    return new Loading(checkNotNull(options, "options"));
  }

  /** See {@link #loading}. */
  public final class Loading {
    private final LoadOptions options;
    private final List<Runnable> commits = new ArrayList<>();
    private final List<Device<?>> deferred = new ArrayList<>();
    private final List<byte[]> deferredBytes = new ArrayList<>();
    private final List<Integer> deferredVersions = new ArrayList<>();

    /** Where each deferred body starts in the stream (-1: a body given on its own). */
    private final List<Long> deferredStarts = new ArrayList<>();

    private final Map<String, StateRecord> unknown = new LinkedHashMap<>();
    private MachineConfiguration received;
    private int loaded;
    private boolean committed;

    private Loading(LoadOptions options) {
      this.options = options;
    }

    /** The stream's configuration section (checked unless the options say not to). */
    public void configuration(StreamEvent.Configuration c) throws VmStateException {
      if (options.checkConfiguration()) {
        checkConfiguration(c.configuration(), c.offset());
      }
      received = c.configuration();
    }

    /**
     * Stages the body of device section {@code s} (not RAM), read from {@code reader} right after
     * its header event. Returns false, having read nothing, when the section belongs to no
     * registered device and {@link LoadOptions#decodeUnknown} asks for it to be decoded, but the
     * reader has no vmdesc (yet); fails when it belongs to none and the options do not.
     */
    public boolean section(MigrationStreamReader reader, StreamEvent.Section s)
        throws VmStateException {
      checkState(!committed, "this load was committed");
      Device<?> d = find(s.section().idstr(), s.section().instanceId());
      if (d == null) {
        if (!options.decodeUnknown()) {
          throw unknownSection(s);
        }
        if (reader.vmdesc() == null) {
          return false;
        }
        String key =
            FieldAssignment.address(
                s.section().idstr(), s.section().instanceId(), reader.occurrence(s));
        unknown.put(key, reader.readDeviceGeneric());
        return true;
      }
      stage(reader, s, d);
      loaded++;
      return true;
    }

    /**
     * Stages one device section's body (as {@link DeviceRegistry#saveSections} gives it): checked
     * against the registered description's version window, decoded, and applied only at {@link
     * #commit}. The body must hold exactly the section's state: bytes after it are refused. Offsets
     * in errors count from the start of the body. Fails, staging nothing, when no device of the
     * section's idstr and instance is registered.
     */
    public void section(SectionBody s) throws VmStateException {
      checkState(!committed, "this load was committed");
      checkNotNull(s, "section");
      SectionRef ref = s.ref();
      Device<?> d = find(ref.idstr(), ref.instanceId());
      if (d == null) {
        throw unknown(ref);
      }
      checkVersion(ref, d, -1);
      stageState(ref, d, new BodyBytes(ref, s.body()), -1, e -> e);
      loaded++;
    }

    /** QEMU's error for a section of no registered device. */
    public VmStateDecodeException unknownSection(StreamEvent.Section s) {
      return unknown(s.section()).atOffset(s.offset());
    }

    private <T> void stage(MigrationStreamReader reader, StreamEvent.Section s, Device<T> d)
        throws VmStateException {
      SectionRef ref = s.section();
      checkVersion(ref, d, s.offset());
      if (options.crossCheck() && reader.vmdesc() != null) {
        crossChecked(reader, s, d);
        return;
      }
      stageState(ref, d, reader::readDevice, s.bodyOffset(), e -> explained(reader, ref, d, e));
    }

    /**
     * Stages {@code d}'s state read from {@code in}: with a {@link StateCopier} the load (hooks
     * included) runs on a copy, copied in at commit; without one, the state is decoded into the
     * generic mirror and loaded into the object from those bytes at commit (its hooks run then). A
     * decode failure passes through {@code explain}.
     */
    private <T> void stageState(
        SectionRef ref,
        Device<T> d,
        StateInput in,
        long bodyStart,
        UnaryOperator<VmStateDecodeException> explain)
        throws VmStateException {
      VmStateDescription<T> desc = d.description;
      StateCopier<T> copier = desc.copier();
      if (copier != null) {
        T copy = copier.copyOf(d.object);
        try {
          in.read(desc, copy);
        } catch (VmStateDecodeException e) {
          throw explain.apply(e);
        }
        commits.add(() -> copier.copyInto(copy, d.object));
        return;
      }
      VmStateDescription<StateRecord> mirror = GenericBinding.mirror(desc);
      StateRecord r = mirrorRecord(desc, d.object);
      try {
        in.read(mirror, r);
      } catch (VmStateDecodeException e) {
        throw explain.apply(e);
      }
      // Re-encoded at the stream's version, which is the version they are applied at: fields the
      // stream's version does not carry stay as the object holds them, as in QEMU.
      defer(
          d,
          VmStateCodec.DEFAULT.saveToBytes(mirror, r, ref.versionId()),
          ref.versionId(),
          bodyStart);
    }

    private void defer(Device<?> d, byte[] bytes, int version, long bodyStart) {
      deferred.add(d);
      deferredBytes.add(bytes);
      deferredVersions.add(version);
      deferredStarts.add(bodyStart);
    }

    /**
     * Decodes through the vmdesc, then the typed description from the same bytes; both must agree.
     */
    private <T> void crossChecked(MigrationStreamReader reader, StreamEvent.Section s, Device<T> d)
        throws VmStateException {
      SectionRef ref = s.section();
      VmStateDescription<StateRecord> schema = reader.schemaFor(ref);
      StateRecord viaVmdesc = new StateRecord(schema.name());
      reader.readDevice(schema, viaVmdesc);
      byte[] bytes = VmStateCodec.DEFAULT.saveToBytes(schema, viaVmdesc);
      VmStateDescription<StateRecord> mirror = GenericBinding.mirror(d.description);
      StateRecord viaTyped = mirrorRecord(d.description, d.object);
      VmStateCodec.DEFAULT.load(mirror, viaTyped, bytes, ref.versionId());
      String difference = firstDifference(ref.idstr(), viaVmdesc, viaTyped);
      if (difference != null) {
        throw VmStateDecodeException.corrupt(
                "typed description '"
                    + d.description.name()
                    + "' and the stream's vmdesc decode different values: "
                    + difference)
            .atOffset(s.bodyOffset())
            .inSection(ref);
      }
      defer(d, bytes, ref.versionId(), s.bodyOffset());
    }

    /**
     * Applies every staged device (once the whole stream decoded), all or nothing. Devices without
     * a copier load their bytes here, so their hooks may still refuse: they go first, each after a
     * snapshot of what it holds, and a refusal reloads the snapshots of those already applied and
     * of the refusing one (loaded in place before its hook ran) before it is thrown. Devices with a
     * copier ran their hooks on their staging copy while the stream was read; they are copied in
     * last, which cannot fail.
     */
    public LoadResult commit() throws VmStateException {
      checkState(!committed, "this load was committed");
      committed = true;
      List<byte[]> snapshots = new ArrayList<>(deferred.size());
      for (int i = 0; i < deferred.size(); i++) {
        try {
          snapshots.add(snapshot(deferred.get(i)));
          applyBytes(deferred.get(i), deferredBytes.get(i), deferredVersions.get(i));
        } catch (VmStateException e) {
          // The refusing device too: its fields were loaded in place before its hook refused.
          for (int j = snapshots.size() - 1; j >= 0; j--) {
            restore(deferred.get(j), snapshots.get(j), e);
          }
          // The hook read the body from a byte array: its offsets count from the body's start.
          throw e.offsetFrom(deferredStarts.get(i));
        }
      }
      for (Runnable r : commits) {
        r.run();
      }
      if (!options.checkConfiguration() && received != null) {
        configuration = received;
      }
      return new LoadResult(received, unknown, loaded);
    }
  }

  private static <T> byte[] snapshot(Device<T> d) throws VmStateException {
    return VmStateCodec.DEFAULT.saveToBytes(d.description, d.object);
  }

  /**
   * Reloads what a device held before a failed commit; a failure to do so is added to {@code e}.
   */
  private static <T> void restore(Device<T> d, byte[] snapshot, VmStateException e) {
    try {
      VmStateCodec.DEFAULT.load(d.description, d.object, snapshot, d.description.version());
    } catch (VmStateException | RuntimeException r) {
      e.addSuppressed(r);
    }
  }

  private static <T> void applyBytes(Device<T> d, byte[] bytes, int version)
      throws VmStateException {
    try {
      VmStateCodec.DEFAULT.load(d.description, d.object, bytes, version);
    } catch (VmStateException e) {
      throw e.inSection(new SectionRef(d.idstr, d.instanceId, version));
    }
  }

  private static VmStateDecodeException unknown(SectionRef ref) {
    return VmStateDecodeException.corrupt(
            String.format(
                "Unknown savevm section or instance '%s' %d. Make sure that your"
                    + " current VM setup matches your saved VM setup, including any"
                    + " hotplugged devices",
                ref.idstr(), ref.instanceId()))
        .inSection(ref);
  }

  /** The section's version must lie in the description's window; {@code offset} -1: none. */
  private static void checkVersion(SectionRef ref, Device<?> d, long offset)
      throws VersionMismatchException {
    try {
      VersionMismatchException.check(ref.idstr(), ref.versionId(), d.description.versions());
    } catch (VersionMismatchException x) {
      throw (offset >= 0 ? x.atOffset(offset) : x).inSection(ref);
    }
  }

  /** Where a staged section's state is read from (a stream at its section body, or a body). */
  private interface StateInput {
    <T> void read(VmStateDescription<T> d, T obj) throws VmStateException;
  }

  /** A section body's bytes, which must hold the state and nothing after it. */
  private record BodyBytes(SectionRef ref, byte[] body) implements StateInput {
    @Override
    public <T> void read(VmStateDescription<T> d, T obj) throws VmStateException {
      WireInput in = WireInput.of(body);
      try {
        VmStateCodec.DEFAULT.load(d, obj, in, ref.versionId());
      } catch (VmStateException e) {
        throw e.atOffset(in.position()).inSection(ref);
      }
      if (in.position() != body.length) {
        throw VmStateDecodeException.corrupt(
                "the section body holds "
                    + (body.length - in.position())
                    + " bytes after the state of '"
                    + d.name()
                    + "'")
            .atOffset(in.position())
            .inSection(ref);
      }
    }
  }

  /**
   * A registered device's section failed to decode. When the stream's vmdesc lays the section out
   * otherwise than the registered object would be saved (a GICv3 of 4 CPUs registered, a stream of
   * 2), that is the cause, not the truncation or garbage the bytes then seemed to show: the failure
   * becomes a layout disagreement naming the first element that differs, the original kept as a
   * suppressed exception. Checked only on this failure path, so a load that decodes is never
   * refused.
   */
  private static <T> VmStateDecodeException explained(
      MigrationStreamReader reader, SectionRef ref, Device<T> d, VmStateDecodeException e) {
    Map<String, Object> entry = reader.vmdescEntry(ref);
    if (entry == null) {
      return e;
    }
    try {
      String counts =
          SectionRoundTrip.countDifference(
              entry,
              GenericBinding.mirror(d.description),
              RegistrySaveCheck.meantRecord(d.description, d.object));
      if (counts == null) {
        return e;
      }
      VmStateDecodeException x =
          VmStateDecodeException.layoutDisagreement(
              "the registered '"
                  + d.description.name()
                  + "' is configured otherwise than the stream's: "
                  + counts);
      x.addSuppressed(e); // what the bytes seemed to show
      if (e.offset() >= 0) {
        x.atOffset(e.offset());
      }
      return x.inSection(ref);
    } catch (VmStateException | RuntimeException other) {
      return e; // no better explanation than the failure itself
    }
  }

  /**
   * A record for the generic mirror of {@code desc} with the configuration counts (such as a
   * GICv3's {@code num_cpu}) of the registered object, which the wire does not carry.
   */
  static <T> StateRecord mirrorRecord(VmStateDescription<T> desc, T object) {
    StateRecord r = new StateRecord(desc.name());
    for (Field<T> f : desc.fields()) {
      VarCount<T> vc =
          f instanceof StructField<T, ?> s
              ? s.varCount()
              : f instanceof ArrayField<T> a
                  ? a.varCount()
                  : f instanceof BufferField<T> b ? b.varCount() : null;
      if (vc != null && !vc.isFieldReference()) {
        r.setConfig(vc.name(), vc.count(object));
      }
    }
    return r;
  }

  /**
   * The first field path at which two decodings of one section differ (compared as {@link
   * StateFlattener} prints values), or null when they agree.
   */
  static String firstDifference(String idstr, StateRecord viaVmdesc, StateRecord viaTyped) {
    Map<String, String> a = StateFlattener.flatten(idstr, viaVmdesc);
    Map<String, String> b = StateFlattener.flatten(idstr, viaTyped);
    if (a.equals(b) || sameAsOneElementArrays(a, b)) {
      return null;
    }
    for (Map.Entry<String, String> e : a.entrySet()) {
      String other = b.get(e.getKey());
      if (!e.getValue().equals(other)) {
        return e.getKey()
            + ": vmdesc "
            + e.getValue()
            + " vs typed "
            + (other == null ? "(no such field)" : other);
      }
    }
    for (String k : b.keySet()) {
      if (!a.containsKey(k)) {
        return k + ": only the typed description has it";
      }
    }
    return "the fields are in another order";
  }

  /**
   * Whether {@code a} and {@code b} hold the same values in the same order under the same names,
   * where one side may name an element {@code [0]} that the other names without an index: QEMU
   * releases after 7.2 leave {@code "index"} off the last element of a struct array in the vmdesc,
   * so a struct array of one element (the {@code cpu} array of a one-CPU GICv3) reads as a plain
   * struct there; on the wire the two are the same bytes.
   */
  private static boolean sameAsOneElementArrays(Map<String, String> a, Map<String, String> b) {
    if (a.size() != b.size()) {
      return false;
    }
    var ib = b.entrySet().iterator();
    for (Map.Entry<String, String> ea : a.entrySet()) {
      Map.Entry<String, String> eb = ib.next();
      if (!ea.getValue().equals(eb.getValue())
          || !ea.getKey().replace("[0]", "").equals(eb.getKey().replace("[0]", ""))) {
        return false;
      }
    }
    return true;
  }

  private void checkConfiguration(MachineConfiguration received, long offset)
      throws VmStateDecodeException {
    String local = configuration.machine();
    String got = received.machine();
    if (!local.startsWith(got)) {
      throw VmStateDecodeException.validationFailed(
              "Machine type received is '" + got + "' and local is '" + local + "'")
          .atOffset(offset);
    }
    int localBits = configuration.targetPageBits() == null ? 0 : configuration.targetPageBits();
    int gotBits = received.targetPageBits() == null ? 0 : received.targetPageBits();
    if (localBits != gotBits) {
      throw VmStateDecodeException.validationFailed(
              "Received TARGET_PAGE_BITS is " + gotBits + " but local is " + localBits)
          .atOffset(offset);
    }
    boolean localIgnore = configuration.hasCapability(MachineConfiguration.X_IGNORE_SHARED);
    boolean gotIgnore = received.hasCapability(MachineConfiguration.X_IGNORE_SHARED);
    if (localIgnore != gotIgnore) {
      throw VmStateDecodeException.validationFailed(
              "Capability x-ignore-shared is "
                  + (localIgnore ? "on" : "off")
                  + ", but received capability is "
                  + (gotIgnore ? "on" : "off"))
          .atOffset(offset);
    }
  }
}
