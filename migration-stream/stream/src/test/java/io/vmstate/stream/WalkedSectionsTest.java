package io.vmstate.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.walk.BlockSection;
import io.vmstate.stream.walk.WalkSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Block migration ({@code "block"}) and dirty-bitmap ({@code "dirty-bitmap"}) sections, built
 * record by record as QEMU 7.2 writes them (the bytes of compat-fixtures' q35-block and
 * q35-dirty-bitmap streams): walked whole, 1 byte at a time and cut at every offset, rewritten
 * byte-identically, and their hostile versions refused with the offset and the section.
 */
class WalkedSectionsTest {
  private static final int BLOCK = 1;
  private static final int BITMAPS = 3;
  private static final HexFormat HEX = HexFormat.of();

  /** A zero block at sector 2048 of "d0", a progress record and the end of the body. */
  private static final String BLOCK_PART =
      "0000000000100009" + "026430" + "0000000000006404" + "0000000000000002";

  /** Starts of b1 (disabled) and b0 (enabled, persistent) on node disk0, 64 KiB granules. */
  private static final String BITMAP_START =
      "1c"
          + "056469736b30"
          + "026231"
          + "00010000"
          + "00"
          + "14"
          + "026230"
          + "00010000"
          + "03"
          + "01";

  /** b1 all zero, 32 bytes of bits of b0 over 8192 sectors, both complete, the end. */
  private static String bitmapEnd(String bitsSize) {
    return "46"
        + "026231"
        + "0000000000000000"
        + "00002000"
        + "44"
        + "026230"
        + "0000000000000000"
        + "00002000"
        + bitsSize
        + "06"
        + "00".repeat(31)
        + "24026231"
        + "24026230"
        + "01";
  }

  private static byte[] stream(String blockPart, String bitmapEnd, boolean withData) {
    WireOutput o = WireOutput.toBytes();
    try {
      o.writeBe32(StreamFormat.MAGIC);
      o.writeBe32(StreamFormat.VERSION);
      section(o, SectionType.START, BLOCK, "block", "0000000000000002");
      section(o, SectionType.START, BITMAPS, "dirty-bitmap", BITMAP_START);
      if (withData) {
        byte[] data = new byte[BlockSection.BLOCK_BYTES];
        Arrays.fill(data, 4096, 8192, (byte) 0x5a);
        WireOutput part = WireOutput.toBytes();
        part.writeBytes(HEX.parseHex("0000000000000001" + "026430"));
        part.writeBytes(data);
        part.writeBytes(HEX.parseHex("0000000000000002"));
        section(o, SectionType.PART, BLOCK, null, HEX.formatHex(part.toByteArray()));
      }
      section(o, SectionType.PART, BLOCK, null, blockPart);
      section(o, SectionType.PART, BITMAPS, null, "01");
      section(o, SectionType.END, BLOCK, null, "0000000000000002");
      section(o, SectionType.END, BITMAPS, null, bitmapEnd);
      o.writeU8(StreamFormat.EOF);
      byte[] json = "{\"page_size\": 4096, \"devices\": []}".getBytes(StandardCharsets.UTF_8);
      o.writeU8(StreamFormat.VMDESCRIPTION);
      o.writeBe32(json.length);
      o.writeBytes(json);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return o.toByteArray();
  }

  private static byte[] stream() {
    return stream(BLOCK_PART, bitmapEnd("0000000000000020"), false);
  }

  private static void section(WireOutput o, SectionType t, int id, String idstr, String body)
      throws Exception {
    o.writeU8(t.code());
    o.writeBe32(id);
    if (idstr != null) {
      o.writeStr8(idstr);
      o.writeBe32(0);
      o.writeBe32(1);
    }
    o.writeBytes(HEX.parseHex(body));
    o.writeU8(StreamFormat.SECTION_FOOTER);
    o.writeBe32(id);
  }

  private static byte[] rewrite(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new StreamRewriter(
            Fixtures.reader(data, false), new MigrationStreamWriter(WireOutput.to(out)), null)
        .run();
    return out.toByteArray();
  }

  /** Records and bytes the walkers hand over, per idstr. */
  private static long[] count(byte[] data, String idstr) throws Exception {
    long[] n = new long[2];
    MigrationStreamReader r = Fixtures.reader(data, true);
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (e instanceof StreamEvent.Section s && s.section().idstr().equals(idstr)) {
        assertTrue(s.isWalked() && s.isIterative());
        r.readWalked(
            new WalkSink() {
              @Override
              public void record(byte[] bytes, int length) {
                n[0]++;
                n[1] += length;
              }

              @Override
              public void data(WireInput in, long k) throws io.vmstate.api.VmStateException {
                in.skip(k);
                n[1] += k;
              }
            });
      }
    }
    return n;
  }

  @Test
  void blockAndDirtyBitmapSectionsAreWalkedAndRewrittenIdentically() throws Exception {
    for (boolean withData : new boolean[] {false, true}) {
      byte[] data = stream(BLOCK_PART, bitmapEnd("0000000000000020"), withData);
      StreamFormatTest.walk(data, false);
      StreamFormatTest.walk(data, true);
      assertArrayEquals(data, rewrite(data), "with data " + withData);
    }
    // block: START eos; PART zero block, progress, eos; END eos
    assertEquals(5, count(stream(), "block")[0]);
    assertEquals(8 + 11 + 8 + 8 + 8, count(stream(), "block")[1]);
    long[] withData = count(stream(BLOCK_PART, bitmapEnd("0000000000000020"), true), "block");
    assertEquals(8 + 11 + 8 + 11 + 8 + 8 + 8 + BlockSection.BLOCK_BYTES, withData[1]);
    // dirty-bitmap: 2 starts + eos; eos; 2 bits + 2 completes + eos
    long[] bitmaps = count(stream(), "dirty-bitmap");
    assertEquals(9, bitmaps[0]);
    assertEquals(
        BITMAP_START.length() / 2 + 1 + bitmapEnd("0000000000000020").length() / 2, bitmaps[1]);
  }

  @Test
  void everyCutIsATypedErrorWithItsOffset() throws Exception {
    byte[] data = stream();
    Fixtures.assertEveryCutIsTyped(data);
  }

  private static VmStateDecodeException refused(byte[] data, String idstr, String message) {
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> StreamFormatTest.walk(data, false));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertEquals(idstr, e.section().orElseThrow().idstr());
    assertTrue(e.offset() > 0, e.getMessage());
    return e;
  }

  @Test
  void bitsLargerThanTheirSectorsAreRefused() {
    // 2^63 - 1 bytes of bits for 8192 sectors at 64 KiB granules (QEMU takes at most 32)
    refused(
        stream(BLOCK_PART, bitmapEnd("7fffffffffffffff"), false),
        "dirty-bitmap",
        "sends 9223372036854775807 bytes of bits for 8192 sectors (at most 32)");
    refused(
        stream(BLOCK_PART, bitmapEnd("ffffffffffffffff"), false),
        "dirty-bitmap",
        "sends 18446744073709551615 bytes of bits");
    // 33 bytes: one more than QEMU's bound
    refused(stream(BLOCK_PART, bitmapEnd("0000000000000021"), false), "dirty-bitmap", "at most 32");
  }

  @Test
  void unknownBlockFlagsAndNamelessRecordsAreRefused() {
    refused(
        stream("0000000000000010" + "0000000000000002", bitmapEnd("0000000000000020"), false),
        "block",
        "Unknown block migration flags: 0x10");
    refused(
        stream("0000000000000001" + "00", bitmapEnd("0000000000000020"), false),
        "block",
        "names no device");
    // a BITS record for a bitmap before any record named a node
    byte[] data = stream();
    byte[] start = HEX.parseHex(BITMAP_START);
    int at = Fixtures.indexOf(data, start);
    data[at] = 0x14; // the first start loses its node name flag: "disk0" is read as a bitmap name
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> StreamFormatTest.walk(data, false));
    assertTrue(e.getMessage().contains("dirty-bitmap"), e.getMessage());
    assertEquals("dirty-bitmap", e.section().orElseThrow().idstr());
  }

  @Test
  void extraFlagBytesAndReservedStartFlagsAreRefused() {
    refused(
        stream(BLOCK_PART, "c0" + bitmapEnd("0000000000000020"), false),
        "dirty-bitmap",
        "announce further flag bytes");
    byte[] data = stream();
    int at = Fixtures.indexOf(data, HEX.parseHex("026230" + "00010000" + "03"));
    data[at + 7] = (byte) 0x83;
    refused(data, "dirty-bitmap", "Unknown flags in migrated dirty bitmap header: 0x83");
  }
}
