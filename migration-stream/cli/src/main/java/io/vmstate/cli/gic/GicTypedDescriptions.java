package io.vmstate.cli.gic;

import io.vmstate.gic.its.ItsState;
import io.vmstate.gic.v2.GicV2State;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.TypedDescriptions;
import java.util.List;

/**
 * Contributes the gic-vmstate descriptions of {@code arm_gic}, {@code arm_gicv3} and {@code
 * arm_gicv3_its} to {@link TypedDescriptions} (listed in {@code META-INF/services}). The GICv3's
 * per-CPU count is configuration, not on the wire: it is taken from the device's vmdesc entry
 * ({@link GicStreamConfig#gicv3CpuCount}), or, in a stream without a vmdesc, found by trying counts
 * until the section's body decodes exactly to its footer ({@link TypedDescriptions.SearchedCount}).
 */
public final class GicTypedDescriptions implements TypedDescriptions.Provider {
  @Override
  public List<TypedDescriptions.Entry> descriptions() {
    return List.of(
        new TypedDescriptions.Entry(GicV2State.DESCRIPTION, TypedDescriptions.Configure.NONE),
        new TypedDescriptions.Entry(
                GicV3State.DESCRIPTION,
                (entry, record) ->
                    record.setConfig(GicStreamConfig.NUM_CPU, GicStreamConfig.gicv3CpuCount(entry)))
            .withSearchedCount(
                new TypedDescriptions.SearchedCount(
                    GicStreamConfig.NUM_CPU, 1, GicV3Config.MAX_CPUS)),
        new TypedDescriptions.Entry(ItsState.DESCRIPTION, TypedDescriptions.Configure.NONE));
  }
}
