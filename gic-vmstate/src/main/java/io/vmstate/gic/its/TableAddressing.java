package io.vmstate.gic.its;

import io.vmstate.api.VmStateDecodeException;

/**
 * Where entry {@code id} of a flat or two-level ITS table lives. A two-level table is an array of
 * 8-byte level-1 entries (bit 63 Valid) pointing at level-2 pages of {@code l2PageSize} bytes; the
 * level-1 address mask differs between KVM and QEMU.
 */
final class TableAddressing {
  static final long L1_VALID = 1L << 63;

  private final ItsBaser baser;
  private final int entrySize;
  private final long l1AddressMask;
  private final int l2PageSize;

  TableAddressing(ItsBaser baser, int entrySize, long l1AddressMask, int l2PageSize) {
    this.baser = baser;
    this.entrySize = entrySize;
    this.l1AddressMask = l1AddressMask;
    this.l2PageSize = l2PageSize;
  }

  /** IDs one level-2 page holds. */
  long idsPerL2Page() {
    return l2PageSize / entrySize;
  }

  /** IDs the table can describe. */
  long capacity() {
    long bytes = baser.tableBytes();
    return baser.indirect() ? (bytes / 8) * idsPerL2Page() : bytes / entrySize;
  }

  int l1Entries() {
    return (int) (baser.tableBytes() / 8);
  }

  /** The level-1 entry {@code i}'s level-2 page address, or -1 when that entry is not valid. */
  long l2Page(GuestMemory mem, int i) throws VmStateDecodeException {
    long e = mem.readLe64(baser.physicalAddress() + 8L * i);
    return (e & L1_VALID) == 0 ? -1 : e & l1AddressMask;
  }

  /** The address of entry {@code id}, or -1 when its level-2 page is not allocated. */
  long entryAddress(GuestMemory mem, long id) throws VmStateDecodeException {
    if (id < 0 || id >= capacity()) {
      return -1;
    }
    if (!baser.indirect()) {
      return baser.physicalAddress() + id * entrySize;
    }
    long page = l2Page(mem, (int) (id / idsPerL2Page()));
    return page < 0 ? -1 : page + (id % idsPerL2Page()) * entrySize;
  }
}
