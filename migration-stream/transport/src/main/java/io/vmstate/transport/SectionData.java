package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.protobuf.ByteString;
import io.vmstate.api.SectionRef;

/**
 * One device section's body, QEMU-encoded (the bytes between a FULL section header and its footer),
 * with the section id and identity it travels under.
 */
public record SectionData(int sectionId, SectionRef ref, ByteString data) {
  public SectionData {
    checkNotNull(ref, "ref");
    checkNotNull(data, "data");
  }

  /** Wraps {@code data} without copying: the caller must not change the array afterwards. */
  public static SectionData of(int sectionId, SectionRef ref, byte[] data) {
    return new SectionData(
        sectionId, ref, com.google.protobuf.UnsafeByteOperations.unsafeWrap(data));
  }
}
