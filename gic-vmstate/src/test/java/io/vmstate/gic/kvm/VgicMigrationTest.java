package io.vmstate.gic.kvm;

import static io.vmstate.gic.kvm.GicRegisters.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.gic.its.ItsBaser;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.its.ItsTableType;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

class VgicMigrationTest {
  static ItsState its() {
    ItsState s = new ItsState();
    s.setIidr(ItsState.KVM_IIDR_ABI_REV0);
    s.setCbaser(ItsState.CBASER_VALID | 0x4800_0000L);
    s.setCreadr(0x20);
    s.setCwriter(0x40);
    s.setBaser(0, ItsBaser.encode(ItsTableType.DEVICE, false, 8, 65536, 0x4900_0000L, 1));
    s.setCtlr(ItsState.CTLR_ENABLED);
    return s;
  }

  static GicV3State gic() {
    GicV3State g = new GicV3State(GicV3Config.kvm(2));
    for (int cpu = 0; cpu < 2; cpu++) {
      g.redistributor(cpu).setPendbaser(0x4a00_0000L + cpu * 0x10000L);
      g.redistributor(cpu).setPropbaser(0x4b00_000fL);
      g.redistributor(cpu).setCtlr(1);
      g.redistributor(cpu).setPriority(20, 0x10 * (cpu + 1));
    }
    g.setEnabled(40, 0, true);
    g.setPending(40, 0, true);
    g.routeTo(40, 1);
    return g;
  }

  /** A backend that stores registers, so reads return what was written. */
  static VgicBackend registerFile() throws IOException {
    VgicBackend b = mock(VgicBackend.class);
    Map<String, Long> regs = new HashMap<>();
    when(b.readDistributor(anyInt()))
        .thenAnswer(i -> regs.getOrDefault("d" + i.getArgument(0), 0L));
    when(b.readRedistributor(anyLong(), anyInt()))
        .thenAnswer(i -> regs.getOrDefault("r" + i.getArgument(0) + ":" + i.getArgument(1), 0L));
    org.mockito.Mockito.doAnswer(i -> regs.put("d" + i.getArgument(0), i.getArgument(1)))
        .when(b)
        .writeDistributor(anyInt(), anyLong());
    org.mockito.Mockito.doAnswer(
            i -> regs.put("r" + i.getArgument(0) + ":" + i.getArgument(1), i.getArgument(2)))
        .when(b)
        .writeRedistributor(anyLong(), anyInt(), anyLong());
    return b;
  }

  @Test
  void itsRegistersRestoredIidrFirstCtlrLastAfterRestoreTables() throws Exception {
    VgicBackend b = mock(VgicBackend.class);
    VgicMigration m = new VgicMigration(b);
    GicV3State g = gic();
    ItsState s = its();
    m.attach(g, s);
    m.restoreGic(g);
    m.restoreIts(s);
    InOrder o = inOrder(b);
    o.verify(b).writeRedistributor(0x0, GICR_PENDBASER, 0x4a00_0000L);
    o.verify(b).writeIts(GITS_IIDR, ItsState.KVM_IIDR_ABI_REV0);
    o.verify(b).writeIts(GITS_CBASER, s.cbaser());
    o.verify(b).writeIts(GITS_CREADR, 0x20);
    o.verify(b).writeIts(GITS_CWRITER, 0x40);
    for (int n = 0; n < 8; n++) {
      o.verify(b).writeIts(GITS_BASER + 8 * n, s.baser(n));
    }
    o.verify(b).restoreItsTables();
    o.verify(b).writeIts(GITS_CTLR, 1);
    o.verifyNoMoreInteractions();
  }

  @Test
  void gicRestoreOrder() throws Exception {
    VgicBackend b = mock(VgicBackend.class);
    GicV3State g = gic();
    new VgicMigration(b).restoreGic(g);
    InOrder o = inOrder(b);
    o.verify(b).writeDistributor(GICD_CTLR, 0);
    for (long mpidr : new long[] {0, 1}) {
      o.verify(b).writeRedistributor(eq(mpidr), eq(GICR_PROPBASER), anyLong());
      o.verify(b).writeRedistributor(eq(mpidr), eq(GICR_PENDBASER), anyLong());
      o.verify(b).writeRedistributor(mpidr, GICR_CTLR, 1);
      o.verify(b).writeRedistributor(eq(mpidr), eq(GICR_ICFGR1), anyLong());
      o.verify(b).writeRedistributor(eq(mpidr), eq(GICR_ISPENDR0), anyLong());
    }
    o.verify(b).writeDistributor(GICD_ICENABLER + 4, 0xffff_ffffL);
    o.verify(b).writeDistributor(GICD_ISENABLER + 4, 1L << 8);
    o.verify(b).writeDistributor(GICD_IROUTER + 8 * 40, 1);
    o.verify(b).writeDistributor(eq(GICD_ICFGR + 8), anyLong());
    o.verify(b).writeDistributor(GICD_ISPENDR + 4, 1L << 8);
    o.verify(b).writeDistributor(eq(GICD_ISACTIVER + 4), anyLong());
    o.verify(b).writeDistributor(eq(GICD_IPRIORITYR + 32), anyLong());
  }

  @Test
  void distributorPrioritiesTravelAsPackedWords() throws Exception {
    GicV3State g = gic();
    g.setPriority(40, 0, 0x11);
    g.setPriority(41, 0, 0x22);
    g.setPriority(42, 0, 0x33);
    g.setPriority(43, 0, 0x44);
    VgicBackend b = registerFile();
    new VgicMigration(b).restoreGic(g);
    verify(b).writeDistributor(GICD_IPRIORITYR + 40, 0x4433_2211L);
    verify(b, never()).writeDistributor(eq(GICD_IPRIORITYR + 41), anyLong());

    GicV3State back = new GicV3State(GicV3Config.kvm(2));
    new VgicMigration(b).saveGic(back);
    for (int intid = 40; intid < 44; intid++) {
      assertEquals(g.priority(intid, 0), back.priority(intid, 0), "INTID " + intid);
    }
  }

  @Test
  void itsBeforeGicIsRefused() throws Exception {
    VgicBackend b = mock(VgicBackend.class);
    VmStateException e =
        assertThrows(VmStateException.class, () -> new VgicMigration(b).restoreIts(its()));
    assertTrue(e.getMessage().contains("must be restored after the GICv3"));
    verify(b, never()).writeIts(anyInt(), anyLong());
  }

  @Test
  void flushWritesItsTablesBeforePendingTablesAndRemapsVpesEvenOnError() throws Exception {
    VgicBackend b = mock(VgicBackend.class);
    when(b.hasGicV41()).thenReturn(true);
    doThrow(new IOException("EFAULT")).when(b).savePendingTables();
    VmStateException e =
        assertThrows(VmStateException.class, () -> new VgicMigration(b).flushToGuestMemory());
    assertEquals("KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES failed: EFAULT", e.getMessage());
    InOrder o = inOrder(b);
    o.verify(b).saveItsTables();
    o.verify(b).unmapVpes();
    o.verify(b).savePendingTables();
    o.verify(b).mapVpes();
  }

  @Test
  void flushWithoutGicV41DoesNotTouchVpes() throws Exception {
    VgicBackend b = mock(VgicBackend.class);
    new VgicMigration(b).flushToGuestMemory();
    InOrder o = inOrder(b);
    o.verify(b).saveItsTables();
    o.verify(b).savePendingTables();
    verify(b, never()).unmapVpes();
  }

  @Test
  void failedGicRestoreNamesRegisterAndCpuAndRollsBack() throws Exception {
    VgicBackend b = registerFile();
    b.writeRedistributor(1, GICR_PENDBASER, 0x7777_0000L);
    doThrow(new IOException("EINVAL")).when(b).writeRedistributor(1, GICR_CTLR, 1);
    GicV3State dest = new GicV3State(GicV3Config.kvm(2));
    new VgicMigration(b).attach(dest, null);
    byte[] before = VmStateCodec.DEFAULT.saveToBytes(GicV3State.DESCRIPTION, dest);
    GicV3State src = gic();
    byte[] stream = VmStateCodec.DEFAULT.saveToBytes(GicV3State.DESCRIPTION, detached(src));
    VmStateException e =
        assertThrows(
            VmStateException.class,
            () -> VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, dest, stream, 1));
    assertTrue(
        e.getMessage()
            .contains(
                "writing GICR_CTLR of cpu 1 (mpidr 0x1) failed: EINVAL; the vGIC was rolled back"),
        e.getMessage());
    assertEquals(0x7777_0000L, b.readRedistributor(1, GICR_PENDBASER), "rolled back");
    assertEquals(0, b.readRedistributor(0, GICR_PENDBASER), "cpu 0 rolled back too");
    assertArrayEquals(
        before, VmStateCodec.DEFAULT.saveToBytes(GicV3State.DESCRIPTION, dest), "object untouched");
  }

  private static GicV3State detached(GicV3State g) {
    g.attach(null);
    return g;
  }

  @Test
  void failedItsRestoreResetsTheIts() throws Exception {
    VgicBackend b = mock(VgicBackend.class);
    doThrow(new IOException("EINVAL")).when(b).restoreItsTables();
    VgicMigration m = new VgicMigration(b);
    m.restoreGic(gic());
    VmStateException e = assertThrows(VmStateException.class, () -> m.restoreIts(its()));
    assertEquals(
        "restoring the ITS: KVM_DEV_ARM_ITS_RESTORE_TABLES failed: EINVAL; the ITS was reset",
        e.getMessage());
    InOrder o = inOrder(b);
    o.verify(b).restoreItsTables();
    o.verify(b).resetIts();
    verify(b, never()).writeIts(eq(GITS_CTLR), anyLong());
  }

  @Test
  void preSaveReadsPerCpuStateByMpidr() throws Exception {
    VgicBackend b = registerFile();
    for (long mpidr = 0; mpidr < 2; mpidr++) {
      b.writeRedistributor(mpidr, GICR_PENDBASER, 0x5000_0000L + mpidr * 0x10000);
      b.writeRedistributor(mpidr, GICR_IPRIORITYR + 4, (0x20 + mpidr) << 8);
    }
    b.writeDistributor(GICD_ISENABLER + 4, 1L << 3);
    GicV3State g = new GicV3State(GicV3Config.kvm(2));
    ItsState s = new ItsState();
    new VgicMigration(b).attach(g, s);
    when(b.readIts(GITS_IIDR)).thenReturn((long) ItsState.KVM_IIDR_ABI_REV0);
    VmStateCodec.DEFAULT.saveToBytes(GicV3State.DESCRIPTION, g);
    VmStateCodec.DEFAULT.saveToBytes(ItsState.DESCRIPTION, s);
    assertEquals(0x5000_0000L, g.redistributor(0).pendbaser());
    assertEquals(0x5001_0000L, g.redistributor(1).pendbaser());
    assertEquals(0x21, g.priority(5, 1));
    assertTrue(g.isEnabled(35, 0));
    assertEquals(ItsState.KVM_IIDR_ABI_REV0, s.iidr());
    verify(b, times(1)).readIts(GITS_IIDR);
  }
}
