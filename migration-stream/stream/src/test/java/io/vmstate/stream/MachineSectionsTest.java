package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sections beyond VMSD device tables, on streams built byte by byte as QEMU writes them: old-style
 * sections (no VMSD) repeated under one (idstr, instance), the iterative {@code spapr/htab} with
 * chunks, footer-less streams; each read whole, 1 byte at a time and cut at every offset, and
 * rewritten byte-identically; and what hostile versions of them do.
 */
class MachineSectionsTest {
  private static final int HTAB = 7;

  /** Builds a stream: header, htab START/PART/END, two slirp FULL, EOF, vmdesc. */
  private static byte[] stream(boolean footers, int slirpSize, long claimedSize, byte[] chunks)
      throws Exception {
    WireOutput o = WireOutput.toBytes();
    o.writeBe32(StreamFormat.MAGIC);
    o.writeBe32(StreamFormat.VERSION);
    section(o, SectionType.START, HTAB, "spapr/htab", 1, footers, out -> out.writeBe32(18));
    section(o, SectionType.PART, HTAB, null, 1, footers, out -> out.writeBytes(chunks));
    section(o, SectionType.END, HTAB, null, 1, footers, out -> out.writeBytes(new byte[4 + 8]));
    for (int k = 0; k < 2; k++) {
      byte[] data = new byte[slirpSize];
      Arrays.fill(data, (byte) (0x10 + k));
      section(o, SectionType.FULL, 4 + k, "slirp", 4, footers, out -> out.writeBytes(data));
    }
    o.writeU8(StreamFormat.EOF);
    // QEMU's own JSON layout (the rewriter writes it back that way)
    String entry =
        "{\"name\": \"slirp\", \"instance_id\": 0, \"size\": "
            + claimedSize
            + ", \"fields\": [{\"name\": \"data\", \"size\": "
            + claimedSize
            + ", \"type\": \"buffer\"}]}";
    byte[] json =
        ("{\"page_size\": 4096, \"devices\": [" + entry + ", " + entry + "]}")
            .getBytes(StandardCharsets.UTF_8);
    o.writeU8(StreamFormat.VMDESCRIPTION);
    o.writeBe32(json.length);
    o.writeBytes(json);
    return o.toByteArray();
  }

  private interface Body {
    void write(WireOutput out) throws Exception;
  }

  private static void section(
      WireOutput o, SectionType t, int id, String idstr, int version, boolean footer, Body body)
      throws Exception {
    o.writeU8(t.code());
    o.writeBe32(id);
    if (idstr != null) {
      o.writeStr8(idstr);
      o.writeBe32(0);
      o.writeBe32(version);
    }
    body.write(o);
    if (footer) {
      o.writeU8(StreamFormat.SECTION_FOOTER);
      o.writeBe32(id);
    }
  }

  /** Header 0, two chunks (one with 2 valid entries, one of invalid entries), the end marker. */
  private static byte[] chunks(int lastIndex) throws Exception {
    WireOutput o = WireOutput.toBytes();
    o.writeBe32(0);
    o.writeBe32(5);
    o.writeBe16(2);
    o.writeBe16(1);
    for (int i = 0; i < 32; i++) {
      o.writeU8(0xa0 + i);
    }
    o.writeBe32(lastIndex);
    o.writeBe16(0);
    o.writeBe16(3);
    o.writeBytes(new byte[8]);
    return o.toByteArray();
  }

  private static byte[] rewrite(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new StreamRewriter(
            Fixtures.reader(data, false), new MigrationStreamWriter(WireOutput.to(out)), null)
        .run();
    return out.toByteArray();
  }

  @Test
  void htabChunksAndRepeatedOldStyleSectionsRoundTripWithAndWithoutFooters() throws Exception {
    for (boolean footers : new boolean[] {true, false}) {
      byte[] data = stream(footers, 131, 131, chunks(100));
      StreamFormatTest.walk(data, false);
      StreamFormatTest.walk(data, true);
      assertArrayEquals(data, rewrite(data), "footers " + footers);
      MigrationStreamReader r = Fixtures.reader(data, false);
      List<StateRecord> slirps = new ArrayList<>();
      for (StreamEvent e = r.next(); e != null; e = r.next()) {
        if (e instanceof StreamEvent.Section s && !s.isIterative()) {
          slirps.add(r.readDeviceGeneric());
        }
        if (e instanceof StreamEvent.Footer f) {
          assertEquals(footers, f.present());
        }
      }
      assertEquals(footers, r.footers());
      assertEquals(2, slirps.size());
      for (int k = 0; k < 2; k++) {
        byte[] b = ((StateValue.Bytes) slirps.get(k).get("data")).bytes();
        assertEquals(131, b.length);
        assertEquals(0x10 + k, b[0]);
      }
    }
  }

  @Test
  void unknownSectionsSharingIdstrAndInstanceAreAllKeptInStreamOrder() throws Exception {
    byte[] data = stream(false, 131, 131, chunks(100));
    DeviceRegistry.LoadResult res =
        new DeviceRegistry(new MachineConfiguration("pc-i440fx-2.3"))
            .load(
                Fixtures.reader(data, false),
                DeviceRegistry.LoadOptions.DEFAULT.withDecodeUnknown(true));
    assertEquals(List.of("slirp", "slirp#1"), List.copyOf(res.unknownSections().keySet()));
    for (int k = 0; k < 2; k++) {
      StateRecord r = res.unknownSections().get(k == 0 ? "slirp" : "slirp#1");
      assertEquals(0x10 + k, ((StateValue.Bytes) r.get("data")).bytes()[0]);
    }
  }

  @Test
  void everyCutIsATypedErrorWithItsOffset() throws Exception {
    byte[] data = stream(true, 131, 131, chunks(100));
    Fixtures.assertEveryCutIsTyped(data);
  }

  @Test
  void anHtabChunkPastTheTableIsNamed() throws Exception {
    // shift 18: 2^18 / 16 = 16384 entries; 16382 + 0 + 3 goes past them
    byte[] data = stream(true, 131, 131, chunks(16382));
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> StreamFormatTest.walk(data, false));
    assertTrue(e.getMessage().contains("goes past the table's 16384 entries"), e.getMessage());
    assertEquals(SectionRef.class, e.section().orElseThrow().getClass());
    assertEquals("spapr/htab", e.section().orElseThrow().idstr());
    assertTrue(e.offset() > 0, e.getMessage());
  }

  @Test
  void anHtabChunkCountPastTheStreamIsATruncation() throws Exception {
    byte[] good = stream(true, 131, 131, chunks(100));
    byte[] chunks = chunks(100);
    chunks[8] = (byte) 0x7f; // n_valid 0x7f02: 520 KB of entries the stream does not hold
    byte[] data = stream(true, 131, 131, chunks);
    assertEquals(good.length, data.length);
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> StreamFormatTest.walk(data, false));
    assertTrue(e.isTruncation() || e.getMessage().contains("spapr/htab"), e.getMessage());
    assertEquals("spapr/htab", e.section().orElseThrow().idstr());
  }

  @Test
  void aVmdescClaimingAFourGigabyteOldStyleSectionIsRefused() throws Exception {
    byte[] data = stream(true, 131, 1L << 32, chunks(100));
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> StreamFormatTest.walk(data, false));
    assertTrue(e.getMessage().contains("has size 4294967296"), e.getMessage());
    assertEquals("slirp", e.section().orElseThrow().idstr());
    assertTrue(e.offset() > 0, e.getMessage());
  }

  @Test
  void aVmdescWhoseOldStyleSizeLiesIsCaughtAtTheNextItem() throws Exception {
    // The vmdesc says 100 bytes, the sections hold 131: the bytes after 100 are not an item.
    byte[] data = stream(true, 131, 100, chunks(100));
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> StreamFormatTest.walk(data, false));
    assertTrue(e.getMessage().contains("Missing section footer for slirp"), e.getMessage());
  }

  @Test
  void aFooterlessStreamThatLiesIsNamed() throws Exception {
    // Footers absent in the first section, then one appears: not an item type.
    byte[] data = stream(false, 131, 131, chunks(100));
    byte[] withFooter = new byte[data.length + 5];
    int firstSlirp =
        Fixtures.indexOf(data, "\u0005slirp".getBytes(StandardCharsets.ISO_8859_1)) - 5;
    System.arraycopy(data, 0, withFooter, 0, firstSlirp);
    withFooter[firstSlirp] = (byte) StreamFormat.SECTION_FOOTER;
    withFooter[firstSlirp + 4] = HTAB;
    System.arraycopy(data, firstSlirp, withFooter, firstSlirp + 5, data.length - firstSlirp);
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> {
              MigrationStreamReader r =
                  new MigrationStreamReader(
                      WireInput.of(withFooter),
                      ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(data, 0)));
              while (r.next() != null) {
                // drain
              }
            });
    assertTrue(e.getMessage().contains("whose first section had none"), e.getMessage());
    assertEquals(firstSlirp, e.offset());
  }

  @Test
  void pathsNameTheLongestIdstrTheInstanceAndTheOccurrence() {
    List<String> idstrs = List.of("spapr", "spapr/rtc", "0000:00:03.0:00.0/e1000e", "slirp", "cpu");
    FieldAssignment a = FieldAssignment.parse("spapr/rtc/ns_offset=1", idstrs);
    assertEquals("spapr/rtc", a.idstr());
    assertEquals("ns_offset", a.path());
    a = FieldAssignment.parse("0000:00:03.0:00.0/e1000e/mac_reg[CTRL]=1", idstrs);
    assertEquals("0000:00:03.0:00.0/e1000e", a.idstr());
    assertEquals(0, a.instance());
    a = FieldAssignment.parse("cpu@3/env/eip=1", idstrs);
    assertEquals(3, a.instance());
    assertTrue(a.matches("cpu", 3, 0));
    assertFalse(a.matches("cpu", 0, 0));
    a = FieldAssignment.parse("slirp#1/data=00", idstrs);
    assertTrue(a.matches("slirp", 0, 1));
    assertEquals("slirp#1", a.section());
    assertEquals("cpu@3#2", FieldAssignment.address("cpu", 3, 2));
    assertThrows(IllegalArgumentException.class, () -> FieldAssignment.parse("nope/x=1", idstrs));
    assertThrows(IllegalArgumentException.class, () -> FieldAssignment.parse("cpu@/x=1", idstrs));
    assertThrows(IllegalArgumentException.class, () -> FieldAssignment.parse("cpu@3=1", idstrs));
  }

  @Test
  void aFieldNamedWithBracketsTakesAByteIndex() throws Exception {
    StateRecord r = new StateRecord("mc146818rtc");
    r.bytes("unused[0]", io.vmstate.api.WireType.UNUSED, 4);
    FieldAssignment.parse("mc146818rtc/unused[0][2]=0x7f", "mc146818rtc").apply(r);
    assertArrayEquals(new byte[] {0, 0, 0x7f, 0}, ((StateValue.Bytes) r.get("unused[0]")).bytes());
    Map<String, String> flat = StateFlattener.flatten("mc146818rtc", r);
    assertEquals("00 00 7f 00", flat.get("mc146818rtc/unused[0]"));
  }
}
