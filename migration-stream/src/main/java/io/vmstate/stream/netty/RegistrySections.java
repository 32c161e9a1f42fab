package io.vmstate.stream.netty;

import com.google.protobuf.UnsafeByteOperations;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    byte[] stream = registry.saveToBytes();
    MigrationStreamReader reader =
        new MigrationStreamReader(
            WireInput.of(stream), ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(stream, 0)));
    Map<SectionRef, DeviceRegistry.Registered> registered = new HashMap<>();
    for (DeviceRegistry.Registered r : registry.devices()) {
      registered.put(new SectionRef(r.idstr(), r.instanceId(), r.description().version()), r);
    }
    List<DeviceInfo> devices = new ArrayList<>();
    List<SectionData> sections = new ArrayList<>();
    for (DeviceSections.Span s : DeviceSections.scan(reader)) {
      SectionRef ref = s.section().section();
      DeviceRegistry.Registered r = registered.get(ref);
      if (r == null) {
        throw MigrationTransportException.internal(
            new IllegalStateException("the registry saved an unregistered section " + ref));
      }
      devices.add(DeviceInfo.of(r.idstr(), r.instanceId(), r.description()));
      sections.add(
          new SectionData(
              s.section().sectionId(),
              ref,
              UnsafeByteOperations.unsafeWrap(stream, (int) s.bodyOffset(), s.length())));
    }
    return SectionSource.of(devices, sections);
  }

  /** A raw source that saves {@code registry} onto the connection when the migration runs. */
  public static StreamProducer rawStream(DeviceRegistry registry) {
    return out -> registry.save(WireOutput.to(out));
  }
}
