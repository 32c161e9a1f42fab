package io.vmstate.gic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDescription;
import io.vmstate.codec.GenericBinding;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.testing.QemuStreams;
import io.vmstate.gic.testing.SectionScanner;
import io.vmstate.gic.testing.SectionScanner.Section;
import io.vmstate.gic.testing.WireChecks;
import io.vmstate.gic.v2.GicV2Config;
import io.vmstate.gic.v2.GicV2State;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3CpuState;
import io.vmstate.gic.v3.GicV3State;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Sections written by the installed qemu-system-aarch64 (7.2) decode through the typed
 * descriptions, consume exactly the section body (the footer follows), re-encode byte-identically
 * and agree with the generic binding.
 */
class RealQemuSectionsTest {

  static <T> T decode(byte[] stream, String idstr, VmStateDescription<T> d, T target)
      throws Exception {
    Section s =
        SectionScanner.find(stream, idstr).orElseThrow(() -> new AssertionError("no " + idstr));
    assertEquals(0, s.instance());
    assertEquals(d.version(), s.version());
    WireInput in = WireInput.of(stream, s.bodyOffset(), stream.length - s.bodyOffset());
    VmStateCodec.DEFAULT.load(d, target, in, s.version());
    int end = s.bodyOffset() + (int) in.position();
    assertTrue(
        SectionScanner.footerAt(stream, end, s), idstr + ": the body must end at the footer");
    byte[] body = Arrays.copyOfRange(stream, s.bodyOffset(), end);
    assertArrayEquals(body, VmStateCodec.DEFAULT.saveToBytes(d, target), idstr + " re-encode");
    StateRecord generic = new StateRecord(d.name());
    VmStateDescription<StateRecord> mirror = GenericBinding.mirror(d);
    if (d == (Object) GicV3State.DESCRIPTION) {
      generic.setConfig("num_cpu", ((GicV3State) target).numCpu());
    }
    VmStateCodec.DEFAULT.load(mirror, generic, body, s.version());
    assertArrayEquals(body, VmStateCodec.DEFAULT.saveToBytes(mirror, generic));
    WireChecks.loadAndReencode(d, () -> target, body, s.version());
    return target;
  }

  @Test
  void gicV2ThreeCpus() throws Exception {
    byte[] stream = QemuStreams.stream("gic-version=2", "cortex-a15", 3);
    GicV2State g =
        decode(
            stream,
            "arm_gic",
            GicV2State.DESCRIPTION,
            new GicV2State(GicV2Config.virtBoard(3, false)));
    for (int cpu = 0; cpu < 3; cpu++) {
      assertEquals(GicV2State.IDLE_PRIORITY, g.cpuInterface(cpu).runningPriority());
      assertEquals(GicV2State.SPURIOUS_IRQ, g.cpuInterface(cpu).currentPending());
    }
    assertTrue(g.isEnabled(0, 7) && g.isEdgeTriggered(15), "SGIs reset enabled and edge");
  }

  @Test
  void gicV2WithVirtualizationExtensions() throws Exception {
    byte[] stream = QemuStreams.stream("gic-version=2,virtualization=on", "cortex-a15", 2);
    GicV2State g =
        decode(
            stream,
            "arm_gic",
            GicV2State.DESCRIPTION,
            new GicV2State(GicV2Config.virtBoard(2, true)));
    assertEquals(2, g.virtualCpuInterface(1).binaryPoint(), "vCPU BPR reset minimum");
    assertEquals(3, g.virtualCpuInterface(1).aliasedBinaryPoint());
  }

  @Test
  void gicV3AndItsThreeCpus() throws Exception {
    byte[] stream = QemuStreams.stream("gic-version=3", "cortex-a57", 3);
    GicV3State g =
        decode(stream, "arm_gicv3", GicV3State.DESCRIPTION, new GicV3State(GicV3Config.tcg(3)));
    for (int cpu = 0; cpu < 3; cpu++) {
      assertEquals(GicV3CpuState.GICR_WAKER_RESET, g.redistributor(cpu).waker());
      assertTrue(g.redistributor(cpu).isEdgeTriggered(0));
    }
    ItsState its = decode(stream, "arm_gicv3_its", ItsState.DESCRIPTION, new ItsState());
    assertEquals(0, its.iidr(), "TCG streams carry iidr 0");
  }

  @Test
  void gicV3WithEl2ListRegisters() throws Exception {
    byte[] stream = QemuStreams.stream("gic-version=3,virtualization=on", "max", 2);
    decode(
        stream,
        "arm_gicv3",
        GicV3State.DESCRIPTION,
        new GicV3State(GicV3Config.tcg(2).withListRegs(4)));
  }

  @Test
  void gicV4() throws Exception {
    byte[] stream = QemuStreams.stream("gic-version=4,virtualization=on", "max", 2);
    decode(
        stream,
        "arm_gicv3",
        GicV3State.DESCRIPTION,
        new GicV3State(GicV3Config.tcg(2).withListRegs(4).withRevision(4)));
  }

  @Test
  void gicV3SixtyFourCpus() throws Exception {
    byte[] stream = QemuStreams.stream("gic-version=3", "cortex-a57", 64);
    GicV3State g =
        decode(stream, "arm_gicv3", GicV3State.DESCRIPTION, new GicV3State(GicV3Config.tcg(64)));
    assertEquals(0x300 | 15, g.redistributor(63).affinity());
  }
}
