package io.vmstate.gic.its;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import java.util.ArrayList;
import java.util.List;

/**
 * QEMU's emulated ITS (7.0 and later) in-memory formats, all little-endian, tables indexed by ID.
 *
 * <pre>
 * DTE (8 bytes, by DeviceID): 0 Valid | 5..1 Size (EventID bits - 1) | 49..6 ITT_addr[51:8]
 * CTE (8 bytes, by ICID):     0 Valid | 16..1 RDBase (processor number)
 * ITE (12 bytes, by EventID): low u64: 0 Valid | 1 IntType (1 physical) | 25..2 INTID
 *                                      | 47..32 ICID | 63..48 vPEID
 *                             high u32 at +8: 23..0 Doorbell (1023 = none)
 * </pre>
 *
 * There are no "next" links and nothing is sorted: the guest's tables are used live, so reading
 * visits every slot. Two-level tables have level-1 entries with bit 63 Valid and the level-2
 * address in bits 50:0, and level-2 pages of the BASER's page size. The doorbell of old (6.2)
 * entries is unreliable and is not kept; writers put 1023 there.
 */
public final class QemuTcgItsLayout implements ItsTableLayout {
  public static final QemuTcgItsLayout INSTANCE = new QemuTcgItsLayout();

  static final int ITE_SIZE = 12;
  static final long L1_ADDR_MASK = (1L << 51) - 1;
  static final int MAX_EVENTID_BITS = 16;
  static final int NO_DOORBELL = 1023;

  private QemuTcgItsLayout() {}

  @Override
  public String name() {
    return "qemu-tcg";
  }

  private static TableAddressing addressing(ItsBaser b) {
    return new TableAddressing(b, b.entrySize(), L1_ADDR_MASK, b.pageSize());
  }

  /** Calls {@code visit} with the ID and address of every slot whose level-2 page exists. */
  private interface SlotVisitor {
    void visit(long id, long address) throws VmStateException;
  }

  private static void forEachSlot(ItsBaser b, GuestMemory mem, SlotVisitor visit)
      throws VmStateException {
    TableAddressing t = addressing(b);
    if (!b.indirect()) {
      for (long id = 0; id < t.capacity(); id++) {
        visit.visit(id, b.physicalAddress() + id * b.entrySize());
      }
      return;
    }
    for (int i = 0; i < t.l1Entries(); i++) {
      long page = t.l2Page(mem, i);
      if (page < 0) {
        continue;
      }
      for (long k = 0; k < t.idsPerL2Page(); k++) {
        visit.visit(i * t.idsPerL2Page() + k, page + k * b.entrySize());
      }
    }
  }

  @Override
  public ItsTables read(ItsState regs, GuestMemory mem, int onlineCpus) throws VmStateException {
    List<ItsCollection> cols = new ArrayList<>();
    ItsBaser ct = regs.table(ItsTableType.COLLECTION);
    if (ct != null) {
      forEachSlot(
          ct,
          mem,
          (id, at) -> {
            long e = mem.readLe64(at);
            if ((e & 1) != 0) {
              long target = (e >>> 1) & 0xffff;
              if (target >= onlineCpus) {
                throw VmStateDecodeException.corrupt(
                    "collection "
                        + id
                        + " targets CPU "
                        + target
                        + " but only "
                        + onlineCpus
                        + " exist");
              }
              cols.add(new ItsCollection((int) id, target));
            }
          });
    }
    List<ItsDevice> devs = new ArrayList<>();
    ItsBaser dt = regs.table(ItsTableType.DEVICE);
    if (dt != null) {
      forEachSlot(
          dt,
          mem,
          (id, at) -> {
            long e = mem.readLe64(at);
            if ((e & 1) != 0) {
              int bits = (int) ((e >>> 1) & 0x1f) + 1;
              if (bits > MAX_EVENTID_BITS) {
                throw VmStateDecodeException.corrupt(
                    "device " + id + " claims " + bits + " EventID bits, more than 16");
              }
              long itt = ((e >>> 6) & 0xfff_ffff_ffffL) << 8;
              devs.add(new ItsDevice((int) id, itt, bits, readItt(mem, itt, bits)));
            }
          });
    }
    return new ItsTables(devs, cols);
  }

  private static List<ItsEvent> readItt(GuestMemory mem, long itt, int bits)
      throws VmStateException {
    List<ItsEvent> out = new ArrayList<>();
    for (long ev = 0; ev < 1L << bits; ev++) {
      long low = mem.readLe64(itt + ev * ITE_SIZE);
      if ((low & 1) == 0) {
        continue;
      }
      boolean physical = (low & 2) != 0;
      int intid = (int) ((low >>> 2) & 0xff_ffff);
      int icid = (int) ((low >>> 32) & 0xffff);
      int vpe = (int) ((low >>> 48) & 0xffff);
      out.add(new ItsEvent((int) ev, intid, icid, physical ? -1 : vpe));
    }
    return out;
  }

  @Override
  public void write(ItsTables tables, ItsState regs, GuestMemory mem) throws VmStateException {
    if (!tables.devices().isEmpty()) {
      ItsBaser dt = require(regs, ItsTableType.DEVICE);
      for (ItsDevice d : tables.devices()) {
        KvmItsLayout.checkDevice(d);
        long at = addressing(dt).entryAddress(mem, d.deviceId());
        if (at < 0) {
          throw noSlot("device", d.deviceId());
        }
        mem.writeLe64(at, 1 | ((long) (d.eventIdBits() - 1) << 1) | ((d.ittAddress() >>> 8) << 6));
        for (ItsEvent ev : d.events()) {
          if (ev.eventId() >= 1L << d.eventIdBits() || ev.intid() >>> 24 != 0) {
            throw VmStateEncodeException.notRepresentable(
                "device "
                    + d.deviceId()
                    + " event "
                    + ev.eventId()
                    + " -> "
                    + ev.intid()
                    + " does not fit the ITT / the 24-bit INTID field");
          }
          long low =
              1
                  | (ev.isVirtual() ? 0 : 2)
                  | ((long) ev.intid() << 2)
                  | ((long) (ev.icid() & 0xffff) << 32)
                  | ((long) (ev.isVirtual() ? ev.vpeId() & 0xffff : 0) << 48);
          long addr = d.ittAddress() + (long) ev.eventId() * ITE_SIZE;
          mem.writeLe64(addr, low);
          mem.writeLe32(addr + 8, NO_DOORBELL);
        }
      }
    }
    if (!tables.collections().isEmpty()) {
      ItsBaser ct = require(regs, ItsTableType.COLLECTION);
      for (ItsCollection c : tables.collections()) {
        if (!c.isMapped() || c.targetCpu() > 0xffff) {
          throw VmStateEncodeException.notRepresentable(
              "collection " + c.icid() + ": target " + c.targetCpu() + " does not fit 16 bits");
        }
        long at = addressing(ct).entryAddress(mem, c.icid());
        if (at < 0) {
          throw noSlot("collection", c.icid());
        }
        mem.writeLe64(at, 1 | (c.targetCpu() << 1));
      }
    }
  }

  private static VmStateEncodeException noSlot(String what, long id) {
    return VmStateEncodeException.notRepresentable(
        what
            + " "
            + id
            + " has no slot in its table (outside it, or its level-2 page is not allocated)");
  }

  private static ItsBaser require(ItsState regs, ItsTableType type) throws VmStateEncodeException {
    ItsBaser b = regs.table(type);
    if (b == null) {
      throw VmStateEncodeException.notRepresentable("no valid " + type + " table BASER");
    }
    return b;
  }
}
