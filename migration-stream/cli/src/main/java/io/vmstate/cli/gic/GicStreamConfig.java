package io.vmstate.cli.gic;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.gic.v2.GicV2Config;
import io.vmstate.gic.v2.GicV2State;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3CpuState;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.util.List;
import java.util.Map;

/**
 * Infers the (unmigrated) configuration of a stream's GIC from its vmdesc, so that a stream can be
 * decoded through our typed descriptions without being told the source's command line.
 *
 * <ul>
 *   <li>GICv3 num-cpu: the {@code cpu} elements of the {@code arm_gicv3} entry (QEMU lists one
 *       {@code index}ed struct per CPU, or one entry with {@code array_len}).
 *   <li>GICv3 revision: 4 when any CPU carries {@code arm_gicv3_cpu/gicv4}; list registers: 4 (the
 *       Cortex-A cores' count) when any CPU carries {@code arm_gicv3_cpu/virt}, else 0; NMI when
 *       {@code arm_gicv3/gicd_nmi} is present. Accelerator: TCG (a KVM source cannot be told apart
 *       and loads the same, because streams since QEMU 3.0 carry the shift-bug flag).
 *   <li>GICv2 num-cpu: the number of {@code cpu} sections in the vmdesc (the board gives the GIC
 *       one interface per vCPU); virtualization extensions: {@code arm_gic_virt_state} present.
 *   <li>num-irq: the architectural maximum, so state on any line decodes (a decoder, unlike a
 *       destination, has no line count of its own to enforce).
 * </ul>
 */
public final class GicStreamConfig {
  /** List registers of the Cortex-A53/A57/A72 CPU interfaces QEMU models. */
  static final int CORTEX_A_LIST_REGS = 4;

  private GicStreamConfig() {}

  /** QEMU's configuration count of the generic {@code arm_gicv3} description. */
  public static final String NUM_CPU = "num_cpu";

  /** The number of {@code cpu} elements of an {@code arm_gicv3} vmdesc entry. */
  public static int gicv3CpuCount(Map<String, Object> entry) throws VmStateDecodeException {
    long n = 0;
    for (Map<String, Object> f : fields(entry)) {
      if ("cpu".equals(f.get("name"))) {
        n += f.get("array_len") instanceof Long len ? len : 1;
      }
    }
    if (n < 1 || n > GicV3Config.MAX_CPUS) {
      throw VmStateDecodeException.corrupt(
          "vmdesc entry of arm_gicv3 lists "
              + n
              + " cpu elements; expected 1.."
              + GicV3Config.MAX_CPUS);
    }
    return (int) n;
  }

  /** A GICv3 configuration that decodes the stream whose {@code arm_gicv3} entry this is. */
  public static GicV3Config gicv3(Map<String, Object> entry) throws VmStateDecodeException {
    int numCpu = gicv3CpuCount(entry);
    boolean gicv4 = false;
    boolean virt = false;
    for (Map<String, Object> f : fields(entry)) {
      if ("cpu".equals(f.get("name")) && f.get("struct") instanceof Map<?, ?> struct) {
        List<String> subs = subsectionNames(cast(struct));
        gicv4 |= subs.contains("arm_gicv3_cpu/gicv4");
        virt |= subs.contains("arm_gicv3_cpu/virt");
      }
    }
    boolean nmi = subsectionNames(entry).contains("arm_gicv3/gicd_nmi");
    return GicV3Config.tcg(numCpu)
        .withNumIrq(GicV3State.GICV3_MAXIRQ)
        .withRevision(gicv4 ? 4 : 3)
        .withListRegs(virt ? Math.min(CORTEX_A_LIST_REGS, GicV3CpuState.GICV3_LR_MAX) : 0)
        .withNmi(nmi);
  }

  /** A GICv2 configuration that decodes the stream with this vmdesc and {@code arm_gic} entry. */
  public static GicV2Config gicv2(Vmdesc vmdesc, Map<String, Object> entry)
      throws VmStateDecodeException {
    int cpus = 0;
    for (Object d : vmdesc.devices()) {
      if (d instanceof Map<?, ?> m && "cpu".equals(m.get("name"))) {
        cpus++;
      }
    }
    if (cpus < 1 || cpus > GicV2State.GIC_NCPU) {
      throw VmStateDecodeException.corrupt(
          "the vmdesc lists " + cpus + " cpu sections; a GICv2 has 1.." + GicV2State.GIC_NCPU);
    }
    boolean virt = subsectionNames(entry).contains("arm_gic_virt_state");
    return new GicV2Config(cpus, GicV2State.GIC_MAXIRQ, virt);
  }

  private static List<Map<String, Object>> fields(Map<String, Object> entry) {
    return listOfMaps(entry.get("fields"));
  }

  private static List<String> subsectionNames(Map<String, Object> entry) {
    return listOfMaps(entry.get("subsections")).stream()
        .map(s -> String.valueOf(s.get("vmsd_name")))
        .toList();
  }

  private static List<Map<String, Object>> listOfMaps(Object o) {
    if (!(o instanceof List<?> l)) {
      return List.of();
    }
    return l.stream().filter(Map.class::isInstance).map(GicStreamConfig::cast).toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object m) {
    return (Map<String, Object>) m;
  }
}
