package io.vmstate.gic.v3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireOutput;
import org.junit.jupiter.api.Test;

/** Writing arm_gicv3 for QEMU 7.2, which lacks the 9.1 NMI subsections. */
class GicV3DownLevelTest {
  private static byte[] save(GicV3State g, QemuRelease target) throws Exception {
    WireOutput out = WireOutput.toBytes();
    VmStateCodec.DEFAULT.save(GicV3State.DESCRIPTION, g, out, null, target);
    return out.toByteArray();
  }

  @Test
  void withoutNmiTheQemu72StreamIsTheNewestOne() throws Exception {
    GicV3State g = new GicV3State(GicV3Config.tcg(2));
    assertArrayEquals(save(g, null), save(g, QemuRelease.QEMU_7_2));
  }

  @Test
  void nmiSubsectionsAtTheirResetValueAreDroppedForQemu72() throws Exception {
    GicV3State withNmi = new GicV3State(GicV3Config.tcg(2).withNmi(true));
    GicV3State without = new GicV3State(GicV3Config.tcg(2));
    withNmi.redistributor(1).setPriority(3, 0x20);
    without.redistributor(1).setPriority(3, 0x20);
    assertTrue(save(withNmi, null).length > save(without, null).length, "9.1+ sends them");
    assertArrayEquals(save(without, null), save(withNmi, QemuRelease.QEMU_7_2));
  }

  @Test
  void aCpuNmiMaskIsRefusedForQemu72NamingSectionSubsectionAndField() {
    GicV3State g = new GicV3State(GicV3Config.tcg(2).withNmi(true));
    g.redistributor(1).setNmiMask(0x8);
    VmStateEncodeException e =
        assertThrows(VmStateEncodeException.class, () -> save(g, QemuRelease.QEMU_7_2));
    assertTrue(
        e.getMessage().startsWith("arm_gicv3/cpu[1]/nmi/gicr_inmir0: 'arm_gicv3_cpu/nmi' holds"),
        e.getMessage());
    assertTrue(e.getMessage().contains("field 'gicr_inmir0' is not zero"), e.getMessage());
    assertTrue(e.getMessage().contains("qemu-7.2 cannot load it"), e.getMessage());
  }

  @Test
  void anSpiNmiIsRefusedForQemu72NamingTheBitmapWord() {
    GicV3State g = new GicV3State(GicV3Config.tcg(2).withNmi(true));
    g.setNmi(40, true);
    VmStateEncodeException e =
        assertThrows(VmStateEncodeException.class, () -> save(g, QemuRelease.QEMU_7_2));
    // INTID 40 is bit 8 of the bitmap's second 32-bit word.
    assertTrue(
        e.getMessage().startsWith("arm_gicv3/gicd_nmi/nmi[1]: 'arm_gicv3/gicd_nmi' holds"),
        e.getMessage());
  }

  @Test
  void nmiStateIsWrittenForQemu91() throws Exception {
    GicV3State g = new GicV3State(GicV3Config.tcg(2).withNmi(true));
    assertArrayEquals(save(g, null), save(g, QemuRelease.QEMU_9_1));
  }
}
