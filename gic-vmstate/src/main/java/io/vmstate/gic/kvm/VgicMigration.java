package io.vmstate.gic.kvm;

import static com.google.common.base.Preconditions.checkNotNull;
import static io.vmstate.gic.kvm.GicRegisters.*;

import io.vmstate.api.VmStateException;
import io.vmstate.gic.BackendHook;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v3.GicV3CpuState;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.gic.v3.GicV3State.Bitmap;
import java.io.IOException;

/**
 * The save/restore sequences of an in-kernel GICv3 + ITS, run from the descriptions' pre_save and
 * post_load hooks, with the ordering the kernel requires:
 *
 * <ul>
 *   <li>{@link #flushToGuestMemory} (on VM stop, before the final RAM pass): ITS tables first, then
 *       the redistributors' pending tables; on a GICv4.1 host the vPEs are unmapped around the
 *       pending-table flush (vLPI pending state is only readable then) and mapped again even when
 *       the flush fails.
 *   <li>GICv3 restore: GICD_CTLR; per CPU PROPBASER/PENDBASER before GICR_CTLR (which may enable
 *       LPIs), configuration before pending; distributor enables (clear then set), groups, IROUTER
 *       before pending, ICFGR, pending, active, priorities.
 *   <li>ITS restore, only after the GICv3 (restoring an LPI consumes its bit in the target's
 *       pending table): IIDR first, CBASER (which resets CREADR), CREADR, CWRITER, BASER0-7,
 *       RESTORE_TABLES (collections before devices, inside the kernel), CTLR last.
 * </ul>
 *
 * Nothing is left half-restored: a failed GICv3 restore writes back the registers read before it
 * started; a failed ITS restore resets the ITS. Either failure names the register and the CPU.
 *
 * <p>Scope: the distributor and redistributor registers above; the CPU-interface system registers
 * (ICC_*) go through the vCPU's register interface, not the vGIC device, and are not covered here.
 */
public final class VgicMigration {
  private final VgicBackend backend;
  private boolean gicRestored;

  /** Migrates through {@code backend} (not null). */
  public VgicMigration(VgicBackend backend) {
    this.backend = checkNotNull(backend, "backend");
  }

  /** Binds both states to this backend through their descriptions' hooks. */
  public void attach(GicV3State gic, ItsState its) {
    gic.attach(
        new BackendHook<>() {
          @Override
          public void preSave(GicV3State g) throws VmStateException {
            saveGic(g);
          }

          @Override
          public void postLoad(GicV3State g) throws VmStateException {
            restoreGic(g);
          }
        });
    if (its != null) {
      its.attach(
          new BackendHook<>() {
            @Override
            public void preSave(ItsState s) throws VmStateException {
              saveIts(s);
            }

            @Override
            public void postLoad(ItsState s) throws VmStateException {
              restoreIts(s);
            }
          });
    }
  }

  /** One backend access, named for error messages. */
  @FunctionalInterface
  private interface Access {
    void run() throws IOException;
  }

  private static void step(String what, Access a) throws VmStateException {
    try {
      a.run();
    } catch (IOException e) {
      throw VmStateException.rejected(what + " failed: " + e.getMessage(), e);
    }
  }

  private static String cpu(GicV3CpuState c) {
    return " of cpu " + c.cpu() + " (mpidr 0x" + Long.toHexString(c.affinity()) + ")";
  }

  // ---- VM stop ----

  /** Flushes the ITS tables, then the LPI pending tables, into guest memory. */
  public void flushToGuestMemory() throws VmStateException {
    step("KVM_DEV_ARM_ITS_SAVE_TABLES", backend::saveItsTables);
    if (!backend.hasGicV41()) {
      step("KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES", backend::savePendingTables);
      return;
    }
    step("unmapping the vPEs", backend::unmapVpes);
    VmStateException failure = null;
    try {
      step("KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES", backend::savePendingTables);
    } catch (VmStateException e) {
      failure = e;
    }
    try {
      step("mapping the vPEs again", backend::mapVpes);
    } catch (VmStateException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  // ---- GICv3 ----

  /** Reads the vGIC into {@code g} (pre_save). */
  public void saveGic(GicV3State g) throws VmStateException {
    long[] v = new long[1];
    step("reading GICD_CTLR", () -> v[0] = backend.readDistributor(GICD_CTLR));
    g.setCtlr((int) v[0]);
    for (int i = 0; i < g.numCpu(); i++) {
      GicV3CpuState c = g.redistributor(i);
      long m = c.affinity();
      String who = cpu(c);
      step(
          "reading GICR_CTLR" + who,
          () -> c.setCtlr((int) backend.readRedistributor(m, GICR_CTLR)));
      step(
          "reading GICR_PROPBASER" + who,
          () -> c.setPropbaser(backend.readRedistributor(m, GICR_PROPBASER)));
      step(
          "reading GICR_PENDBASER" + who,
          () -> c.setPendbaser(backend.readRedistributor(m, GICR_PENDBASER)));
      step(
          "reading GICR_IGROUPR0" + who,
          () -> setPrivate(c, GICR_IGROUPR0, backend.readRedistributor(m, GICR_IGROUPR0)));
      step(
          "reading GICR_ISENABLER0" + who,
          () -> setPrivate(c, GICR_ISENABLER0, backend.readRedistributor(m, GICR_ISENABLER0)));
      step(
          "reading GICR_ISPENDR0" + who,
          () -> setPrivate(c, GICR_ISPENDR0, backend.readRedistributor(m, GICR_ISPENDR0)));
      step(
          "reading GICR_ISACTIVER0" + who,
          () -> setPrivate(c, GICR_ISACTIVER0, backend.readRedistributor(m, GICR_ISACTIVER0)));
      for (int w = 0; w < 8; w++) {
        int off = GICR_IPRIORITYR + 4 * w;
        int base = 4 * w;
        step(
            "reading GICR_IPRIORITYR" + w + who,
            () -> {
              long p = backend.readRedistributor(m, off);
              for (int b = 0; b < 4; b++) {
                c.setPriority(base + b, (int) (p >>> (8 * b)) & 0xff);
              }
            });
      }
    }
    for (int w = 1; w < GicV3State.GICV3_BMP_SIZE; w++) {
      int n = w;
      step(
          "reading GICD_IGROUPR" + n,
          () ->
              g.setBitmapWord(
                  Bitmap.GROUP, n, (int) backend.readDistributor(GICD_IGROUPR + 4 * n)));
      step(
          "reading GICD_ISENABLER" + n,
          () ->
              g.setBitmapWord(
                  Bitmap.ENABLED, n, (int) backend.readDistributor(GICD_ISENABLER + 4 * n)));
      step(
          "reading GICD_ISPENDR" + n,
          () ->
              g.setBitmapWord(
                  Bitmap.PENDING, n, (int) backend.readDistributor(GICD_ISPENDR + 4 * n)));
      step(
          "reading GICD_ISACTIVER" + n,
          () ->
              g.setBitmapWord(
                  Bitmap.ACTIVE, n, (int) backend.readDistributor(GICD_ISACTIVER + 4 * n)));
    }
    for (int intid = GicV3State.GIC_INTERNAL; intid < g.config().numIrq(); intid++) {
      int id = intid;
      step(
          "reading GICD_IROUTER" + id,
          () -> g.setRouter(id, backend.readDistributor(GICD_IROUTER + 8 * id)));
    }
    // GICD_IPRIORITYR is accessed as 32-bit words through KVM's device API: four INTIDs a word,
    // the lowest INTID in the lowest byte.
    for (int base = GicV3State.GIC_INTERNAL; base < g.config().numIrq(); base += 4) {
      int first = base;
      step(
          "reading GICD_IPRIORITYR" + (base / 4) + " (INTIDs " + base + ".." + (base + 3) + ")",
          () -> {
            long word = backend.readDistributor(GICD_IPRIORITYR + first);
            for (int b = 0; b < 4 && first + b < g.config().numIrq(); b++) {
              g.setPriority(first + b, 0, (int) (word >>> (8 * b)) & 0xff);
            }
          });
    }
  }

  private static void setPrivate(GicV3CpuState c, int reg, long word) {
    for (int i = 0; i < GicV3State.GIC_INTERNAL; i++) {
      boolean on = (word >>> i & 1) != 0;
      switch (reg) {
        case GICR_IGROUPR0 -> c.setGroup(i, on ? 1 : 0);
        case GICR_ISENABLER0 -> c.setEnabled(i, on);
        case GICR_ISPENDR0 -> c.setPending(i, on);
        default -> c.setActive(i, on);
      }
    }
  }

  private static int privateWord(GicV3CpuState c, int reg) {
    int w = 0;
    for (int i = 0; i < GicV3State.GIC_INTERNAL; i++) {
      boolean on =
          switch (reg) {
            case GICR_IGROUPR0 -> c.group(i) == 1;
            case GICR_ISENABLER0 -> c.isEnabled(i);
            case GICR_ISPENDR0 -> c.isPending(i);
            default -> c.isActive(i);
          };
      w |= on ? 1 << i : 0;
    }
    return w;
  }

  /**
   * Pushes {@code g} into the vGIC (post_load). On failure the registers are rolled back to what
   * the vGIC held before, and the error names the register and CPU.
   */
  public void restoreGic(GicV3State g) throws VmStateException {
    GicV3State before = new GicV3State(g.config());
    saveGic(before);
    try {
      apply(g);
    } catch (VmStateException e) {
      try {
        apply(before);
      } catch (VmStateException rollback) {
        e.addSuppressed(rollback);
      }
      throw VmStateException.rejected(
          "restoring the GICv3 into the vGIC: " + e.getMessage() + "; the vGIC was rolled back", e);
    }
    gicRestored = true;
  }

  private void apply(GicV3State g) throws VmStateException {
    step("writing GICD_CTLR", () -> backend.writeDistributor(GICD_CTLR, g.ctlr() & 0xffff_ffffL));
    for (int i = 0; i < g.numCpu(); i++) {
      GicV3CpuState c = g.redistributor(i);
      long m = c.affinity();
      String who = cpu(c);
      step(
          "writing GICR_PROPBASER" + who,
          () -> backend.writeRedistributor(m, GICR_PROPBASER, c.propbaser()));
      step(
          "writing GICR_PENDBASER" + who,
          () -> backend.writeRedistributor(m, GICR_PENDBASER, c.pendbaser()));
      step(
          "writing GICR_CTLR" + who,
          () -> backend.writeRedistributor(m, GICR_CTLR, c.ctlr() & 0xffff_ffffL));
      step(
          "writing GICR_IGROUPR0" + who,
          () -> backend.writeRedistributor(m, GICR_IGROUPR0, u32(privateWord(c, GICR_IGROUPR0))));
      step(
          "writing GICR_ICENABLER0" + who,
          () -> backend.writeRedistributor(m, GICR_ICENABLER0, 0xffff_ffffL));
      step(
          "writing GICR_ISENABLER0" + who,
          () ->
              backend.writeRedistributor(m, GICR_ISENABLER0, u32(privateWord(c, GICR_ISENABLER0))));
      long cfg = 0;
      for (int b = 0; b < 16; b++) {
        cfg |= c.isEdgeTriggered(16 + b) ? 2L << (2 * b) : 0;
      }
      long icfgr1 = cfg;
      step("writing GICR_ICFGR1" + who, () -> backend.writeRedistributor(m, GICR_ICFGR1, icfgr1));
      step(
          "writing GICR_ICPENDR0" + who,
          () -> backend.writeRedistributor(m, GICR_ICPENDR0, 0xffff_ffffL));
      step(
          "writing GICR_ISPENDR0" + who,
          () -> backend.writeRedistributor(m, GICR_ISPENDR0, u32(privateWord(c, GICR_ISPENDR0))));
      step(
          "writing GICR_ICACTIVER0" + who,
          () -> backend.writeRedistributor(m, GICR_ICACTIVER0, 0xffff_ffffL));
      step(
          "writing GICR_ISACTIVER0" + who,
          () ->
              backend.writeRedistributor(m, GICR_ISACTIVER0, u32(privateWord(c, GICR_ISACTIVER0))));
      for (int w = 0; w < 8; w++) {
        long p = 0;
        for (int b = 0; b < 4; b++) {
          p |= (long) c.priority(4 * w + b) << (8 * b);
        }
        long pw = p;
        int off = GICR_IPRIORITYR + 4 * w;
        step("writing GICR_IPRIORITYR" + w + who, () -> backend.writeRedistributor(m, off, pw));
      }
    }
    int words = (g.config().numIrq() + 31) / 32;
    for (int n = 1; n < words; n++) {
      int w = n;
      step(
          "writing GICD_ICENABLER" + w,
          () -> backend.writeDistributor(GICD_ICENABLER + 4 * w, 0xffff_ffffL));
      step(
          "writing GICD_ISENABLER" + w,
          () ->
              backend.writeDistributor(
                  GICD_ISENABLER + 4 * w, u32(g.bitmapWord(Bitmap.ENABLED, w))));
      step(
          "writing GICD_IGROUPR" + w,
          () -> backend.writeDistributor(GICD_IGROUPR + 4 * w, u32(g.bitmapWord(Bitmap.GROUP, w))));
    }
    for (int intid = GicV3State.GIC_INTERNAL; intid < g.config().numIrq(); intid++) {
      int id = intid;
      step(
          "writing GICD_IROUTER" + id,
          () -> backend.writeDistributor(GICD_IROUTER + 8 * id, g.router(id)));
    }
    for (int n = 2; n < 2 * words; n++) {
      long cfg = 0;
      for (int b = 0; b < 16; b++) {
        int id = 16 * n + b;
        cfg |= id < GicV3State.GICV3_MAXIRQ && g.isEdgeTriggered(id, 0) ? 2L << (2 * b) : 0;
      }
      long c = cfg;
      int w = n;
      step("writing GICD_ICFGR" + w, () -> backend.writeDistributor(GICD_ICFGR + 4 * w, c));
    }
    for (int n = 1; n < words; n++) {
      int w = n;
      step(
          "writing GICD_ICPENDR" + w,
          () -> backend.writeDistributor(GICD_ICPENDR + 4 * w, 0xffff_ffffL));
      step(
          "writing GICD_ISPENDR" + w,
          () ->
              backend.writeDistributor(GICD_ISPENDR + 4 * w, u32(g.bitmapWord(Bitmap.PENDING, w))));
    }
    for (int n = 1; n < words; n++) {
      int w = n;
      step(
          "writing GICD_ICACTIVER" + w,
          () -> backend.writeDistributor(GICD_ICACTIVER + 4 * w, 0xffff_ffffL));
      step(
          "writing GICD_ISACTIVER" + w,
          () ->
              backend.writeDistributor(
                  GICD_ISACTIVER + 4 * w, u32(g.bitmapWord(Bitmap.ACTIVE, w))));
    }
    for (int base = GicV3State.GIC_INTERNAL; base < g.config().numIrq(); base += 4) {
      int first = base;
      long word = 0;
      for (int b = 0; b < 4 && first + b < g.config().numIrq(); b++) {
        word |= (long) (g.priority(first + b, 0) & 0xff) << (8 * b);
      }
      long value = word;
      step(
          "writing GICD_IPRIORITYR" + (base / 4) + " (INTIDs " + base + ".." + (base + 3) + ")",
          () -> backend.writeDistributor(GICD_IPRIORITYR + first, value));
    }
  }

  private static long u32(int v) {
    return v & 0xffff_ffffL;
  }

  // ---- ITS ----

  /** Reads the ITS registers into {@code s} (pre_save). */
  public void saveIts(ItsState s) throws VmStateException {
    for (int n = 0; n < ItsState.BASER_COUNT; n++) {
      int k = n;
      step("reading GITS_BASER" + k, () -> s.setBaser(k, backend.readIts(GITS_BASER + 8 * k)));
    }
    step("reading GITS_CTLR", () -> s.setCtlr((int) backend.readIts(GITS_CTLR)));
    step("reading GITS_CBASER", () -> s.setCbaser(backend.readIts(GITS_CBASER)));
    step("reading GITS_CREADR", () -> s.setCreadr(backend.readIts(GITS_CREADR)));
    step("reading GITS_CWRITER", () -> s.setCwriter(backend.readIts(GITS_CWRITER)));
    step("reading GITS_IIDR", () -> s.setIidr((int) backend.readIts(GITS_IIDR)));
  }

  /**
   * Pushes {@code s} into the ITS (post_load) in the kernel's order; on failure the ITS is reset,
   * so it is never left half-restored.
   */
  public void restoreIts(ItsState s) throws VmStateException {
    if (!gicRestored) {
      throw VmStateException.rejected(
          "the ITS must be restored after the GICv3: restoring an LPI reads its pending bit from the"
              + " target redistributor's pending table (arm_gicv3 has priority GICV3, before"
              + " GICV3_ITS)");
    }
    try {
      writeIts(s, GITS_IIDR, s.iidr() & 0xffff_ffffL);
      writeIts(s, GITS_CBASER, s.cbaser());
      writeIts(s, GITS_CREADR, s.creadr());
      writeIts(s, GITS_CWRITER, s.cwriter());
      for (int n = 0; n < ItsState.BASER_COUNT; n++) {
        writeIts(s, GITS_BASER + 8 * n, s.baser(n));
      }
      step("KVM_DEV_ARM_ITS_RESTORE_TABLES", backend::restoreItsTables);
      writeIts(s, GITS_CTLR, s.ctlr() & 0xffff_ffffL);
    } catch (VmStateException e) {
      try {
        step("resetting the ITS", backend::resetIts);
      } catch (VmStateException reset) {
        e.addSuppressed(reset);
      }
      throw VmStateException.rejected(
          "restoring the ITS: " + e.getMessage() + "; the ITS was reset", e);
    }
  }

  private void writeIts(ItsState s, int offset, long value) throws VmStateException {
    step("writing " + gitsName(offset), () -> backend.writeIts(offset, value));
  }
}
