package io.vmstate.cpu;

import io.vmstate.api.Nullable;
import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;

/**
 * The power (MP) state of one vCPU as KVM/arm64 has it, and how it travels.
 *
 * <p>States (KVM_MP_STATE_* values): {@link MpState#RUNNABLE}, {@link MpState#STOPPED} (powered
 * off, PSCI CPU_OFF) and {@link MpState#SUSPENDED} (KVM_RUN emulates a WFI). Suspension is sticky:
 * a wakeup event (a pending interrupt) makes KVM_RUN exit with KVM_SYSTEM_EVENT_WAKEUP, but the
 * vCPU stays SUSPENDED until userspace sets RUNNABLE ({@link #resume}); {@link #onWakeupEvent}
 * records that the exit happened.
 *
 * <p>Wire choice. QEMU's {@code cpu} section carries only a 1-byte power state (0 on, 1 off), so
 * QEMU turns SUSPENDED into RUNNABLE. RUNNABLE and STOPPED are fully carried by that byte ({@link
 * #qemuPowerState}), so nothing else is sent for them. SUSPENDED needs more, and every way of
 * sending more is fatal to a destination that does not know it: an unknown section fails with
 * "Unknown savevm section", an unknown subsection of a known device fails that device. We use our
 * own top-level section {@code vcpu_mp_state} (one per vCPU, instance id = CPU index) whose {@code
 * needed} is true only while the vCPU is SUSPENDED, so the section is omitted otherwise: a stream
 * of vCPUs that are running or off is exactly what QEMU writes, and a stream of a suspended vCPU
 * fails loudly at a destination that cannot resume it suspended, instead of waking it silently. A
 * VMM that prefers QEMU's behaviour (an architecturally allowed spurious wakeup) calls {@link
 * #downgradeForLegacyDestination} before saving.
 */
public final class VcpuPowerState {
  /** KVM's MP states on arm64, with their KVM_MP_STATE_* values. */
  public enum MpState {
    RUNNABLE(0),
    STOPPED(5),
    SUSPENDED(10);

    private final int kvmValue;

    MpState(int kvmValue) {
      this.kvmValue = kvmValue;
    }

    /** The KVM_MP_STATE_* value. */
    public int kvmValue() {
      return kvmValue;
    }

    /** The state with this KVM value, or null. */
    public static @Nullable MpState ofKvm(int v) {
      for (MpState s : values()) {
        if (s.kvmValue == v) {
          return s;
        }
      }
      return null;
    }
  }

  /** QEMU's power_state byte: PSCI_ON. */
  public static final int QEMU_POWER_ON = 0;

  /** QEMU's power_state byte: PSCI_OFF. */
  public static final int QEMU_POWER_OFF = 1;

  private final int cpuIndex;
  private MpState state = MpState.RUNNABLE;
  private boolean wakeupPending;
  private int rawState;

  /** The power state of CPU {@code cpuIndex}, runnable. */
  public VcpuPowerState(int cpuIndex) {
    this.cpuIndex = cpuIndex;
  }

  private VcpuPowerState(VcpuPowerState o) {
    this.cpuIndex = o.cpuIndex;
    this.state = o.state;
    this.wakeupPending = o.wakeupPending;
    this.rawState = o.rawState;
  }

  /** The section instance id (QEMU registers CPUs with instance id = cpu_index). */
  public int cpuIndex() {
    return cpuIndex;
  }

  /** The MP state. */
  public MpState state() {
    return state;
  }

  /** Whether a wakeup event arrived while suspended and userspace has not resumed yet. */
  public boolean wakeupPending() {
    return wakeupPending;
  }

  /** KVM_SET_MP_STATE(SUSPENDED); only a running vCPU can suspend. */
  public void suspend() {
    require(MpState.RUNNABLE, "suspend");
    state = MpState.SUSPENDED;
    wakeupPending = false;
  }

  /** KVM_RUN exited with KVM_SYSTEM_EVENT_WAKEUP: the vCPU stays SUSPENDED (sticky). */
  public void onWakeupEvent() {
    require(MpState.SUSPENDED, "take a wakeup");
    wakeupPending = true;
  }

  /** Userspace honours the wakeup: KVM_SET_MP_STATE(RUNNABLE). */
  public void resume() {
    require(MpState.SUSPENDED, "resume");
    state = MpState.RUNNABLE;
    wakeupPending = false;
  }

  /** PSCI CPU_OFF. */
  public void powerOff() {
    state = MpState.STOPPED;
    wakeupPending = false;
  }

  /** PSCI CPU_ON of a stopped vCPU. */
  public void powerOn() {
    require(MpState.STOPPED, "power on");
    state = MpState.RUNNABLE;
  }

  private void require(MpState s, String what) {
    if (state != s) {
      throw new IllegalStateException("cpu " + cpuIndex + " is " + state + ", cannot " + what);
    }
  }

  /** The byte QEMU's {@code cpu} section carries: OFF for STOPPED, ON otherwise. */
  public int qemuPowerState() {
    return state == MpState.STOPPED ? QEMU_POWER_OFF : QEMU_POWER_ON;
  }

  /** Applies QEMU's byte (non-zero = off), as QEMU's put-registers maps it to KVM. */
  public void applyQemuPowerState(int powerState) {
    state = powerState != 0 ? MpState.STOPPED : MpState.RUNNABLE;
    wakeupPending = false;
  }

  /** Whether the {@code vcpu_mp_state} section is sent: only for what QEMU's byte cannot carry. */
  public boolean needsSection() {
    return state == MpState.SUSPENDED;
  }

  /** QEMU's behaviour for a destination without the section: SUSPENDED becomes RUNNABLE. */
  public void downgradeForLegacyDestination() {
    if (state == MpState.SUSPENDED) {
      state = MpState.RUNNABLE;
      wakeupPending = false;
    }
  }

  public static final StateCopier<VcpuPowerState> COPIER =
      StateCopier.of(
          VcpuPowerState::new,
          (source, target) -> {
            target.state = source.state;
            target.wakeupPending = source.wakeupPending;
            target.rawState = source.rawState;
          });

  private void checkLoaded() throws VmStateException {
    MpState s = MpState.ofKvm(rawState);
    if (s == null) {
      throw VmStateDecodeException.validationFailed(
          "cpu "
              + cpuIndex
              + ": mp_state "
              + rawState
              + " is not RUNNABLE (0), STOPPED (5) or SUSPENDED (10)");
    }
    if (wakeupPending && s != MpState.SUSPENDED) {
      throw VmStateDecodeException.validationFailed(
          "cpu "
              + cpuIndex
              + ": a pending wakeup with mp_state "
              + s
              + " (only SUSPENDED has one)");
    }
    state = s;
  }

  /**
   * {@code vcpu_mp_state} v1 (our own section, one per vCPU, instance id = CPU index): {@code
   * mp_state} u32 (KVM value), {@code wakeup_pending} bool. Needed only while SUSPENDED (see the
   * class comment); the stream layer omits a top-level section whose {@code needed} is false. A
   * destination applies it after the {@code cpu} section, so it overrides the power byte.
   */
  public static final VmStateDescription<VcpuPowerState> DESCRIPTION =
      VmStateDescription.<VcpuPowerState>named("vcpu_mp_state")
          .version(1)
          .minimumVersion(1)
          .copier(COPIER)
          .needed(VcpuPowerState::needsSection)
          .preSave(p -> p.rawState = p.state.kvmValue())
          .postLoad((p, v) -> p.checkLoaded())
          .uint32("mp_state", p -> p.rawState, (p, v) -> p.rawState = v)
          .bool("wakeup_pending", p -> p.wakeupPending, (p, v) -> p.wakeupPending = v)
          .build();
}
