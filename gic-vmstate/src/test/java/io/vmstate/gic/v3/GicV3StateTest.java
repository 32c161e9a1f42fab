package io.vmstate.gic.v3;

import static io.vmstate.gic.testing.WireChecks.loadAndReencode;
import static io.vmstate.gic.testing.WireChecks.save;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.MigrationPriority;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.gic.testing.WireChecks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GicV3StateTest {
  static final int DIST = 10344;
  static final int CPU = 272;
  static final String SHIFT = "arm_gicv3/gicd_no_migration_shift_bug";
  static final int SHIFT_SUB = 1 + 1 + SHIFT.length() + 4 + 1;

  static GicV3State programmed(GicV3Config cfg) {
    GicV3State g = new GicV3State(cfg);
    g.setCtlr(0x12);
    for (int cpu = 0; cpu < cfg.numCpu(); cpu++) {
      GicV3CpuState c = g.redistributor(cpu);
      c.setPendbaser(0x4000_0000L + cpu * 0x10000L);
      c.setPropbaser(0x5000_0000L | 13);
      c.setPriority(27, 0x20 + cpu * 8);
      c.setEnabled(27, cpu % 2 == 1);
      c.setIccPmr(0xf0 - cpu);
      c.setIccApr(GicV3CpuState.GICV3_G1NS, 1, 0x10L << cpu);
      c.setIccIgrpen(GicV3CpuState.GICV3_G1NS, 1);
      if (cfg.numListRegs() > 0) {
        c.setIchLr(3, 0xa000_0000_0000_0000L | (100 + cpu));
        c.setIchVmcr(cpu + 1);
      }
      if (cfg.revision() > 3) {
        c.setVpendbaser(0x6000_0000L + cpu * 0x10000L);
      }
      if (cfg.nmi()) {
        c.setNmiMask(1 << cpu);
      }
    }
    g.setPriority(40, 0, 0xa0);
    g.setEnabled(40, 0, true);
    g.setGroup(40, 0, 1);
    g.routeTo(40, cfg.numCpu() - 1);
    g.setEdgeTriggered(41, 0, true);
    if (cfg.nmi()) {
      g.setNmi(40, true);
    }
    return g;
  }

  @Test
  void sizesAreQemus() throws Exception {
    GicV3State g = new GicV3State(GicV3Config.kvm(3));
    byte[] b = save(GicV3State.DESCRIPTION, g);
    assertEquals(DIST + 3 * CPU + SHIFT_SUB, b.length, "KVM-like: only the shift-bug subsection");
    assertEquals(
        SHIFT,
        new String(b, b.length - SHIFT_SUB + 2, SHIFT.length(), StandardCharsets.ISO_8859_1));
    assertEquals(1, b[b.length - 1], "writers send gicd_no_migration_shift_bug = 1");
    assertEquals(MigrationPriority.GICV3, GicV3State.DESCRIPTION.priority());
  }

  @Test
  void cpuSubsectionsFollowEachElementWhenNeeded() throws Exception {
    GicV3Config cfg = GicV3Config.tcg(2).withListRegs(4).withRevision(4);
    GicV3State g = programmed(cfg);
    g.redistributor(1).setIccSreEl1(0);
    byte[] b = save(GicV3State.DESCRIPTION, g);
    int virt = 1 + 1 + "arm_gicv3_cpu/virt".length() + 4 + 240;
    int sre = 1 + 1 + "arm_gicv3_cpu/sre_el1".length() + 4 + 8;
    int v4 = 1 + 1 + "arm_gicv3_cpu/gicv4".length() + 4 + 16;
    assertEquals(DIST + 2 * CPU + 2 * virt + sre + 2 * v4 + SHIFT_SUB, b.length);
    assertEquals(0x05, b[DIST + CPU], "cpu[0]'s subsections come right after its fields");
    assertEquals(
        "arm_gicv3_cpu/virt",
        new String(b, DIST + CPU + 2, b[DIST + CPU + 1], StandardCharsets.ISO_8859_1));
  }

  @Test
  void nmiSubsectionsOnlyWithNmiSupport() throws Exception {
    byte[] without = save(GicV3State.DESCRIPTION, programmed(GicV3Config.tcg(2)));
    assertFalse(new String(without, StandardCharsets.ISO_8859_1).contains("nmi"));
    byte[] with = save(GicV3State.DESCRIPTION, programmed(GicV3Config.tcg(2).withNmi(true)));
    String s = new String(with, StandardCharsets.ISO_8859_1);
    assertTrue(s.contains("arm_gicv3_cpu/nmi") && s.contains("arm_gicv3/gicd_nmi"));
    assertEquals(
        without.length
            + 2 * (2 + "arm_gicv3_cpu/nmi".length() + 4 + 4)
            + 2
            + "arm_gicv3/gicd_nmi".length()
            + 4
            + 128,
        with.length);
  }

  @Test
  void roundTripKeepsPerCpuValues() throws Exception {
    for (GicV3Config cfg :
        new GicV3Config[] {
          GicV3Config.kvm(4), GicV3Config.tcg(3).withListRegs(4).withRevision(4).withNmi(true)
        }) {
      byte[] bytes = save(GicV3State.DESCRIPTION, programmed(cfg));
      GicV3State g = loadAndReencode(GicV3State.DESCRIPTION, () -> new GicV3State(cfg), bytes, 1);
      for (int cpu = 0; cpu < cfg.numCpu(); cpu++) {
        GicV3CpuState c = g.redistributor(cpu);
        assertEquals(0x4000_0000L + cpu * 0x10000L, c.pendbaser());
        assertEquals(0x20 + cpu * 8, g.priority(27, cpu));
        assertEquals(cpu % 2 == 1, g.isEnabled(27, cpu));
        assertEquals(0x10L << cpu, c.iccApr(GicV3CpuState.GICV3_G1NS, 1));
        if (cfg.numListRegs() > 0) {
          assertEquals(0xa000_0000_0000_0000L | (100 + cpu), c.ichLr(3));
          assertEquals(0x6000_0000L + cpu * 0x10000L, c.vpendbaser());
          assertEquals(1 << cpu, c.nmiMask());
        }
      }
      assertNotEquals(g.redistributor(0).pendbaser(), g.redistributor(1).pendbaser());
      assertSame(g.redistributor(cfg.numCpu() - 1), g.routedCpu(40).orElseThrow());
      assertTrue(g.isEnabled(40, 0) && g.group(40, 0) == 1 && g.isEdgeTriggered(41, 0));
    }
  }

  @Test
  void redistributorLookupByAffinity() {
    GicV3State g = new GicV3State(GicV3Config.tcg(20));
    assertSame(g.redistributor(17), g.redistributorByAffinity(0x101).orElseThrow());
    assertEquals(0x101, g.redistributor(17).affinity());
    assertTrue(g.redistributorByAffinity(0x205).isEmpty());
    g.setRouter(50, GicV3State.IROUTER_IRM);
    assertTrue(g.routedCpu(50).isEmpty(), "IRM = 1 routes to any CPU");
  }

  @Test
  void sreEl1SubsectionOnlyWhenNotSevenAndDefaultsToSeven() throws Exception {
    GicV3Config cfg = GicV3Config.tcg(2);
    GicV3State src = new GicV3State(cfg);
    src.redistributor(0).setIccSreEl1(1);
    byte[] bytes = save(GicV3State.DESCRIPTION, src);
    assertEquals(DIST + 2 * CPU + (2 + 21 + 4 + 8) + SHIFT_SUB, bytes.length);
    GicV3State dst = new GicV3State(cfg);
    dst.redistributor(1).setIccSreEl1(0);
    VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, dst, bytes, 1);
    assertEquals(1, dst.redistributor(0).iccSreEl1());
    assertEquals(7, dst.redistributor(1).iccSreEl1(), "absent subsection: pre_load default 7");
  }

  /** A stream as QEMU before 3.0 under KVM wrote it: SPI n at bit n + 32, and no flag. */
  private static byte[] legacyStream(GicV3Config cfg, int spi) throws Exception {
    GicV3State g = new GicV3State(cfg);
    g.setEnabled(spi + 32, 0, true);
    g.setLevel(spi, 0, true);
    byte[] b = save(GicV3State.DESCRIPTION, g);
    return Arrays.copyOf(b, b.length - SHIFT_SUB);
  }

  @Test
  void kvmDestinationShiftsBitmapsOfLegacyStreams() throws Exception {
    GicV3Config kvm = GicV3Config.kvm(2).withAcceptPre30Streams(true);
    GicV3State g = new GicV3State(kvm);
    VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, g, legacyStream(kvm, 70), 1);
    assertTrue(g.isEnabled(70, 0), "enabled moved down by 32 bits");
    assertFalse(g.isEnabled(102, 0));
    assertTrue(g.isLevelHigh(70, 0), "level is not moved");
    assertTrue(g.noMigrationShiftBug());
  }

  @Test
  void tcgDestinationDoesNotShiftWithoutTheSubsection() throws Exception {
    GicV3Config tcg = GicV3Config.tcg(2).withAcceptPre30Streams(true).withNumIrq(1020);
    GicV3State g = new GicV3State(tcg);
    VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, g, legacyStream(tcg, 70), 1);
    assertTrue(g.isEnabled(102, 0));
    assertFalse(g.isEnabled(70, 0));
  }

  @Test
  void explicitFalseFlagShiftsOnAnyAccelerator() throws Exception {
    GicV3Config tcg = GicV3Config.tcg(1);
    GicV3State src = new GicV3State(tcg);
    src.setPending(64 + 32, 0, true);
    byte[] b = save(GicV3State.DESCRIPTION, src);
    b[b.length - 1] = 0;
    GicV3State g = new GicV3State(tcg);
    VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, g, b, 1);
    assertTrue(g.isPending(64, 0));
    assertEquals(1, save(GicV3State.DESCRIPTION, g)[b.length - 1], "saved again as fixed: 1");
  }

  @Test
  void cpuCountMismatchIsReported() throws Exception {
    byte[] three = save(GicV3State.DESCRIPTION, programmed(GicV3Config.kvm(3)));
    GicV3State two = new GicV3State(GicV3Config.kvm(2));
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, two, three, 1));
    assertTrue(
        e.getMessage().contains("GICv3 configuration mismatch: number of CPUs"), e.getMessage());
    assertTrue(e.getMessage().contains("destination 2 CPUs"), e.getMessage());
    GicV3State four = new GicV3State(GicV3Config.kvm(4));
    assertThrows(
        VmStateDecodeException.class,
        () -> VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, four, three, 1));
  }

  @Test
  void featureMismatchesNameTheCpuAndBothSides() throws Exception {
    GicV3Config plain = GicV3Config.tcg(2);
    byte[] withVirt = save(GicV3State.DESCRIPTION, programmed(plain.withListRegs(4)));
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                VmStateCodec.DEFAULT.load(
                    GicV3State.DESCRIPTION, new GicV3State(plain), withVirt, 1));
    assertTrue(
        e.getMessage()
            .contains(
                "virtualization (list registers) of cpu[0] (affinity 0x0): stream present"
                    + " (arm_gicv3_cpu/virt), destination absent"),
        e.getMessage());
    byte[] noVirt = save(GicV3State.DESCRIPTION, programmed(plain));
    e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                VmStateCodec.DEFAULT.load(
                    GicV3State.DESCRIPTION, new GicV3State(plain.withListRegs(4)), noVirt, 1));
    assertTrue(
        e.getMessage().contains("stream absent (no arm_gicv3_cpu/virt), destination present"));
    byte[] v4 = save(GicV3State.DESCRIPTION, programmed(plain.withRevision(4)));
    e =
        assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, new GicV3State(plain), v4, 1));
    assertTrue(e.getMessage().contains("GICv4 (revision 3) of cpu[0]"), e.getMessage());
    byte[] nmi = save(GicV3State.DESCRIPTION, programmed(plain.withNmi(true)));
    e =
        assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, new GicV3State(plain), nmi, 1));
    assertTrue(e.getMessage().contains("NMI support"), e.getMessage());
    e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                VmStateCodec.DEFAULT.load(
                    GicV3State.DESCRIPTION, new GicV3State(plain.withNmi(true)), noVirt, 1));
    assertTrue(e.getMessage().contains("NMI support"), e.getMessage());
  }

  @Test
  void irqCountMismatchNamesTheIntid() throws Exception {
    GicV3State big = new GicV3State(GicV3Config.kvm(1).withNumIrq(1020));
    big.setPriority(900, 0, 0x80);
    byte[] bytes = save(GicV3State.DESCRIPTION, big);
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                VmStateCodec.DEFAULT.load(
                    GicV3State.DESCRIPTION, new GicV3State(GicV3Config.kvm(1)), bytes, 1));
    assertTrue(
        e.getMessage()
            .contains(
                "number of IRQs: stream state for INTID 900, so at least 901, destination 288"),
        e.getMessage());
  }

  /**
   * Where top-level field {@code name} of {@code g}'s save starts, as the codec's observer says.
   */
  private static long fieldStart(GicV3State g, String name) throws Exception {
    long[] at = {-1};
    VmStateCodec.DEFAULT.save(
        GicV3State.DESCRIPTION,
        g,
        io.vmstate.codec.WireOutput.toBytes(),
        new io.vmstate.codec.SaveObserver() {
          @Override
          public void beginField(
              io.vmstate.api.Field<?> f, int index, int count, boolean isNull, long position) {
            if (at[0] < 0 && f.name().equals(name)) {
              at[0] = position;
            }
          }
        });
    assertTrue(at[0] >= 0, name + " not saved");
    return at[0];
  }

  /**
   * The num-irq check runs after the whole section is read, but points at the word that gave the
   * SPI its state (issue #15), not at the end of arm_gicv3: its offset and its path.
   */
  @Test
  void irqCountMismatchPointsAtTheWord() throws Exception {
    record Case(
        java.util.function.Consumer<GicV3State> program, String field, int index, int size) {}
    List<Case> cases =
        List.of(
            new Case(g -> g.setRouter(300, 1), "gicd_irouter", 300, 8),
            new Case(g -> g.setPriority(900, 0, 0x80), "gicd_ipriority", 900, 1),
            new Case(g -> g.setGroup(320, 0, 1), "group", 10, 4),
            new Case(g -> g.setLevel(1000, 0, true), "level", 31, 4));
    for (Case c : cases) {
      GicV3State big = new GicV3State(GicV3Config.tcg(2).withNumIrq(1020));
      c.program().accept(big);
      byte[] bytes = save(GicV3State.DESCRIPTION, big);
      long expected = fieldStart(big, c.field()) + (long) c.index() * c.size();
      VmStateDecodeException e =
          assertThrows(
              VmStateDecodeException.class,
              () ->
                  VmStateCodec.DEFAULT.load(
                      GicV3State.DESCRIPTION, new GicV3State(GicV3Config.tcg(2)), bytes, 1));
      assertTrue(e.getMessage().contains("number of IRQs"), e.getMessage());
      assertEquals(expected, e.offset(), e.getMessage());
      assertEquals("arm_gicv3/" + c.field() + "[" + c.index() + "]", e.fieldPath());
      byte[] word = Arrays.copyOfRange(bytes, (int) expected, (int) expected + c.size());
      assertFalse(Arrays.equals(new byte[c.size()], word), "the word carries the state");
    }
  }

  /** A KVM destination shifts pre-3.0 bitmaps down a word: the error names the word on the wire. */
  @Test
  void irqCountMismatchAfterTheShiftFixUpNamesTheWireWord() throws Exception {
    GicV3State big = new GicV3State(GicV3Config.kvm(1).withNumIrq(1020));
    big.setEnabled(320, 0, true); // word 10, sent as word 11 by a pre-3.0 source
    big.setBitmapWord(GicV3State.Bitmap.ENABLED, 11, big.bitmapWord(GicV3State.Bitmap.ENABLED, 10));
    big.setBitmapWord(GicV3State.Bitmap.ENABLED, 10, 0);
    byte[] withSub = save(GicV3State.DESCRIPTION, big);
    // drop the always-sent shift-bug subsection: the stream of a QEMU before 3.0
    String name = "arm_gicv3/gicd_no_migration_shift_bug";
    int sub = withSub.length - (2 + name.length() + 4 + 1);
    assertEquals(0x05, withSub[sub]);
    byte[] old = Arrays.copyOf(withSub, sub);
    GicV3State dest = new GicV3State(GicV3Config.kvm(1).withAcceptPre30Streams(true));
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, dest, old, 1));
    assertEquals("arm_gicv3/enabled[11]", e.fieldPath(), e.getMessage());
    assertEquals(fieldStart(big, "enabled") + 11 * 4, e.offset());
  }

  @Test
  void wireLayoutOfDistributorBitmaps() throws Exception {
    GicV3State g = new GicV3State(GicV3Config.tcg(1));
    g.setEnabled(33, 0, true);
    g.setRouter(33, 0x0000_0001_0203_0405L);
    byte[] b = save(GicV3State.DESCRIPTION, g);
    int enabled = 4 + 8 + 2 * 128;
    assertEquals(2, ByteBuffer.wrap(b).getInt(enabled + 4), "bit 33 = word 1 bit 1");
    int irouter = 12 + 7 * 128 + 1020;
    assertEquals(0x0000_0001_0203_0405L, ByteBuffer.wrap(b).getLong(irouter + 33 * 8));
  }

  @Test
  void truncationsFailAndLeaveTargetUntouched() throws Exception {
    GicV3Config cfg = GicV3Config.tcg(2).withListRegs(4);
    byte[] bytes = save(GicV3State.DESCRIPTION, programmed(cfg));
    WireChecks.truncationsFail(GicV3State.DESCRIPTION, () -> new GicV3State(cfg), bytes, 1);
  }
}
