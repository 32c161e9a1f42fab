package io.vmstate.gic.its;

import static com.google.common.base.Preconditions.checkElementIndex;

import io.vmstate.api.MigrationPriority;
import io.vmstate.api.Nullable;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.gic.BackendHook;

/**
 * The migrated registers of a GICv3 ITS (QEMU's {@code GICv3ITSState}). The ITS's real state, its
 * device, interrupt-translation and collection tables, lives in guest memory and travels as RAM;
 * {@link ItsTableReader} reconstructs it from these registers and that memory.
 */
public final class ItsState {
  public static final int BASER_COUNT = 8;

  /** Bytes of the section body. */
  public static final int WIRE_SIZE = 96;

  /** GITS_CTLR.Enabled. */
  public static final int CTLR_ENABLED = 1;

  /** GITS_CTLR.Quiescent (bit 31). */
  public static final int CTLR_QUIESCENT = 1 << 31;

  /** GITS_CBASER.Valid. */
  public static final long CBASER_VALID = 1L << 63;

  /** IIDR of KVM's ITS for save/restore ABI revision 0 (product 'K', implementer ARM). */
  public static final int KVM_IIDR_ABI_REV0 = 0x4B00043B;

  int ctlr;
  int iidr;
  long cbaser;
  long cwriter;
  long creadr;
  final long[] baser = new long[BASER_COUNT];

  /** The hypervisor binding run by pre_save / post_load; shared by staging copies. */
  BackendHook<ItsState> hook;

  /** An ITS in reset state (all zero, as QEMU's common reset leaves it). */
  public ItsState() {}

  private ItsState(ItsState o) {
    copy(o, this);
  }

  private static void copy(ItsState from, ItsState to) {
    to.ctlr = from.ctlr;
    to.iidr = from.iidr;
    to.cbaser = from.cbaser;
    to.cwriter = from.cwriter;
    to.creadr = from.creadr;
    System.arraycopy(from.baser, 0, to.baser, 0, BASER_COUNT);
    to.hook = from.hook;
  }

  public static final StateCopier<ItsState> COPIER = StateCopier.of(ItsState::new, ItsState::copy);

  /** A deep copy. */
  public ItsState copy() {
    return new ItsState(this);
  }

  /** Binds this ITS to a hypervisor (null unbinds). */
  public void attach(BackendHook<ItsState> backendHook) {
    this.hook = backendHook;
  }

  /** GITS_CTLR. */
  public int ctlr() {
    return ctlr;
  }

  /** Sets GITS_CTLR. */
  public void setCtlr(int v) {
    ctlr = v;
  }

  /** Whether GITS_CTLR.Enabled is set. */
  public boolean isEnabled() {
    return (ctlr & CTLR_ENABLED) != 0;
  }

  /** GITS_IIDR (0 in TCG streams, 0x4B00043B in KVM ones). */
  public int iidr() {
    return iidr;
  }

  /** Sets GITS_IIDR. */
  public void setIidr(int v) {
    iidr = v;
  }

  /** The table ABI revision a KVM IIDR selects (bits 15:12). */
  public int abiRevision() {
    return (iidr >>> 12) & 0xf;
  }

  /** GITS_CBASER, the command queue's base and size. */
  public long cbaser() {
    return cbaser;
  }

  /** Sets GITS_CBASER. */
  public void setCbaser(long v) {
    cbaser = v;
  }

  /** GITS_CWRITER, the command queue's write offset. */
  public long cwriter() {
    return cwriter;
  }

  /** Sets GITS_CWRITER. */
  public void setCwriter(long v) {
    cwriter = v;
  }

  /** GITS_CREADR, the command queue's read offset. */
  public long creadr() {
    return creadr;
  }

  /** Sets GITS_CREADR. */
  public void setCreadr(long v) {
    creadr = v;
  }

  /** GITS_BASER{@code n} (n 0..7), raw. */
  public long baser(int n) {
    return baser[checkElementIndex(n, BASER_COUNT, "BASER")];
  }

  /** Sets GITS_BASER{@code n} (n 0..7). */
  public void setBaser(int n, long v) {
    baser[checkElementIndex(n, BASER_COUNT, "BASER")] = v;
  }

  /** GITS_BASER{@code n} (n 0..7) decoded into its fields. */
  public ItsBaser decodedBaser(int n) {
    return ItsBaser.decode(baser(n));
  }

  /** The first valid BASER of {@code type}, or null. */
  public @Nullable ItsBaser table(ItsTableType type) {
    for (long b : baser) {
      ItsBaser d = ItsBaser.decode(b);
      if (d.valid() && d.type() == type) {
        return d;
      }
    }
    return null;
  }

  /** Bytes of the command queue: (CBASER.Size + 1) × 4 KiB. */
  public long commandQueueBytes() {
    return ((cbaser & 0xff) + 1) * 4096;
  }

  /** The command queue's guest physical address (CBASER bits 51:12). */
  public long commandQueueAddress() {
    return cbaser & 0x000f_ffff_ffff_f000L;
  }

  /** Byte offset in the queue of a CWRITER/CREADR value (bits 19:5). */
  public static long queueOffset(long reg) {
    return reg & 0xf_ffe0L;
  }

  /**
   * The post_load checks: every non-zero BASER has a defined type, a defined page size when valid,
   * entries of at least 8 bytes (the smallest DTE/CTE either layout uses) when valid, and no two
   * valid BASERs describe the same table type; CTLR.Enabled requires a valid CBASER; with a valid
   * CBASER, CREADR and CWRITER lie inside the queue.
   */
  void checkLoaded() throws VmStateException {
    boolean[] seen = new boolean[8];
    for (int n = 0; n < BASER_COUNT; n++) {
      ItsBaser b = ItsBaser.decode(baser[n]);
      if (baser[n] == 0) {
        continue;
      }
      if (b.type() == null) {
        throw inconsistent("baser", n, b.raw(), "has the reserved type " + b.typeCode());
      }
      if (!b.valid()) {
        continue;
      }
      if (b.type() == ItsTableType.UNIMPLEMENTED) {
        throw inconsistent("baser", n, b.raw(), "is valid but of type 0 (unimplemented)");
      }
      if (b.pageSize() == 0) {
        throw inconsistent("baser", n, b.raw(), "has the reserved page size encoding 3");
      }
      if (b.entrySize() < 8) {
        throw inconsistent(
            "baser", n, b.raw(), "has " + b.entrySize() + "-byte entries; at least 8 are needed");
      }
      if (seen[b.typeCode()]) {
        throw inconsistent("baser", n, b.raw(), "describes a second " + b.type() + " table");
      }
      seen[b.typeCode()] = true;
    }
    boolean cbValid = (cbaser & CBASER_VALID) != 0;
    if (isEnabled() && !cbValid) {
      throw inconsistent("ctlr", 0, ctlr, "enables the ITS but CBASER is not valid");
    }
    if (cbValid) {
      long size = commandQueueBytes();
      if (queueOffset(creadr) >= size) {
        throw inconsistent("creadr", 0, creadr, "lies outside the " + size + "-byte command queue");
      }
      if (queueOffset(cwriter) >= size) {
        throw inconsistent(
            "cwriter", 0, cwriter, "lies outside the " + size + "-byte command queue");
      }
    }
  }

  /** QEMU's pre_save: runs the backend hook, if any (a KVM backend fetches the registers). */
  private void preSave() throws VmStateException {
    if (hook != null) {
      hook.preSave(this);
    }
  }

  /** QEMU's post_load: checks the registers' consistency, then runs the backend hook, if any. */
  private void postLoad(int versionId) throws VmStateException {
    checkLoaded();
    if (hook != null) {
      hook.postLoad(this);
    }
  }

  /**
   * A register whose loaded value the ITS cannot hold: {@code field} and {@code index} name it in
   * {@link #DESCRIPTION} (a single register takes index 0), so the error points at its bytes.
   */
  private static VmStateDecodeException inconsistent(
      String field, int index, long value, String what) {
    String reg = field.equals("baser") ? "BASER" + index : field.toUpperCase(java.util.Locale.ROOT);
    return VmStateDecodeException.validationFailed(
            "ITS register GITS_" + reg + " = 0x" + Long.toHexString(value) + " " + what)
        .atElement(field, index);
  }

  /**
   * {@code arm_gicv3_its} version 0 (minimum 0; the version stayed 0 in every release, including
   * after the reverted 6.2 bump), priority {@link MigrationPriority#GICV3_ITS}, 96 bytes: ctlr,
   * iidr, cbaser, cwriter, creadr, baser[8]. TCG streams carry iidr = 0; KVM ones 0x4B00043B.
   *
   * <p>History: v0 in every release; QEMU 6.2 development: v1 by mistake, reverted before the
   * release (it broke 6.1 to 6.2 migration); typer is never sent (recomputed at realize).
   */
  public static final VmStateDescription<ItsState> DESCRIPTION =
      VmStateDescription.<ItsState>named("arm_gicv3_its")
          .version(0)
          .minimumVersion(0)
          .priority(MigrationPriority.GICV3_ITS)
          .copier(COPIER)
          .preSave(ItsState::preSave)
          .postLoad(ItsState::postLoad)
          .uint32("ctlr", s -> s.ctlr, (s, v) -> s.ctlr = v)
          .uint32("iidr", s -> s.iidr, (s, v) -> s.iidr = v)
          .uint64("cbaser", s -> s.cbaser, (s, v) -> s.cbaser = v)
          .uint64("cwriter", s -> s.cwriter, (s, v) -> s.cwriter = v)
          .uint64("creadr", s -> s.creadr, (s, v) -> s.creadr = v)
          .uint64Array("baser", s -> s.baser, BASER_COUNT)
          .build();
}
