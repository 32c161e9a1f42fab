package io.vmstate.stream;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.SectionRef;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.DownLevel;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The check a {@link DeviceRegistry} save makes of the stream it wrote before it hands the bytes on
 * (the registry's side of {@link OutputCheck}, with its value comparison): the stream must decode,
 * with the registered descriptions, to exactly the values the registered objects hold.
 *
 * <p>The stream is read back with a {@link MigrationStreamReader}, and for every section:
 *
 * <ul>
 *   <li>it must belong to a registered device meant to be saved (its {@code needed} is true and,
 *       for a down-level save, the target has it), once, at the description's version; every such
 *       device must have its section;
 *   <li>the body, decoded with the generic mirror of the description, must hold the values the
 *       object holds (the object saved and decoded by the same mirror); a down-level save may only
 *       leave out values that hold defaults;
 *   <li>where the description has a {@link StateCopier}, the body is loaded the way QEMU loads it,
 *       hooks included, into a copy of the object, and the copy must hold the object's values: an
 *       encoder and decoder that disagree (a {@code pre_save} and {@code post_load} that are not
 *       inverses) fail here. Without a copier this part cannot run without touching the object; nor
 *       for a down-level body that left subsections out, which the object's own configuration hooks
 *       would refuse (the destination it is meant for lacks them);
 *   <li>the body, decoded through the vmdesc the save wrote, must hold the same values, so
 *       analyzers (and our own generic tools) read what we meant.
 * </ul>
 *
 * The configuration section must be the registry's. A failure is an {@link
 * VmStateEncodeException#outputChanged} naming the section and the first field path.
 */
final class RegistrySaveCheck {
  private RegistrySaveCheck() {}

  static void check(
      List<DeviceRegistry.Registered<?>> devices,
      MachineConfiguration configuration,
      byte[] stream,
      QemuRelease target)
      throws VmStateException {
    Map<String, DeviceRegistry.Registered<?>> meant = new LinkedHashMap<>();
    for (DeviceRegistry.Registered<?> d : devices) {
      if (isSaved(d, target)) {
        meant.put(key(d.idstr(), d.instanceId()), d);
      }
    }
    MigrationStreamReader reader;
    try {
      reader = StreamSource.of("the saved stream", stream).reader(ReaderOptions.DEFAULT);
    } catch (VmStateException e) {
      throw unreadable(e, null);
    }
    SectionRef at = null;
    try {
      for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
        if (e instanceof StreamEvent.Configuration c) {
          if (!c.configuration().toString().equals(configuration.toString())) {
            throw OutputCheck.changed(
                "the configuration section reads "
                    + c.configuration()
                    + " where the registry holds "
                    + configuration,
                (SectionRef) null);
          }
        } else if (e instanceof StreamEvent.Section s) {
          at = s.section();
          DeviceRegistry.Registered<?> d = meant.remove(key(at.idstr(), at.instanceId()));
          if (d == null) {
            throw OutputCheck.changed(
                "the stream holds a section no registered device meant to save", at);
          }
          section(reader, s, d, stream, target);
          at = null;
        }
      }
    } catch (VmStateEncodeException x) {
      throw x;
    } catch (VmStateException x) {
      throw unreadable(x, at);
    }
    if (!meant.isEmpty()) {
      DeviceRegistry.Registered<?> d = meant.values().iterator().next();
      throw OutputCheck.changed(
          "the stream lacks the section of a registered device",
          new SectionRef(d.idstr(), d.instanceId(), d.description().version()));
    }
  }

  /** Whether {@link DeviceRegistry#save} writes a section for {@code d}. */
  private static <T> boolean isSaved(DeviceRegistry.Registered<T> d, QemuRelease target)
      throws VmStateException {
    return d.description().isNeeded(d.object())
        && DownLevel.keep(d.description(), d.object(), target);
  }

  private static <T> void section(
      MigrationStreamReader reader,
      StreamEvent.Section s,
      DeviceRegistry.Registered<T> d,
      byte[] stream,
      QemuRelease target)
      throws VmStateException {
    SectionRef ref = s.section();
    VmStateDescription<T> desc = d.description();
    writtenAtItsVersion(ref, desc);
    String prefix = ref.idstr() + ":" + ref.instanceId();
    VmStateDescription<StateRecord> mirror = GenericBinding.mirror(desc);
    StateRecord got = DeviceRegistry.mirrorRecord(desc, d.object());
    reader.readDevice(mirror, got);
    byte[] body =
        Arrays.copyOfRange(
            stream, Math.toIntExact(s.bodyOffset()), Math.toIntExact(reader.input().position()));
    values(d, ref, got, body, target);
    Map<String, Object> entry = reader.vmdescEntry(ref);
    if (entry == null) {
      throw OutputCheck.changed("the vmdesc has no entry for the section", ref);
    }
    VmStateDescription<StateRecord> described = reader.describe(entry);
    StateRecord viaVmdesc = new StateRecord(described.name());
    VmStateCodec.DEFAULT.load(described, viaVmdesc, body, ref.versionId());
    OutputCheck.compare(prefix, got, viaVmdesc, OutputCheck.Allowed.NOTHING, false, false, ref);
  }

  /**
   * The check of one section body as {@link DeviceRegistry#saveSections} returns it: the parts of
   * {@link #check} that need no stream around the body (the version, the values through the generic
   * mirror with nothing after them, and through the description's hooks where it has a copier).
   */
  static <T> void body(
      DeviceRegistry.Registered<T> d, DeviceRegistry.SectionBody b, QemuRelease target)
      throws VmStateException {
    SectionRef ref = b.ref();
    VmStateDescription<T> desc = d.description();
    writtenAtItsVersion(ref, desc);
    StateRecord got = DeviceRegistry.mirrorRecord(desc, d.object());
    WireInput in = WireInput.of(b.body());
    try {
      VmStateCodec.DEFAULT.load(GenericBinding.mirror(desc), got, in, ref.versionId());
    } catch (VmStateException e) {
      throw unreadable(e.atOffset(in.position()), ref);
    }
    if (in.position() != b.body().length) {
      throw OutputCheck.changed(
          "the body holds " + (b.body().length - in.position()) + " bytes after the state", ref);
    }
    values(d, ref, got, b.body(), target);
  }

  /** A section is written at its description's version. */
  private static void writtenAtItsVersion(SectionRef ref, VmStateDescription<?> desc)
      throws VmStateEncodeException {
    if (ref.versionId() != desc.version()) {
      throw OutputCheck.changed(
          "the section is written at version "
              + ref.versionId()
              + ", its description's is "
              + desc.version(),
          ref);
    }
  }

  /**
   * {@code got}, the body decoded by the generic mirror, must hold the object's values (a
   * down-level save may leave out defaults); with a copier, the body loaded with the hooks into a
   * copy must too.
   */
  private static <T> void values(
      DeviceRegistry.Registered<T> d,
      SectionRef ref,
      StateRecord got,
      byte[] body,
      QemuRelease target)
      throws VmStateException {
    VmStateDescription<T> desc = d.description();
    String prefix = ref.idstr() + ":" + ref.instanceId();
    StateRecord want = meantRecord(desc, d.object());
    OutputCheck.compare(prefix, want, got, OutputCheck.Allowed.NOTHING, target != null, false, ref);
    StateCopier<T> copier = desc.copier();
    // A down-level save that left subsections out (the GICv3's NMI ones at their reset value) is
    // meant for a destination configured without them, which the object's own hooks are not: they
    // would refuse the missing subsections. Its values were compared above; the hooked load runs
    // for every body the newest release would also write.
    boolean hooked =
        target == null || Arrays.equals(body, VmStateCodec.DEFAULT.saveToBytes(desc, d.object()));
    if (copier != null && hooked) {
      T copy = copier.copyOf(d.object());
      VmStateCodec.DEFAULT.load(desc, copy, body, ref.versionId());
      OutputCheck.compare(
          prefix, want, meantRecord(desc, copy), OutputCheck.Allowed.NOTHING, false, false, ref);
    }
  }

  /**
   * What {@code obj} holds, as the generic mirror of {@code desc} reads it from the object's saved
   * bytes: the form in which the check compares values (and {@link DeviceRegistry#flattenedState}
   * prints them).
   */
  static <T> StateRecord meantRecord(VmStateDescription<T> desc, T obj) throws VmStateException {
    byte[] bytes = VmStateCodec.DEFAULT.saveToBytes(desc, obj);
    StateRecord r = DeviceRegistry.mirrorRecord(desc, obj);
    VmStateCodec.DEFAULT.load(GenericBinding.mirror(desc), r, bytes, desc.version());
    return r;
  }

  private static String key(String idstr, long instance) {
    return instance + ":" + idstr;
  }

  private static VmStateEncodeException unreadable(VmStateException cause, SectionRef at) {
    VmStateEncodeException e =
        VmStateEncodeException.outputChanged(
            "the saved stream does not read back: " + cause.getMessage(), cause);
    return at == null ? e : e.inSection(at);
  }
}
