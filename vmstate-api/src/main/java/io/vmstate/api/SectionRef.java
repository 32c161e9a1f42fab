package io.vmstate.api;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Identifies one device section of a migration stream: QEMU's idstr, instance id and the version
 * the section was written at (a be32 on the wire, which QEMU reads unsigned: {@link #toString}
 * prints it so).
 */
public record SectionRef(String idstr, long instanceId, int versionId) {
  public SectionRef {
    checkNotNull(idstr, "idstr");
  }

  // equals and hashCode are written out: a record's generated ones are linked through method
  // handles the first time they run (some 50 classes spun and loaded), which every dump paid at
  // start-up, where the reader first compares two sections.
  @Override
  public boolean equals(Object o) {
    return o instanceof SectionRef r
        && instanceId == r.instanceId
        && versionId == r.versionId
        && idstr.equals(r.idstr);
  }

  @Override
  public int hashCode() {
    return (idstr.hashCode() * 31 + Long.hashCode(instanceId)) * 31 + versionId;
  }

  @Override
  public String toString() {
    return "section '"
        + idstr
        + "' (instance "
        + instanceId
        + ", version "
        + Integer.toUnsignedString(versionId)
        + ")";
  }
}
