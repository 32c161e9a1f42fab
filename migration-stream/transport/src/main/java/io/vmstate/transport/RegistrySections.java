package io.vmstate.transport;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.DeviceRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link DeviceRegistry} as what a {@link MigrationSource} sends.
 *
 * <ul>
 *   <li>{@link #snapshot}: framed mode. The registry is saved once, when called (the VM's device
 *       state at that moment, with the registry's own ordering, {@code needed} and hook rules), and
 *       every device section it wrote is announced with its description's version window and
 *       exported schema, so the destination can run the compatibility check before any state moves.
 *       The section bodies are slices of the saved stream (no copy).
 *   <li>{@link #rawStream}: raw mode. The registry saves straight onto the connection as a complete
 *       QEMU stream, e.g. into {@code qemu-system-aarch64 -incoming tcp:HOST:PORT}.
 * </ul>
 */
public final class RegistrySections {
  private RegistrySections() {}

  /** Saves {@code registry} now and returns its device sections as a framed source. */
  public static SectionSource snapshot(DeviceRegistry registry) throws VmStateException {
    List<DeviceRegistry.Registered<?>> order = new ArrayList<>(registry.devices());
    order.sort(
        Comparator.comparing((DeviceRegistry.Registered<?> r) -> r.description().priority())
            .reversed());
    List<DeviceInfo> devices = new ArrayList<>();
    List<SectionData> sections = new ArrayList<>();
    for (DeviceRegistry.Registered<?> r : order) {
      SectionData body = save(r);
      if (body != null) {
        devices.add(DeviceInfo.of(r.idstr(), r.instanceId(), r.description()));
        sections.add(body);
      }
    }
    return SectionSource.of(devices, sections);
  }

  /** The section body as {@link DeviceRegistry#save} writes it; null when not {@code needed}. */
  private static <T> SectionData save(DeviceRegistry.Registered<T> r) throws VmStateException {
    VmStateDescription<T> d = r.description();
    if (!d.isNeeded(r.object())) {
      return null;
    }
    SectionRef ref = new SectionRef(r.idstr(), r.instanceId(), d.version());
    try {
      return SectionData.of(r.sectionId(), ref, VmStateCodec.DEFAULT.saveToBytes(d, r.object()));
    } catch (VmStateException e) {
      throw e.inSection(ref);
    }
  }

  /** A raw source that saves {@code registry} onto the connection when the migration runs. */
  public static StreamProducer rawStream(DeviceRegistry registry) {
    return out -> registry.save(WireOutput.to(out));
  }
}
