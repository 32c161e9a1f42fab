package io.vmstate.gic.v3;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkElementIndex;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;

/**
 * The redistributor and CPU interface of one CPU (QEMU's {@code GICv3CPUState}, wire struct {@code
 * arm_gicv3_cpu}, 272 bytes plus inline subsections). Identified by its CPU number and its MPIDR
 * affinity, both from the configuration; neither is on the wire.
 */
public final class GicV3CpuState {
  public static final int GICV3_LR_MAX = 16;

  /** Interrupt groups of the banked ICC registers: G0, G1 (secure), G1NS. */
  public static final int GICV3_G0 = 0;

  public static final int GICV3_G1 = 1;
  public static final int GICV3_G1NS = 2;

  /** Banks of icc_ctlr_el1 and the statusr registers. */
  public static final int GICV3_S = 0;

  public static final int GICV3_NS = 1;

  /**
   * The value QEMU's pre_load gives icc_sre_el1 and the sre_el1 subsection's "not needed" value.
   */
  public static final long ICC_SRE_EL1_DEFAULT = 0x7;

  /** GICR_WAKER reset: ProcessorSleep | ChildrenAsleep. */
  public static final int GICR_WAKER_RESET = 0x6;

  /** Bytes of the main fields of one element. */
  public static final int WIRE_SIZE = 272;

  private final GicV3Config config;
  private final int cpu;

  int level;
  int gicrCtlr;
  final int[] gicrStatusr = new int[2];
  int gicrWaker = GICR_WAKER_RESET;
  long gicrPropbaser;
  long gicrPendbaser;
  int gicrIgroupr0;
  int gicrIenabler0;
  int gicrIpendr0;
  int gicrIactiver0;
  int edgeTrigger = 0xffff;
  int gicrIgrpmodr0;
  int gicrNsacr;
  final byte[] gicrIpriorityr = new byte[GicV3State.GIC_INTERNAL];
  final long[] iccCtlrEl1 = new long[2];
  long iccPmrEl1;
  final long[] iccBpr = new long[3];
  final long[][] iccApr = new long[3][4];
  final long[] iccIgrpen = new long[3];
  long iccCtlrEl3;

  final long[][] ichApr = new long[3][4];
  long ichHcrEl2;
  final long[] ichLrEl2 = new long[GICV3_LR_MAX];
  long ichVmcrEl2;

  long iccSreEl1 = ICC_SRE_EL1_DEFAULT;
  long gicrVpropbaser;
  long gicrVpendbaser;
  int gicrInmir0;

  boolean virtLoaded;
  boolean gicv4Loaded;
  boolean nmiLoaded;

  GicV3CpuState(GicV3Config config, int cpu) {
    this.config = config;
    this.cpu = cpu;
  }

  void copyFrom(GicV3CpuState o) {
    level = o.level;
    gicrCtlr = o.gicrCtlr;
    System.arraycopy(o.gicrStatusr, 0, gicrStatusr, 0, 2);
    gicrWaker = o.gicrWaker;
    gicrPropbaser = o.gicrPropbaser;
    gicrPendbaser = o.gicrPendbaser;
    gicrIgroupr0 = o.gicrIgroupr0;
    gicrIenabler0 = o.gicrIenabler0;
    gicrIpendr0 = o.gicrIpendr0;
    gicrIactiver0 = o.gicrIactiver0;
    edgeTrigger = o.edgeTrigger;
    gicrIgrpmodr0 = o.gicrIgrpmodr0;
    gicrNsacr = o.gicrNsacr;
    System.arraycopy(o.gicrIpriorityr, 0, gicrIpriorityr, 0, gicrIpriorityr.length);
    System.arraycopy(o.iccCtlrEl1, 0, iccCtlrEl1, 0, 2);
    iccPmrEl1 = o.iccPmrEl1;
    System.arraycopy(o.iccBpr, 0, iccBpr, 0, 3);
    for (int g = 0; g < 3; g++) {
      System.arraycopy(o.iccApr[g], 0, iccApr[g], 0, 4);
      System.arraycopy(o.ichApr[g], 0, ichApr[g], 0, 4);
    }
    System.arraycopy(o.iccIgrpen, 0, iccIgrpen, 0, 3);
    iccCtlrEl3 = o.iccCtlrEl3;
    ichHcrEl2 = o.ichHcrEl2;
    System.arraycopy(o.ichLrEl2, 0, ichLrEl2, 0, GICV3_LR_MAX);
    ichVmcrEl2 = o.ichVmcrEl2;
    iccSreEl1 = o.iccSreEl1;
    gicrVpropbaser = o.gicrVpropbaser;
    gicrVpendbaser = o.gicrVpendbaser;
    gicrInmir0 = o.gicrInmir0;
    virtLoaded = o.virtLoaded;
    gicv4Loaded = o.gicv4Loaded;
    nmiLoaded = o.nmiLoaded;
  }

  /** The CPU number (index in {@code arm_gicv3.cpu}). */
  public int cpu() {
    return cpu;
  }

  /** The MPIDR affinity of this CPU, packed as in GICD_IROUTER. */
  public long affinity() {
    return config.affinities().get(cpu);
  }

  // ---- SGIs and PPIs (INTID 0-31), banked in the redistributor ----

  /** The priority (0..255) of SGI/PPI {@code intid} (GICR_IPRIORITYR). */
  public int priority(int intid) {
    return gicrIpriorityr[checkPrivate(intid)] & 0xff;
  }

  /** Sets the priority (0..255) of SGI/PPI {@code intid} (GICR_IPRIORITYR). */
  public void setPriority(int intid, int priority) {
    checkArgument(priority >= 0 && priority <= 0xff, "priority %s is not a byte", priority);
    gicrIpriorityr[checkPrivate(intid)] = (byte) priority;
  }

  /** Whether SGI/PPI {@code intid} is enabled (GICR_ISENABLER0 bit). */
  public boolean isEnabled(int intid) {
    return bit(gicrIenabler0, intid);
  }

  /** Sets the enable bit of SGI/PPI {@code intid}. */
  public void setEnabled(int intid, boolean on) {
    gicrIenabler0 = set(gicrIenabler0, intid, on);
  }

  /** Whether SGI/PPI {@code intid} is pending (GICR_ISPENDR0 bit). */
  public boolean isPending(int intid) {
    return bit(gicrIpendr0, intid);
  }

  /** Sets the pending bit of SGI/PPI {@code intid}. */
  public void setPending(int intid, boolean on) {
    gicrIpendr0 = set(gicrIpendr0, intid, on);
  }

  /** Whether SGI/PPI {@code intid} is active (GICR_ISACTIVER0 bit). */
  public boolean isActive(int intid) {
    return bit(gicrIactiver0, intid);
  }

  /** Sets the active bit of SGI/PPI {@code intid}. */
  public void setActive(int intid, boolean on) {
    gicrIactiver0 = set(gicrIactiver0, intid, on);
  }

  /** GICR_IGROUPR0 bit: 1 = group 1. */
  public int group(int intid) {
    return bit(gicrIgroupr0, intid) ? 1 : 0;
  }

  /** Sets the GICR_IGROUPR0 bit (0 or 1) of SGI/PPI {@code intid}. */
  public void setGroup(int intid, int group) {
    checkArgument(group == 0 || group == 1, "group %s is not 0 or 1", group);
    gicrIgroupr0 = set(gicrIgroupr0, intid, group == 1);
  }

  /** The GICR_IGRPMODR0 bit of SGI/PPI {@code intid}. */
  public boolean isGroupModifier(int intid) {
    return bit(gicrIgrpmodr0, intid);
  }

  /** Sets the GICR_IGRPMODR0 bit of SGI/PPI {@code intid}. */
  public void setGroupModifier(int intid, boolean on) {
    gicrIgrpmodr0 = set(gicrIgrpmodr0, intid, on);
  }

  /** Whether SGI/PPI {@code intid} is edge-triggered. */
  public boolean isEdgeTriggered(int intid) {
    return bit(edgeTrigger, intid);
  }

  /** Makes SGI/PPI {@code intid} edge-triggered or level-sensitive. */
  public void setEdgeTriggered(int intid, boolean edge) {
    edgeTrigger = set(edgeTrigger, intid, edge);
  }

  /** Whether the input line of SGI/PPI {@code intid} is high. */
  public boolean isLevelHigh(int intid) {
    return bit(level, intid);
  }

  /** Sets the input line level of SGI/PPI {@code intid}. */
  public void setLevel(int intid, boolean high) {
    level = set(level, intid, high);
  }

  // ---- redistributor registers ----

  /** GICR_CTLR. */
  public int ctlr() {
    return gicrCtlr;
  }

  /** Sets GICR_CTLR. */
  public void setCtlr(int v) {
    gicrCtlr = v;
  }

  /** GICR_CTLR.EnableLPIs. */
  public boolean lpisEnabled() {
    return (gicrCtlr & 1) != 0;
  }

  /** GICR_WAKER. */
  public int waker() {
    return gicrWaker;
  }

  /** Sets GICR_WAKER. */
  public void setWaker(int v) {
    gicrWaker = v;
  }

  /** GICR_STATUSR of security bank {@code bank} (0 or 1). */
  public int statusr(int bank) {
    return gicrStatusr[checkElementIndex(bank, 2, "bank")];
  }

  /** Sets GICR_STATUSR of security bank {@code bank} (0 or 1). */
  public void setStatusr(int bank, int v) {
    gicrStatusr[checkElementIndex(bank, 2, "bank")] = v;
  }

  /** GICR_PROPBASER. */
  public long propbaser() {
    return gicrPropbaser;
  }

  /** Sets GICR_PROPBASER. */
  public void setPropbaser(long v) {
    gicrPropbaser = v;
  }

  /** GICR_PENDBASER. */
  public long pendbaser() {
    return gicrPendbaser;
  }

  /** Sets GICR_PENDBASER. */
  public void setPendbaser(long v) {
    gicrPendbaser = v;
  }

  /** GICR_NSACR. */
  public int nsacr() {
    return gicrNsacr;
  }

  /** Sets GICR_NSACR. */
  public void setNsacr(int v) {
    gicrNsacr = v;
  }

  /** GICR_VPROPBASER (sent in the gicv4 subsection). */
  public long vpropbaser() {
    return gicrVpropbaser;
  }

  /** Sets GICR_VPROPBASER. */
  public void setVpropbaser(long v) {
    gicrVpropbaser = v;
  }

  /** GICR_VPENDBASER (sent in the gicv4 subsection). */
  public long vpendbaser() {
    return gicrVpendbaser;
  }

  /** Sets GICR_VPENDBASER. */
  public void setVpendbaser(long v) {
    gicrVpendbaser = v;
  }

  /** GICR_INMIR0 (NMI configuration of SGIs/PPIs; QEMU 9.1+). */
  public int nmiMask() {
    return gicrInmir0;
  }

  /** Sets GICR_INMIR0 (sent in the nmi subsection). */
  public void setNmiMask(int v) {
    gicrInmir0 = v;
  }

  // ---- CPU interface system registers ----

  /** ICC_CTLR_EL1 of security bank {@code bank} (0 or 1). */
  public long iccCtlrEl1(int bank) {
    return iccCtlrEl1[checkElementIndex(bank, 2, "bank")];
  }

  /** Sets ICC_CTLR_EL1 of security bank {@code bank} (0 or 1). */
  public void setIccCtlrEl1(int bank, long v) {
    iccCtlrEl1[checkElementIndex(bank, 2, "bank")] = v;
  }

  /** ICC_PMR_EL1, the priority mask. */
  public long iccPmr() {
    return iccPmrEl1;
  }

  /** Sets ICC_PMR_EL1. */
  public void setIccPmr(long v) {
    iccPmrEl1 = v;
  }

  /** The binary point register of {@code group} (0, 1 or 2 for G0, G1, G1NS). */
  public long iccBpr(int group) {
    return iccBpr[checkElementIndex(group, 3, "group")];
  }

  /** Sets the binary point register of {@code group} (0..2). */
  public void setIccBpr(int group, long v) {
    iccBpr[checkElementIndex(group, 3, "group")] = v;
  }

  /** Active priority register {@code n} (0..3) of {@code group} (0..2). */
  public long iccApr(int group, int n) {
    return iccApr[checkElementIndex(group, 3, "group")][checkElementIndex(n, 4, "APR")];
  }

  /** Sets active priority register {@code n} (0..3) of {@code group} (0..2). */
  public void setIccApr(int group, int n, long v) {
    iccApr[checkElementIndex(group, 3, "group")][checkElementIndex(n, 4, "APR")] = v;
  }

  /** The group enable register of {@code group} (0..2). */
  public long iccIgrpen(int group) {
    return iccIgrpen[checkElementIndex(group, 3, "group")];
  }

  /** Sets the group enable register of {@code group} (0..2). */
  public void setIccIgrpen(int group, long v) {
    iccIgrpen[checkElementIndex(group, 3, "group")] = v;
  }

  /** ICC_CTLR_EL3. */
  public long iccCtlrEl3() {
    return iccCtlrEl3;
  }

  /** Sets ICC_CTLR_EL3. */
  public void setIccCtlrEl3(long v) {
    iccCtlrEl3 = v;
  }

  /** ICC_SRE_EL1 (7 unless the sre_el1 subsection said otherwise). */
  public long iccSreEl1() {
    return iccSreEl1;
  }

  /** Sets ICC_SRE_EL1 (a value other than 7 makes the sre_el1 subsection sent). */
  public void setIccSreEl1(long v) {
    iccSreEl1 = v;
  }

  // ---- virtualization (EL2) ----

  /** ICH_HCR_EL2 (sent in the virt subsection). */
  public long ichHcr() {
    return ichHcrEl2;
  }

  /** Sets ICH_HCR_EL2. */
  public void setIchHcr(long v) {
    ichHcrEl2 = v;
  }

  /** ICH_VMCR_EL2 (sent in the virt subsection). */
  public long ichVmcr() {
    return ichVmcrEl2;
  }

  /** Sets ICH_VMCR_EL2. */
  public void setIchVmcr(long v) {
    ichVmcrEl2 = v;
  }

  /** List register ICH_LR{@code n}_EL2 (n 0..15). */
  public long ichLr(int n) {
    return ichLrEl2[checkElementIndex(n, GICV3_LR_MAX, "list register")];
  }

  /** Sets list register ICH_LR{@code n}_EL2 (n 0..15). */
  public void setIchLr(int n, long v) {
    ichLrEl2[checkElementIndex(n, GICV3_LR_MAX, "list register")] = v;
  }

  /** Virtual active priority register {@code n} (0..3) of {@code group} (0..2), QEMU's ich_apr. */
  public long ichApr(int group, int n) {
    return ichApr[checkElementIndex(group, 3, "group")][checkElementIndex(n, 4, "APR")];
  }

  /** Sets virtual active priority register {@code n} (0..3) of {@code group} (0..2). */
  public void setIchApr(int group, int n, long v) {
    ichApr[checkElementIndex(group, 3, "group")][checkElementIndex(n, 4, "APR")] = v;
  }

  private static int checkPrivate(int intid) {
    checkArgument(
        intid >= 0 && intid < GicV3State.GIC_INTERNAL, "INTID %s is not an SGI/PPI", intid);
    return intid;
  }

  private static boolean bit(int word, int intid) {
    return (word & (1 << checkPrivate(intid))) != 0;
  }

  private static int set(int word, int intid, boolean on) {
    int m = 1 << checkPrivate(intid);
    return on ? word | m : word & ~m;
  }

  private String who() {
    return "cpu[" + cpu + "] (affinity 0x" + Long.toHexString(affinity()) + ")";
  }

  private void checkSubsectionAccepted(String subsection, String what, boolean destinationHasIt)
      throws VmStateException {
    if (!destinationHasIt) {
      throw GicV3State.mismatch(what + " of " + who(), "present (" + subsection + ")", "absent");
    }
  }

  // ---- hooks (named as in QEMU's arm_gicv3_common.c tables) ----

  /** QEMU's pre_load: icc_sre_el1 takes 7 (the sre_el1 default); no subsection has arrived yet. */
  private void preLoad() {
    iccSreEl1 = ICC_SRE_EL1_DEFAULT;
    virtLoaded = false;
    gicv4Loaded = false;
    nmiLoaded = false;
  }

  /** The post_load check: the subsections that arrived match the destination's configuration. */
  private void postLoad(int versionId) throws VmStateException {
    checkLoaded();
  }

  private boolean virtNeeded() {
    return config.numListRegs() != 0;
  }

  private void checkVirtAccepted() throws VmStateException {
    checkSubsectionAccepted(
        "arm_gicv3_cpu/virt", "virtualization (list registers)", config.numListRegs() != 0);
  }

  private void virtArrived(int versionId) {
    virtLoaded = true;
  }

  private boolean sreEl1Needed() {
    return iccSreEl1 != ICC_SRE_EL1_DEFAULT;
  }

  private boolean gicv4Needed() {
    return config.revision() > 3;
  }

  private void checkGicv4Accepted() throws VmStateException {
    checkSubsectionAccepted(
        "arm_gicv3_cpu/gicv4", "GICv4 (revision " + config.revision() + ")", config.revision() > 3);
  }

  private void gicv4Arrived(int versionId) {
    gicv4Loaded = true;
  }

  private boolean nmiNeeded() {
    return config.nmi();
  }

  private void checkNmiAccepted() throws VmStateException {
    checkSubsectionAccepted("arm_gicv3_cpu/nmi", "NMI support", config.nmi());
  }

  private void nmiArrived(int versionId) {
    nmiLoaded = true;
  }

  void checkLoaded() throws VmStateException {
    checkArrived(virtLoaded, config.numListRegs() != 0, "virtualization (list registers)", "virt");
    checkArrived(
        gicv4Loaded, config.revision() > 3, "GICv4 (revision " + config.revision() + ")", "gicv4");
    checkArrived(nmiLoaded, config.nmi(), "NMI support", "nmi");
  }

  private void checkArrived(boolean arrived, boolean expected, String what, String sub)
      throws VmStateException {
    if (expected && !arrived) {
      throw GicV3State.mismatch(
          what + " of " + who(), "absent (no arm_gicv3_cpu/" + sub + ")", "present");
    }
  }

  // ---- wire descriptions ----

  /** {@code arm_gicv3_cpu/virt} v1: sent iff the CPU interface has list registers (TCG, EL2). */
  static final VmStateDescription<GicV3CpuState> VIRT =
      VmStateDescription.<GicV3CpuState>named("arm_gicv3_cpu/virt")
          .version(1)
          .minimumVersion(1)
          .needed(GicV3CpuState::virtNeeded)
          .preLoad(GicV3CpuState::checkVirtAccepted)
          .postLoad(GicV3CpuState::virtArrived)
          .uint64Array2d("ich_apr", c -> c.ichApr, 3, 4)
          .uint64("ich_hcr_el2", c -> c.ichHcrEl2, (c, v) -> c.ichHcrEl2 = v)
          .uint64Array("ich_lr_el2", c -> c.ichLrEl2, GICV3_LR_MAX)
          .uint64("ich_vmcr_el2", c -> c.ichVmcrEl2, (c, v) -> c.ichVmcrEl2 = v)
          .build();

  /**
   * {@code arm_gicv3_cpu/sre_el1} v1: sent iff icc_sre_el1 differs from 7, the value the parent's
   * pre_load puts there (so an absent subsection means 7).
   */
  static final VmStateDescription<GicV3CpuState> SRE_EL1 =
      VmStateDescription.<GicV3CpuState>named("arm_gicv3_cpu/sre_el1")
          .version(1)
          .minimumVersion(1)
          .needed(GicV3CpuState::sreEl1Needed)
          .uint64("icc_sre_el1", c -> c.iccSreEl1, (c, v) -> c.iccSreEl1 = v)
          .build();

  /** {@code arm_gicv3_cpu/gicv4} v1: sent iff the GIC revision is above 3. */
  static final VmStateDescription<GicV3CpuState> GICV4 =
      VmStateDescription.<GicV3CpuState>named("arm_gicv3_cpu/gicv4")
          .version(1)
          .minimumVersion(1)
          .needed(GicV3CpuState::gicv4Needed)
          .preLoad(GicV3CpuState::checkGicv4Accepted)
          .postLoad(GicV3CpuState::gicv4Arrived)
          .uint64("gicr_vpropbaser", c -> c.gicrVpropbaser, (c, v) -> c.gicrVpropbaser = v)
          .uint64("gicr_vpendbaser", c -> c.gicrVpendbaser, (c, v) -> c.gicrVpendbaser = v)
          .build();

  /**
   * {@code arm_gicv3_cpu/nmi} v1 (QEMU 9.1+): sent iff the GIC supports NMIs. Reset clears
   * gicr_inmir0, so a save for an older release drops it while no SGI/PPI is an NMI.
   */
  static final VmStateDescription<GicV3CpuState> NMI =
      VmStateDescription.<GicV3CpuState>named("arm_gicv3_cpu/nmi")
          .version(1)
          .minimumVersion(1)
          .introducedIn(QemuRelease.QEMU_9_1)
          .zeroAtReset()
          .needed(GicV3CpuState::nmiNeeded)
          .preLoad(GicV3CpuState::checkNmiAccepted)
          .postLoad(GicV3CpuState::nmiArrived)
          .uint32("gicr_inmir0", c -> c.gicrInmir0, (c, v) -> c.gicrInmir0 = v)
          .build();

  /**
   * {@code arm_gicv3_cpu} v1: 20 fields, 272 bytes, then the subsections virt, sre_el1, gicv4, nmi
   * inline after each element. The pre_load sets icc_sre_el1 to 7 (the sre_el1 default); the
   * post_load checks that the subsections that arrived match the destination's configuration.
   *
   * <p>History: v1 (QEMU 2.7): the fields of today; QEMU 2.9 (from memory): + virt, + sre_el1; QEMU
   * 7.1: + gicv4; QEMU 9.1: + nmi.
   */
  public static final VmStateDescription<GicV3CpuState> DESCRIPTION =
      VmStateDescription.<GicV3CpuState>named("arm_gicv3_cpu")
          .version(1)
          .minimumVersion(1)
          .preLoad(GicV3CpuState::preLoad)
          .postLoad(GicV3CpuState::postLoad)
          .uint32("level", c -> c.level, (c, v) -> c.level = v)
          .uint32("gicr_ctlr", c -> c.gicrCtlr, (c, v) -> c.gicrCtlr = v)
          .uint32Array("gicr_statusr", c -> c.gicrStatusr, 2)
          .uint32("gicr_waker", c -> c.gicrWaker, (c, v) -> c.gicrWaker = v)
          .uint64("gicr_propbaser", c -> c.gicrPropbaser, (c, v) -> c.gicrPropbaser = v)
          .uint64("gicr_pendbaser", c -> c.gicrPendbaser, (c, v) -> c.gicrPendbaser = v)
          .uint32("gicr_igroupr0", c -> c.gicrIgroupr0, (c, v) -> c.gicrIgroupr0 = v)
          .uint32("gicr_ienabler0", c -> c.gicrIenabler0, (c, v) -> c.gicrIenabler0 = v)
          .uint32("gicr_ipendr0", c -> c.gicrIpendr0, (c, v) -> c.gicrIpendr0 = v)
          .uint32("gicr_iactiver0", c -> c.gicrIactiver0, (c, v) -> c.gicrIactiver0 = v)
          .uint32("edge_trigger", c -> c.edgeTrigger, (c, v) -> c.edgeTrigger = v)
          .uint32("gicr_igrpmodr0", c -> c.gicrIgrpmodr0, (c, v) -> c.gicrIgrpmodr0 = v)
          .uint32("gicr_nsacr", c -> c.gicrNsacr, (c, v) -> c.gicrNsacr = v)
          .uint8Array("gicr_ipriorityr", c -> c.gicrIpriorityr, GicV3State.GIC_INTERNAL)
          .uint64Array("icc_ctlr_el1", c -> c.iccCtlrEl1, 2)
          .uint64("icc_pmr_el1", c -> c.iccPmrEl1, (c, v) -> c.iccPmrEl1 = v)
          .uint64Array("icc_bpr", c -> c.iccBpr, 3)
          .uint64Array2d("icc_apr", c -> c.iccApr, 3, 4)
          .uint64Array("icc_igrpen", c -> c.iccIgrpen, 3)
          .uint64("icc_ctlr_el3", c -> c.iccCtlrEl3, (c, v) -> c.iccCtlrEl3 = v)
          .subsection(VIRT)
          .subsection(SRE_EL1)
          .subsection(GICV4)
          .subsection(NMI)
          .build();
}
