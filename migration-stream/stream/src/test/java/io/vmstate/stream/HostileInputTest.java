package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Inputs the fuzz campaign (docs/fuzzing.md) turned up, each failing with the typed error that
 * names the cause the bytes show.
 */
class HostileInputTest {
  private static final String STREAM = "virt-gicv3-smp2";

  /** Walks the whole stream, decoding every device through the vmdesc. */
  private static void walk(byte[] data) throws Exception {
    MigrationStreamReader r = Fixtures.reader(data, false);
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s && s.isRam()) {
        r.readRam(io.vmstate.stream.ram.RamSink.SKIP);
      }
    }
  }

  private static int find(byte[] data, String text) {
    byte[] t = text.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + t.length <= data.length; i++) {
      for (int k = 0; k < t.length; k++) {
        if (data[i + k] != t[k]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError(text + " not in the stream");
  }

  @Test
  void targetPageBitsOutsideQemusRangeIsRefused() throws Exception {
    byte[] data = Fixtures.stream(STREAM);
    String name = "configuration/target-page-bits";
    int value = find(data, name) + name.length() + 4; // after the name and the be32 version
    assertEquals(12, data[value + 3]);
    data[value + 3] = 31;
    VmStateDecodeException e = assertThrows(VmStateDecodeException.class, () -> walk(data));
    assertTrue(e.getMessage().contains("target_page_bits 31"), e.getMessage());
    // the check runs once the subsection is read: it points just past the word
    assertEquals(value + 4, e.offset(), e.getMessage());
  }

  @Test
  void aSubsectionNameNotAfterItsParentIsAnUnknownSubsection() throws Exception {
    byte[] data = Fixtures.stream(STREAM);
    int at = find(data, "cpu/thumb2ee");
    data[at + 1] = 'q'; // "cqu/thumb2ee": the cpu description does not take it; QEMU's footer check
    VmStateDecodeException e = assertThrows(VmStateDecodeException.class, () -> walk(data));
    assertTrue(
        e.reason().startsWith("subsection 'cqu/thumb2ee' does not exist in 'cpu'"), e.getMessage());
    assertEquals(at - 2, e.offset(), "the offset of the subsection record");
    assertEquals("cpu", e.fieldPath(), "the description whose fields ended there");
  }

  /** A name that continues its parent's but is not one of its subsections: that parent's. */
  @Test
  void anUnknownSubsectionUnderItsParentIsNamedWithTheParentsPath() throws Exception {
    byte[] data = Fixtures.stream(STREAM);
    int at = find(data, "cpu/thumb2ee");
    data[at + 4] = 'T';
    VmStateDecodeException e = assertThrows(VmStateDecodeException.class, () -> walk(data));
    assertTrue(
        e.reason().startsWith("subsection 'cpu/Thumb2ee' does not exist in 'cpu'"), e.getMessage());
    assertEquals(at - 2, e.offset(), "the offset of the subsection record");
    assertEquals("cpu", e.fieldPath());
  }

  /** A subsection version out of its window points at the be32 version, not after it. */
  @Test
  void aSubsectionVersionOutOfItsWindowPointsAtTheVersion() throws Exception {
    byte[] data = Fixtures.stream(STREAM);
    String name = "cpu/thumb2ee";
    int version = find(data, name) + name.length();
    assertEquals(1, data[version + 3]);
    data[version + 3] = 9;
    VmStateDecodeException e = assertThrows(VmStateDecodeException.class, () -> walk(data));
    assertTrue(e.reason().contains("version_id 9 of 'cpu/thumb2ee'"), e.getMessage());
    assertEquals(version, e.offset());
    assertEquals("cpu/thumb2ee", e.fieldPath());
  }

  /** A subsection marker changed to neither 0x05 nor 0x7e: QEMU's footer error, at the byte. */
  @Test
  void aChangedSubsectionMarkerIsAMissingFooterAtTheMarker() throws Exception {
    byte[] data = Fixtures.stream(STREAM);
    int marker = find(data, "cpu/thumb2ee") - 2;
    assertEquals(0x05, data[marker]);
    data[marker] = 0x04;
    VmStateDecodeException e = assertThrows(VmStateDecodeException.class, () -> walk(data));
    assertTrue(e.reason().startsWith("Missing section footer for cpu: found 0x04"), e.getMessage());
    assertEquals(marker, e.offset());
    assertEquals("cpu", e.fieldPath());
  }
}
