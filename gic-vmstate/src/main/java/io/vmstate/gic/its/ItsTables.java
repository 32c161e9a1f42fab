package io.vmstate.gic.its;

import io.vmstate.api.Nullable;
import java.util.Comparator;
import java.util.List;

/**
 * The contents of an ITS's tables: devices (sorted by DeviceID) with their translations, and
 * collections (in table order: for the KVM ABI the kernel's list order, for QEMU's layout by ICID).
 */
public record ItsTables(List<ItsDevice> devices, List<ItsCollection> collections) {
  public ItsTables {
    devices = devices.stream().sorted(Comparator.comparingInt(ItsDevice::deviceId)).toList();
    collections = List.copyOf(collections);
  }

  /** The collection with {@code icid}, or null. */
  public @Nullable ItsCollection collection(int icid) {
    for (ItsCollection c : collections) {
      if (c.icid() == icid) {
        return c;
      }
    }
    return null;
  }
}
