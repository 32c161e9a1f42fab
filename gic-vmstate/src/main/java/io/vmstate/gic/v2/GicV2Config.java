package io.vmstate.gic.v2;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The configuration of a GICv2 that is not migrated: both ends of a migration must agree on it.
 *
 * @param numCpu CPU interfaces in use (QEMU's {@code num-cpu}), 1 to {@link GicV2State#GIC_NCPU}
 * @param numIrq interrupt lines including the 32 internal ones (QEMU's {@code num-irq}), 32 to
 *     {@link GicV2State#GIC_MAXIRQ}; the virt board uses 288
 * @param virtExtensions whether the GIC has the virtualization extensions ({@code
 *     has-virtualization-extensions}; TCG only)
 */
public record GicV2Config(int numCpu, int numIrq, boolean virtExtensions) {
  public GicV2Config {
    checkArgument(
        numCpu >= 1 && numCpu <= GicV2State.GIC_NCPU,
        "num-cpu %s is outside 1..%s",
        numCpu,
        GicV2State.GIC_NCPU);
    checkArgument(
        numIrq >= GicV2State.GIC_INTERNAL && numIrq <= GicV2State.GIC_MAXIRQ,
        "num-irq %s is outside %s..%s",
        numIrq,
        GicV2State.GIC_INTERNAL,
        GicV2State.GIC_MAXIRQ);
  }

  /** The virt board's GIC: 288 lines, {@code numCpu} CPUs. */
  public static GicV2Config virtBoard(int numCpu, boolean virtExtensions) {
    return new GicV2Config(numCpu, 288, virtExtensions);
  }
}
