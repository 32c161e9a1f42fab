package io.vmstate.gic;

import static io.vmstate.gic.RealQemuSectionsTest.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.its.ItsTableType;
import io.vmstate.gic.v2.GicV2Config;
import io.vmstate.gic.v2.GicV2State;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.testkit.Resources;
import org.junit.jupiter.api.Test;

/**
 * The committed QEMU 7.2 fixtures of the testkit (state programmed through qtest; expected values
 * from each fixture's .json manifest) decode through the typed descriptions, consume exactly the
 * section body and re-encode byte-identically.
 */
class FixtureSectionsTest {
  private static byte[] fixture(String name) {
    return Resources.bytes("/io/vmstate/testkit/streams/" + name + ".qemu");
  }

  @Test
  void gicv2OneCpu() throws Exception {
    GicV2State g =
        decode(
            fixture("gicv2-1cpu"),
            "arm_gic",
            GicV2State.DESCRIPTION,
            new GicV2State(GicV2Config.virtBoard(1, false)));
    assertEquals(1, g.distributorControl());
    assertEquals(0x50, g.priority(32, 0));
    assertEquals(0x80, g.priority(35, 0));
    assertEquals(1, g.targets(32));
    assertTrue(g.isEnabled(33, 0));
  }

  @Test
  void gicv2Virtualization() throws Exception {
    decode(
        fixture("gicv2-virt"),
        "arm_gic",
        GicV2State.DESCRIPTION,
        new GicV2State(GicV2Config.virtBoard(1, true)));
  }

  @Test
  void gicv3ItsFourCpus() throws Exception {
    byte[] s = fixture("gicv3-its-4cpu");
    GicV3State g =
        decode(s, "arm_gicv3", GicV3State.DESCRIPTION, new GicV3State(GicV3Config.tcg(4)));
    assertEquals(0x53, g.ctlr());
    for (int cpu = 0; cpu < 4; cpu++) {
      assertEquals(0x10 * (cpu + 1), g.priority(0, cpu), "SGI 0 priority differs per CPU");
      assertEquals(0x4046_0000L + cpu * 0x1_0000L, g.redistributor(cpu).pendbaser());
      assertEquals(0x4045_000dL, g.redistributor(cpu).propbaser());
      assertTrue(g.redistributor(cpu).lpisEnabled());
      assertTrue(g.isEnabled(cpu, cpu) && g.isEnabled(16 + cpu, cpu));
    }
    assertNotEquals(g.priority(1, 0), g.priority(1, 1));
    for (int spi = 33; spi <= 35; spi++) {
      assertSame(g.redistributor(spi - 32), g.routedCpu(spi).orElseThrow());
      assertEquals(0x50 + 0x10 * (spi - 32), g.priority(spi, 0));
    }
    ItsState its = decode(s, "arm_gicv3_its", ItsState.DESCRIPTION, new ItsState());
    assertTrue(its.isEnabled());
    assertEquals(0x8107_0000_4041_0200L, its.baser(0));
    assertEquals(0x4041_0000L, its.table(ItsTableType.DEVICE).physicalAddress());
    assertEquals(0x4042_0000L, its.table(ItsTableType.COLLECTION).physicalAddress());
    assertEquals(0x100, its.cwriter());
    assertEquals(0x100, its.creadr(), "all 8 commands processed");
  }

  @Test
  void gicv3SixtyFourCpus() throws Exception {
    decode(
        fixture("gicv3-64cpu"),
        "arm_gicv3",
        GicV3State.DESCRIPTION,
        new GicV3State(GicV3Config.tcg(64)));
  }

  @Test
  void gicv3OnVirt62() throws Exception {
    byte[] s = fixture("gicv3-virt-6.2");
    decode(s, "arm_gicv3", GicV3State.DESCRIPTION, new GicV3State(GicV3Config.tcg(2)));
  }
}
