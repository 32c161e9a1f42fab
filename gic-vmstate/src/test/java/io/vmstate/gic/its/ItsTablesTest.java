package io.vmstate.gic.its;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ItsTablesTest {
  static final long RAM = 0x4000_0000L;
  static final long DT = RAM + 0x10_0000;
  static final long CT = RAM + 0x20_0000;
  static final long ITT0 = RAM + 0x30_0000;
  static final long ITT1 = RAM + 0x30_1000;
  static final long L2 = RAM + 0x40_0000;

  static ItsState regs(boolean indirect, int pageSize) {
    ItsState s = new ItsState();
    s.setBaser(0, ItsBaser.encode(ItsTableType.DEVICE, indirect, 8, pageSize, DT, 1));
    s.setBaser(1, ItsBaser.encode(ItsTableType.COLLECTION, false, 8, pageSize, CT, 1));
    return s;
  }

  static ItsTables sample() {
    return new ItsTables(
        List.of(
            new ItsDevice(
                0x10,
                ITT0,
                4,
                List.of(ItsEvent.physical(0, 8192, 1), ItsEvent.physical(9, 8200, 0))),
            new ItsDevice(3, ITT1, 2, List.of(ItsEvent.physical(3, 8300, 1)))),
        List.of(new ItsCollection(1, 2), new ItsCollection(0, 0)));
  }

  static ByteArrayGuestMemory ram() {
    return ByteArrayGuestMemory.zeroed(RAM, 0x50_0000);
  }

  @Test
  void kvmLayoutRoundTripsFlatAndIndirect() throws Exception {
    for (boolean indirect : new boolean[] {false, true}) {
      ItsState regs = regs(indirect, 65536);
      ByteArrayGuestMemory mem = ram();
      if (indirect) {
        mem.writeLe64(DT, TableAddressing.L1_VALID | L2);
      }
      KvmItsLayout.INSTANCE.write(sample(), regs, mem);
      ItsTables back = KvmItsLayout.INSTANCE.read(regs, mem, 4);
      assertEquals(sample(), back);
    }
  }

  @Test
  void kvmEntriesAreTheAbisBits() throws Exception {
    ItsState regs = regs(false, 65536);
    ByteArrayGuestMemory mem = ram();
    KvmItsLayout.INSTANCE.write(sample(), regs, mem);
    // device 3 (first, next device 0x10 is 13 IDs on): V | next 13 | ITT >> 8 | size 1
    assertEquals((1L << 63) | (13L << 49) | ((ITT1 >>> 8) << 5) | 1, mem.readLe64(DT + 3 * 8));
    assertEquals((1L << 63) | ((ITT0 >>> 8) << 5) | 3, mem.readLe64(DT + 0x10 * 8), "last: next 0");
    // device 0x10 event 0: next 9, LPI 8192, ICID 1
    assertEquals((9L << 48) | (8192L << 16) | 1, mem.readLe64(ITT0));
    // collections packed in list order, then a zero terminator
    assertEquals((1L << 63) | (2L << 16) | 1, mem.readLe64(CT));
    assertEquals((1L << 63) | 0, mem.readLe64(CT + 8));
    assertEquals(0, mem.readLe64(CT + 16));
  }

  @Test
  void tcgLayoutRoundTripsFlatAndIndirect() throws Exception {
    for (boolean indirect : new boolean[] {false, true}) {
      ItsState regs = regs(indirect, 4096);
      ByteArrayGuestMemory mem = ram();
      if (indirect) {
        mem.writeLe64(DT, TableAddressing.L1_VALID | L2);
      }
      ItsTables withVirtual =
          new ItsTables(
              List.of(
                  new ItsDevice(
                      7,
                      ITT0,
                      3,
                      List.of(ItsEvent.physical(1, 8193, 0), new ItsEvent(2, 40, 0, 5)))),
              List.of(new ItsCollection(0, 1), new ItsCollection(3, 0)));
      QemuTcgItsLayout.INSTANCE.write(withVirtual, regs, mem);
      assertEquals(withVirtual, QemuTcgItsLayout.INSTANCE.read(regs, mem, 2));
    }
  }

  @Test
  void tcgEntriesAreQemusBits() throws Exception {
    ItsState regs = regs(false, 65536);
    ByteArrayGuestMemory mem = ram();
    QemuTcgItsLayout.INSTANCE.write(sample(), regs, mem);
    assertEquals(1 | (3L << 1) | ((ITT0 >>> 8) << 6), mem.readLe64(DT + 0x10 * 8));
    assertEquals(1 | 2 | (8200L << 2) | (0L << 32), mem.readLe64(ITT0 + 9 * 12), "12-byte stride");
    assertEquals(1023, mem.readLe32(ITT0 + 9 * 12 + 8), "no doorbell");
    assertEquals(1 | (2L << 1), mem.readLe64(CT + 8), "CTE at index ICID 1");
  }

  @Test
  void kvmRestoreRules() throws Exception {
    ItsState regs = regs(false, 65536);
    ByteArrayGuestMemory mem = ram();
    KvmItsLayout.INSTANCE.write(sample(), regs, mem);
    VmStateDecodeException e =
        assertThrows(VmStateDecodeException.class, () -> KvmItsLayout.INSTANCE.read(regs, mem, 2));
    assertEquals(
        "KVM ITS restore would fail with -EINVAL: collection 1 targets CPU 2 but only 2 are online",
        e.getMessage());

    ByteArrayGuestMemory dup = ram();
    KvmItsLayout.INSTANCE.write(
        new ItsTables(List.of(), List.of(new ItsCollection(1, 0), new ItsCollection(1, 1))),
        regs,
        dup);
    e = assertThrows(VmStateDecodeException.class, () -> KvmItsLayout.INSTANCE.read(regs, dup, 4));
    assertTrue(e.getMessage().contains("-EEXIST: collection 1 appears twice"), e.getMessage());

    mem.writeLe64(ITT0, (9L << 48) | (100L << 16) | 1);
    e = assertThrows(VmStateDecodeException.class, () -> KvmItsLayout.INSTANCE.read(regs, mem, 4));
    assertTrue(
        e.getMessage().contains("-EINVAL: device 16 event 0 maps pINTID 100"), e.getMessage());

    mem.writeLe64(ITT0, (16L << 48) | (8192L << 16) | 1);
    e = assertThrows(VmStateDecodeException.class, () -> KvmItsLayout.INSTANCE.read(regs, mem, 4));
    assertTrue(e.getMessage().contains("past the end of its 16-entry ITT"), e.getMessage());

    mem.writeLe64(ITT0, (9L << 48) | (8192L << 16) | 7);
    e = assertThrows(VmStateDecodeException.class, () -> KvmItsLayout.INSTANCE.read(regs, mem, 4));
    assertTrue(e.getMessage().contains("uses collection 7, which is not in the collection table"));
  }

  @Test
  void kvmScanStepsOverInvalidEntriesWhenTheGapIsCapped() throws Exception {
    ItsState regs = regs(false, 65536);
    regs.setBaser(0, ItsBaser.encode(ItsTableType.DEVICE, false, 8, 65536, DT, 4));
    ByteArrayGuestMemory mem = ram();
    ItsTables far =
        new ItsTables(
            List.of(
                new ItsDevice(0, ITT0, 1, List.of(ItsEvent.physical(0, 9000, 0))),
                new ItsDevice(20000, ITT1, 1, List.of(ItsEvent.physical(1, 9001, 0)))),
            List.of(new ItsCollection(0, 0)));
    KvmItsLayout.INSTANCE.write(far, regs, mem);
    assertEquals(16383L, (mem.readLe64(DT) >>> 49) & 0x3fff, "next clamped to 2^14-1");
    assertEquals(far, KvmItsLayout.INSTANCE.read(regs, mem, 1));
  }

  @Test
  void writersRefuseWhatTheLayoutCannotCarry() {
    ItsState regs = regs(true, 65536);
    VmStateEncodeException e =
        assertThrows(
            VmStateEncodeException.class, () -> KvmItsLayout.INSTANCE.write(sample(), regs, ram()));
    assertTrue(e.getMessage().contains("level-2 page is not allocated"), e.getMessage());
    ItsTables virt =
        new ItsTables(
            List.of(new ItsDevice(1, ITT0, 2, List.of(new ItsEvent(0, 40, 0, 3)))), List.of());
    assertThrows(
        VmStateEncodeException.class,
        () -> KvmItsLayout.INSTANCE.write(virt, regs(false, 65536), ram()));
  }

  @Test
  void pagedMemoryReportsPagesThatDidNotTravel() throws Exception {
    ItsState regs = regs(false, 65536);
    PagedGuestMemory pages = new PagedGuestMemory(4096, false);
    KvmItsLayout.INSTANCE.write(sample(), regs, pages);
    assertEquals(sample(), KvmItsLayout.INSTANCE.read(regs, pages, 4));
    PagedGuestMemory partial = new PagedGuestMemory(4096, false);
    for (Map.Entry<Long, byte[]> p : pages.pages().entrySet()) {
      if (p.getKey() != ITT0) {
        partial.page(p.getKey(), p.getValue(), 0, 4096);
      }
    }
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class, () -> KvmItsLayout.INSTANCE.read(regs, partial, 4));
    assertTrue(e.getMessage().contains("page 0x40300000 was not in the stream"), e.getMessage());
  }

  @Test
  void snapshotJoinsTablesPropertiesAndPendingBits() throws Exception {
    GicV3State gic = new GicV3State(GicV3Config.kvm(3));
    long prop = RAM + 0x1_0000;
    for (int cpu = 0; cpu < 3; cpu++) {
      gic.redistributor(cpu).setPropbaser(prop | 15); // 16 INTID bits
      gic.redistributor(cpu).setPendbaser(RAM + 0x100_0000L + cpu * 0x1_0000L);
      gic.redistributor(cpu).setCtlr(1);
    }
    ByteArrayGuestMemory mem = ByteArrayGuestMemory.zeroed(RAM, 0x200_0000);
    ItsState its = regs(false, 65536);
    its.setIidr(ItsState.KVM_IIDR_ABI_REV0);
    KvmItsLayout.INSTANCE.write(sample(), its, mem);
    mem.writeU8(prop + (8200 - 8192), 0xa1);
    mem.writeU8(prop + (9000 - 8192), 0x41);
    long pend2 = RAM + 0x100_0000L + 2 * 0x1_0000L;
    mem.writeU8(pend2 + 8300 / 8, 1 << (8300 % 8));
    mem.writeU8(pend2 + 10, 0xff); // below 8192: reserved, ignored
    ItsSnapshot s = ItsTableReader.read(its, gic, mem);
    assertEquals("kvm-abi-rev0", s.layout());
    assertEquals(
        List.of(
            new ItsSnapshot.LpiProperty(8192, 0, false),
            new ItsSnapshot.LpiProperty(8200, 0xa0, true),
            new ItsSnapshot.LpiProperty(8300, 0, false),
            new ItsSnapshot.LpiProperty(9000, 0x40, true)),
        s.lpiProperties());
    assertEquals(List.of(), s.pending().get(0).lpis());
    assertEquals(List.of(8300), s.pending().get(2).lpis());
    Map<String, Object> json = s.toMap();
    assertEquals(
        "{event_id=3, lpi=8300, icid=1, target_cpu=2}",
        ((List<?>) ((Map<?, ?>) ((List<?>) json.get("devices")).get(0)).get("events"))
            .get(0)
            .toString());
  }
}
