package io.vmstate.gic.v2;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkElementIndex;
import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;

/**
 * The migrated state of an ARM GICv2 (QEMU's {@code GICState}) as a model: distributor state by
 * interrupt number, CPU-interface state by CPU, and, with the virtualization extensions, the
 * hypervisor interface (GICH) and the virtual CPU interfaces.
 *
 * <p>Storage follows QEMU's arrays so the description can move them in bulk: the CPU-interface
 * arrays are {@link #GIC_NCPU_VCPU} (16) wide, index {@code cpu} for the physical interface of CPU
 * {@code cpu} and {@code cpu + 8} for its virtual interface. Callers use the accessors and never
 * need those indices.
 *
 * <p>A new state holds QEMU's reset values for the configured CPUs (running priority 0x100 "idle",
 * no pending interrupt 1023, BPR/ABPR minima, SGIs enabled and edge-triggered); the interfaces of
 * CPUs outside the configuration stay all-zero, as in QEMU. That difference is what lets a load
 * detect a stream from a GIC with another number of CPUs (see {@link #DESCRIPTION}).
 */
public final class GicV2State {
  /** Interrupt IDs 0..1019. */
  public static final int GIC_MAXIRQ = 1020;

  /** SGIs and PPIs, banked per CPU. */
  public static final int GIC_INTERNAL = 32;

  public static final int GIC_NR_SGIS = 16;

  /** Physical CPU interfaces. */
  public static final int GIC_NCPU = 8;

  /** CPU-interface array width: physical 0-7, virtual 8-15. */
  public static final int GIC_NCPU_VCPU = 2 * GIC_NCPU;

  /** Active-priority registers per CPU. */
  public static final int GIC_NR_APRS = 4;

  /** List-register array size (QEMU implements 4 of them; the array is sent whole). */
  public static final int GIC_MAX_LR = 64;

  /** The mask of "all CPUs" used for shared interrupts. */
  public static final int ALL_CPU_MASK = 0xff;

  /** Running priority of an idle CPU interface. */
  public static final int IDLE_PRIORITY = 0x100;

  /** Interrupt ID meaning "nothing pending". */
  public static final int SPURIOUS_IRQ = 1023;

  static final int GIC_MIN_BPR = 0;
  static final int GIC_MIN_ABPR = 1;
  static final int GIC_VIRT_MIN_BPR = 2;
  static final int GIC_VIRT_MIN_ABPR = 3;

  private final GicV2Config config;

  int ctlr;
  final int[] cpuCtlr = new int[GIC_NCPU_VCPU];
  final GicV2IrqState[] irqState = new GicV2IrqState[GIC_MAXIRQ];
  final byte[] irqTarget = new byte[GIC_MAXIRQ];
  final byte[][] priority1 = new byte[GIC_INTERNAL][GIC_NCPU];
  final byte[] priority2 = new byte[GIC_MAXIRQ - GIC_INTERNAL];
  final byte[][] sgiPending = new byte[GIC_NR_SGIS][GIC_NCPU];
  final short[] priorityMask = new short[GIC_NCPU_VCPU];
  final short[] runningPriority = new short[GIC_NCPU_VCPU];
  final short[] currentPending = new short[GIC_NCPU_VCPU];
  final byte[] bpr = new byte[GIC_NCPU_VCPU];
  final byte[] abpr = new byte[GIC_NCPU_VCPU];
  final int[][] apr = new int[GIC_NR_APRS][GIC_NCPU];
  final int[][] nsapr = new int[GIC_NR_APRS][GIC_NCPU];

  final int[] hHcr = new int[GIC_NCPU];
  final int[] hMisr = new int[GIC_NCPU];
  final int[][] hLr = new int[GIC_MAX_LR][GIC_NCPU];
  final int[] hApr = new int[GIC_NCPU];

  /** Set by the virt subsection's post_load; tells the outer post_load the subsection arrived. */
  boolean virtStateLoaded;

  /** A GIC in QEMU's reset state for {@code config}. */
  public GicV2State(GicV2Config config) {
    this.config = checkNotNull(config, "config");
    for (int i = 0; i < GIC_MAXIRQ; i++) {
      irqState[i] = new GicV2IrqState();
    }
    for (int i = 0; i < GIC_NR_SGIS; i++) {
      irqState[i].enabled = ALL_CPU_MASK;
      irqState[i].edgeTrigger = true;
    }
    for (int cpu = 0; cpu < config.numCpu(); cpu++) {
      resetInterface(cpu, GIC_MIN_BPR, GIC_MIN_ABPR);
      if (config.virtExtensions()) {
        resetInterface(cpu + GIC_NCPU, GIC_VIRT_MIN_BPR, GIC_VIRT_MIN_ABPR);
      }
    }
  }

  private void resetInterface(int index, int minBpr, int minAbpr) {
    runningPriority[index] = (short) IDLE_PRIORITY;
    currentPending[index] = (short) SPURIOUS_IRQ;
    bpr[index] = (byte) minBpr;
    abpr[index] = (byte) minAbpr;
  }

  private GicV2State(GicV2State o) {
    this.config = o.config;
    for (int i = 0; i < GIC_MAXIRQ; i++) {
      irqState[i] = new GicV2IrqState(o.irqState[i]);
    }
    copyArrays(o, this);
  }

  private static void copyArrays(GicV2State from, GicV2State to) {
    to.ctlr = from.ctlr;
    System.arraycopy(from.cpuCtlr, 0, to.cpuCtlr, 0, GIC_NCPU_VCPU);
    for (int i = 0; i < GIC_MAXIRQ; i++) {
      to.irqState[i].copyFrom(from.irqState[i]);
    }
    System.arraycopy(from.irqTarget, 0, to.irqTarget, 0, GIC_MAXIRQ);
    copy2d(from.priority1, to.priority1);
    System.arraycopy(from.priority2, 0, to.priority2, 0, from.priority2.length);
    copy2d(from.sgiPending, to.sgiPending);
    System.arraycopy(from.priorityMask, 0, to.priorityMask, 0, GIC_NCPU_VCPU);
    System.arraycopy(from.runningPriority, 0, to.runningPriority, 0, GIC_NCPU_VCPU);
    System.arraycopy(from.currentPending, 0, to.currentPending, 0, GIC_NCPU_VCPU);
    System.arraycopy(from.bpr, 0, to.bpr, 0, GIC_NCPU_VCPU);
    System.arraycopy(from.abpr, 0, to.abpr, 0, GIC_NCPU_VCPU);
    copy2d(from.apr, to.apr);
    copy2d(from.nsapr, to.nsapr);
    System.arraycopy(from.hHcr, 0, to.hHcr, 0, GIC_NCPU);
    System.arraycopy(from.hMisr, 0, to.hMisr, 0, GIC_NCPU);
    copy2d(from.hLr, to.hLr);
    System.arraycopy(from.hApr, 0, to.hApr, 0, GIC_NCPU);
    to.virtStateLoaded = from.virtStateLoaded;
  }

  private static void copy2d(byte[][] from, byte[][] to) {
    for (int i = 0; i < from.length; i++) {
      System.arraycopy(from[i], 0, to[i], 0, from[i].length);
    }
  }

  private static void copy2d(int[][] from, int[][] to) {
    for (int i = 0; i < from.length; i++) {
      System.arraycopy(from[i], 0, to[i], 0, from[i].length);
    }
  }

  /** Deep copies, so loads into a GICv2 are atomic. */
  public static final StateCopier<GicV2State> COPIER =
      StateCopier.of(
          GicV2State::new,
          (source, target) -> {
            checkArgument(
                source.config.equals(target.config), "copying between differently configured GICs");
            copyArrays(source, target);
          });

  /** The configuration this GIC was made with. */
  public GicV2Config config() {
    return config;
  }

  // ---- distributor ----

  /** GICD_CTLR (bit 0 EnableGrp0, bit 1 EnableGrp1). */
  public int distributorControl() {
    return ctlr;
  }

  /** Sets GICD_CTLR. */
  public void setDistributorControl(int value) {
    ctlr = value;
  }

  /** The state of interrupt {@code irq}, read-only. */
  public GicV2IrqState irq(int irq) {
    return irqState[checkIrq(irq)];
  }

  /** Priority of {@code irq} as seen by {@code cpu} (SGIs and PPIs are banked; SPIs are not). */
  public int priority(int irq, int cpu) {
    checkIrq(irq);
    if (irq < GIC_INTERNAL) {
      return priority1[irq][checkCpu(cpu)] & 0xff;
    }
    return priority2[irq - GIC_INTERNAL] & 0xff;
  }

  /** Sets the priority of {@code irq} for {@code cpu}; for SPIs {@code cpu} is not used. */
  public void setPriority(int irq, int cpu, int priority) {
    checkIrq(irq);
    checkArgument(priority >= 0 && priority <= 0xff, "priority %s is not a byte", priority);
    if (irq < GIC_INTERNAL) {
      priority1[irq][checkCpu(cpu)] = (byte) priority;
    } else {
      priority2[irq - GIC_INTERNAL] = (byte) priority;
    }
  }

  /** Whether {@code irq} is enabled for {@code cpu}. */
  public boolean isEnabled(int irq, int cpu) {
    return bit(irq(irq).enabled, cpu);
  }

  /**
   * Enables or disables {@code irq} for {@code cpu}. An SPI's enable is shared, so it is set or
   * cleared for all CPUs ({@link #ALL_CPU_MASK}), as QEMU does.
   */
  public void setEnabled(int irq, int cpu, boolean on) {
    GicV2IrqState s = irq(irq);
    s.enabled = update(s.enabled, irq, cpu, on);
  }

  /** Whether {@code irq} is pending on {@code cpu}. */
  public boolean isPending(int irq, int cpu) {
    return bit(irq(irq).pending, cpu);
  }

  /** Sets the pending bit of {@code irq} on {@code cpu}. */
  public void setPending(int irq, int cpu, boolean on) {
    GicV2IrqState s = irq(irq);
    s.pending = setBit(s.pending, checkCpu(cpu), on);
  }

  /** Whether {@code irq} is active on {@code cpu}. */
  public boolean isActive(int irq, int cpu) {
    return bit(irq(irq).active, cpu);
  }

  /** Sets the active bit of {@code irq} on {@code cpu}. */
  public void setActive(int irq, int cpu, boolean on) {
    GicV2IrqState s = irq(irq);
    s.active = setBit(s.active, checkCpu(cpu), on);
  }

  /** The interrupt's group for {@code cpu}: 0 or 1. */
  public int group(int irq, int cpu) {
    return bit(irq(irq).group, cpu) ? 1 : 0;
  }

  /** Sets the group; shared for SPIs like the enable. */
  public void setGroup(int irq, int cpu, int group) {
    checkArgument(group == 0 || group == 1, "group %s is not 0 or 1", group);
    GicV2IrqState s = irq(irq);
    s.group = update(s.group, irq, cpu, group == 1);
  }

  /** Whether the input line of {@code irq} is high for {@code cpu}. */
  public boolean isLevelHigh(int irq, int cpu) {
    return bit(irq(irq).level, cpu);
  }

  /** Sets the input line level of {@code irq} for {@code cpu}. */
  public void setLevel(int irq, int cpu, boolean high) {
    GicV2IrqState s = irq(irq);
    s.level = setBit(s.level, checkCpu(cpu), high);
  }

  /** Whether {@code irq} is edge-triggered (else level-sensitive). */
  public boolean isEdgeTriggered(int irq) {
    return irq(irq).edgeTrigger;
  }

  /** Makes {@code irq} edge-triggered or level-sensitive. */
  public void setEdgeTriggered(int irq, boolean edge) {
    irq(irq).edgeTrigger = edge;
  }

  /** The N-N (false) or 1-N (true) handling model. */
  public void setOneOfN(int irq, boolean oneOfN) {
    irq(irq).model = oneOfN;
  }

  /** GICD_ITARGETSR of an SPI: the mask of CPUs it is routed to. */
  public int targets(int spi) {
    return irqTarget[checkSpi(spi)] & 0xff;
  }

  /** Sets GICD_ITARGETSR of an SPI: the mask (0..0xff) of CPUs it is routed to. */
  public void setTargets(int spi, int cpuMask) {
    checkArgument(cpuMask >= 0 && cpuMask <= ALL_CPU_MASK, "target mask 0x%s", cpuMask);
    irqTarget[checkSpi(spi)] = (byte) cpuMask;
  }

  /** The mask of CPUs that sent SGI {@code sgi} to {@code targetCpu} and await delivery. */
  public int sgiSources(int sgi, int targetCpu) {
    return sgiPending[checkElementIndex(sgi, GIC_NR_SGIS, "SGI")][checkCpu(targetCpu)] & 0xff;
  }

  /** Sets the mask (0..0xff) of CPUs whose SGI {@code sgi} to {@code targetCpu} awaits delivery. */
  public void setSgiSources(int sgi, int targetCpu, int sourceMask) {
    checkArgument(sourceMask >= 0 && sourceMask <= ALL_CPU_MASK, "source mask 0x%s", sourceMask);
    sgiPending[checkElementIndex(sgi, GIC_NR_SGIS, "SGI")][checkCpu(targetCpu)] = (byte) sourceMask;
  }

  // ---- CPU interfaces ----

  /** The physical CPU interface (GICC) of {@code cpu}. */
  public CpuInterface cpuInterface(int cpu) {
    return new CpuInterface(checkCpu(cpu));
  }

  /** The virtual CPU interface (GICV) of {@code cpu}; only with virtualization extensions. */
  public CpuInterface virtualCpuInterface(int cpu) {
    requireVirt();
    return new CpuInterface(checkCpu(cpu) + GIC_NCPU);
  }

  /** The hypervisor interface (GICH) of {@code cpu}; only with virtualization extensions. */
  public HypervisorInterface hypervisorInterface(int cpu) {
    requireVirt();
    return new HypervisorInterface(checkCpu(cpu));
  }

  private void requireVirt() {
    if (!config.virtExtensions()) {
      throw new IllegalStateException("this GIC has no virtualization extensions");
    }
  }

  /** One CPU interface (physical or virtual), a live view into the state. */
  public final class CpuInterface {
    private final int index;

    private CpuInterface(int index) {
      this.index = index;
    }

    /** Whether this is a virtual interface (GICV) rather than a physical one (GICC). */
    public boolean isVirtual() {
      return index >= GIC_NCPU;
    }

    /** The CPU this interface belongs to. */
    public int cpu() {
      return index % GIC_NCPU;
    }

    /** GICC_CTLR / GICV_CTLR. */
    public int control() {
      return cpuCtlr[index];
    }

    /** Sets GICC_CTLR / GICV_CTLR. */
    public void setControl(int v) {
      cpuCtlr[index] = v;
    }

    /** GICC_PMR / GICV_PMR, the priority mask. */
    public int priorityMask() {
      return priorityMask[index] & 0xffff;
    }

    /** Sets the priority mask. */
    public void setPriorityMask(int v) {
      priorityMask[index] = (short) v;
    }

    /** The running priority; {@link #IDLE_PRIORITY} when nothing is active. */
    public int runningPriority() {
      return runningPriority[index] & 0xffff;
    }

    /** Sets the running priority. */
    public void setRunningPriority(int v) {
      runningPriority[index] = (short) v;
    }

    /** The highest-priority pending interrupt; {@link #SPURIOUS_IRQ} when none. */
    public int currentPending() {
      return currentPending[index] & 0xffff;
    }

    /** Sets the highest-priority pending interrupt. */
    public void setCurrentPending(int v) {
      currentPending[index] = (short) v;
    }

    /** GICC_BPR / GICV_BPR, the binary point. */
    public int binaryPoint() {
      return bpr[index] & 0xff;
    }

    /** Sets the binary point. */
    public void setBinaryPoint(int v) {
      bpr[index] = (byte) v;
    }

    /** GICC_ABPR / GICV_ABPR, the aliased binary point. */
    public int aliasedBinaryPoint() {
      return abpr[index] & 0xff;
    }

    /** Sets the aliased binary point. */
    public void setAliasedBinaryPoint(int v) {
      abpr[index] = (byte) v;
    }

    /** GICC_APRn (physical interfaces only; a virtual interface's APR is GICH_APR). */
    public int activePriority(int n) {
      return apr[checkElementIndex(n, GIC_NR_APRS, "APR")][physical()];
    }

    /** Sets GICC_APRn (physical interfaces only). */
    public void setActivePriority(int n, int v) {
      apr[checkElementIndex(n, GIC_NR_APRS, "APR")][physical()] = v;
    }

    /** GICC_NSAPRn (physical interfaces only). */
    public int nonSecureActivePriority(int n) {
      return nsapr[checkElementIndex(n, GIC_NR_APRS, "NSAPR")][physical()];
    }

    /** Sets GICC_NSAPRn (physical interfaces only). */
    public void setNonSecureActivePriority(int n, int v) {
      nsapr[checkElementIndex(n, GIC_NR_APRS, "NSAPR")][physical()] = v;
    }

    private int physical() {
      if (isVirtual()) {
        throw new IllegalStateException("a virtual CPU interface's APR is GICH_APR");
      }
      return index;
    }
  }

  /** The hypervisor control interface (GICH) of one CPU, a live view into the state. */
  public final class HypervisorInterface {
    private final int cpu;

    private HypervisorInterface(int cpu) {
      this.cpu = cpu;
    }

    /** GICH_HCR. */
    public int hcr() {
      return hHcr[cpu];
    }

    /** Sets GICH_HCR. */
    public void setHcr(int v) {
      hHcr[cpu] = v;
    }

    /** GICH_MISR. */
    public int misr() {
      return hMisr[cpu];
    }

    /** Sets GICH_MISR. */
    public void setMisr(int v) {
      hMisr[cpu] = v;
    }

    /** GICH_APR. */
    public int apr() {
      return hApr[cpu];
    }

    /** Sets GICH_APR. */
    public void setApr(int v) {
      hApr[cpu] = v;
    }

    /** List register {@code lr} (0..63; QEMU implements 4). */
    public int listRegister(int lr) {
      return hLr[checkElementIndex(lr, GIC_MAX_LR, "list register")][cpu];
    }

    /** Sets list register {@code lr} (0..63). */
    public void setListRegister(int lr, int v) {
      hLr[checkElementIndex(lr, GIC_MAX_LR, "list register")][cpu] = v;
    }
  }

  // ---- configuration checks on load ----

  /**
   * The number of CPU interfaces the loaded state shows in use: QEMU resets (and so gives non-zero
   * running priority, pending interrupt and ABPR to) exactly the configured CPUs' interfaces, and
   * leaves the others all-zero. A configured interface is all-zero only if a priority-0 interrupt
   * is active, SGI 0 is the highest pending one and both binary points and the control and mask
   * registers are 0, which QEMU's ABPR minimum of 1 rules out.
   */
  int cpuInterfacesInUse() {
    int n = 0;
    for (int i = 0; i < GIC_NCPU; i++) {
      if (cpuCtlr[i] != 0
          || priorityMask[i] != 0
          || runningPriority[i] != 0
          || currentPending[i] != 0
          || bpr[i] != 0
          || abpr[i] != 0) {
        n = i + 1;
      }
    }
    return n;
  }

  /**
   * The highest SPI with any enable/pending/active/level/group state or priority, or -1. Targets
   * are not considered: a uniprocessor QEMU GIC resets every target to CPU 0, lines it lacks
   * included.
   */
  int highestIrqInUse() {
    for (int irq = GIC_MAXIRQ - 1; irq >= GIC_INTERNAL; irq--) {
      if (!irqState[irq].isClear() || priority2[irq - GIC_INTERNAL] != 0) {
        return irq;
      }
    }
    return -1;
  }

  void checkLoaded() throws VmStateException {
    if (config.virtExtensions() && !virtStateLoaded) {
      throw mismatch("virtualization extensions", "absent (no arm_gic_virt_state)", "present");
    }
    int cpus = cpuInterfacesInUse();
    if (cpus != config.numCpu()) {
      throw mismatch("number of CPUs", cpus + " CPU interfaces in use", config.numCpu() + "");
    }
    int irq = highestIrqInUse();
    if (irq >= config.numIrq()) {
      throw mismatch(
          "number of IRQs",
          "state for IRQ " + irq + ", so at least " + (irq + 1),
          config.numIrq() + "");
    }
  }

  static VmStateDecodeException mismatch(String what, String stream, String destination) {
    return VmStateDecodeException.validationFailed(
        "GIC configuration mismatch: "
            + what
            + ": stream "
            + stream
            + ", destination "
            + destination);
  }

  // ---- helpers ----

  private static boolean bit(int mask, int cpu) {
    return (mask & (1 << checkCpu(cpu))) != 0;
  }

  private static int setBit(int mask, int cpu, boolean on) {
    return on ? mask | (1 << cpu) : mask & ~(1 << cpu);
  }

  private static int update(int mask, int irq, int cpu, boolean on) {
    checkCpu(cpu);
    if (irq < GIC_INTERNAL) {
      return setBit(mask, cpu, on);
    }
    return on ? ALL_CPU_MASK : 0;
  }

  private static int checkIrq(int irq) {
    return checkElementIndex(irq, GIC_MAXIRQ, "IRQ");
  }

  private static int checkSpi(int spi) {
    checkArgument(spi >= GIC_INTERNAL && spi < GIC_MAXIRQ, "IRQ %s is not an SPI", spi);
    return spi;
  }

  private static int checkCpu(int cpu) {
    return checkElementIndex(cpu, GIC_NCPU, "CPU");
  }

  // ---- wire descriptions ----

  /**
   * {@code arm_gic_virt_state} v1, sent only when the GIC has the virtualization extensions.
   *
   * <p>Why sub-arrays: to support the virtualization extensions QEMU widened the CPU-interface
   * arrays (cpu_ctlr, priority_mask, running_priority, current_pending, bpr, abpr) from 8 to 16
   * elements, the vCPU interface of CPU n living at index n + 8. Sending the widened arrays whole
   * would have changed the main section, which every older destination parses at the same version
   * 12. Instead the main section sends elements 0-7 (start 0, count 8) exactly where and as big as
   * before, and this subsection carries elements 8-15 (start 8, count 8) together with the GICH
   * registers. The main body therefore stays byte-identical to the pre-virtualization v12 layout
   * (9888 bytes), the version stays 12, and a GIC without the extensions sends exactly what it
   * always sent. The subsection body is 2240 bytes.
   */
  public static final VmStateDescription<GicV2State> VIRT_STATE =
      VmStateDescription.<GicV2State>named("arm_gic_virt_state")
          .version(1)
          .minimumVersion(1)
          .needed(g -> g.config.virtExtensions())
          .preLoad(GicV2State::checkVirtAccepted)
          .postLoad((g, v) -> g.virtStateLoaded = true)
          .uint32Array("h_hcr", g -> g.hHcr, GIC_NCPU)
          .uint32Array("h_misr", g -> g.hMisr, GIC_NCPU)
          .uint32Array2d("h_lr", g -> g.hLr, GIC_MAX_LR, GIC_NCPU)
          .uint32Array("h_apr", g -> g.hApr, GIC_NCPU)
          .uint32SubArray("cpu_ctlr", g -> g.cpuCtlr, GIC_NCPU, GIC_NCPU, GIC_NCPU_VCPU)
          .uint16SubArray("priority_mask", g -> g.priorityMask, GIC_NCPU, GIC_NCPU, GIC_NCPU_VCPU)
          .uint16SubArray(
              "running_priority", g -> g.runningPriority, GIC_NCPU, GIC_NCPU, GIC_NCPU_VCPU)
          .uint16SubArray(
              "current_pending", g -> g.currentPending, GIC_NCPU, GIC_NCPU, GIC_NCPU_VCPU)
          .uint8SubArray("bpr", g -> g.bpr, GIC_NCPU, GIC_NCPU, GIC_NCPU_VCPU)
          .uint8SubArray("abpr", g -> g.abpr, GIC_NCPU, GIC_NCPU, GIC_NCPU_VCPU)
          .build();

  private static void checkVirtAccepted(GicV2State g) throws VmStateException {
    if (!g.config.virtExtensions()) {
      throw mismatch("virtualization extensions", "present (arm_gic_virt_state)", "absent");
    }
  }

  /**
   * {@code arm_gic} v12 (minimum 12), QEMU's {@code vmstate_gic}: a 9888-byte body, then the {@link
   * #VIRT_STATE} subsection when the virtualization extensions are on.
   *
   * <p>Configuration checks on load (none of num-cpu, num-irq or the extensions is on the wire):
   *
   * <ul>
   *   <li>the virt subsection arriving at a GIC without the extensions, or missing at one with
   *       them, fails;
   *   <li>the number of CPU interfaces the stream shows in use (QEMU resets exactly num-cpu of
   *       them; see {@link #cpuInterfacesInUse}) must equal the destination's num-cpu;
   *   <li>no interrupt at or above the destination's num-irq may carry state (QEMU ignores guest
   *       writes there, so a matching source never has any). A stream from a GIC with more lines
   *       that never touched the extra ones is indistinguishable, and harmless.
   * </ul>
   *
   * <p>History: v7: enabled, cpu_enabled, 6-byte irq_state, last_active, running_irq, no nsapr;
   * v8-v12 (QEMU about 2.3-2.5, the security-extension and grouping work; which change came with
   * which bump is not known): enabled became ctlr, cpu_enabled became cpu_ctlr, irq_state gained
   * group, last_active and running_irq dropped, nsapr added, the minimum raised with each bump;
   * QEMU 3.1 (release from memory): + {@link #VIRT_STATE} (the main section unchanged).
   */
  public static final VmStateDescription<GicV2State> DESCRIPTION =
      VmStateDescription.<GicV2State>named("arm_gic")
          .version(12)
          .minimumVersion(12)
          .copier(COPIER)
          .preLoad(g -> g.virtStateLoaded = false)
          .postLoad((g, v) -> g.checkLoaded())
          .uint32("ctlr", g -> g.ctlr, (g, v) -> g.ctlr = v)
          .uint32SubArray("cpu_ctlr", g -> g.cpuCtlr, 0, GIC_NCPU, GIC_NCPU_VCPU)
          .structArray("irq_state", g -> g.irqState, GIC_MAXIRQ, GicV2IrqState.DESCRIPTION)
          .since(1) // QEMU's VMSTATE_STRUCT_ARRAY(irq_state, ..., 1, ...): always sent at v12
          .uint8Array("irq_target", g -> g.irqTarget, GIC_MAXIRQ)
          .uint8Array2d("priority1", g -> g.priority1, GIC_INTERNAL, GIC_NCPU)
          .uint8Array("priority2", g -> g.priority2, GIC_MAXIRQ - GIC_INTERNAL)
          .uint8Array2d("sgi_pending", g -> g.sgiPending, GIC_NR_SGIS, GIC_NCPU)
          .uint16SubArray("priority_mask", g -> g.priorityMask, 0, GIC_NCPU, GIC_NCPU_VCPU)
          .uint16SubArray("running_priority", g -> g.runningPriority, 0, GIC_NCPU, GIC_NCPU_VCPU)
          .uint16SubArray("current_pending", g -> g.currentPending, 0, GIC_NCPU, GIC_NCPU_VCPU)
          .uint8SubArray("bpr", g -> g.bpr, 0, GIC_NCPU, GIC_NCPU_VCPU)
          .uint8SubArray("abpr", g -> g.abpr, 0, GIC_NCPU, GIC_NCPU_VCPU)
          .uint32Array2d("apr", g -> g.apr, GIC_NR_APRS, GIC_NCPU)
          .uint32Array2d("nsapr", g -> g.nsapr, GIC_NR_APRS, GIC_NCPU)
          .subsection(VIRT_STATE)
          .build();
}
