package io.vmstate.codec;

import io.vmstate.api.Field;
import io.vmstate.api.VmStateDescription;

/**
 * Watches a save as it happens, with stream positions: the stream layer uses it to write QEMU's
 * vmdesc JSON (one entry per field element, with its size in bytes), tools use it to map offsets to
 * field paths. Every method has an empty default.
 */
public interface SaveObserver {
  /** A description starts: the top level, a struct element, a container element or a subsection. */
  default void beginDescription(VmStateDescription<?> d, int version) {}

  /** Its field list ended; subsections (if any are sent) follow. */
  default void endFields() {}

  /** A subsection is about to be written (its header comes next). */
  default void beginSubsection(VmStateDescription<?> sub, int version) {}

  default void endSubsection() {}

  default void endDescription() {}

  /**
   * A field's bytes start at {@code position}. For scalar, array and buffer fields this is called
   * once with {@code index} -1 and {@code count} elements; for struct-like fields (structs, struct
   * arrays, containers, tmp) once per element with its index, and for null pointer elements with
   * {@code nullElement} true.
   */
  default void beginField(Field<?> f, int index, int count, boolean nullElement, long position) {}

  /** The field (or element) begun last ends at {@code position}. */
  default void endField(Field<?> f, long position) {}
}
