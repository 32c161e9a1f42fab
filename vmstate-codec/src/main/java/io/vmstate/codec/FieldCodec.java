package io.vmstate.codec;

import io.vmstate.api.Field;
import io.vmstate.api.VmStateException;

/**
 * The executable form of one field: moves its bytes between an object and the wire. Made once per
 * field when a description is first used; see {@link Plan}.
 */
abstract class FieldCodec<T> {
  final Field<T> field;

  FieldCodec(Field<T> field) {
    this.field = field;
  }

  /**
   * Adds this field's path segment to an error from {@link #save} or {@link #load}, unless the
   * codec already added an indexed one such as {@code cpu[3]}.
   */
  final VmStateException locate(VmStateException e) {
    String top = e.topSegment();
    if (top == null || !top.startsWith(field.name() + "[")) {
      e.inField(field.name());
    }
    return e;
  }

  /**
   * Where element {@code index} (in wire order) of this field starts, the field at {@code start}.
   */
  long elementOffset(long start, int index) {
    return start;
  }

  /** The path segment of element {@code index} (in wire order) of this field. */
  String elementSegment(int index) {
    return field.name();
  }

  /** Whether the observer sees this field as one entry (scalars, arrays, buffers). */
  boolean fieldIsFlat() {
    return true;
  }

  /** The element count the observer is told for flat fields. */
  int flatCount(T obj) {
    int n = field.fixedCount();
    return n >= 0 ? n : -1;
  }

  abstract void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException;

  abstract void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException;
}
