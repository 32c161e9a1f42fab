package io.vmstate.transport;

import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;

/**
 * A registry of a virt machine's GICv3 and ITS (as QEMU names their sections), for the transport
 * tests: empty as a destination, or with every CPU holding different values as a source (so a CPU
 * mix-up cannot go unnoticed).
 */
record GicVm(DeviceRegistry registry, GicV3State gic, ItsState its) {
  /** An empty machine with {@code cpus} CPUs and pages of 2^{@code pageBits} bytes. */
  static GicVm of(int cpus, int pageBits) {
    GicV3State gic = new GicV3State(GicV3Config.tcg(cpus));
    ItsState its = new ItsState();
    DeviceRegistry r =
        new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(pageBits))
            .register("arm_gicv3", 0, GicV3State.DESCRIPTION, gic)
            .register("arm_gicv3_its", 0, ItsState.DESCRIPTION, its);
    return new GicVm(r, gic, its);
  }

  /** A machine like {@link #of} whose distributor, every CPU and the ITS hold distinct values. */
  static GicVm programmed(int cpus, int pageBits) {
    GicVm vm = of(cpus, pageBits);
    vm.gic.setCtlr(0x13);
    vm.gic.setPriority(40, 0, 0x80);
    vm.gic.setEnabled(40, 0, true);
    for (int c = 0; c < cpus; c++) {
      var cpu = vm.gic.redistributor(c);
      cpu.setPriority(3 + c, 0x10 * (c + 1));
      cpu.setEnabled(3 + c, true);
      cpu.setPending(20 + c, true);
      cpu.setIccPmr(0xf0 - 8 * c);
      cpu.setPropbaser(0x4000_0000L + 0x1000L * c);
    }
    vm.its.setCbaser(ItsState.CBASER_VALID | 0x8000_0000L);
    vm.its.setCwriter(0x40);
    vm.its.setCreadr(0x40);
    return vm;
  }
}
