package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import java.util.List;

/**
 * What a framed destination loads into, one instance per incoming migration.
 *
 * <p>The destination first asks {@link #preflight} about the devices the source announced and
 * refuses the migration before any state moves if it lists problems. It then stages every section,
 * verifies every CRC and the totals, and only then calls {@link #apply} once, with everything. A
 * migration that fails before that point never calls {@code apply}.
 */
public interface MigrationTarget {
  /** Problems that would make the announced devices fail to load; empty to accept. */
  List<Problem> preflight(List<DeviceInfo> announced);

  /**
   * Loads all sections, in stream order. Must be all-or-nothing: if it throws, the target's state
   * is exactly as it was before the call.
   */
  void apply(List<SectionData> sections) throws VmStateException;

  /**
   * {@link #apply(List)} for a source whose stream has section footers or not ({@link
   * SectionSource#sectionFooters}); targets that write a stream override it to write them exactly
   * when the source had them.
   */
  default void apply(List<SectionData> sections, boolean sectionFooters) throws VmStateException {
    apply(sections);
  }
}
