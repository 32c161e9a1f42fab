package io.vmstate.cli;

import io.vmstate.api.Field;
import io.vmstate.api.QemuRelease;
import io.vmstate.api.SectionRef;
import io.vmstate.api.StructField;
import io.vmstate.api.VersionMismatchException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.OutputCheck;
import io.vmstate.stream.SectionType;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamRewriter;
import io.vmstate.stream.TypedDescriptions;
import io.vmstate.stream.vmdesc.JsonTree;
import io.vmstate.stream.vmdesc.QemuJsonWriter;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The heart of {@code vmstate upgrade}: a FULL device section whose vmsd has a typed description
 * ({@link TypedDescriptions}) and was written at an older version is decoded with that
 * description's generic mirror at the stream's version (which must lie inside the description's
 * window) and encoded again at the description's current version; its vmdesc entry is replaced by
 * the one the save produces. Fields the old version did not send take the record's default (zero).
 * With a target release, subsections newer than it are left out, or refused when they hold state.
 * Every other section is left to the rewriter (byte-identical copy).
 */
final class SectionUpgrader implements StreamRewriter.SectionHandler, OutputCheck.Allowed {
  /** One upgraded section, for the report. */
  record Upgrade(SectionRef from, int toVersion) {
    @Override
    public String toString() {
      return from.idstr()
          + " instance "
          + from.instanceId()
          + ": version "
          + from.versionId()
          + " -> "
          + toVersion;
    }
  }

  /**
   * The sections that carry the source QEMU's CPU register list: a destination of another release
   * (or CPU model) refuses them, so a write {@code --target} a release refuses them too, unless
   * they are left out.
   */
  static final String CPU = "cpu";

  private final QemuRelease target;
  private final Set<String> omit;
  private final List<Upgrade> upgrades = new ArrayList<>();
  private final List<SectionRef> omitted = new ArrayList<>();

  /** Re-encodes for {@code target} (null: the newest release), see {@link VmStateCodec}. */
  SectionUpgrader(QemuRelease target) {
    this(target, Set.of());
  }

  /**
   * Re-encodes for {@code target} and leaves out every FULL section whose idstr is in {@code omit}.
   */
  SectionUpgrader(QemuRelease target, Set<String> omit) {
    this.target = target;
    this.omit = Set.copyOf(omit);
  }

  /** The sections left out, in stream order. */
  List<SectionRef> omitted() {
    return List.copyOf(omitted);
  }

  /** Why a {@code cpu} section cannot be written for {@link #target}, and what to do instead. */
  private String cpuReason() {
    return "a CPU register list's length and contents depend on the QEMU release and CPU model;"
        + " QEMU loading it on another release refuses it (measured: a QEMU 10.0 stream"
        + " in QEMU 7.2 fails 'Invalid value 274 expecting positive value <= 258', a 7.2"
        + " stream in 10.0 fails with EPERM), and vmstate cannot convert it to "
        + target
        + ". Give --omit cpu to leave the CPU sections out (the destination's CPUs then"
        + " keep their reset state), or leave out --target when the destination runs the"
        + " same release and CPU model as the source";
  }

  @Override
  public boolean omit(StreamEvent.Section s, MigrationStreamReader reader) throws VmStateException {
    String idstr = s.section().idstr();
    if (omit.contains(idstr)) {
      omitted.add(s.section());
      return true;
    }
    if (target != null && CPU.equals(idstr) && s.type() == SectionType.FULL) {
      throw cpuCannotCross(s, reader);
    }
    return false;
  }

  /**
   * Refuses, before anything is written, a stream whose vmdesc lists {@code cpu} sections when they
   * would be written for a target release and are not omitted (see {@link #cpuCannotCross}).
   */
  void preflight(Vmdesc vmdesc) throws VmStateException {
    if (target == null || omit.contains(CPU)) {
      return;
    }
    int cpus = 0;
    for (Object d : vmdesc.devices()) {
      if (d instanceof Map<?, ?> m && CPU.equals(m.get("name"))) {
        cpus++;
      }
    }
    if (cpus > 0) {
      throw VmStateEncodeException.notRepresentable(
          "the stream has "
              + cpus
              + " 'cpu' section"
              + (cpus == 1 ? "" : "s")
              + " (its vmdesc lists them); "
              + cpuReason());
    }
  }

  /**
   * The refusal of a {@code cpu} section written for another release: the section carries the
   * source's list of CPU registers (QEMU target/arm/machine.c, {@code cpreg_vmstate_array_len},
   * indexes and values), which depends on the QEMU release and CPU model; a destination whose list
   * is shorter fails the length check, one whose list differs fails in its post_load. Nothing can
   * convert it.
   */
  private VmStateException cpuCannotCross(StreamEvent.Section s, MigrationStreamReader reader)
      throws VmStateException {
    String count = "";
    if (reader.vmdesc() != null) {
      VmStateDescription<StateRecord> d = reader.schemaFor(s.section());
      StateRecord r = new StateRecord(d.name());
      reader.readDevice(d, r);
      if (r.get("cpreg_vmstate_array_len") != null) {
        count = " (" + r.bits("cpreg_vmstate_array_len") + " registers)";
      }
    }
    return VmStateEncodeException.notRepresentable(
            "a 'cpu' section carries the source QEMU's CPU register list"
                + count
                + ", "
                + cpuReason())
        .inSection(s.section())
        .atOffset(s.offset());
  }

  @Override
  public boolean omitted(SectionRef section) {
    return omitted.contains(section);
  }

  List<Upgrade> upgrades() {
    return List.copyOf(upgrades);
  }

  /**
   * Whether the vmdesc entry lists a subsection that {@code target} does not know (the GICv3's NMI
   * subsections, QEMU 9.1, in a 10.0 stream written for qemu-7.2): then the section is re-encoded
   * for the target even at the same version, dropping them when they hold defaults and refusing,
   * naming the subsection, when not.
   */
  private boolean listsNewerSubsections(
      Map<String, Object> entry, VmStateDescription<StateRecord> d) {
    if (target == null) {
      return false;
    }
    Set<String> newer = new HashSet<>();
    newerThanTarget(d, newer);
    return !newer.isEmpty() && lists(entry, newer);
  }

  private void newerThanTarget(VmStateDescription<?> d, Set<String> out) {
    for (VmStateDescription<?> sub : d.subsections()) {
      if (sub.introducedIn() != null && target.isBefore(sub.introducedIn())) {
        out.add(sub.name());
      }
      newerThanTarget(sub, out);
    }
    for (Field<?> f : d.fields()) {
      if (f instanceof StructField<?, ?> sf) {
        newerThanTarget(sf.child(), out);
      }
    }
  }

  /** Whether any object under {@code node} has a {@code vmsd_name} in {@code names}. */
  private static boolean lists(Object node, Set<String> names) {
    if (node instanceof Map<?, ?> m) {
      if (names.contains(m.get("vmsd_name"))) {
        return true;
      }
      for (Object v : m.values()) {
        if ((v instanceof Map<?, ?> || v instanceof List<?>) && lists(v, names)) {
          return true;
        }
      }
    } else if (node instanceof List<?> l) {
      for (Object v : l) {
        if (lists(v, names)) {
          return true;
        }
      }
    }
    return false;
  }

  /** No value may change; an upgraded section may only gain fields or drop default ones. */
  @Override
  public boolean value(String path) {
    return false;
  }

  @Override
  public boolean reshaped(SectionRef section) {
    return upgrades.stream().anyMatch(u -> u.from().equals(section));
  }

  @Override
  public boolean rewrite(
      StreamEvent.Section s, MigrationStreamReader reader, MigrationStreamWriter writer)
      throws VmStateException {
    if (s.type() != SectionType.FULL || reader.vmdesc() == null) {
      return false;
    }
    SectionRef ref = s.section();
    Map<String, Object> entry = reader.vmdesc().device(ref.idstr(), ref.instanceId());
    if (entry == null) {
      return false;
    }
    String vmsd = String.valueOf(entry.get("vmsd_name"));
    TypedDescriptions.Entry typed = TypedDescriptions.lookup(vmsd);
    VmStateDescription<StateRecord> mirror = TypedDescriptions.mirror(vmsd);
    if (typed == null || mirror == null) {
      return false;
    }
    if (ref.versionId() == mirror.version() && !listsNewerSubsections(entry, mirror)) {
      return false;
    }
    try {
      VersionMismatchException.check(vmsd, ref.versionId(), mirror.versions());
    } catch (VersionMismatchException x) {
      throw x.atOffset(s.offset()).inSection(ref);
    }
    StateRecord record = new StateRecord(vmsd);
    typed.configure().accept(entry, record);
    reader.readDevice(mirror, record);
    SectionRef upgraded = new SectionRef(ref.idstr(), ref.instanceId(), mirror.version());
    writer.sectionHeader(s.type(), s.sectionId(), upgraded);
    QemuJsonWriter json = new QemuJsonWriter();
    json.startObject(null);
    json.str("name", ref.idstr());
    json.int64("instance_id", ref.instanceId());
    try {
      VmStateCodec.DEFAULT.save(mirror, record, writer.output(), new VmdescWriter(json), target);
    } catch (VmStateException x) {
      throw x.inSection(upgraded);
    }
    json.endObject();
    byte[] text = json.text().getBytes(StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    Map<String, Object> newEntry = (Map<String, Object>) JsonTree.parse(text, 0, text.length, 0);
    entry.clear();
    entry.putAll(newEntry);
    upgrades.add(new Upgrade(ref, mirror.version()));
    return true;
  }
}
