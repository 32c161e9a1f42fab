package io.vmstate.cli.gic;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v2.GicV2State;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed GIC objects for the GIC sections a stream's vmdesc lists, configured from it ({@link
 * GicStreamConfig}) and registered in a {@link DeviceRegistry} under the stream's idstr and
 * instance, so that loading the stream fills them (with their post_load checks) while every other
 * device can be decoded through the vmdesc.
 */
public final class GicDevices {
  private final Map<Long, GicV2State> gicv2 = new LinkedHashMap<>();
  private final Map<Long, GicV3State> gicv3 = new LinkedHashMap<>();
  private final Map<Long, ItsState> its = new LinkedHashMap<>();
  private final List<String> registered = new ArrayList<>();

  private GicDevices() {}

  /** Registers one typed object per {@code arm_gic}, {@code arm_gicv3} and ITS entry. */
  public static GicDevices register(DeviceRegistry registry, Vmdesc vmdesc)
      throws VmStateDecodeException {
    GicDevices g = new GicDevices();
    for (Object o : vmdesc.devices()) {
      if (!(o instanceof Map<?, ?> m)) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> entry = (Map<String, Object>) m;
      String idstr = String.valueOf(entry.get("name"));
      long instance = entry.get("instance_id") instanceof Long l ? l : 0;
      switch (String.valueOf(entry.get("vmsd_name"))) {
        case "arm_gic" -> {
          GicV2State s = new GicV2State(GicStreamConfig.gicv2(vmdesc, entry));
          registry.register(idstr, instance, GicV2State.DESCRIPTION, s);
          g.gicv2.put(instance, s);
        }
        case "arm_gicv3" -> {
          GicV3State s = new GicV3State(GicStreamConfig.gicv3(entry));
          registry.register(idstr, instance, GicV3State.DESCRIPTION, s);
          g.gicv3.put(instance, s);
        }
        case "arm_gicv3_its" -> {
          ItsState s = new ItsState();
          registry.register(idstr, instance, ItsState.DESCRIPTION, s);
          g.its.put(instance, s);
        }
        default -> {
          continue;
        }
      }
      g.registered.add(idstr + ":" + instance);
    }
    return g;
  }

  /** GICv2 states by instance id. */
  public Map<Long, GicV2State> gicv2() {
    return Collections.unmodifiableMap(gicv2);
  }

  /** GICv3 states by instance id. */
  public Map<Long, GicV3State> gicv3() {
    return Collections.unmodifiableMap(gicv3);
  }

  /** ITS states by instance id. */
  public Map<Long, ItsState> its() {
    return Collections.unmodifiableMap(its);
  }

  /** {@code idstr:instance} of every registered section. */
  public List<String> registered() {
    return List.copyOf(registered);
  }
}
