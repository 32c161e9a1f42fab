package io.vmstate.gic.its;

import io.vmstate.api.VmStateException;

/**
 * How an ITS implementation keeps its tables in guest memory. Two exist: {@link KvmItsLayout} (the
 * KVM save/restore ABI revision 0, written by {@code KVM_DEV_ARM_ITS_SAVE_TABLES}) and {@link
 * QemuTcgItsLayout} (QEMU's emulated ITS, which uses the guest's tables live).
 */
public interface ItsTableLayout {
  /** A short name for output ("kvm-abi-rev0", "qemu-tcg"). */
  String name();

  /**
   * Reads the tables the registers point at, with the layout's restore rules; {@code onlineCpus}
   * bounds collection targets.
   */
  ItsTables read(ItsState regs, GuestMemory memory, int onlineCpus) throws VmStateException;

  /** Writes {@code tables} where the registers point, the way the implementation saves them. */
  void write(ItsTables tables, ItsState regs, GuestMemory memory) throws VmStateException;

  /**
   * The layout an ITS with this GITS_IIDR uses: KVM's IIDR has product ID 'K' (0x4B) in bits 31:24
   * and the ABI revision in bits 15:12; QEMU's emulated ITS leaves the migrated iidr at 0.
   */
  static ItsTableLayout forIidr(int iidr) throws VmStateException {
    if ((iidr >>> 24) == 0x4b) {
      int rev = (iidr >>> 12) & 0xf;
      if (rev != 0) {
        throw io.vmstate.api.VmStateDecodeException.corrupt(
            "KVM ITS table ABI revision " + rev + " is not supported (only revision 0 exists)");
      }
      return KvmItsLayout.INSTANCE;
    }
    return QemuTcgItsLayout.INSTANCE;
  }
}
