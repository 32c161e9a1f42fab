package io.vmstate.codec;

import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.WireType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A node of the generic state tree: what a device's state looks like when decoded without a Java
 * class for it. Scalars and arrays keep their wire type (and so their width and signedness);
 * records keep field order and the subsections that arrived.
 */
public sealed interface StateValue
    permits StateValue.Scalar,
        StateValue.Array,
        StateValue.Bytes,
        StateValue.RecordArray,
        StateRecord {

  /** One scalar, as raw bits sign- or zero-extended per its type. */
  record Scalar(WireType type, long bits) implements StateValue {
    public Scalar {
      checkNotNull(type);
    }

    /** The value as an unsigned number where the type is unsigned. */
    @Override
    public String toString() {
      return type.isSigned() ? Long.toString(bits) : Long.toUnsignedString(bits);
    }
  }

  /**
   * An array of scalars in the primitive array that binds its type (see {@link Elements}); bitmaps
   * are {@code long[]} with type {@link WireType#BITMAP}.
   */
  record Array(WireType type, Object values) implements StateValue {
    public Array {
      checkNotNull(type);
      checkNotNull(values);
    }

    /** The number of elements. */
    public int length() {
      return java.lang.reflect.Array.getLength(values);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Array a
          && a.type == type
          && Objects.deepEquals(new Object[] {values}, new Object[] {a.values});
    }

    @Override
    public int hashCode() {
      return type.hashCode() * 31 + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
      return type.qemuName() + Arrays.deepToString(new Object[] {values});
    }
  }

  /** Raw bytes of a buffer or of unused padding. */
  record Bytes(WireType type, byte[] bytes) implements StateValue {
    public Bytes {
      checkNotNull(type);
      checkNotNull(bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && b.type == type && Arrays.equals(b.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return type.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return type.qemuName() + "(" + bytes.length + " bytes)";
    }
  }

  /** Structs of an array; a null element stands for a null pointer slot. */
  record RecordArray(List<StateRecord> elements) implements StateValue {
    public RecordArray {
      elements = Collections.unmodifiableList(new ArrayList<>(elements));
    }
  }
}
