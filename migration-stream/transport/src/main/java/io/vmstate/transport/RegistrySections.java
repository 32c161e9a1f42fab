package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.DeviceRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link DeviceRegistry} as what a {@link MigrationSource} sends.
 *
 * <ul>
 *   <li>{@link #snapshot}: framed mode. The registry is saved once, when called (the VM's device
 *       state at that moment, by {@link DeviceRegistry#saveSections}: the registry's own ordering,
 *       {@code needed} and hook rules), and every device section it wrote is announced with its
 *       description's version window and exported schema, so the destination can run the
 *       compatibility check before any state moves. The section bodies are the saved bodies (no
 *       copy).
 *   <li>{@link #rawStream}: raw mode. The registry saves straight onto the connection as a complete
 *       QEMU stream, e.g. into {@code qemu-system-aarch64 -incoming tcp:HOST:PORT}.
 * </ul>
 */
public final class RegistrySections {
  private RegistrySections() {}

  /** Saves {@code registry} now and returns its device sections as a framed source. */
  public static SectionSource snapshot(DeviceRegistry registry) throws VmStateException {
    Map<SectionKey, DeviceRegistry.Registered<?>> registered = new HashMap<>();
    for (DeviceRegistry.Registered<?> r : registry.devices()) {
      registered.put(new SectionKey(r.idstr(), r.instanceId()), r);
    }
    List<DeviceInfo> devices = new ArrayList<>();
    List<SectionData> sections = new ArrayList<>();
    for (DeviceRegistry.SectionBody body : registry.saveSections(null)) {
      DeviceRegistry.Registered<?> r =
          registered.get(new SectionKey(body.ref().idstr(), body.ref().instanceId()));
      devices.add(DeviceInfo.of(r.idstr(), r.instanceId(), r.description()));
      sections.add(SectionData.of(body.sectionId(), body.ref(), body.body()));
    }
    return SectionSource.of(devices, sections);
  }

  private record SectionKey(String idstr, long instanceId) {}

  /** A raw source that saves {@code registry} onto the connection when the migration runs. */
  public static StreamProducer rawStream(DeviceRegistry registry) {
    return out -> registry.save(WireOutput.to(out));
  }
}
