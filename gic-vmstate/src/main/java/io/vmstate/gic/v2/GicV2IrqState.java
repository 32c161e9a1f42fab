package io.vmstate.gic.v2;

import io.vmstate.api.VmStateDescription;

/**
 * One interrupt's distributor state, QEMU's {@code gic_irq_state} (wire struct {@code
 * arm_gic_irq_state}, 7 bytes). The u8 members are CPU bitmasks: bit n is CPU interface n. Shared
 * peripheral interrupts use {@link GicV2State#ALL_CPU_MASK} for "all CPUs".
 */
public final class GicV2IrqState {
  /**
   * {@code arm_gic_irq_state} v1: enabled, pending, active, level (u8), model, edge_trigger (bool),
   * group (u8).
   */
  public static final VmStateDescription<GicV2IrqState> DESCRIPTION =
      VmStateDescription.<GicV2IrqState>named("arm_gic_irq_state")
          .version(1)
          .minimumVersion(1)
          .uint8("enabled", s -> s.enabled, (s, v) -> s.enabled = v)
          .uint8("pending", s -> s.pending, (s, v) -> s.pending = v)
          .uint8("active", s -> s.active, (s, v) -> s.active = v)
          .uint8("level", s -> s.level, (s, v) -> s.level = v)
          .bool("model", s -> s.model, (s, v) -> s.model = v)
          .bool("edge_trigger", s -> s.edgeTrigger, (s, v) -> s.edgeTrigger = v)
          .uint8("group", s -> s.group, (s, v) -> s.group = v)
          .build();

  /** Bytes of one element on the wire. */
  public static final int WIRE_SIZE = 7;

  int enabled;
  int pending;
  int active;
  int level;
  boolean model;
  boolean edgeTrigger;
  int group;

  GicV2IrqState() {}

  GicV2IrqState(GicV2IrqState o) {
    copyFrom(o);
  }

  void copyFrom(GicV2IrqState o) {
    enabled = o.enabled;
    pending = o.pending;
    active = o.active;
    level = o.level;
    model = o.model;
    edgeTrigger = o.edgeTrigger;
    group = o.group;
  }

  /** CPU mask of the interfaces the interrupt is enabled for. */
  public int enabledMask() {
    return enabled;
  }

  /** CPU mask of the interfaces the interrupt is pending on. */
  public int pendingMask() {
    return pending;
  }

  /** CPU mask of the interfaces the interrupt is active on. */
  public int activeMask() {
    return active;
  }

  /** CPU mask of the interfaces whose input line for the interrupt is high. */
  public int levelMask() {
    return level;
  }

  /** CPU mask of the interfaces that see the interrupt in group 1. */
  public int groupMask() {
    return group;
  }

  /** The 1-N model (true) or N-N (false). */
  public boolean isOneOfN() {
    return model;
  }

  /** Whether the interrupt is edge-triggered (else level-sensitive). */
  public boolean isEdgeTriggered() {
    return edgeTrigger;
  }

  /** Whether nothing is set: an interrupt no one touched. */
  boolean isClear() {
    return enabled == 0 && pending == 0 && active == 0 && level == 0 && group == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GicV2IrqState s
        && s.enabled == enabled
        && s.pending == pending
        && s.active == active
        && s.level == level
        && s.model == model
        && s.edgeTrigger == edgeTrigger
        && s.group == group;
  }

  @Override
  public int hashCode() {
    return ((((enabled * 31 + pending) * 31 + active) * 31 + level) * 31 + group) * 4
        + (model ? 2 : 0)
        + (edgeTrigger ? 1 : 0);
  }
}
