package io.vmstate.transport;

import com.google.common.collect.ImmutableList;
import io.vmstate.api.Nullable;
import io.vmstate.api.VmStateException;
import java.util.Iterator;
import java.util.List;

/**
 * What a framed source sends: the devices announced in the Hello, then their section bodies, pulled
 * one at a time while the channel is writable (so only the section in flight is held in memory
 * beyond the channel's write buffer).
 */
public interface SectionSource {
  /** Every section that {@link #next} will return, in the same order. */
  List<DeviceInfo> devices();

  /** The next section, or {@code null} when all were returned. Called on the event loop. */
  @Nullable
  SectionData next() throws VmStateException;

  /**
   * Whether the stream these sections come from ends each section with a footer (QEMU's
   * send-section-footer, off for machine types up to 2.3): announced in the Hello ({@code
   * "no-section-footers"}) so that a destination writing a stream writes them exactly then.
   */
  default boolean sectionFooters() {
    return true;
  }

  /**
   * A source over sections already encoded. {@code devices} and {@code sections} must match one to
   * one (the destination refuses a section that was not announced).
   */
  static SectionSource of(List<DeviceInfo> devices, List<SectionData> sections) {
    ImmutableList<DeviceInfo> devs = ImmutableList.copyOf(devices);
    Iterator<SectionData> it = ImmutableList.copyOf(sections).iterator();
    return new SectionSource() {
      @Override
      public List<DeviceInfo> devices() {
        return devs;
      }

      @Override
      public SectionData next() {
        return it.hasNext() ? it.next() : null;
      }
    };
  }
}
