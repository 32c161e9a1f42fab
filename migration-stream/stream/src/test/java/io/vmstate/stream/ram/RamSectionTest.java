package io.vmstate.stream.ram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RamSection#continuedPage}: the header of a page that continues its block is taken as
 * {@link RamSection#readRecord} takes it; anything else is left for readRecord.
 */
class RamSectionTest {
  private static final int PAGE = 4096;
  private static final RamBlock BLOCK = new RamBlock("mach-virt.ram", 4L * PAGE, -1);

  /** A section that has read its block list and one page naming the block. */
  private static RamSection started() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    WireOutput w = WireOutput.to(b);
    RamSection.writeBlockList(w, List.of(BLOCK), false);
    RamSection.writePageHeader(w, BLOCK, 0, false);
    w.flush();
    RamSection ram = new RamSection(PAGE, false);
    WireInput in = WireInput.of(b.toByteArray());
    assertEquals(RamSection.Record.BLOCKS, ram.readRecord(in, RamSink.SKIP));
    assertEquals(RamSection.Record.PAGE, ram.readRecord(in, RamSink.SKIP));
    return ram;
  }

  private static long header(long addr, int flags) {
    return addr | flags;
  }

  @Test
  void aPageContinuingItsBlockIsTakenLikeReadRecordTakesIt() throws Exception {
    RamSection ram = started();
    int flags = RamSection.FLAG_PAGE | RamSection.FLAG_CONTINUE;
    assertTrue(ram.continuedPage(header(3L * PAGE, flags)));
    assertEquals(3L * PAGE, ram.pageAddr());
    assertEquals(BLOCK, ram.pageBlock());

    RamSection other = started();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    WireOutput w = WireOutput.to(b);
    RamSection.writePageHeader(w, BLOCK, 3L * PAGE, true);
    w.flush();
    assertEquals(
        RamSection.Record.PAGE, other.readRecord(WireInput.of(b.toByteArray()), RamSink.SKIP));
    assertEquals(other.pageAddr(), ram.pageAddr());
  }

  @Test
  void everythingElseIsLeftToReadRecord() throws Exception {
    RamSection ram = started();
    int flags = RamSection.FLAG_PAGE | RamSection.FLAG_CONTINUE;
    assertFalse(ram.continuedPage(header(4L * PAGE, flags)), "past the block's end");
    assertFalse(ram.continuedPage(header(PAGE, RamSection.FLAG_PAGE)), "names its block");
    assertFalse(ram.continuedPage(header(PAGE, RamSection.FLAG_ZERO | RamSection.FLAG_CONTINUE)));
    assertFalse(ram.continuedPage(header(PAGE, flags | RamSection.FLAG_EOS)), "other flags too");
    assertEquals(0, ram.pageAddr(), "nothing taken");
    assertFalse(new RamSection(PAGE, false).continuedPage(header(0, flags)), "no block yet");
  }
}
