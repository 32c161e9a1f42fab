package io.vmstate.api;

/**
 * QEMU's {@code MigrationPriority}: sections are saved (and so loaded) in descending priority, then
 * in registration order. The numeric values are never on the wire; only the order matters.
 */
public enum MigrationPriority {
  DEFAULT,
  IOMMU,
  PCI_BUS,
  VIRTIO_MEM,
  GICV3_ITS,
  GICV3
}
