package io.vmstate.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.gic.testing.WireChecks;
import org.junit.jupiter.api.Test;

class VcpuPowerStateTest {
  @Test
  void sectionNeededOnlyWhileSuspended() {
    VcpuPowerState p = new VcpuPowerState(1);
    assertFalse(VcpuPowerState.DESCRIPTION.isNeeded(p));
    p.powerOff();
    assertFalse(VcpuPowerState.DESCRIPTION.isNeeded(p), "STOPPED travels in QEMU's power byte");
    assertEquals(VcpuPowerState.QEMU_POWER_OFF, p.qemuPowerState());
    p.powerOn();
    p.suspend();
    assertTrue(VcpuPowerState.DESCRIPTION.isNeeded(p));
    assertEquals(VcpuPowerState.QEMU_POWER_ON, p.qemuPowerState());
  }

  @Test
  void wakeupIsStickyUntilUserspaceResumes() {
    VcpuPowerState p = new VcpuPowerState(0);
    p.suspend();
    p.onWakeupEvent();
    assertEquals(VcpuPowerState.MpState.SUSPENDED, p.state());
    assertTrue(p.wakeupPending());
    p.resume();
    assertEquals(VcpuPowerState.MpState.RUNNABLE, p.state());
    assertFalse(p.wakeupPending());
    assertThrows(IllegalStateException.class, p::onWakeupEvent);
  }

  @Test
  void suspendedStateRoundTripsPerCpu() throws Exception {
    VcpuPowerState[] cpus = {new VcpuPowerState(0), new VcpuPowerState(1)};
    cpus[0].suspend();
    cpus[1].suspend();
    cpus[1].onWakeupEvent();
    byte[] a = WireChecks.save(VcpuPowerState.DESCRIPTION, cpus[0]);
    byte[] b = WireChecks.save(VcpuPowerState.DESCRIPTION, cpus[1]);
    assertArrayEquals(new byte[] {0, 0, 0, 10, 0}, a);
    assertArrayEquals(new byte[] {0, 0, 0, 10, 1}, b);
    VcpuPowerState back =
        WireChecks.loadAndReencode(VcpuPowerState.DESCRIPTION, () -> new VcpuPowerState(1), b, 1);
    assertEquals(VcpuPowerState.MpState.SUSPENDED, back.state());
    assertTrue(back.wakeupPending());
    WireChecks.truncationsFail(VcpuPowerState.DESCRIPTION, () -> new VcpuPowerState(1), b, 1);
  }

  @Test
  void invalidValuesFailTheLoadAndChangeNothing() throws Exception {
    VcpuPowerState p = new VcpuPowerState(3);
    VmStateDecodeException e =
        assertThrows(
            VmStateDecodeException.class,
            () ->
                VmStateCodec.DEFAULT.load(
                    VcpuPowerState.DESCRIPTION, p, new byte[] {0, 0, 0, 7, 0}, 1));
    assertTrue(
        e.getMessage()
            .contains("cpu 3: mp_state 7 is not RUNNABLE (0), STOPPED (5) or SUSPENDED (10)"));
    assertThrows(
        VmStateDecodeException.class,
        () ->
            VmStateCodec.DEFAULT.load(
                VcpuPowerState.DESCRIPTION, p, new byte[] {0, 0, 0, 5, 1}, 1));
    assertEquals(VcpuPowerState.MpState.RUNNABLE, p.state());
  }

  @Test
  void qemuPowerByteMapsLikeQemu() {
    VcpuPowerState p = new VcpuPowerState(0);
    p.applyQemuPowerState(1);
    assertEquals(VcpuPowerState.MpState.STOPPED, p.state());
    p.applyQemuPowerState(0);
    assertEquals(VcpuPowerState.MpState.RUNNABLE, p.state());
    p.suspend();
    p.downgradeForLegacyDestination();
    assertEquals(VcpuPowerState.MpState.RUNNABLE, p.state());
  }
}
