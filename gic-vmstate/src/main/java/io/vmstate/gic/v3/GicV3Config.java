package io.vmstate.gic.v3;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;

/**
 * The configuration of a GICv3 that is not migrated and that both ends must agree on.
 *
 * @param numCpu redistributors / CPU interfaces (QEMU's {@code num-cpu}); the length of the per-CPU
 *     array in {@code arm_gicv3}, which is not on the wire
 * @param numIrq interrupt lines including the 32 internal ones ({@code num-irq})
 * @param revision 3, or 4 for GICv4 (adds the {@code arm_gicv3_cpu/gicv4} subsection)
 * @param numListRegs list registers of each CPU interface; non-zero for TCG CPUs with EL2 (adds
 *     {@code arm_gicv3_cpu/virt}); always 0 under KVM
 * @param nmi NMI support ({@code has-nmi}, QEMU 9.1+; adds {@code arm_gicv3/gicd_nmi} and {@code
 *     arm_gicv3_cpu/nmi}, which a QEMU 7.2 destination cannot load)
 * @param accelerator which QEMU class the state behaves like on load (the shift-bug pre_load
 *     differs)
 * @param affinities the MPIDR affinity (Aff3.Aff2.Aff1.Aff0 packed as in GICD_IROUTER: Aff0 bits
 *     7:0, Aff1 15:8, Aff2 23:16, Aff3 39:32) of each CPU, index = CPU number
 * @param acceptPre30Streams whether a stream without {@code gicd_no_migration_shift_bug} is
 *     accepted (QEMU before 3.0 did not send it); when false its absence is reported as what it
 *     almost always is today, a num-cpu mismatch
 */
public record GicV3Config(
    int numCpu,
    int numIrq,
    int revision,
    int numListRegs,
    boolean nmi,
    Accelerator accelerator,
    List<Long> affinities,
    boolean acceptPre30Streams) {

  /** How a destination GIC is implemented; decides QEMU's pre_load of {@code arm_gicv3}. */
  public enum Accelerator {
    /** QEMU's TCG {@code arm-gicv3}: the shift-bug flag keeps its reset value (true) on load. */
    TCG,
    /**
     * QEMU's {@code kvm-arm-gicv3}: pre_load clears the flag, so an absent subsection means
     * "shift".
     */
    KVM
  }

  /** Most redistributors the DSL accepts (the virt board's two regions hold 123 + 512). */
  public static final int MAX_CPUS = 4096;

  public GicV3Config {
    checkArgument(
        numCpu >= 1 && numCpu <= MAX_CPUS, "num-cpu %s is outside 1..%s", numCpu, MAX_CPUS);
    checkArgument(
        numIrq >= GicV3State.GIC_INTERNAL && numIrq <= GicV3State.GICV3_MAXIRQ,
        "num-irq %s is outside 32..1020",
        numIrq);
    checkArgument(revision == 3 || revision == 4, "revision %s is not 3 or 4", revision);
    checkArgument(
        numListRegs >= 0 && numListRegs <= GicV3CpuState.GICV3_LR_MAX,
        "num list registers %s is outside 0..16",
        numListRegs);
    checkNotNull(accelerator, "accelerator");
    affinities = List.copyOf(affinities);
    checkArgument(
        affinities.size() == numCpu, "%s affinities for %s CPUs", affinities.size(), numCpu);
    checkArgument(
        affinities.stream().distinct().count() == numCpu,
        "two CPUs share an affinity: %s",
        affinities);
  }

  /** The virt board's affinity of CPU {@code n} with a GICv3: Aff0 = n % 16, Aff1 = n / 16. */
  public static long virtAffinity(int n) {
    return ((long) (n / 16) << 8) | (n % 16);
  }

  private static List<Long> virtAffinities(int numCpu) {
    List<Long> a = new ArrayList<>(numCpu);
    for (int i = 0; i < numCpu; i++) {
      a.add(virtAffinity(i));
    }
    return a;
  }

  /** QEMU's TCG GICv3 on the virt board: 288 lines, revision 3, no EL2 list registers, no NMI. */
  public static GicV3Config tcg(int numCpu) {
    return new GicV3Config(
        numCpu, 288, 3, 0, false, Accelerator.TCG, virtAffinities(numCpu), false);
  }

  /** The in-kernel GICv3 on the virt board. */
  public static GicV3Config kvm(int numCpu) {
    return new GicV3Config(
        numCpu, 288, 3, 0, false, Accelerator.KVM, virtAffinities(numCpu), false);
  }

  /** This configuration with {@code num-irq} {@code n}. */
  public GicV3Config withNumIrq(int n) {
    return new GicV3Config(
        numCpu, n, revision, numListRegs, nmi, accelerator, affinities, acceptPre30Streams);
  }

  /** This configuration with revision {@code r} (3, or 4 for GICv4). */
  public GicV3Config withRevision(int r) {
    return new GicV3Config(
        numCpu, numIrq, r, numListRegs, nmi, accelerator, affinities, acceptPre30Streams);
  }

  /** This configuration with {@code n} list registers per CPU interface. */
  public GicV3Config withListRegs(int n) {
    return new GicV3Config(
        numCpu, numIrq, revision, n, nmi, accelerator, affinities, acceptPre30Streams);
  }

  /** This configuration with or without NMI support. */
  public GicV3Config withNmi(boolean on) {
    return new GicV3Config(
        numCpu, numIrq, revision, numListRegs, on, accelerator, affinities, acceptPre30Streams);
  }

  /** This configuration with the CPUs' MPIDR affinities {@code a}. */
  public GicV3Config withAffinities(List<Long> a) {
    return new GicV3Config(
        numCpu, numIrq, revision, numListRegs, nmi, accelerator, a, acceptPre30Streams);
  }

  /** This configuration accepting, or not, streams without {@code gicd_no_migration_shift_bug}. */
  public GicV3Config withAcceptPre30Streams(boolean on) {
    return new GicV3Config(numCpu, numIrq, revision, numListRegs, nmi, accelerator, affinities, on);
  }
}
