package io.vmstate.gic.v3;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkElementIndex;
import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.MigrationPriority;
import io.vmstate.api.QemuRelease;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import io.vmstate.gic.BackendHook;
import java.util.Optional;

/**
 * The migrated state of an ARM GICv3 (QEMU's {@code GICv3State}): the distributor, addressed by
 * INTID, and one {@link GicV3CpuState} (redistributor + CPU interface) per CPU, addressed by CPU
 * number or by MPIDR affinity. Callers never see the wire layout: {@link #priority(int, int)} and
 * friends go to the distributor for SPIs and to the CPU's redistributor for SGIs and PPIs.
 *
 * <p>Distributor bitmaps are QEMU's: bit X of the 32-word bitmap is INTID X; bits 0-31 are unused
 * there because SGIs and PPIs are banked in the redistributors.
 */
public final class GicV3State {
  public static final int GICV3_MAXIRQ = 1020;
  public static final int GIC_INTERNAL = 32;

  /** u32 words in a distributor bitmap (ceil(1020 / 32)). */
  public static final int GICV3_BMP_SIZE = 32;

  /** u32 words of GICD_NSACR state (ceil(1020 / 16)). */
  public static final int NSACR_WORDS = 64;

  /** Bytes of the distributor's main fields (without the per-CPU array). */
  public static final int DISTRIBUTOR_WIRE_SIZE = 10344;

  /** GICD_IROUTER.Interrupt_Routing_Mode: 1 = any participating PE. */
  public static final long IROUTER_IRM = 1L << 31;

  private static final long AFFINITY_MASK = 0xff_0000_0000L | 0xff_ffffL;

  private final GicV3Config config;

  int gicdCtlr;
  final int[] gicdStatusr = new int[2];
  final int[] group = new int[GICV3_BMP_SIZE];
  final int[] grpmod = new int[GICV3_BMP_SIZE];
  final int[] enabled = new int[GICV3_BMP_SIZE];
  final int[] pending = new int[GICV3_BMP_SIZE];
  final int[] active = new int[GICV3_BMP_SIZE];
  final int[] level = new int[GICV3_BMP_SIZE];
  final int[] edgeTrigger = new int[GICV3_BMP_SIZE];
  final byte[] gicdIpriority = new byte[GICV3_MAXIRQ];
  final long[] gicdIrouter = new long[GICV3_MAXIRQ];
  final int[] gicdNsacr = new int[NSACR_WORDS];
  final int[] nmi = new int[GICV3_BMP_SIZE];
  final GicV3CpuState[] cpus;

  /**
   * QEMU's {@code gicd_no_migration_shift_bug}: true once the distributor bitmaps hold SPI n at bit
   * n. Reset value true; {@link GicV3Config.Accelerator#KVM} destinations clear it before a load,
   * so an absent subsection means "shift".
   */
  boolean noMigrationShiftBug = true;

  boolean shiftBugSubsectionLoaded;
  boolean nmiLoaded;

  /** The hypervisor binding run by pre_save / post_load; shared by staging copies. */
  BackendHook<GicV3State> hook;

  /** The distributor bitmaps, bit X = INTID X. */
  public enum Bitmap {
    GROUP,
    GRPMOD,
    ENABLED,
    PENDING,
    ACTIVE,
    LEVEL,
    EDGE_TRIGGER
  }

  /** A GIC in reset state for {@code config}. */
  public GicV3State(GicV3Config config) {
    this.config = checkNotNull(config, "config");
    this.cpus = new GicV3CpuState[config.numCpu()];
    for (int i = 0; i < cpus.length; i++) {
      cpus[i] = new GicV3CpuState(config, i);
    }
  }

  private GicV3State(GicV3State o) {
    this(o.config);
    copy(o, this);
  }

  private static void copy(GicV3State from, GicV3State to) {
    to.gicdCtlr = from.gicdCtlr;
    System.arraycopy(from.gicdStatusr, 0, to.gicdStatusr, 0, 2);
    for (int[][] p :
        new int[][][] {
          {from.group, to.group},
          {from.grpmod, to.grpmod},
          {from.enabled, to.enabled},
          {from.pending, to.pending},
          {from.active, to.active},
          {from.level, to.level},
          {from.edgeTrigger, to.edgeTrigger},
          {from.gicdNsacr, to.gicdNsacr},
          {from.nmi, to.nmi}
        }) {
      System.arraycopy(p[0], 0, p[1], 0, p[0].length);
    }
    System.arraycopy(from.gicdIpriority, 0, to.gicdIpriority, 0, GICV3_MAXIRQ);
    System.arraycopy(from.gicdIrouter, 0, to.gicdIrouter, 0, GICV3_MAXIRQ);
    for (int i = 0; i < from.cpus.length; i++) {
      to.cpus[i].copyFrom(from.cpus[i]);
    }
    to.noMigrationShiftBug = from.noMigrationShiftBug;
    to.shiftBugSubsectionLoaded = from.shiftBugSubsectionLoaded;
    to.nmiLoaded = from.nmiLoaded;
    to.hook = from.hook;
  }

  /** Deep copies, so loads are atomic. */
  public static final StateCopier<GicV3State> COPIER =
      StateCopier.of(
          GicV3State::new,
          (source, target) -> {
            checkArgument(
                source.config.equals(target.config), "copying between differently configured GICs");
            copy(source, target);
          });

  /** The configuration this GIC was made with. */
  public GicV3Config config() {
    return config;
  }

  /** Binds this GIC to a hypervisor (null unbinds): saves read it, loads are pushed into it. */
  public void attach(BackendHook<GicV3State> backendHook) {
    this.hook = backendHook;
  }

  private int[] bitmap(Bitmap b) {
    return switch (b) {
      case GROUP -> group;
      case GRPMOD -> grpmod;
      case ENABLED -> enabled;
      case PENDING -> pending;
      case ACTIVE -> active;
      case LEVEL -> level;
      case EDGE_TRIGGER -> edgeTrigger;
    };
  }

  /** Word {@code n} (INTIDs 32n..32n+31) of a distributor bitmap, as GICD_I*R word n holds it. */
  public int bitmapWord(Bitmap b, int n) {
    return bitmap(b)[checkElementIndex(n, GICV3_BMP_SIZE, "bitmap word")];
  }

  /** Sets word {@code n} (INTIDs 32n..32n+31) of a distributor bitmap. */
  public void setBitmapWord(Bitmap b, int n, int value) {
    bitmap(b)[checkElementIndex(n, GICV3_BMP_SIZE, "bitmap word")] = value;
  }

  // ---- CPUs ----

  /** The number of CPUs (redistributors), QEMU's num-cpu. */
  public int numCpu() {
    return cpus.length;
  }

  /** The redistributor and CPU interface of CPU {@code cpu}. */
  public GicV3CpuState redistributor(int cpu) {
    return cpus[checkElementIndex(cpu, cpus.length, "CPU")];
  }

  /** The redistributor whose CPU has MPIDR affinity {@code affinity} (IROUTER packing). */
  public Optional<GicV3CpuState> redistributorByAffinity(long affinity) {
    long a = affinity & AFFINITY_MASK;
    for (GicV3CpuState c : cpus) {
      if (c.affinity() == a) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  // ---- distributor control ----

  /** GICD_CTLR. */
  public int ctlr() {
    return gicdCtlr;
  }

  /** Sets GICD_CTLR. */
  public void setCtlr(int v) {
    gicdCtlr = v;
  }

  /** GICD_STATUSR of security bank {@code bank} (0 or 1). */
  public int statusr(int bank) {
    return gicdStatusr[checkElementIndex(bank, 2, "bank")];
  }

  /** Sets GICD_STATUSR of security bank {@code bank} (0 or 1). */
  public void setStatusr(int bank, int v) {
    gicdStatusr[checkElementIndex(bank, 2, "bank")] = v;
  }

  /** Whether the distributor state has been fixed up for the pre-3.0 KVM bitmap shift. */
  public boolean noMigrationShiftBug() {
    return noMigrationShiftBug;
  }

  // ---- by INTID (SGI/PPI go to {@code cpu}'s redistributor; SPIs to the distributor) ----

  /**
   * The priority (0..255) of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of CPU
   * {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public int priority(int intid, int cpu) {
    if (isPrivate(intid)) {
      return redistributor(cpu).priority(intid);
    }
    return gicdIpriority[checkSpi(intid)] & 0xff;
  }

  /**
   * Sets the priority (0..255) of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of
   * CPU {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setPriority(int intid, int cpu, int priority) {
    if (isPrivate(intid)) {
      redistributor(cpu).setPriority(intid, priority);
      return;
    }
    checkArgument(priority >= 0 && priority <= 0xff, "priority %s is not a byte", priority);
    gicdIpriority[checkSpi(intid)] = (byte) priority;
  }

  /**
   * Whether INTID {@code intid} is enabled: for an SGI or PPI (INTID below 32) that of CPU {@code
   * cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public boolean isEnabled(int intid, int cpu) {
    return isPrivate(intid) ? redistributor(cpu).isEnabled(intid) : bit(enabled, intid);
  }

  /**
   * Enables or disables INTID {@code intid}: for an SGI or PPI (INTID below 32) that of CPU {@code
   * cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setEnabled(int intid, int cpu, boolean on) {
    if (isPrivate(intid)) {
      redistributor(cpu).setEnabled(intid, on);
    } else {
      setBit(enabled, intid, on);
    }
  }

  /**
   * Whether INTID {@code intid} is pending: for an SGI or PPI (INTID below 32) that of CPU {@code
   * cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public boolean isPending(int intid, int cpu) {
    return isPrivate(intid) ? redistributor(cpu).isPending(intid) : bit(pending, intid);
  }

  /**
   * Sets the pending bit of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of CPU
   * {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setPending(int intid, int cpu, boolean on) {
    if (isPrivate(intid)) {
      redistributor(cpu).setPending(intid, on);
    } else {
      setBit(pending, intid, on);
    }
  }

  /**
   * Whether INTID {@code intid} is active: for an SGI or PPI (INTID below 32) that of CPU {@code
   * cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public boolean isActive(int intid, int cpu) {
    return isPrivate(intid) ? redistributor(cpu).isActive(intid) : bit(active, intid);
  }

  /**
   * Sets the active bit of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of CPU
   * {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setActive(int intid, int cpu, boolean on) {
    if (isPrivate(intid)) {
      redistributor(cpu).setActive(intid, on);
    } else {
      setBit(active, intid, on);
    }
  }

  /**
   * The group bit (0 or 1) of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of CPU
   * {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public int group(int intid, int cpu) {
    if (isPrivate(intid)) {
      return redistributor(cpu).group(intid);
    }
    return bit(group, intid) ? 1 : 0;
  }

  /**
   * Sets the group bit (0 or 1) of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of
   * CPU {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setGroup(int intid, int cpu, int g) {
    if (isPrivate(intid)) {
      redistributor(cpu).setGroup(intid, g);
      return;
    }
    checkArgument(g == 0 || g == 1, "group %s is not 0 or 1", g);
    setBit(group, intid, g == 1);
  }

  /**
   * The group modifier bit of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of CPU
   * {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public boolean isGroupModifier(int intid, int cpu) {
    return isPrivate(intid) ? redistributor(cpu).isGroupModifier(intid) : bit(grpmod, intid);
  }

  /**
   * Sets the group modifier bit of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of
   * CPU {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setGroupModifier(int intid, int cpu, boolean on) {
    if (isPrivate(intid)) {
      redistributor(cpu).setGroupModifier(intid, on);
    } else {
      setBit(grpmod, intid, on);
    }
  }

  /**
   * Whether INTID {@code intid} is edge-triggered: for an SGI or PPI (INTID below 32) that of CPU
   * {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public boolean isEdgeTriggered(int intid, int cpu) {
    return isPrivate(intid) ? redistributor(cpu).isEdgeTriggered(intid) : bit(edgeTrigger, intid);
  }

  /**
   * Makes INTID {@code intid} edge-triggered or level-sensitive: for an SGI or PPI (INTID below 32)
   * that of CPU {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setEdgeTriggered(int intid, int cpu, boolean edge) {
    if (isPrivate(intid)) {
      redistributor(cpu).setEdgeTriggered(intid, edge);
    } else {
      setBit(edgeTrigger, intid, edge);
    }
  }

  /**
   * Whether the input line of INTID {@code intid} is high: for an SGI or PPI (INTID below 32) that
   * of CPU {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public boolean isLevelHigh(int intid, int cpu) {
    return isPrivate(intid) ? redistributor(cpu).isLevelHigh(intid) : bit(level, intid);
  }

  /**
   * Sets the input line level of INTID {@code intid}: for an SGI or PPI (INTID below 32) that of
   * CPU {@code cpu}'s redistributor, for an SPI the distributor's ({@code cpu} unused).
   */
  public void setLevel(int intid, int cpu, boolean high) {
    if (isPrivate(intid)) {
      redistributor(cpu).setLevel(intid, high);
    } else {
      setBit(level, intid, high);
    }
  }

  /** Whether SPI {@code intid} is configured as an NMI (QEMU 9.1+ with NMI support). */
  public boolean isNmi(int intid) {
    return bit(nmi, checkSpi(intid));
  }

  /** Configures SPI {@code intid} as an NMI or not; only on a GIC with NMI support. */
  public void setNmi(int intid, boolean on) {
    checkArgument(config.nmi(), "this GIC has no NMI support");
    setBit(nmi, checkSpi(intid), on);
  }

  /** GICD_IROUTER of SPI {@code intid}: affinity fields plus IRM (bit 31). */
  public long router(int intid) {
    return gicdIrouter[checkSpi(intid)];
  }

  /** Sets GICD_IROUTER of SPI {@code intid}. */
  public void setRouter(int intid, long value) {
    gicdIrouter[checkSpi(intid)] = value;
  }

  /** Routes SPI {@code intid} to CPU {@code cpu} (IRM = 0, the CPU's affinity). */
  public void routeTo(int intid, int cpu) {
    setRouter(intid, redistributor(cpu).affinity());
  }

  /**
   * The CPU SPI {@code intid} is routed to, or empty when IRM is set (any CPU) or the affinity
   * names no CPU of this GIC.
   */
  public Optional<GicV3CpuState> routedCpu(int intid) {
    long r = router(intid);
    if ((r & IROUTER_IRM) != 0) {
      return Optional.empty();
    }
    return redistributorByAffinity(r);
  }

  /** GICD_NSACR bits (2 per INTID) as QEMU stores them. */
  public int nsacrWord(int n) {
    return gicdNsacr[checkElementIndex(n, NSACR_WORDS, "NSACR word")];
  }

  /** Sets word {@code n} of GICD_NSACR as QEMU stores them. */
  public void setNsacrWord(int n, int v) {
    gicdNsacr[checkElementIndex(n, NSACR_WORDS, "NSACR word")] = v;
  }

  private static boolean isPrivate(int intid) {
    checkElementIndex(intid, GICV3_MAXIRQ, "INTID");
    return intid < GIC_INTERNAL;
  }

  private static int checkSpi(int intid) {
    checkArgument(intid >= GIC_INTERNAL && intid < GICV3_MAXIRQ, "INTID %s is not an SPI", intid);
    return intid;
  }

  private static boolean bit(int[] bmp, int intid) {
    return (bmp[intid >>> 5] & (1 << (intid & 31))) != 0;
  }

  private static void setBit(int[] bmp, int intid, boolean on) {
    int m = 1 << (intid & 31);
    bmp[intid >>> 5] = on ? bmp[intid >>> 5] | m : bmp[intid >>> 5] & ~m;
  }

  // ---- load semantics ----

  /**
   * QEMU's pre_load: a KVM GIC clears the shift-bug flag, so a stream without the subsection (QEMU
   * before 3.0) gets its bitmaps shifted; a TCG GIC keeps its reset value (true) and never shifts.
   */
  void preLoad() {
    if (config.accelerator() == GicV3Config.Accelerator.KVM) {
      noMigrationShiftBug = false;
    }
    shiftBugSubsectionLoaded = false;
    nmiLoaded = false;
  }

  /**
   * QEMU's post_load fix-up: when the flag is false the SPI data of the six bitmaps group, grpmod,
   * enabled, pending, active and edge_trigger sit 32 bits too high (SPI 32 in bit 64); each moves
   * down by 4 bytes (GIC_INTERNAL / 8) and the vacated top word becomes 0. {@code level} is not
   * moved. The flag is then true.
   */
  void fixShiftBug() {
    if (noMigrationShiftBug) {
      return;
    }
    for (int[] bmp : new int[][] {group, grpmod, enabled, pending, active, edgeTrigger}) {
      System.arraycopy(bmp, 1, bmp, 0, GICV3_BMP_SIZE - 1);
      bmp[GICV3_BMP_SIZE - 1] = 0;
    }
    noMigrationShiftBug = true;
  }

  /**
   * QEMU's post_load: checks the configuration the stream shows against the destination's (see
   * {@link #DESCRIPTION}), undoes the pre-3.0 shift bug, then runs the backend hook, if any.
   */
  private void postLoad(int versionId) throws VmStateException {
    if (!shiftBugSubsectionLoaded && !config.acceptPre30Streams()) {
      throw mismatch(
          "number of CPUs",
          "not followed by arm_gicv3/gicd_no_migration_shift_bug after "
              + cpus.length
              + " CPU elements (every QEMU since 3.0 sends it, so the stream's num-cpu differs)",
          cpus.length + " CPUs");
    }
    if (config.nmi() && !nmiLoaded) {
      throw mismatch("NMI support", "absent (no arm_gicv3/gicd_nmi)", "present");
    }
    boolean shifted = !noMigrationShiftBug;
    fixShiftBug();
    int highest = highestIrqInUse();
    if (highest >= config.numIrq()) {
      throw pointAtState(
          mismatch(
              "number of IRQs",
              "state for INTID " + highest + ", so at least " + (highest + 1),
              config.numIrq() + ""),
          highest,
          shifted);
    }
    if (hook != null) {
      hook.postLoad(this);
    }
  }

  /**
   * Names the first field (in wire order) whose bytes gave SPI {@code intid} its state: a bitmap
   * word, {@code gicd_ipriority[intid]} or {@code gicd_irouter[intid]}. A bitmap word moved down by
   * the shift-bug fix-up ({@code shifted}) came from the next word on the wire.
   */
  private VmStateDecodeException pointAtState(
      VmStateDecodeException e, int intid, boolean shifted) {
    int word = intid / 32;
    int[][] maps = {group, grpmod, enabled, pending, active, level, edgeTrigger};
    String[] names = {"group", "grpmod", "enabled", "pending", "active", "level", "edge_trigger"};
    for (int i = 0; i < maps.length; i++) {
      if (bit(maps[i], intid)) {
        return e.atElement(names[i], word + (shifted && maps[i] != level ? 1 : 0));
      }
    }
    return gicdIpriority[intid] != 0
        ? e.atElement("gicd_ipriority", intid)
        : e.atElement("gicd_irouter", intid);
  }

  /** The highest SPI with distributor state, or -1. */
  int highestIrqInUse() {
    for (int intid = GICV3_MAXIRQ - 1; intid >= GIC_INTERNAL; intid--) {
      if (bit(group, intid)
          || bit(grpmod, intid)
          || bit(enabled, intid)
          || bit(pending, intid)
          || bit(active, intid)
          || bit(level, intid)
          || bit(edgeTrigger, intid)
          || gicdIpriority[intid] != 0
          || gicdIrouter[intid] != 0) {
        return intid;
      }
    }
    return -1;
  }

  /** QEMU's pre_save: runs the backend hook, if any (a KVM backend fetches the registers). */
  private void preSave() throws VmStateException {
    if (hook != null) {
      hook.preSave(this);
    }
  }

  private void shiftBugSubsectionArrived(int versionId) {
    shiftBugSubsectionLoaded = true;
  }

  /** The {@code gicd_nmi} subsection's needed: the GIC supports NMIs. */
  private boolean nmiNeeded() {
    return config.nmi();
  }

  /** Refuses a {@code gicd_nmi} subsection at a destination without NMI support. */
  private void checkNmiAccepted() throws VmStateException {
    if (!config.nmi()) {
      throw mismatch("NMI support", "present (arm_gicv3/gicd_nmi)", "absent");
    }
  }

  private void nmiArrived(int versionId) {
    nmiLoaded = true;
  }

  static VmStateDecodeException mismatch(String what, String stream, String destination) {
    return VmStateDecodeException.validationFailed(
        "GICv3 configuration mismatch: "
            + what
            + ": stream "
            + stream
            + ", destination "
            + destination);
  }

  // ---- wire descriptions ----

  /**
   * {@code arm_gicv3/gicd_no_migration_shift_bug} v1: always sent. Writers always send 1, whatever
   * stream the state came from: by the time a state can be saved, the post_load fix-up has moved
   * its bitmaps to the correct position. Sending 0 (or omitting the subsection) would make a KVM
   * destination shift correct bitmaps and corrupt them.
   */
  static final VmStateDescription<GicV3State> SHIFT_BUG =
      VmStateDescription.<GicV3State>named("arm_gicv3/gicd_no_migration_shift_bug")
          .version(1)
          .minimumVersion(1)
          .postLoad(GicV3State::shiftBugSubsectionArrived)
          .bool("gicd_no_migration_shift_bug", g -> true, (g, v) -> g.noMigrationShiftBug = v)
          .build();

  /**
   * {@code arm_gicv3/gicd_nmi} v1 (QEMU 9.1+): sent iff the GIC supports NMIs. Reset clears the
   * bitmap, so a save for an older release drops it while no SPI is an NMI.
   */
  static final VmStateDescription<GicV3State> GICD_NMI =
      VmStateDescription.<GicV3State>named("arm_gicv3/gicd_nmi")
          .version(1)
          .minimumVersion(1)
          .introducedIn(QemuRelease.QEMU_9_1)
          .zeroAtReset()
          .needed(GicV3State::nmiNeeded)
          .preLoad(GicV3State::checkNmiAccepted)
          .postLoad(GicV3State::nmiArrived)
          .uint32Array("nmi", g -> g.nmi, GICV3_BMP_SIZE)
          .build();

  /**
   * {@code arm_gicv3} v1 (minimum 1), priority {@link MigrationPriority#GICV3} (before the ITS):
   * 10344 bytes of distributor state, {@code num-cpu} {@link GicV3CpuState#DESCRIPTION} elements
   * (the count is configuration, {@link VarCount#config}: not on the wire), then the subsections
   * {@code gicd_no_migration_shift_bug} (always) and {@code gicd_nmi} (with NMI support).
   *
   * <p>Configuration checks on load. Nothing on the wire states num-cpu, num-irq, the list
   * registers, the revision or NMI support, so each is checked through what it changes:
   *
   * <ul>
   *   <li>num-cpu: the element count decides where the distributor's subsections start; with a
   *       wrong count the always-sent shift-bug subsection is not found right after the last
   *       element (unless {@link GicV3Config#acceptPre30Streams}); a stream with fewer CPUs may
   *       instead end early (a truncation error).
   *   <li>virtualization, revision, NMI: the subsections {@code /virt}, {@code /gicv4}, {@code
   *       /nmi}, {@code gicd_nmi} are sent exactly when the source has the feature, so one arriving
   *       at a destination without it, or missing at one with it, fails naming the CPU.
   *   <li>num-irq: no SPI at or above the destination's num-irq may carry state; a source with more
   *       lines that never touched the extra ones cannot be told apart (and loads harmlessly).
   * </ul>
   *
   * <p>History: QEMU 2.6: unmigratable, another layout; v1 (QEMU 2.7, from memory): the fields of
   * today; QEMU 3.0: + gicd_no_migration_shift_bug; QEMU 9.1: + gicd_nmi.
   */
  public static final VmStateDescription<GicV3State> DESCRIPTION =
      VmStateDescription.<GicV3State>named("arm_gicv3")
          .version(1)
          .minimumVersion(1)
          .priority(MigrationPriority.GICV3)
          .copier(COPIER)
          .preSave(GicV3State::preSave)
          .preLoad(GicV3State::preLoad)
          .postLoad(GicV3State::postLoad)
          .uint32("gicd_ctlr", g -> g.gicdCtlr, (g, v) -> g.gicdCtlr = v)
          .uint32Array("gicd_statusr", g -> g.gicdStatusr, 2)
          .uint32Array("group", g -> g.group, GICV3_BMP_SIZE)
          .uint32Array("grpmod", g -> g.grpmod, GICV3_BMP_SIZE)
          .uint32Array("enabled", g -> g.enabled, GICV3_BMP_SIZE)
          .uint32Array("pending", g -> g.pending, GICV3_BMP_SIZE)
          .uint32Array("active", g -> g.active, GICV3_BMP_SIZE)
          .uint32Array("level", g -> g.level, GICV3_BMP_SIZE)
          .uint32Array("edge_trigger", g -> g.edgeTrigger, GICV3_BMP_SIZE)
          .uint8Array("gicd_ipriority", g -> g.gicdIpriority, GICV3_MAXIRQ)
          .uint64Array("gicd_irouter", g -> g.gicdIrouter, GICV3_MAXIRQ)
          .uint32Array("gicd_nsacr", g -> g.gicdNsacr, NSACR_WORDS)
          .structVarArray(
              "cpu",
              VarCount.config("num_cpu", WireType.UINT32, g -> g.cpus.length),
              g -> g.cpus,
              GicV3CpuState.DESCRIPTION)
          .subsection(SHIFT_BUG)
          .subsection(GICD_NMI)
          .build();
}
