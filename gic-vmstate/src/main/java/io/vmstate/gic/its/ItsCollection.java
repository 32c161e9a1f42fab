package io.vmstate.gic.its;

/**
 * A collection and the redistributor it targets.
 *
 * @param icid the collection ID
 * @param targetCpu the target redistributor's processor number (vCPU index), or {@link #UNMAPPED}
 */
public record ItsCollection(int icid, long targetCpu) {
  /** KVM's "collection not mapped" target (all ones in the 32 bits it reads back). */
  public static final long UNMAPPED = 0xffff_ffffL;

  /** Whether the collection targets a redistributor. */
  public boolean isMapped() {
    return targetCpu != UNMAPPED;
  }
}
