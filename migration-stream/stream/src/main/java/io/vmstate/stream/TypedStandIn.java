package io.vmstate.stream;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.vmdesc.QemuJsonWriter;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Decodes a device section that no vmdesc describes (a cut, postcopy, suppress-vmdesc or
 * device-state-only stream) with our typed description of its device ({@link TypedDescriptions},
 * looked up by the idstr's last path element, which is the vmsd name), at the section's version. It
 * also writes the vmdesc entry QEMU writes for the device while saving it ({@link VmdescWriter}
 * over a save of the decoded state), so that printers which lay devices out by their vmdesc entry
 * (the analyzer-exact dump) print it as for a whole stream.
 *
 * <p>A description whose configuration comes from the vmdesc (a GICv3's CPU count) is decoded
 * through its {@link TypedDescriptions.SearchedCount}: device bodies carry no length, so the body
 * is taken to end at a section footer ({@code 7e} and the section id) found ahead in the input, and
 * the count kept is the first under which the body decodes to exactly that footer and encodes back
 * to the same bytes. That needs section footers, which QEMU sends for machine types since 2.4.
 */
final class TypedStandIn {
  /** The bytes looked ahead for a footer are at most this many (a 4096-CPU GICv3 is ~1.2 MiB). */
  static final int MAX_BODY = 16 << 20;

  /**
   * Footer-like byte runs tried as the body's end before giving up (hostile bodies repeat them).
   */
  static final int MAX_CANDIDATES = 8;

  /** A section decoded with a typed description, and the vmdesc entry QEMU writes for it. */
  record Decoded(StateRecord record, Map<String, Object> entry) {}

  private TypedStandIn() {}

  /** The vmsd name a section idstr stands for: its last path element ("0000:00:02.0/e1000"). */
  static String vmsdName(String idstr) {
    return idstr.substring(idstr.lastIndexOf('/') + 1);
  }

  /**
   * Decodes the body of {@code s} from {@code in} (positioned at its first byte) with our typed
   * description, or returns null (nothing read) when we have none for its device.
   *
   * @param footers whether the stream's sections end with footers (null: not known yet)
   */
  static Decoded decode(StreamEvent.Section s, WireInput in, Boolean footers, VmStateCodec codec)
      throws VmStateException {
    SectionRef ref = s.section();
    String vmsd = vmsdName(ref.idstr());
    TypedDescriptions.Entry typed = TypedDescriptions.lookup(vmsd);
    VmStateDescription<StateRecord> mirror = TypedDescriptions.mirror(vmsd);
    if (typed == null || mirror == null) {
      return null;
    }
    int version = ref.versionId();
    if (!mirror.versions().contains(version)) {
      throw VmStateDecodeException.noDescription(
          ref.idstr(),
          ref.instanceId(),
          "the stream has no vmdesc for it, and our description of '"
              + vmsd
              + "' reads versions "
              + mirror.versions()
              + ", not "
              + version);
    }
    if (typed.configure() == TypedDescriptions.Configure.NONE) {
      StateRecord r = new StateRecord(vmsd);
      codec.load(mirror, r, in, version);
      return new Decoded(r, entry(ref, mirror, r, codec));
    }
    TypedDescriptions.SearchedCount searched = typed.searched();
    if (searched == null || Boolean.FALSE.equals(footers)) {
      throw VmStateDecodeException.noDescription(
          ref.idstr(),
          ref.instanceId(),
          "the stream has no vmdesc for it, and our description of '"
              + vmsd
              + "' takes its configuration from the vmdesc"
              + (searched == null ? "" : " (or from section footers, which this stream has not)"));
    }
    return search(s, in, mirror, searched, codec);
  }

  private static Decoded search(
      StreamEvent.Section s,
      WireInput in,
      VmStateDescription<StateRecord> mirror,
      TypedDescriptions.SearchedCount searched,
      VmStateCodec codec)
      throws VmStateException {
    SectionRef ref = s.section();
    int id = s.sectionId();
    int candidates = 0;
    int scanned = 0;
    for (int want = 64 * 1024; ; want = Math.min(MAX_BODY, want * 2)) {
      int have = in.fill(want);
      for (int j = scanned; j + 5 <= have; j++) {
        if (in.peekU8(j) != StreamFormat.SECTION_FOOTER || peekBe32(in, j + 1) != id) {
          continue;
        }
        if (++candidates > MAX_CANDIDATES) {
          throw notSized(ref, searched, "more than " + MAX_CANDIDATES + " footer-like byte runs");
        }
        byte[] body = new byte[j];
        for (int i = 0; i < j; i++) {
          body[i] = (byte) in.peekU8(i);
        }
        Decoded d = tryCounts(ref, s.bodyOffset(), body, mirror, searched, codec);
        if (d != null) {
          in.skip(j);
          return d;
        }
      }
      scanned = Math.max(scanned, have - 4);
      if (have < want) {
        throw VmStateDecodeException.truncated(s.bodyOffset() + have, 1)
            .inSection(ref)
            .inField(mirror.name());
      }
      if (want == MAX_BODY) {
        throw VmStateDecodeException.limitExceeded("section body without a vmdesc", want, MAX_BODY);
      }
    }
  }

  /** The body decoded with the first count that reads exactly it and saves back to it, or null. */
  private static Decoded tryCounts(
      SectionRef ref,
      long bodyOffset,
      byte[] body,
      VmStateDescription<StateRecord> mirror,
      TypedDescriptions.SearchedCount searched,
      VmStateCodec codec)
      throws VmStateException {
    int version = ref.versionId();
    for (int n = searched.min(); n <= searched.max(); n++) {
      StateRecord r = new StateRecord(mirror.name());
      r.setConfig(searched.config(), n);
      WireInput w = WireInput.of(body, 0, body.length, bodyOffset);
      try {
        codec.load(mirror, r, w, version);
      } catch (VmStateDecodeException e) {
        if (e.isTruncation()) {
          return null; // more elements need more bytes than the body has
        }
        continue;
      }
      if (!w.atEnd()) {
        continue;
      }
      if (Arrays.equals(codec.saveToBytes(mirror, r, version), body)) {
        return new Decoded(r, entry(ref, mirror, r, codec));
      }
    }
    return null;
  }

  private static VmStateDecodeException notSized(
      SectionRef ref, TypedDescriptions.SearchedCount searched, String why) {
    return VmStateDecodeException.noDescription(
        ref.idstr(),
        ref.instanceId(),
        "the stream has no vmdesc for it, and no "
            + searched.config()
            + " in "
            + searched.min()
            + ".."
            + searched.max()
            + " decodes its body to a section footer ("
            + why
            + ")");
  }

  private static int peekBe32(WireInput in, int ahead) throws VmStateDecodeException {
    return in.peekU8(ahead) << 24
        | in.peekU8(ahead + 1) << 16
        | in.peekU8(ahead + 2) << 8
        | in.peekU8(ahead + 3);
  }

  /** The vmdesc entry QEMU writes for {@code ref} holding {@code r}, as a parsed vmdesc has it. */
  private static Map<String, Object> entry(
      SectionRef ref, VmStateDescription<StateRecord> mirror, StateRecord r, VmStateCodec codec)
      throws VmStateException {
    QemuJsonWriter json = new QemuJsonWriter();
    json.startObject(null);
    json.int64("page_size", 4096);
    json.startArray("devices");
    json.startObject(null);
    json.str("name", ref.idstr());
    json.int64("instance_id", ref.instanceId());
    codec.saveToBytes(mirror, r, ref.versionId(), new VmdescWriter(json));
    json.endObject();
    json.endArray();
    json.endObject();
    Vmdesc v = Vmdesc.parse(json.text().getBytes(StandardCharsets.UTF_8), 0);
    @SuppressWarnings("unchecked")
    Map<String, Object> entry = (Map<String, Object>) v.devices().get(0);
    return entry;
  }
}
