package io.vmstate.gic.its;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.MigrationPriority;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.gic.testing.WireChecks;
import org.junit.jupiter.api.Test;

class ItsStateTest {
  static ItsState valid() {
    ItsState s = new ItsState();
    s.setIidr(ItsState.KVM_IIDR_ABI_REV0);
    s.setCbaser(ItsState.CBASER_VALID | 0x4800_0000L | 0); // one 4 KiB page
    s.setCreadr(0x40);
    s.setCwriter(0x60);
    s.setBaser(0, ItsBaser.encode(ItsTableType.DEVICE, false, 8, 65536, 0x4900_0000L, 2));
    s.setBaser(1, ItsBaser.encode(ItsTableType.COLLECTION, false, 8, 65536, 0x4a00_0000L, 1));
    s.setCtlr(ItsState.CTLR_ENABLED);
    return s;
  }

  @Test
  void sectionIs96BytesVersion0() throws Exception {
    byte[] b = WireChecks.save(ItsState.DESCRIPTION, valid());
    assertEquals(96, b.length);
    assertEquals(0, ItsState.DESCRIPTION.version());
    assertEquals(0, ItsState.DESCRIPTION.minimumVersion());
    assertEquals(MigrationPriority.GICV3_ITS, ItsState.DESCRIPTION.priority());
    ItsState back = WireChecks.loadAndReencode(ItsState.DESCRIPTION, ItsState::new, b, 0);
    assertEquals(0x4900_0000L, back.decodedBaser(0).physicalAddress());
    assertEquals(2, back.decodedBaser(0).pages());
    assertEquals(0, back.abiRevision());
    WireChecks.truncationsFail(ItsState.DESCRIPTION, ItsState::new, b, 0);
  }

  @Test
  void baserRoundTripsAddressesAbove48BitsWith64KPages() {
    long raw = ItsBaser.encode(ItsTableType.DEVICE, true, 8, 65536, 0x000a_1234_5678_0000L, 3);
    ItsBaser b = ItsBaser.decode(raw);
    assertEquals(0x000a_1234_5678_0000L, b.physicalAddress());
    assertTrue(b.indirect() && b.valid());
    assertEquals(3 * 65536L, b.tableBytes());
  }

  private static String loadError(ItsState s) throws Exception {
    byte[] b = WireChecks.save(ItsState.DESCRIPTION, s);
    ItsState target = new ItsState();
    return assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(ItsState.DESCRIPTION, target, b, 0))
        .getMessage();
  }

  @Test
  void postLoadChecksNameTheRegister() throws Exception {
    ItsState s = valid();
    s.setCwriter(0x1000);
    // the check runs after the section, but points at the register: ctlr and iidr (u32), then
    // cbaser (u64) come before cwriter
    assertEquals(
        "arm_gicv3_its/cwriter: input validation failed: ITS register GITS_CWRITER = 0x1000 lies"
            + " outside the 4096-byte command queue (at byte "
            + (4 + 4 + 8)
            + ")",
        loadError(s));
    s = valid();
    s.setCbaser(0);
    assertTrue(loadError(s).contains("GITS_CTLR = 0x1 enables the ITS but CBASER is not valid"));
    s = valid();
    s.setBaser(2, s.baser(0));
    assertTrue(
        loadError(s).contains("GITS_BASER2") && loadError(s).contains("second DEVICE table"));
    int baser = 4 + 4 + 8 + 8 + 8; // ctlr, iidr, cbaser, cwriter, creadr
    assertTrue(loadError(s).startsWith("arm_gicv3_its/baser[2]: "), loadError(s));
    assertTrue(loadError(s).endsWith("(at byte " + (baser + 2 * 8) + ")"), loadError(s));
    s = valid();
    s.setBaser(3, ItsBaser.VALID | (3L << 56) | (7L << 48));
    assertTrue(loadError(s).contains("reserved type 3"));
    s = valid();
    s.setBaser(1, s.baser(1) & ~(0x1fL << 48) | (3L << 48));
    assertTrue(loadError(s).contains("4-byte entries"));
  }
}
