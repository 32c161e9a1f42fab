package io.vmstate.gic.v2;

import static io.vmstate.gic.testing.WireChecks.loadAndReencode;
import static io.vmstate.gic.testing.WireChecks.save;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.gic.testing.WireChecks;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GicV2StateTest {
  static final int MAIN = 9888;
  static final int VIRT_BODY = 2240;
  static final int VIRT_HEADER = 1 + 1 + "arm_gic_virt_state".length() + 4;

  /** A GIC whose every CPU has its own values, so a "saved as CPU 0" bug shows. */
  static GicV2State programmed(GicV2Config cfg) {
    GicV2State g = new GicV2State(cfg);
    g.setDistributorControl(3);
    for (int cpu = 0; cpu < cfg.numCpu(); cpu++) {
      g.setPriority(27, cpu, 0x10 + 8 * cpu);
      g.setEnabled(27, cpu, cpu % 2 == 0);
      g.setPending(5, cpu, true);
      g.setSgiSources(3, cpu, 1 << ((cpu + 1) % cfg.numCpu()));
      GicV2State.CpuInterface ci = g.cpuInterface(cpu);
      ci.setControl(1 + cpu);
      ci.setPriorityMask(0xf0 - cpu);
      ci.setBinaryPoint(2 + cpu % 3);
      ci.setActivePriority(1, 0x100 << cpu);
      ci.setNonSecureActivePriority(3, cpu + 7);
      if (cfg.virtExtensions()) {
        g.virtualCpuInterface(cpu).setControl(0x200 + cpu);
        g.virtualCpuInterface(cpu).setPriorityMask(0xe0 + cpu);
        GicV2State.HypervisorInterface h = g.hypervisorInterface(cpu);
        h.setHcr(1 + cpu);
        h.setListRegister(2, 0x1000_0000 | (40 + cpu));
        h.setApr(cpu * 3);
      }
    }
    g.setPriority(100, 0, 0xa0);
    g.setEnabled(100, 0, true);
    g.setTargets(100, 0b10);
    g.setEdgeTriggered(100, true);
    g.setGroup(100, 0, 1);
    return g;
  }

  @Test
  void mainBodyIs9888Bytes() throws Exception {
    assertEquals(
        MAIN, save(GicV2State.DESCRIPTION, new GicV2State(new GicV2Config(2, 288, false))).length);
  }

  @Test
  void virtSubsectionBodyIs2240Bytes() throws Exception {
    byte[] b = save(GicV2State.DESCRIPTION, new GicV2State(new GicV2Config(2, 288, true)));
    assertEquals(MAIN + VIRT_HEADER + VIRT_BODY, b.length);
    assertEquals(0x05, b[MAIN]);
    assertEquals(
        "arm_gic_virt_state", new String(b, MAIN + 2, b[MAIN + 1], StandardCharsets.ISO_8859_1));
  }

  @Test
  void mainSectionIsIdenticalWithAndWithoutVirtualization() throws Exception {
    GicV2State plain = programmed(new GicV2Config(4, 288, false));
    GicV2State virt = programmed(new GicV2Config(4, 288, true));
    byte[] a = save(GicV2State.DESCRIPTION, plain);
    byte[] b = save(GicV2State.DESCRIPTION, virt);
    assertArrayEquals(a, java.util.Arrays.copyOf(b, MAIN));
  }

  @Test
  void roundTripKeepsPerCpuValues() throws Exception {
    for (boolean virt : new boolean[] {false, true}) {
      GicV2Config cfg = new GicV2Config(4, 288, virt);
      byte[] bytes = save(GicV2State.DESCRIPTION, programmed(cfg));
      GicV2State g = loadAndReencode(GicV2State.DESCRIPTION, () -> new GicV2State(cfg), bytes, 12);
      for (int cpu = 0; cpu < 4; cpu++) {
        assertEquals(0x10 + 8 * cpu, g.priority(27, cpu));
        assertEquals(cpu % 2 == 0, g.isEnabled(27, cpu));
        assertEquals(1 + cpu, g.cpuInterface(cpu).control());
        assertEquals(0x100 << cpu, g.cpuInterface(cpu).activePriority(1));
        assertEquals(1 << ((cpu + 1) % 4), g.sgiSources(3, cpu));
        if (virt) {
          assertEquals(0x200 + cpu, g.virtualCpuInterface(cpu).control());
          assertEquals(0x1000_0000 | (40 + cpu), g.hypervisorInterface(cpu).listRegister(2));
        }
      }
      assertNotEquals(g.priority(27, 0), g.priority(27, 1));
      assertEquals(0b10, g.targets(100));
      assertTrue(g.isEnabled(100, 7), "an SPI's enable is shared by all CPUs");
      assertEquals(1, g.group(100, 3));
    }
  }

  @Test
  void wireLayoutPlacesFieldsWhereQemuDoes() throws Exception {
    GicV2State g = new GicV2State(new GicV2Config(2, 288, false));
    g.setPriority(33, 0, 0x5a);
    g.cpuInterface(1).setPriorityMask(0x1234);
    byte[] b = save(GicV2State.DESCRIPTION, g);
    int priority2 = 4 + 32 + 7140 + 1020 + 256;
    assertEquals(0x5a, b[priority2 + 1] & 0xff);
    int priorityMask = priority2 + 988 + 128;
    assertEquals(0x12, b[priorityMask + 2]);
    assertEquals(0x34, b[priorityMask + 3]);
    // irq_state[0] (SGI 0): enabled for all CPUs, edge-triggered, per QEMU reset.
    assertArrayEquals(
        new byte[] {(byte) 0xff, 0, 0, 0, 0, 1, 0}, java.util.Arrays.copyOfRange(b, 36, 43));
  }

  @Test
  void truncationsFailAndLeaveTargetUntouched() throws Exception {
    GicV2Config cfg = new GicV2Config(2, 288, true);
    byte[] bytes = save(GicV2State.DESCRIPTION, programmed(cfg));
    WireChecks.truncationsFail(GicV2State.DESCRIPTION, () -> new GicV2State(cfg), bytes, 12);
  }

  @Test
  void versionOutsideTwelveIsRefused() throws Exception {
    GicV2Config cfg = new GicV2Config(1, 288, false);
    byte[] bytes = save(GicV2State.DESCRIPTION, new GicV2State(cfg));
    assertThrows(
        io.vmstate.api.VersionMismatchException.class,
        () -> VmStateCodec.DEFAULT.load(GicV2State.DESCRIPTION, new GicV2State(cfg), bytes, 11));
  }

  @Test
  void virtSubsectionAtDestinationWithoutExtensionsFails() throws Exception {
    byte[] bytes = save(GicV2State.DESCRIPTION, programmed(new GicV2Config(2, 288, true)));
    GicV2State dest = new GicV2State(new GicV2Config(2, 288, false));
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(GicV2State.DESCRIPTION, dest, bytes, 12));
    assertTrue(
        e.getMessage()
            .contains(
                "input validation failed: GIC configuration mismatch: virtualization extensions:"
                    + " stream present (arm_gic_virt_state), destination absent"),
        e.getMessage());
    assertTrue(e.fieldPath().startsWith("arm_gic/"), e.fieldPath());
  }

  @Test
  void missingVirtSubsectionAtDestinationWithExtensionsFails() throws Exception {
    byte[] bytes = save(GicV2State.DESCRIPTION, programmed(new GicV2Config(2, 288, false)));
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                VmStateCodec.DEFAULT.load(
                    GicV2State.DESCRIPTION,
                    new GicV2State(new GicV2Config(2, 288, true)),
                    bytes,
                    12));
    assertTrue(
        e.getMessage()
            .contains(
                "virtualization extensions: stream absent (no arm_gic_virt_state), destination present"),
        e.getMessage());
  }

  @Test
  void cpuCountMismatchNamesBothValues() throws Exception {
    byte[] four = save(GicV2State.DESCRIPTION, programmed(new GicV2Config(4, 288, false)));
    GicV2State two = new GicV2State(new GicV2Config(2, 288, false));
    byte[] before = save(GicV2State.DESCRIPTION, two);
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(GicV2State.DESCRIPTION, two, four, 12));
    assertTrue(
        e.getMessage().contains("number of CPUs: stream 4 CPU interfaces in use, destination 2"),
        e.getMessage());
    assertArrayEquals(before, save(GicV2State.DESCRIPTION, two), "nothing applied");
    byte[] one = save(GicV2State.DESCRIPTION, new GicV2State(new GicV2Config(1, 288, false)));
    e =
        assertThrows(
            VmStateDecodeException.class,
            () -> VmStateCodec.DEFAULT.load(GicV2State.DESCRIPTION, two, one, 12));
    assertTrue(e.getMessage().contains("stream 1 CPU interfaces in use, destination 2"));
  }

  @Test
  void irqCountMismatchNamesTheIrq() throws Exception {
    GicV2State big = new GicV2State(new GicV2Config(1, 1020, false));
    big.setEnabled(500, 0, true);
    byte[] bytes = save(GicV2State.DESCRIPTION, big);
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                VmStateCodec.DEFAULT.load(
                    GicV2State.DESCRIPTION,
                    new GicV2State(new GicV2Config(1, 288, false)),
                    bytes,
                    12));
    assertTrue(
        e.getMessage()
            .contains("number of IRQs: stream state for IRQ 500, so at least 501, destination 288"),
        e.getMessage());
  }

  @Test
  void genericMirrorReadsTheSameValues() throws Exception {
    GicV2Config cfg = new GicV2Config(3, 288, true);
    byte[] bytes = save(GicV2State.DESCRIPTION, programmed(cfg));
    StateRecord r = new StateRecord("arm_gic");
    VmStateCodec.DEFAULT.load(GenericBinding.mirror(GicV2State.DESCRIPTION), r, bytes, 12);
    assertArrayEquals(
        bytes, VmStateCodec.DEFAULT.saveToBytes(GenericBinding.mirror(GicV2State.DESCRIPTION), r));
    assertTrue(r.hasSubsection("arm_gic_virt_state"));
    assertEquals(3, r.bits("ctlr"));
  }

  @Test
  void accessorsRejectOutOfRangeArguments() {
    GicV2State g = new GicV2State(new GicV2Config(2, 288, false));
    assertThrows(IndexOutOfBoundsException.class, () -> g.priority(1020, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> g.isEnabled(3, 8));
    assertThrows(IllegalArgumentException.class, () -> g.setTargets(5, 1));
    assertThrows(IllegalStateException.class, () -> g.virtualCpuInterface(0));
    assertFalse(g.isPending(40, 1));
  }
}
