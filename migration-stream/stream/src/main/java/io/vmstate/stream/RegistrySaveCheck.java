package io.vmstate.stream;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.SectionRef;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The check a {@link DeviceRegistry} save makes of the stream it wrote before it hands the bytes on
 * (the registry's side of {@link OutputCheck}, with its value comparison): the stream must decode,
 * with the registered descriptions, to exactly the values the registered objects hold.
 *
 * <p>The stream is read back with a {@link MigrationStreamReader} up to its EOF, and for every
 * section:
 *
 * <ul>
 *   <li>it must belong to a registered device meant to be saved (its {@code needed} is true and,
 *       for a down-level save, the target has it), once, at the description's version; every such
 *       device must have its section;
 *   <li>its body must be the bytes the codec saves from the object on its own (for the same
 *       target), outside the stream writer;
 *   <li>where the description has a {@link StateCopier}, the body is loaded the way QEMU loads it,
 *       hooks included, into a copy of the object, and the copy must save to the same bytes: an
 *       encoder and decoder that disagree (a {@code pre_save} and {@code post_load} that are not
 *       inverses) fail here. Without a copier (which a load cannot run on without touching the
 *       object), the body is decoded with the description's generic mirror and must encode back to
 *       the same bytes ({@link SectionRoundTrip#check}); so is every section of a down-level save,
 *       whose stream the object, configured with the newer parts, need not load.
 * </ul>
 *
 * Equal bytes under one description are equal values, so values are decoded and compared ({@link
 * OutputCheck#compare}) only where bytes differ, to name the first field. The configuration section
 * must be the registry's, and the stream must end with one vmdesc trailer filling the rest. The
 * vmdesc's JSON is not parsed again: on a 512-vCPU GICv3 that alone took ten times the save
 * (benchmarks/README.md). A failure is an {@link VmStateEncodeException#outputChanged} naming the
 * section and the first field path.
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
      if (saved(d, target)) {
        meant.put(key(d.idstr(), d.instanceId()), d);
      }
    }
    MigrationStreamReader reader =
        new MigrationStreamReader(WireInput.of(stream), ReaderOptions.DEFAULT);
    SectionRef at = null;
    try {
      for (StreamEvent e = reader.next(); e != null; e = reader.next()) {
        if (e instanceof StreamEvent.Eof eof) {
          trailer(stream, reader.input().position());
          break;
        } else if (e instanceof StreamEvent.Configuration c) {
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

  /** The stream must end with one vmdesc trailer, from {@code at} to the last byte. */
  private static void trailer(byte[] stream, long at) throws VmStateEncodeException {
    long left = stream.length - at;
    boolean ok =
        left >= 5
            && stream[(int) at] == StreamFormat.VMDESCRIPTION
            && (ByteBuffer.wrap(stream, (int) at + 1, 4).getInt() & 0xffffffffL) == left - 5;
    if (!ok) {
      throw OutputCheck.changed(
          "the stream does not end with one vmdesc trailer after its EOF (" + left + " bytes)",
          (SectionRef) null);
    }
  }

  /** Whether the registry's save writes a section for {@code d} (its save rule). */
  private static <T> boolean saved(DeviceRegistry.Registered<T> d, QemuRelease target)
      throws VmStateException {
    return DeviceRegistry.isSaved(d.description(), d.object(), target);
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
    Read<T> read = new Read<>(d, target);
    if (read.copy != null) {
      reader.readDevice(desc, read.copy);
    } else {
      reader.readDevice(GenericBinding.mirror(desc), read.mirrored);
    }
    byte[] body =
        Arrays.copyOfRange(
            stream, Math.toIntExact(s.bodyOffset()), Math.toIntExact(reader.input().position()));
    read.verify(ref, body);
  }

  /**
   * The check of one section body as {@link DeviceRegistry#saveSections} returns it: the parts of
   * {@link #check} that need no stream around the body (the version, the bytes, the read-back with
   * nothing after the state).
   */
  static <T> void body(
      DeviceRegistry.Registered<T> d, DeviceRegistry.SectionBody b, QemuRelease target)
      throws VmStateException {
    SectionRef ref = b.ref();
    VmStateDescription<T> desc = d.description();
    writtenAtItsVersion(ref, desc);
    Read<T> read = new Read<>(d, target);
    WireInput in = WireInput.of(b.body());
    try {
      if (read.copy != null) {
        VmStateCodec.DEFAULT.load(desc, read.copy, in, ref.versionId());
      } else {
        VmStateCodec.DEFAULT.load(GenericBinding.mirror(desc), read.mirrored, in, ref.versionId());
      }
    } catch (VmStateException e) {
      throw unreadable(e.atOffset(in.position()), ref);
    }
    if (in.position() != b.body().length) {
      throw OutputCheck.changed(
          "the body holds " + (b.body().length - in.position()) + " bytes after the state", ref);
    }
    read.verify(ref, b.body());
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

  /** Where one body is read back to: a copy of the object (hooks run), or the generic mirror. */
  private static final class Read<T> {
    private final DeviceRegistry.Registered<T> d;
    private final QemuRelease target;
    private final T copy;
    private final StateRecord mirrored;

    /** The codec's own save of the object for the target: what the body must be. */
    private final byte[] meant;

    Read(DeviceRegistry.Registered<T> d, QemuRelease target) throws VmStateException {
      this.d = d;
      this.target = target;
      VmStateDescription<T> desc = d.description();
      this.meant = save(desc, d.object(), target);
      StateCopier<T> copier = desc.copier();
      // A down-level save that left subsections out (a GICv3's NMI ones at their reset value) is
      // meant for a destination configured without them, which the object's own hooks are not:
      // they would refuse the missing subsections. Such a body goes through the generic mirror.
      boolean hooked =
          copier != null && (target == null || Arrays.equals(save(desc, d.object(), null), meant));
      this.copy = hooked ? copier.copyOf(d.object()) : null;
      this.mirrored = hooked ? null : DeviceRegistry.mirrorRecord(desc, d.object());
    }

    /**
     * {@code body} must be the codec's save of the object, and what was read from it must save (or,
     * through the mirror, encode) to the same bytes.
     */
    void verify(SectionRef ref, byte[] body) throws VmStateException {
      VmStateDescription<T> desc = d.description();
      if (!Arrays.equals(meant, body)) {
        throw differs(ref, desc, d.object(), meant, body, "the section's body");
      }
      if (copy != null) {
        byte[] again = save(desc, copy, target);
        if (!Arrays.equals(again, body)) {
          throw differs(ref, desc, d.object(), body, again, "the state loaded back");
        }
      } else {
        SectionRoundTrip.check(ref, GenericBinding.mirror(desc), mirrored, body);
      }
    }
  }

  private static <T> byte[] save(VmStateDescription<T> desc, T obj, QemuRelease target)
      throws VmStateException {
    WireOutput out = WireOutput.toBytes(4096);
    VmStateCodec.DEFAULT.save(desc, obj, out, null, target);
    return out.toByteArray();
  }

  /**
   * The failure for {@code got} differing from {@code meant}, both bodies saved with {@code desc}:
   * names the first field whose value differs (both decoded with the generic mirror), else the
   * first differing byte.
   */
  private static <T> VmStateEncodeException differs(
      SectionRef ref, VmStateDescription<T> desc, T obj, byte[] meant, byte[] got, String what)
      throws VmStateException {
    VmStateDescription<StateRecord> mirror = GenericBinding.mirror(desc);
    StateRecord a = DeviceRegistry.mirrorRecord(desc, obj);
    StateRecord b = DeviceRegistry.mirrorRecord(desc, obj);
    try {
      VmStateCodec.DEFAULT.load(mirror, a, meant, ref.versionId());
      VmStateCodec.DEFAULT.load(mirror, b, got, ref.versionId());
    } catch (VmStateException x) {
      return VmStateEncodeException.outputChanged(
              what + " does not decode as the object's state: " + x.getMessage(), x)
          .inSection(ref);
    }
    String prefix = ref.idstr() + ":" + ref.instanceId();
    OutputCheck.compare(prefix, a, b, OutputCheck.Allowed.NOTHING, false, false, ref);
    return OutputCheck.changed(
        what + " differs from the object's saved bytes at byte " + Arrays.mismatch(meant, got),
        ref);
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
