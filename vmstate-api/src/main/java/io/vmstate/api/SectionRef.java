package io.vmstate.api;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Identifies one device section of a migration stream: QEMU's idstr, instance id and the version
 * the section was written at.
 */
public record SectionRef(String idstr, long instanceId, int versionId) {
  public SectionRef {
    checkNotNull(idstr, "idstr");
  }

  @Override
  public String toString() {
    return "section '" + idstr + "' (instance " + instanceId + ", version " + versionId + ")";
  }
}
