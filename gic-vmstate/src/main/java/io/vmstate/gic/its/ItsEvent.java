package io.vmstate.gic.its;

/**
 * One interrupt translation: event {@code eventId} of a device raises {@code intid} through
 * collection {@code icid}.
 *
 * @param eventId the EventID (index in the device's ITT)
 * @param intid the physical LPI (≥ 8192), or for a virtual translation the vINTID
 * @param icid the collection (physical translations)
 * @param vpeId the vPE of a virtual (GICv4) translation, or -1 for a physical one; the KVM ABI
 *     revision 0 has only physical ones
 */
public record ItsEvent(int eventId, int intid, int icid, int vpeId) {
  /** A physical translation. */
  public static ItsEvent physical(int eventId, int lpi, int icid) {
    return new ItsEvent(eventId, lpi, icid, -1);
  }

  /** Whether this is a virtual (GICv4) translation. */
  public boolean isVirtual() {
    return vpeId >= 0;
  }
}
