package io.vmstate.gic.its;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The KVM vITS save/restore ABI revision 0: 8-byte little-endian entries.
 *
 * <pre>
 * DTE (by DeviceID):  63 V | 62..49 next DeviceID delta (0 = last) | 48..5 ITT_addr[51:8] | 4..0 Size
 * ITE (by EventID):   63..48 next EventID delta (0 = last) | 47..16 pINTID (0 = invalid) | 15..0 ICID
 * CTE (packed):       63 V | 51..16 RDBase (processor number; KVM reads 47..16) | 15..0 ICID
 * </pre>
 *
 * Saving sorts devices and events, writes each device's ITT then its DTE, then the collection table
 * packed from its start and ended by a zero entry when not full. Restoring reads the collections
 * first, then follows the "next" links of the device table and each ITT from index 0 (an invalid
 * entry steps by one), applying the kernel's checks; the message of each failure names the errno
 * {@code KVM_DEV_ARM_ITS_RESTORE_TABLES} would return. Two-level device tables use 64 KiB level-2
 * pages (8192 DTEs); level-1 entries carry the page address in bits 51:16.
 */
public final class KvmItsLayout implements ItsTableLayout {
  public static final KvmItsLayout INSTANCE = new KvmItsLayout();

  static final int ESZ = 8;
  static final int L2_PAGE = 65536;
  static final long L1_ADDR_MASK = 0x000f_ffff_ffff_0000L;
  static final long DTE_VALID = 1L << 63;
  static final int DTE_NEXT_MAX = (1 << 14) - 1;
  static final int ITE_NEXT_MAX = (1 << 16) - 1;
  static final int MAX_EVENTID_BITS = 16;
  static final int LPI_START = 8192;

  private KvmItsLayout() {}

  @Override
  public String name() {
    return "kvm-abi-rev0";
  }

  // ---- entry codecs ----

  static long encodeDte(long next, long ittAddress, int eventIdBits) {
    return DTE_VALID | (next << 49) | ((ittAddress >>> 8) << 5) | (eventIdBits - 1);
  }

  static long encodeIte(long next, int lpi, int icid) {
    return (next << 48) | ((lpi & 0xffff_ffffL) << 16) | (icid & 0xffff);
  }

  static long encodeCte(ItsCollection c) {
    return DTE_VALID | ((c.targetCpu() & 0xf_ffff_ffffL) << 16) | (c.icid() & 0xffff);
  }

  private static VmStateDecodeException restoreFails(String errno, String what) {
    return VmStateDecodeException.corrupt("KVM ITS restore would fail with " + errno + ": " + what);
  }

  // ---- restore ----

  @Override
  public ItsTables read(ItsState regs, GuestMemory mem, int onlineCpus) throws VmStateException {
    List<ItsCollection> collections = readCollections(regs, mem, onlineCpus);
    Set<Integer> icids = new HashSet<>();
    for (ItsCollection c : collections) {
      icids.add(c.icid());
    }
    List<ItsDevice> devices = new ArrayList<>();
    ItsBaser dt = table(regs, ItsTableType.DEVICE);
    if (dt != null) {
      TableAddressing t = new TableAddressing(dt, ESZ, L1_ADDR_MASK, L2_PAGE);
      if (!dt.indirect()) {
        scanDevices(mem, dt.physicalAddress(), t.capacity(), 0, icids, devices);
      } else {
        for (int i = 0; i < t.l1Entries(); i++) {
          long page = t.l2Page(mem, i);
          if (page >= 0
              && scanDevices(mem, page, t.idsPerL2Page(), i * t.idsPerL2Page(), icids, devices)) {
            break;
          }
        }
      }
    }
    return new ItsTables(devices, collections);
  }

  private static ItsBaser table(ItsState regs, ItsTableType type) throws VmStateException {
    ItsBaser b = regs.table(type);
    if (b != null && b.entrySize() != ESZ) {
      throw restoreFails(
          "-EINVAL", type + " table BASER has " + b.entrySize() + "-byte entries, the ABI uses 8");
    }
    return b;
  }

  private List<ItsCollection> readCollections(ItsState regs, GuestMemory mem, int onlineCpus)
      throws VmStateException {
    List<ItsCollection> out = new ArrayList<>();
    ItsBaser ct = table(regs, ItsTableType.COLLECTION);
    if (ct == null) {
      return out;
    }
    Set<Integer> seen = new HashSet<>();
    long n = ct.tableBytes() / ESZ;
    for (long i = 0; i < n; i++) {
      long e = mem.readLe64(ct.physicalAddress() + i * ESZ);
      if ((e & DTE_VALID) == 0) {
        break;
      }
      int icid = (int) (e & 0xffff);
      long target = (e >>> 16) & 0xffff_ffffL;
      if (target != ItsCollection.UNMAPPED && target >= onlineCpus) {
        throw restoreFails(
            "-EINVAL",
            "collection "
                + icid
                + " targets CPU "
                + target
                + " but only "
                + onlineCpus
                + " are online");
      }
      if (!seen.add(icid)) {
        throw restoreFails(
            "-EEXIST", "collection " + icid + " appears twice in the collection table");
      }
      out.add(new ItsCollection(icid, target));
    }
    return out;
  }

  /** Scans DTEs from {@code base}; true when the last device (next = 0) was found. */
  private boolean scanDevices(
      GuestMemory mem,
      long base,
      long entries,
      long firstId,
      Set<Integer> icids,
      List<ItsDevice> out)
      throws VmStateException {
    long i = 0;
    while (i < entries) {
      long e = mem.readLe64(base + i * ESZ);
      long next = 1;
      if ((e & DTE_VALID) != 0) {
        int id = (int) (firstId + i);
        int bits = (int) (e & 0x1f) + 1;
        if (bits > MAX_EVENTID_BITS) {
          throw restoreFails(
              "-EINVAL", "device " + id + " claims " + bits + " EventID bits, more than 16");
        }
        long itt = ((e >>> 5) & 0xfff_ffff_ffffL) << 8;
        out.add(new ItsDevice(id, itt, bits, readItt(mem, id, itt, bits, icids)));
        next = (e >>> 49) & DTE_NEXT_MAX;
        if (next == 0) {
          return true;
        }
      }
      i += next;
    }
    return false;
  }

  private List<ItsEvent> readItt(
      GuestMemory mem, int device, long itt, int bits, Set<Integer> icids) throws VmStateException {
    List<ItsEvent> events = new ArrayList<>();
    long size = 1L << bits;
    long ev = 0;
    while (ev < size) {
      long e = mem.readLe64(itt + ev * ESZ);
      long lpi = (e >>> 16) & 0xffff_ffffL;
      if (lpi == 0) {
        ev++;
        continue;
      }
      long next = (e >>> 48) & ITE_NEXT_MAX;
      int icid = (int) (e & 0xffff);
      String at = "device " + device + " event " + ev;
      if (lpi < LPI_START) {
        throw restoreFails("-EINVAL", at + " maps pINTID " + lpi + ", below the first LPI 8192");
      }
      if (next != 0 && ev + next >= size) {
        throw restoreFails(
            "-EINVAL",
            at + " links " + next + " entries on, past the end of its " + size + "-entry ITT");
      }
      if (!icids.contains(icid)) {
        throw restoreFails(
            "-EINVAL", at + " uses collection " + icid + ", which is not in the collection table");
      }
      events.add(ItsEvent.physical((int) ev, (int) lpi, icid));
      if (next == 0) {
        break;
      }
      ev += next;
    }
    return events;
  }

  // ---- save ----

  @Override
  public void write(ItsTables tables, ItsState regs, GuestMemory mem) throws VmStateException {
    List<ItsDevice> devs = tables.devices();
    ItsBaser dtb = devs.isEmpty() ? null : requireTable(regs, ItsTableType.DEVICE);
    for (int d = 0; d < devs.size(); d++) {
      ItsDevice dev = devs.get(d);
      checkDevice(dev);
      writeItt(dev, mem);
      long next =
          d + 1 < devs.size()
              ? Math.min(devs.get(d + 1).deviceId() - (long) dev.deviceId(), DTE_NEXT_MAX)
              : 0;
      TableAddressing t = new TableAddressing(dtb, ESZ, L1_ADDR_MASK, L2_PAGE);
      long at = t.entryAddress(mem, dev.deviceId());
      if (at < 0) {
        throw VmStateEncodeException.notRepresentable(
            "device "
                + dev.deviceId()
                + " has no slot in the device table (outside it, or its level-2 page is not allocated)");
      }
      mem.writeLe64(at, encodeDte(next, dev.ittAddress(), dev.eventIdBits()));
    }
    List<ItsCollection> cols = tables.collections();
    if (cols.isEmpty()) {
      return;
    }
    ItsBaser ct = requireTable(regs, ItsTableType.COLLECTION);
    long slots = ct.tableBytes() / ESZ;
    if (cols.size() > slots) {
      throw VmStateEncodeException.notRepresentable(
          cols.size() + " collections do not fit a " + slots + "-entry collection table");
    }
    for (int i = 0; i < cols.size(); i++) {
      mem.writeLe64(ct.physicalAddress() + (long) i * ESZ, encodeCte(cols.get(i)));
    }
    if (cols.size() < slots) {
      mem.writeLe64(ct.physicalAddress() + (long) cols.size() * ESZ, 0);
    }
  }

  static void checkDevice(ItsDevice dev) throws VmStateEncodeException {
    if (dev.eventIdBits() < 1
        || dev.eventIdBits() > MAX_EVENTID_BITS
        || (dev.ittAddress() & 0xff) != 0) {
      throw VmStateEncodeException.notRepresentable(
          "device "
              + dev.deviceId()
              + ": "
              + dev.eventIdBits()
              + " EventID bits, ITT at 0x"
              + Long.toHexString(dev.ittAddress())
              + " (needs 1..16 bits and 256-byte alignment)");
    }
  }

  private static void writeItt(ItsDevice dev, GuestMemory mem) throws VmStateException {
    List<ItsEvent> evs = dev.events();
    for (int i = 0; i < evs.size(); i++) {
      ItsEvent ev = evs.get(i);
      if (ev.isVirtual() || ev.intid() < LPI_START || ev.eventId() >= 1L << dev.eventIdBits()) {
        throw VmStateEncodeException.notRepresentable(
            "device "
                + dev.deviceId()
                + " event "
                + ev.eventId()
                + " -> "
                + ev.intid()
                + ": the ABI carries physical LPIs (>= 8192) inside the ITT only");
      }
      long next =
          i + 1 < evs.size()
              ? Math.min(evs.get(i + 1).eventId() - (long) ev.eventId(), ITE_NEXT_MAX)
              : 0;
      mem.writeLe64(
          dev.ittAddress() + (long) ev.eventId() * ESZ, encodeIte(next, ev.intid(), ev.icid()));
    }
  }

  private static ItsBaser requireTable(ItsState regs, ItsTableType type) throws VmStateException {
    ItsBaser b = regs.table(type);
    if (b == null) {
      throw VmStateEncodeException.notRepresentable("no valid " + type + " table BASER");
    }
    if (b.entrySize() != ESZ) {
      throw VmStateEncodeException.notRepresentable(
          type + " table BASER has " + b.entrySize() + "-byte entries, the ABI uses 8");
    }
    return b;
  }
}
