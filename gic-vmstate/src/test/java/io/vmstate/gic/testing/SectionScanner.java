package io.vmstate.gic.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Finds a device section in a raw QEMU migration stream by its header (0x04 SECTION_FULL, be32
 * section id, str8 idstr, be32 instance, be32 version) without parsing the rest of the stream, so
 * section bodies can be decoded before the stream module exists. After the body QEMU writes the
 * section footer 0x7E + be32 section id, which tells whether a decode consumed exactly the body.
 */
public final class SectionScanner {
  private SectionScanner() {}

  /** A section header found in a stream. */
  public record Section(int sectionId, String idstr, int instance, int version, int bodyOffset) {}

  public static Optional<Section> find(byte[] stream, String idstr) {
    byte[] name = idstr.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer bb = ByteBuffer.wrap(stream);
    for (int i = 5; i + 1 + name.length + 8 <= stream.length; i++) {
      if (stream[i - 5] != 0x04 || (stream[i] & 0xff) != name.length) {
        continue;
      }
      boolean match = true;
      for (int k = 0; k < name.length && match; k++) {
        match = stream[i + 1 + k] == name[k];
      }
      if (!match) {
        continue;
      }
      int after = i + 1 + name.length;
      return Optional.of(
          new Section(bb.getInt(i - 4), idstr, bb.getInt(after), bb.getInt(after + 4), after + 8));
    }
    return Optional.empty();
  }

  /** Whether a section footer for {@code s} starts at {@code offset}. */
  public static boolean footerAt(byte[] stream, int offset, Section s) {
    return offset + 5 <= stream.length
        && stream[offset] == 0x7e
        && ByteBuffer.wrap(stream).getInt(offset + 1) == s.sectionId();
  }
}
