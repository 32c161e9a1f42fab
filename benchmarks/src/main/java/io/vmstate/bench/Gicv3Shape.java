package io.vmstate.bench;

import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import java.util.Random;

/**
 * A state shaped like QEMU's {@code arm_gicv3} (gic-state reference §2.2, §2.3): the distributor
 * fields, then a variable array of {@code arm_gicv3_cpu} elements (20 fields, 272 bytes each) whose
 * count is configuration, and the subsections QEMU 7.2 has (only the always-needed shift-bug one is
 * sent, as under KVM). It is deliberately not {@code io.vmstate.gic.v3.GicV3State.DESCRIPTION}:
 * this benchmark isolates the codec (plain fields, no copier, no predicates or checks), while
 * {@link GicV3DescriptionBenchmark} measures the real description with all it adds.
 */
final class Gicv3Shape {
  static final int BMP_WORDS = 32;
  static final int MAXIRQ = 1020;

  private Gicv3Shape() {}

  /** One redistributor and CPU interface. */
  static final class Cpu {
    int level;
    int gicrCtlr;
    final int[] gicrStatusr = new int[2];
    int gicrWaker;
    long gicrPropbaser;
    long gicrPendbaser;
    int gicrIgroupr0;
    int gicrIenabler0;
    int gicrIpendr0;
    int gicrIactiver0;
    int edgeTrigger;
    int gicrIgrpmodr0;
    int gicrNsacr;
    final byte[] gicrIpriorityr = new byte[32];
    final long[] iccCtlrEl1 = new long[2];
    long iccPmrEl1;
    final long[] iccBpr = new long[3];
    final long[][] iccApr = new long[3][4];
    final long[] iccIgrpen = new long[3];
    long iccCtlrEl3;
    long iccSreEl1 = 7;
    int numListRegs;
    final long[][] ichApr = new long[3][4];
    long ichHcrEl2;
    final long[] ichLrEl2 = new long[16];
    long ichVmcrEl2;
  }

  /** The distributor and its CPUs. */
  static final class Gic {
    final int numCpu;
    int gicdCtlr;
    final int[] gicdStatusr = new int[2];
    final int[] group = new int[BMP_WORDS];
    final int[] grpmod = new int[BMP_WORDS];
    final int[] enabled = new int[BMP_WORDS];
    final int[] pending = new int[BMP_WORDS];
    final int[] active = new int[BMP_WORDS];
    final int[] level = new int[BMP_WORDS];
    final int[] edgeTrigger = new int[BMP_WORDS];
    final byte[] gicdIpriority = new byte[MAXIRQ];
    final long[] gicdIrouter = new long[MAXIRQ];
    final int[] gicdNsacr = new int[64];
    final Cpu[] cpu;
    boolean noMigrationShiftBug = true;

    Gic(int numCpu) {
      this.numCpu = numCpu;
      this.cpu = new Cpu[numCpu];
      for (int i = 0; i < numCpu; i++) {
        cpu[i] = new Cpu();
      }
    }
  }

  static final VmStateDescription<Cpu> CPU_VIRT =
      VmStateDescription.<Cpu>named("arm_gicv3_cpu/virt")
          .version(1)
          .minimumVersion(1)
          .needed(c -> c.numListRegs != 0)
          .uint64Array2d("ich_apr", c -> c.ichApr, 3, 4)
          .uint64("ich_hcr_el2", c -> c.ichHcrEl2, (c, v) -> c.ichHcrEl2 = v)
          .uint64Array("ich_lr_el2", c -> c.ichLrEl2, 16)
          .uint64("ich_vmcr_el2", c -> c.ichVmcrEl2, (c, v) -> c.ichVmcrEl2 = v)
          .build();

  static final VmStateDescription<Cpu> CPU_SRE =
      VmStateDescription.<Cpu>named("arm_gicv3_cpu/sre_el1")
          .version(1)
          .minimumVersion(1)
          .needed(c -> c.iccSreEl1 != 7)
          .uint64("icc_sre_el1", c -> c.iccSreEl1, (c, v) -> c.iccSreEl1 = v)
          .build();

  static final VmStateDescription<Cpu> CPU =
      VmStateDescription.<Cpu>named("arm_gicv3_cpu")
          .version(1)
          .minimumVersion(1)
          .preLoad(c -> c.iccSreEl1 = 7)
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
          .uint8Array("gicr_ipriorityr", c -> c.gicrIpriorityr, 32)
          .uint64Array("icc_ctlr_el1", c -> c.iccCtlrEl1, 2)
          .uint64("icc_pmr_el1", c -> c.iccPmrEl1, (c, v) -> c.iccPmrEl1 = v)
          .uint64Array("icc_bpr", c -> c.iccBpr, 3)
          .uint64Array2d("icc_apr", c -> c.iccApr, 3, 4)
          .uint64Array("icc_igrpen", c -> c.iccIgrpen, 3)
          .uint64("icc_ctlr_el3", c -> c.iccCtlrEl3, (c, v) -> c.iccCtlrEl3 = v)
          .subsection(CPU_VIRT)
          .subsection(CPU_SRE)
          .build();

  static final VmStateDescription<Gic> SHIFT_BUG =
      VmStateDescription.<Gic>named("arm_gicv3/gicd_no_migration_shift_bug")
          .version(1)
          .minimumVersion(1)
          .bool(
              "gicd_no_migration_shift_bug",
              g -> g.noMigrationShiftBug,
              (g, v) -> g.noMigrationShiftBug = v)
          .build();

  static final VmStateDescription<Gic> GIC =
      VmStateDescription.<Gic>named("arm_gicv3")
          .version(1)
          .minimumVersion(1)
          .uint32("gicd_ctlr", g -> g.gicdCtlr, (g, v) -> g.gicdCtlr = v)
          .uint32Array("gicd_statusr", g -> g.gicdStatusr, 2)
          .uint32Array("group", g -> g.group, BMP_WORDS)
          .uint32Array("grpmod", g -> g.grpmod, BMP_WORDS)
          .uint32Array("enabled", g -> g.enabled, BMP_WORDS)
          .uint32Array("pending", g -> g.pending, BMP_WORDS)
          .uint32Array("active", g -> g.active, BMP_WORDS)
          .uint32Array("level", g -> g.level, BMP_WORDS)
          .uint32Array("edge_trigger", g -> g.edgeTrigger, BMP_WORDS)
          .uint8Array("gicd_ipriority", g -> g.gicdIpriority, MAXIRQ)
          .uint64Array("gicd_irouter", g -> g.gicdIrouter, MAXIRQ)
          .uint32Array("gicd_nsacr", g -> g.gicdNsacr, 64)
          .structVarArray(
              "cpu", VarCount.config("num-cpu", WireType.UINT32, g -> g.numCpu), g -> g.cpu, CPU)
          .subsection(SHIFT_BUG)
          .build();

  /** A GIC with every migrated value random (SRE stays 7, no list registers: KVM's shape). */
  static Gic random(int numCpu, long seed) {
    Random r = new Random(seed);
    Gic g = new Gic(numCpu);
    g.gicdCtlr = r.nextInt();
    fill(r, g.gicdStatusr);
    for (int[] a :
        new int[][] {
          g.group, g.grpmod, g.enabled, g.pending, g.active, g.level, g.edgeTrigger, g.gicdNsacr
        }) {
      fill(r, a);
    }
    r.nextBytes(g.gicdIpriority);
    fill(r, g.gicdIrouter);
    for (Cpu c : g.cpu) {
      c.level = r.nextInt();
      c.gicrCtlr = r.nextInt();
      fill(r, c.gicrStatusr);
      c.gicrWaker = r.nextInt();
      c.gicrPropbaser = r.nextLong();
      c.gicrPendbaser = r.nextLong();
      c.gicrIgroupr0 = r.nextInt();
      c.gicrIenabler0 = r.nextInt();
      c.gicrIpendr0 = r.nextInt();
      c.gicrIactiver0 = r.nextInt();
      c.edgeTrigger = r.nextInt();
      c.gicrIgrpmodr0 = r.nextInt();
      c.gicrNsacr = r.nextInt();
      r.nextBytes(c.gicrIpriorityr);
      fill(r, c.iccCtlrEl1);
      c.iccPmrEl1 = r.nextLong();
      fill(r, c.iccBpr);
      for (long[] row : c.iccApr) {
        fill(r, row);
      }
      fill(r, c.iccIgrpen);
      c.iccCtlrEl3 = r.nextLong();
    }
    return g;
  }

  private static void fill(Random r, int[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextInt();
    }
  }

  private static void fill(Random r, long[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextLong();
    }
  }
}
