package io.vmstate.gic.kvm;

import java.io.IOException;

/**
 * The in-kernel vGIC as a VMM reaches it (KVM's {@code KVM_DEV_ARM_VGIC_*} device attributes): one
 * register per access, redistributor registers keyed by the vCPU's MPIDR (KVM encodes the attribute
 * as {@code mpidr[63:32] | offset[31:0]}), never by an array index. Failures are {@link
 * IOException}s (an ioctl's errno).
 */
public interface VgicBackend {
  /** A distributor register (GICD_*; 64-bit only for GICD_IROUTER). */
  long readDistributor(int offset) throws IOException;

  /** Writes a distributor register (GICD_*; 64-bit only for GICD_IROUTER). */
  void writeDistributor(int offset, long value) throws IOException;

  /** A redistributor register of the vCPU with this MPIDR affinity (SGI frame at +0x10000). */
  long readRedistributor(long mpidr, int offset) throws IOException;

  /** Writes a redistributor register of the vCPU with this MPIDR affinity. */
  void writeRedistributor(long mpidr, int offset, long value) throws IOException;

  /** An ITS register (GITS_*), always accessed as 64 bits. */
  long readIts(int offset) throws IOException;

  /** Writes an ITS register (GITS_*), always as 64 bits. */
  void writeIts(int offset, long value) throws IOException;

  /** {@code KVM_DEV_ARM_ITS_SAVE_TABLES}: flush the ITS tables into guest memory. */
  void saveItsTables() throws IOException;

  /** {@code KVM_DEV_ARM_ITS_RESTORE_TABLES}: rebuild the ITS from the tables in guest memory. */
  void restoreItsTables() throws IOException;

  /** {@code KVM_DEV_ARM_ITS_CTRL_RESET}: back to reset state (keeps the ABI revision). */
  void resetIts() throws IOException;

  /** {@code KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES}: flush LPI pending bits into guest memory. */
  void savePendingTables() throws IOException;

  /** Whether the host GIC is GICv4.1 (vLPI pending state lives in vPE tables). */
  boolean hasGicV41();

  /** Unmaps every vPE so their virtual pending tables can be read. */
  void unmapVpes() throws IOException;

  /** Maps the vPEs again. */
  void mapVpes() throws IOException;
}
