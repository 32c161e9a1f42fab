package io.vmstate.cli.gic;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.gic.its.ItsSnapshot;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.its.ItsTableReader;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;
import io.vmstate.stream.MigrationStreamReader;
import java.util.Map;

/**
 * The ITS tables of a virt-board stream read back from the guest memory the stream carries: the
 * stream is loaded with typed {@code arm_gicv3} and {@code arm_gicv3_its} objects (configured from
 * the vmdesc, checked by their post_load hooks), every other device decoded through the vmdesc, the
 * pages of {@code mach-virt.ram} collected at their guest physical addresses; then {@link
 * ItsTableReader} walks the tables the ITS registers point to.
 */
public final class StreamIts {
  private StreamIts() {}

  /** Reads the whole stream (which must have its vmdesc) and reconstructs the ITS mapping. */
  public static ItsSnapshot read(MigrationStreamReader reader) throws VmStateException {
    if (reader.vmdesc() == null) {
      throw VmStateDecodeException.corrupt(
          "the stream's vmdesc is needed to find and configure its GIC");
    }
    DeviceRegistry registry = new DeviceRegistry(new MachineConfiguration());
    GicDevices gic = GicDevices.register(registry, reader.vmdesc());
    GicV3State gicv3 = first(gic.gicv3(), "arm_gicv3 (a GICv3)");
    ItsState its = first(gic.its(), "arm_gicv3_its (an ITS: -M virt,gic-version=3,its=on)");
    GuestRamSink ram = GuestRamSink.virt(reader::pageSize);
    registry.load(
        reader,
        DeviceRegistry.LoadOptions.DEFAULT
            .withDecodeUnknown(true)
            .withCheckConfiguration(false)
            .withRam(ram));
    return ItsTableReader.read(its, gicv3, ram.memory());
  }

  private static <T> T first(Map<Long, T> byInstance, String what) throws VmStateDecodeException {
    if (byInstance.isEmpty()) {
      throw VmStateDecodeException.corrupt("the stream has no " + what + " section");
    }
    return byInstance.values().iterator().next();
  }
}
